/**
 * What a pull request's preview takes (README "Previews"), declared once per family in the shape of
 * families.ts: the preview stack's resource types and the actions Terraform calls for them, taken from
 * the environment families' lists where a family already declares them (pick() refuses an action its
 * family does not list, so a family's list stays the one source), plus the two families only a preview
 * has (its database secret, its DNS record). The preview role (preview-role.ts) grants these lists on
 * preview names and the `Environment=preview` tag.
 */
import { CONTAINERS_FAMILY, LOAD_BALANCER_FAMILY, NETWORK_FAMILY, type ResourceFamily } from "./families";
import { LOG_GROUP_FAMILY, REPOSITORY_FAMILY } from "./families-named";

/** The actions of `family` named here, each checked to be one the family declares (changes, margin or reads). */
export function pick(family: ResourceFamily, actions: readonly string[]): string[] {
  const declared = new Set([...family.changes, ...(family.margin?.actions ?? []), ...family.reads, ...(family.lists ?? [])]);
  const unknown = actions.filter((a) => !declared.has(a));
  if (unknown.length > 0) {
    throw new Error(`preview permissions: ${unknown.join(", ")} not declared by the ${family.name} family; declare it there first`);
  }
  return [...actions];
}

/** A preview's service and task definitions in the host's cluster, and the database setup task it runs. */
export const PREVIEW_CONTAINERS = {
  resources: ["aws_ecs_service", "aws_ecs_task_definition"],
  /** Created with the preview's tag (aws:RequestTag), on its names. */
  createService: pick(CONTAINERS_FAMILY, ["ecs:CreateService"]),
  register: pick(CONTAINERS_FAMILY, ["ecs:RegisterTaskDefinition"]),
  /** Changed and deleted only when tagged as a preview's. */
  changes: pick(CONTAINERS_FAMILY, ["ecs:UpdateService", "ecs:DeleteService", "ecs:TagResource", "ecs:UntagResource"]),
  /** The database setup task (create and drop a preview's database), in the host's cluster only. */
  run: pick(CONTAINERS_FAMILY, ["ecs:RunTask"]),
  /** A database task that hangs, stopped by the workflow: only a task that carries the preview's tag. */
  stop: pick(CONTAINERS_FAMILY, ["ecs:StopTask"]),
  /** IAM authorises it on "*" only: listed in PREVIEW_FENCE_EXCEPTIONS (audit/iam/preview-writes.ts). */
  deregister: pick(CONTAINERS_FAMILY, ["ecs:DeregisterTaskDefinition"]),
  reads: pick(CONTAINERS_FAMILY, ["ecs:Describe*", "ecs:List*"]),
} as const;

/** A preview's target group, and its rule on the host's listener. */
export const PREVIEW_LOAD_BALANCING = {
  resources: ["aws_lb_target_group", "aws_lb_listener_rule"],
  createTargetGroup: pick(LOAD_BALANCER_FAMILY, ["elasticloadbalancing:CreateTargetGroup"]),
  targetGroupChanges: pick(LOAD_BALANCER_FAMILY, [
    "elasticloadbalancing:ModifyTargetGroup",
    "elasticloadbalancing:ModifyTargetGroupAttributes",
    "elasticloadbalancing:DeleteTargetGroup",
  ]),
  /** On the host's listener, with the preview's tag on the request: the one write of the host's the role has. */
  createRule: pick(LOAD_BALANCER_FAMILY, ["elasticloadbalancing:CreateRule"]),
  ruleChanges: pick(LOAD_BALANCER_FAMILY, ["elasticloadbalancing:ModifyRule", "elasticloadbalancing:DeleteRule"]),
  tags: pick(LOAD_BALANCER_FAMILY, ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"]),
  reads: pick(LOAD_BALANCER_FAMILY, ["elasticloadbalancing:Describe*"]),
} as const;

/** A preview's security group and its rules, in the host's VPC. */
export const PREVIEW_NETWORK = {
  resources: ["aws_security_group", "aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"],
  /** Also authorised on the host's VPC (the group is made in it): listed in PREVIEW_FENCE_EXCEPTIONS. */
  createGroup: pick(NETWORK_FAMILY, ["ec2:CreateSecurityGroup"]),
  ruleChanges: pick(NETWORK_FAMILY, [
    "ec2:DeleteSecurityGroup",
    "ec2:AuthorizeSecurityGroupIngress",
    "ec2:AuthorizeSecurityGroupEgress",
    "ec2:RevokeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupEgress",
    "ec2:ModifySecurityGroupRules",
    "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
    "ec2:UpdateSecurityGroupRuleDescriptionsEgress",
  ]),
  /** The create actions whose tags the request carries (ec2:CreateAction). */
  tagOnCreate: ["CreateSecurityGroup", "AuthorizeSecurityGroupIngress", "AuthorizeSecurityGroupEgress"],
  reads: pick(NETWORK_FAMILY, ["ec2:Describe*", "ec2:GetSecurityGroupsForVpc"]),
} as const;

/** A preview's log group (`/ecs/<project>-pr-<n>/api`): the log group family's whole list, on preview names. */
export const PREVIEW_LOGS = {
  resources: ["aws_cloudwatch_log_group"],
  actions: [...LOG_GROUP_FAMILY.changes, ...LOG_GROUP_FAMILY.reads],
  lists: [...(LOG_GROUP_FAMILY.lists ?? [])],
} as const;

/** A push (skopeo), a pull and the deletion of a closed pull request's images, in the previews' repository. */
export const PREVIEW_IMAGES = {
  resources: ["data.aws_ecr_repository", "data.aws_ecr_image"],
  actions: [
    ...pick(REPOSITORY_FAMILY, [
      "ecr:DescribeRepositories",
      "ecr:ListTagsForResource",
      "ecr:DescribeImages",
      "ecr:ListImages",
      "ecr:BatchGetImage",
      "ecr:BatchCheckLayerAvailability",
      "ecr:GetDownloadUrlForLayer",
      "ecr:InitiateLayerUpload",
      "ecr:UploadLayerPart",
      "ecr:CompleteLayerUpload",
      "ecr:PutImage",
    ]),
    // The repository's lifecycle expires what a failed close leaves; a close deletes its pull request's images at once.
    "ecr:BatchDeleteImage",
  ],
  lists: pick(REPOSITORY_FAMILY, ["ecr:GetAuthorizationToken"]),
} as const;

/**
 * A preview's database password (aws_secretsmanager_secret): the only family without an environment
 * counterpart (an environment's database secret is RDS's own). Terraform makes it empty; preview.yml puts
 * its first value (PutSecretValue after DescribeSecret shows no version). No value is ever read back.
 */
export const PREVIEW_SECRET_FAMILY: ResourceFamily = {
  name: "preview database secret",
  resources: ["aws_secretsmanager_secret"],
  changes: [
    "secretsmanager:CreateSecret",
    "secretsmanager:DeleteSecret",
    "secretsmanager:PutSecretValue",
    "secretsmanager:UpdateSecret",
    "secretsmanager:TagResource",
    "secretsmanager:UntagResource",
  ],
  reads: ["secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy"],
};

/** A preview's DNS name `pr-<n>.<domain>` in the previews' hosted zone (with `previews.domain` only). */
export const PREVIEW_RECORD_FAMILY: ResourceFamily = {
  name: "preview DNS record",
  resources: ["aws_route53_record"],
  changes: ["route53:ChangeResourceRecordSets"],
  reads: ["route53:GetHostedZone", "route53:ListResourceRecordSets", "route53:ListTagsForResource"],
  lists: ["route53:GetChange"],
};

/** What a plan of a preview reads of the host (its data sources): VPC, subnets, load balancer, listener, cluster, database. */
export const PREVIEW_HOST_READS = ["rds:DescribeDBInstances"];
