import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { Token } from "cdktf";
import { Construct } from "constructs";
import { checkFields } from "../config/check-props";
import { ServiceSchema } from "../config/schema";

export interface ImageRepositoryProps {
  /**
   * Name of the repository, e.g. `acme-stage-api` (Naming.repositoryName: the deploy role may push
   * to this name only). Lowercase letters, digits and `-`, `_`, `.`, `/` between them, 2 to 256 characters.
   */
  readonly repositoryName: string;
  /** Images the repository keeps, 1 to 1000 (the configuration's `service.keepImages`); older ones expire. */
  readonly keepImages: number;
}

/** ECR's rule for repository names (CreateRepository). */
const REPOSITORY_NAME = /^(?=.{2,256}$)[a-z0-9]+(?:[._-][a-z0-9]+)*(?:\/[a-z0-9]+(?:[._-][a-z0-9]+)*)*$/;

/**
 * The ECR repository the API's images are pushed to: tags immutable (a deploy pushes a new tag, one
 * tag can never name other code), scanned on push, AES256-encrypted, never force-deleted (the images
 * are the user's releases), and keeping the last `keepImages` images.
 */
export class ImageRepository extends Construct {
  /** `<account>.dkr.ecr.<region>.amazonaws.com/<name>`: what an image is pushed to and pulled from. */
  readonly repositoryUrl: string;
  readonly repositoryName: string;
  /** ARN of the repository: what a role that pulls the images is granted. */
  readonly repositoryArn: string;

  constructor(scope: Construct, id: string, props: ImageRepositoryProps) {
    super(scope, id);
    checkFields("ImageRepository", { keepImages: ServiceSchema.unwrap().shape.keepImages }, props);
    if (!Token.isUnresolved(props.repositoryName) && !REPOSITORY_NAME.test(props.repositoryName)) {
      throw new Error(
        `ImageRepository: repositoryName "${props.repositoryName}" is not an ECR repository name; use lowercase letters ` +
          'and digits with "-", "_", "." or "/" between them, 2 to 256 characters, e.g. "acme-stage-api"',
      );
    }

    const repository = new EcrRepository(this, "repository", {
      name: props.repositoryName,
      // Deploys push a new commit-SHA tag each time; a tag can never be repointed at other code.
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: [{ encryptionType: "AES256" }],
      // The images are the user's releases: deleting a repository that still holds some must fail.
      forceDelete: false,
    });
    new EcrLifecyclePolicy(this, "repository-lifecycle", {
      repository: repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: `Keep the last ${props.keepImages} images`,
            selection: { tagStatus: "any", countType: "imageCountMoreThan", countNumber: props.keepImages },
            action: { type: "expire" },
          },
        ],
      }),
    });

    this.repositoryUrl = repository.repositoryUrl;
    this.repositoryName = repository.name;
    this.repositoryArn = repository.arn;
  }
}
