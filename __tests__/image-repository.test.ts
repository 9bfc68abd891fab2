import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import { ImageRepository, type ImageRepositoryProps } from "../constructs/image-repository";
import { buildApi, output, ref } from "./support/api-fixture";
import { addresses, only, parse } from "./support/synth";

function build(overrides: Partial<ImageRepositoryProps> = {}) {
  const stack = new TerraformStack(Testing.app(), "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  new ImageRepository(stack, "api", { repositoryName: "acme-stage-api", keepImages: 20, ...overrides });
  const synth = Testing.synth(stack);
  return { synth, tf: parse(synth) };
}

describe("ImageRepository", () => {
  it("is immutable, scanned on push, AES256-encrypted and never force-deleted", () => {
    expect(build().synth).toHaveResourceWithProperties(EcrRepository, {
      name: "acme-stage-api",
      image_tag_mutability: "IMMUTABLE",
      image_scanning_configuration: { scan_on_push: true },
      encryption_configuration: [{ encryption_type: "AES256" }],
      force_delete: false,
    });
  });

  it("keeps its resource ids, which the environment stack's addresses are made of", () => {
    const { tf } = build();
    expect(addresses(tf, "aws_ecr_repository")).toEqual(["aws_ecr_repository.api_repository_FDDB512F"]);
    expect(addresses(tf, "aws_ecr_lifecycle_policy")).toEqual(["aws_ecr_lifecycle_policy.api_repository-lifecycle_0E9830EC"]);
  });

  it("keeps the last keepImages images of any tag", () => {
    const { tf } = build({ keepImages: 7 });
    const lifecycle = only(tf, "aws_ecr_lifecycle_policy");
    expect(lifecycle.repository).toBe(ref(tf, "aws_ecr_repository", "name"));
    const rules = JSON.parse(lifecycle.policy).rules;
    expect(rules).toHaveLength(1);
    expect(rules[0].selection).toEqual({ tagStatus: "any", countType: "imageCountMoreThan", countNumber: 7 });
    expect(rules[0].action).toEqual({ type: "expire" });
  });

  it("exposes the repository's URL, name and ARN", () => {
    const { tf } = buildApi();
    expect(output(tf, "repository_repositoryUrl")).toBe(ref(tf, "aws_ecr_repository", "repository_url"));
    expect(output(tf, "repository_repositoryName")).toBe(ref(tf, "aws_ecr_repository", "name"));
    expect(output(tf, "repository_repositoryArn")).toBe(ref(tf, "aws_ecr_repository", "arn"));
  });

  describe("validation", () => {
    it("rejects keepImages outside the configuration's range, with the configuration's fix", () => {
      expect(() => build({ keepImages: 0 })).toThrow(/^ImageRepository: keepImages 0 must be a whole number from 1 to 1000; use e.g. 20$/);
      expect(() => build({ keepImages: 1001 })).toThrow(/keepImages 1001 must be a whole number from 1 to 1000/);
      expect(() => build({ keepImages: 2.5 })).toThrow(/keepImages 2.5 must be a whole number/);
      expect(() => build({ keepImages: 1000 })).not.toThrow();
    });

    it("rejects a name ECR refuses", () => {
      for (const bad of ["Acme-Stage-Api", "acme_", "-acme", "a", "acme//api"]) {
        expect(() => build({ repositoryName: bad })).toThrow(
          new RegExp(`ImageRepository: repositoryName "${bad.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}" is not an ECR repository name`),
        );
      }
      expect(() => build({ repositoryName: "acme/stage-api.v2" })).not.toThrow();
    });
  });
});
