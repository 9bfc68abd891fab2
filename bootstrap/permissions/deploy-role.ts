/**
 * The deploy role of each environment (GitHub Actions jobs in that environment). Its CloudFront and
 * monitoring statements, and its audit exemptions, are in the deploy-role-*.ts files beside this one.
 */
import { type PolicyStatement, policyJson } from "../../lib/policy";
import { ACCOUNT_LEVEL_LOGS_ACTIONS, ACCOUNT_LEVEL_SETTINGS_ACTIONS, ECR_DENIED_ACTIONS } from "./account-level-denies";
import { cloudfrontStatements } from "./deploy-role-cloudfront";
import { alarmRegions, monitoringStatements } from "./deploy-role-monitoring";
import { secretDeployStatements } from "./deploy-role-secrets";
import { workloadDeployStatements } from "./deploy-role-workloads";
import { familyActions, familyServices, NETWORK_TAGGING, REGIONAL_FAMILIES, STORAGE_FAMILY } from "./families";
import { ALARM_FAMILY, DASHBOARD_FAMILY, LOG_GROUP_FAMILY, REPOSITORY_FAMILY } from "./families-named";
import {
  actionOrActions,
  allow,
  allowInRegion,
  bucketsAndObjects,
  databaseSecretsArn,
  deny,
  environmentBuckets,
  lockItemKeys,
  notOtherEnvironments,
  type PermissionsContext,
  repositoryArn,
  stateKeyUse,
} from "./statements";
import { WORKLOAD_SERVICE_PRINCIPALS } from "./workload-boundary";

export interface DeployRoleOptions {
  /**
   * The account hosts this environment alone (an account per environment): no other environment's
   * untaggable CloudFront objects can be in it, so updating them in place is granted.
   * @default false - a shared account: such updates are denied
   */
  readonly exclusiveAccount?: boolean;
}

/** The services of the regional families, for the deny on other environments' tagged resources. */
const REGIONAL_SERVICES = familyServices(REGIONAL_FAMILIES);

/**
 * What Terraform reads of the environment's workload roles (the bootstrap creates them) while it
 * writes their inline policies (OwnRolePoliciesWithinBoundary).
 */
const OWN_ROLE_READS = [
  "iam:GetRole",
  "iam:ListRoleTags",
  "iam:GetRolePolicy",
  "iam:ListRolePolicies",
  "iam:ListAttachedRolePolicies",
  "iam:ListInstanceProfilesForRole",
];

/**
 * What no deploy role may do, on any role or policy: create or delete a role, write its trust
 * (IAM has no condition key on the trust policy these write, so a role could be made assumable by
 * anyone), change its boundary or attach, create or rewrite managed policies. The workload roles are
 * the bootstrap's (bootstrap/workload-roles.ts); a deploy role only writes their inline policies.
 * Denied explicitly, so that no grant added later can allow them.
 */
export const DEPLOY_ROLE_DENIED_IAM_ACTIONS = [
  "iam:CreateRole",
  "iam:DeleteRole",
  "iam:UpdateAssumeRolePolicy",
  "iam:UpdateRole",
  "iam:UpdateRoleDescription",
  "iam:PutRolePermissionsBoundary",
  "iam:DeleteRolePermissionsBoundary",
  "iam:AttachRolePolicy",
  "iam:DetachRolePolicy",
  "iam:TagRole",
  "iam:UntagRole",
  "iam:CreatePolicy",
  "iam:CreatePolicyVersion",
  "iam:DeletePolicy",
  "iam:DeletePolicyVersion",
  "iam:SetDefaultPolicyVersion",
  "iam:CreateUser",
  "iam:CreateAccessKey",
  "iam:CreateLoginProfile",
  "iam:CreateInstanceProfile",
  "iam:AddRoleToInstanceProfile",
];

/** The services whose service-linked roles an environment needs. */
const SERVICE_LINKED_ROLE_SERVICES = [
  "ecs.amazonaws.com",
  "elasticloadbalancing.amazonaws.com",
  "rds.amazonaws.com",
  "ecs.application-autoscaling.amazonaws.com",
];

/**
 * The deploy role of one environment: its own state and lock entries only, and the resources of
 * its own environment (the inline policies of its workload roles by path, buckets by name; other
 * resources by region, with a deny on anything tagged for another environment). It creates no role
 * and changes no trust, and cannot read database secrets.
 */
export function deployRolePolicy(ctx: PermissionsContext, environment: string, options: DeployRoleOptions = {}): string {
  return policyJson(
    ...stateStatements(ctx, environment),
    ...regionalStatements(ctx, environment),
    ...logStatements(ctx, environment),
    ...roleStatements(ctx, environment),
    // By exact name: `<prefix>-*` would also match another project's buckets (project acme-stage).
    allow("OwnBuckets", familyActions([STORAGE_FAMILY]), bucketsAndObjects(environmentBuckets(ctx.naming, environment))),
    ...cloudfrontStatements(ctx, environment, options.exclusiveAccount ?? false),
    ...supportStatements(ctx),
    ...monitoringStatements(ctx, environment),
    ...workloadDeployStatements(ctx, environment),
    ...secretDeployStatements(ctx, environment),
  );
}

/** Its own state objects and lock entries, and the state key. */
function stateStatements(ctx: PermissionsContext, environment: string): PolicyStatement[] {
  const { naming } = ctx;
  return [
    allow("OwnStateObjects", ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"], `${naming.stateBucketArn}/${environment}/*`),
    allow("ListStateBucket", "s3:ListBucket", naming.stateBucketArn),
    allow("OwnLockEntries", ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"], naming.lockTableArn, {
      "ForAllValues:StringEquals": { "dynamodb:LeadingKeys": lockItemKeys(naming, environment) },
    }),
    stateKeyUse(ctx),
  ];
}

/** The regional services and its ECR repository, fenced off other environments' tagged resources. */
function regionalStatements(ctx: PermissionsContext, environment: string): PolicyStatement[] {
  return [
    // The actions each family declares (families.ts), not whole services: no account-wide switch, no sharing.
    allowInRegion("RegionalInfrastructure", familyActions(REGIONAL_FAMILIES), ctx.region),
    ...REGIONAL_FAMILIES.flatMap(({ byResourceType: typed }) =>
      typed
        ? [
            allow(
              "NetworkChangesOffInterfaces",
              [...typed.actions],
              typed.resourceTypes.map((t) => `arn:aws:ec2:${ctx.region}:${ctx.accountId}:${t}/*`),
            ),
          ]
        : [],
    ),
    ...networkTagStatements(ctx, environment),
    ...dashboardAndAlarmStatements(ctx, environment),
    allow("OwnRepositories", familyActions([REPOSITORY_FAMILY]), repositoryArn(ctx, environment)),
    allowInRegion("RegistryLogin", actionOrActions(REPOSITORY_FAMILY.lists ?? []), ctx.region),
    deny("NoRepositoryOrRegistryPolicies", ECR_DENIED_ACTIONS),
    notOtherEnvironments(environment, [...REGIONAL_SERVICES, "cloudwatch:*", "logs:*", "ecr:*", "cloudfront:*", "secretsmanager:*"]),
  ];
}

/** ec2:CreateTags and DeleteTags: on create, on its own tagged resources, and on the VPC's untagged defaults (NETWORK_TAGGING). */
function networkTagStatements(ctx: PermissionsContext, environment: string): PolicyStatement[] {
  const { accountId, region } = ctx;
  const ec2 = (type: string) => `arn:aws:ec2:${region}:${accountId}:${type}`;
  const ownTag = { "aws:RequestTag/Environment": environment };
  return [
    allow("TagOnCreate", "ec2:CreateTags", ec2("*"), {
      StringEquals: { ...ownTag, "ec2:CreateAction": [...NETWORK_TAGGING.createActions] },
    }),
    // Re-tagging its own resources never hands one to another environment.
    allow("TagOwnNetwork", ["ec2:CreateTags", "ec2:DeleteTags"], ec2("*"), {
      StringEquals: { "aws:ResourceTag/Environment": environment },
      StringEqualsIfExists: ownTag,
    }),
    allow(
      "AdoptVpcDefaults",
      "ec2:CreateTags",
      NETWORK_TAGGING.adoptedTypes.map((t) => ec2(`${t}/*`)),
      {
        StringEquals: ownTag,
        Null: { "aws:ResourceTag/Environment": "true" },
      },
    ),
  ];
}

/** Its alarms and dashboard in the project region, by name: a dashboard takes no tag, so its name is its fence. */
function dashboardAndAlarmStatements(ctx: PermissionsContext, environment: string): PolicyStatement[] {
  const { naming, accountId, region } = ctx;
  const prefix = naming.prefix(environment);
  return [
    // Its alarms, and those its service's target-tracking policy makes (named after the cluster, `<prefix>`).
    allow("OwnAlarms", familyActions([ALARM_FAMILY]), [
      `arn:aws:cloudwatch:${region}:${accountId}:alarm:${prefix}-*`,
      `arn:aws:cloudwatch:${region}:${accountId}:alarm:TargetTracking-service/${prefix}/*`,
    ]),
    allow("OwnDashboards", familyActions([DASHBOARD_FAMILY]), `arn:aws:cloudwatch::${accountId}:dashboard/${prefix}-*`),
    allowInRegion("ListAlarmsAndDashboards", [...(ALARM_FAMILY.lists ?? [])], region),
  ];
}

/** Its own log groups (LOG_GROUP_FAMILY, by name), and nothing that acts on the whole account. */
function logStatements(ctx: PermissionsContext, environment: string): PolicyStatement[] {
  const { naming, accountId, region } = ctx;
  return [
    allow("OwnLogGroups", familyActions([LOG_GROUP_FAMILY]), naming.logGroupArns(environment, region)),
    allow("ListLogGroups", actionOrActions(LOG_GROUP_FAMILY.lists ?? []), `arn:aws:logs:${region}:${accountId}:log-group:*`),
    deny("NoAccountLevelLogs", ACCOUNT_LEVEL_LOGS_ACTIONS),
    deny("NoAccountLevelSettings", ACCOUNT_LEVEL_SETTINGS_ACTIONS),
  ];
}

/**
 * The environment's workload roles: read them, write their inline policies within the workload
 * boundary, pass them to their services. Never create, delete or re-trust a role, and never itself.
 */
function roleStatements(ctx: PermissionsContext, environment: string): PolicyStatement[] {
  const { naming, accountId } = ctx;
  // By path, not name prefix: `role/acme-stage-*` would also match the roles of a project named acme-stage.
  const ownRoles = naming.workloadRolesArn(environment);
  const boundary = naming.workloadBoundaryArn(environment);
  return [
    allow("OwnRoles", OWN_ROLE_READS, ownRoles),
    // Only to the services the environment's roles are for: a role passed elsewhere would act for another service.
    allow("PassOwnRolesToServices", "iam:PassRole", ownRoles, { StringEquals: { "iam:PassedToService": WORKLOAD_SERVICE_PRINCIPALS } }),
    // Only into roles that carry the environment's boundary: no policy it writes can do more than the boundary allows.
    allow("OwnRolePoliciesWithinBoundary", ["iam:PutRolePolicy", "iam:DeleteRolePolicy"], ownRoles, {
      StringEquals: { "iam:PermissionsBoundary": boundary },
    }),
    deny("NoRoleCreationOrTrust", DEPLOY_ROLE_DENIED_IAM_ACTIONS),
    // Its own name matches its environment's prefix: it may not rewrite its own trust or policy.
    deny("NotItself", "iam:*", naming.roleArn(naming.deployRoleName(environment))),
    allow("ServiceLinkedRoles", "iam:CreateServiceLinkedRole", `arn:aws:iam::${accountId}:role/aws-service-role/*`, {
      StringEquals: { "iam:AWSServiceName": SERVICE_LINKED_ROLE_SERVICES },
    }),
  ];
}

/** Certificates, the database's managed secret, AWS-managed keys and the caller's identity. */
function supportStatements(ctx: PermissionsContext): PolicyStatement[] {
  const certificates = ["acm:DescribeCertificate", "acm:ListCertificates", "acm:ListTagsForCertificate"];
  return [
    allow("ReadCertificates", certificates, "*"),
    // RDS creates the master-password secret in the caller's name; the role never reads its value.
    allow(
      "DatabaseManagedSecret",
      ["secretsmanager:CreateSecret", "secretsmanager:TagResource", "secretsmanager:DescribeSecret"],
      databaseSecretsArn(ctx),
    ),
    // RDS tags its secret with its own keys: an Environment tag would let an environment's workload
    // boundary (OwnTaggedResources) read another environment's database secret.
    {
      Sid: "NoEnvironmentTagOnDatabaseSecrets",
      Effect: "Deny",
      Action: ["secretsmanager:CreateSecret", "secretsmanager:TagResource"],
      Resource: databaseSecretsArn(ctx),
      Condition: { "ForAnyValue:StringEquals": { "aws:TagKeys": ["Environment"] } },
    },
    // RDS and Secrets Manager use AWS-managed keys whose ids are not known ahead; grants may only
    // be made for AWS services acting on the caller's behalf, never to a principal of its choosing.
    allow("AwsManagedKeys", "kms:CreateGrant", "*", {
      StringEquals: { "aws:RequestedRegion": ctx.region },
      Bool: { "kms:GrantIsForAWSResource": "true" },
    }),
    // Terraform reads keys and lists aliases wherever the environment has keys: its alarm keys are in us-east-1 too.
    allowInRegion("DescribeKeys", ["kms:DescribeKey", "kms:ListAliases"], alarmRegions(ctx.region)),
    allow("WhoAmI", "sts:GetCallerIdentity", "*"),
  ];
}
