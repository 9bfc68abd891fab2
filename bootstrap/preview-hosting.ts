import { EcrLifecyclePolicy } from "@cdktf/provider-aws/lib/ecr-lifecycle-policy";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { IamPolicy } from "@cdktf/provider-aws/lib/iam-policy";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { Construct } from "constructs";
import {
  PREVIEW_ENVIRONMENT_TAG,
  PREVIEW_WORKLOAD_ROLES,
  type PreviewWorkloadRole,
  previewRepositoryName,
  previewRolePath,
  previewWorkloadBoundaryName,
  previewWorkloadRoleName,
} from "../config/preview-naming";
import { exemptAll } from "../lib/audit-exemptions";
import { policyJson } from "../lib/policy";
import type { PermissionsContext } from "./permissions";
import {
  PREVIEW_WORKLOAD_BOUNDARY_EXEMPTIONS,
  PREVIEW_WORKLOAD_EXEMPTIONS,
  previewWorkloadBoundaryPolicy,
  previewWorkloadPolicy,
} from "./permissions/preview-workloads";

export interface PreviewHostingProps {
  /** The names and place of the host account (its bootstrap's). */
  readonly ctx: PermissionsContext;
  /** The project's name: `<project>-previews` and `<project>-pr-*` are the previews' names. */
  readonly project: string;
  /** The environment whose account this is and whose VPC, load balancer, cluster and database server previews share. */
  readonly host: string;
  /**
   * Days a preview may go without a push before the reaper destroys it; the repository expires an
   * image this long plus 7 days after its push (a preview redeployed by then has pushed a newer one).
   */
  readonly idleDays: number;
}

/** What each preview workload role is for. */
const DESCRIPTIONS: Readonly<Record<PreviewWorkloadRole, string>> = {
  execution: "ECS pulls a preview's image, writes its logs and reads its database secret",
  task: "A pull request's preview application: no AWS permissions",
  "database-setup": "Creates and drops a preview's database with the previews' admin login",
};

/**
 * What every preview of the host's account shares and no preview may change (README "Previews"): the
 * previews' image repository (`<project>-previews`, tagged as a preview's, so the preview role pushes
 * to it and never to the host's), and the roles previews run as, under previewRolePath with the previews'
 * boundary, their policies written here: the preview role writes no IAM.
 */
export class PreviewHosting extends Construct {
  readonly repositoryUrl: string;
  readonly repositoryArn: string;
  readonly boundaryArn: string;
  readonly roles: Readonly<Record<PreviewWorkloadRole, IamRole>>;

  constructor(scope: Construct, id: string, props: PreviewHostingProps) {
    super(scope, id);
    const { ctx, project, host } = props;
    const tags = { Environment: PREVIEW_ENVIRONMENT_TAG };
    const repository = new EcrRepository(this, "repository", {
      name: previewRepositoryName(project),
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      // ECR's AWS-managed key: pushes and pulls need no key grant of their own.
      encryptionConfiguration: [{ encryptionType: "KMS" }],
      forceDelete: false,
      tags,
    });
    const expireDays = props.idleDays + 7;
    new EcrLifecyclePolicy(this, "repository-lifecycle", {
      repository: repository.name,
      policy: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: `Expire preview images ${expireDays} days after their push (idleDays + 7)`,
            selection: { tagStatus: "any", countType: "sinceImagePushed", countUnit: "days", countNumber: expireDays },
            action: { type: "expire" },
          },
        ],
      }),
    });
    const options = { project, host };
    const boundary = new IamPolicy(this, "workload-boundary", {
      name: previewWorkloadBoundaryName(project),
      description: "Permissions boundary of every role previews run as",
      policy: previewWorkloadBoundaryPolicy(ctx, options),
    });
    exemptAll(boundary, PREVIEW_WORKLOAD_BOUNDARY_EXEMPTIONS);
    const role = (kind: PreviewWorkloadRole): IamRole => {
      const created = new IamRole(this, kind, {
        name: previewWorkloadRoleName(project, kind),
        path: previewRolePath(project),
        description: DESCRIPTIONS[kind],
        permissionsBoundary: boundary.arn,
        assumeRolePolicy: policyJson({
          Sid: "ServiceOfThisAccount",
          Effect: "Allow",
          Principal: { Service: "ecs-tasks.amazonaws.com" },
          Action: "sts:AssumeRole",
          Condition: { StringEquals: { "aws:SourceAccount": ctx.accountId } },
        }),
      });
      const policy = previewWorkloadPolicy(ctx, options, kind);
      const inline = policy && new IamRolePolicy(this, `${kind}-policy`, { name: "permissions", role: created.id, policy });
      // Only the execution role logs in to the registry (the setup task's image is public).
      if (inline && kind === "execution") exemptAll(inline, PREVIEW_WORKLOAD_EXEMPTIONS);
      return created;
    };
    this.roles = Object.fromEntries(PREVIEW_WORKLOAD_ROLES.map((kind) => [kind, role(kind)])) as Record<PreviewWorkloadRole, IamRole>;
    this.repositoryUrl = repository.repositoryUrl;
    this.repositoryArn = repository.arn;
    this.boundaryArn = boundary.arn;
  }
}
