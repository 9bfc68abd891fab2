import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { Construct } from "constructs";
import { type Naming, WORKLOAD_ROLES, type WorkloadRole } from "../config/naming";
import { policyJson } from "../lib/policy";

export interface WorkloadRolesProps {
  /** The environment whose roles these are (names and path from `naming`). */
  readonly environment: string;
  /** The names of the environment's account (the account these roles are created in). */
  readonly naming: Naming;
  /** The project's region: flow logs of this region only may assume the flow-log role. */
  readonly region: string;
  /** ARN of the environment's workload permissions boundary, set on every role. */
  readonly permissionsBoundaryArn: string;
  /**
   * The roles to create (config/workloads.ts: workloadRolesOf the environment's config).
   * @default - the API's and the flow logs' (WORKLOAD_ROLES)
   */
  readonly kinds?: readonly WorkloadRole[];
}

/** The one AWS service that may assume each role, and what it is for. */
const ROLE_SPECS: Readonly<Record<WorkloadRole, { readonly service: string; readonly description: (env: string) => string }>> = {
  "api-execution": {
    service: "ecs-tasks.amazonaws.com",
    description: (env) => `ECS pulls the image, writes logs and reads the database secret for the ${env} API`,
  },
  "api-task": {
    service: "ecs-tasks.amazonaws.com",
    description: (env) => `The ${env} API application; the ${env} stack writes its permissions`,
  },
  "flow-logs": {
    service: "vpc-flow-logs.amazonaws.com",
    description: (env) => `VPC flow logs of ${env} deliver to its log group`,
  },
  "worker-execution": {
    service: "ecs-tasks.amazonaws.com",
    description: (env) => `ECS pulls the image, writes logs and reads the database secret for the ${env} queue worker`,
  },
  "worker-task": {
    service: "ecs-tasks.amazonaws.com",
    description: (env) => `The ${env} queue worker; the ${env} stack writes its permissions`,
  },
  "jobs-execution": {
    service: "ecs-tasks.amazonaws.com",
    description: (env) => `ECS pulls the image, writes logs and reads the database secret for the ${env} scheduled jobs`,
  },
  "jobs-task": {
    service: "ecs-tasks.amazonaws.com",
    description: (env) => `The ${env} scheduled jobs; the ${env} stack writes their permissions`,
  },
  scheduler: {
    service: "scheduler.amazonaws.com",
    description: (env) => `EventBridge Scheduler starts the ${env} scheduled jobs' tasks`,
  },
};

/**
 * The IAM roles one environment's workloads run as (Naming.workloadRoleName), created here with an
 * administrator's credentials rather than by the environment's deploy role: IAM has no condition key
 * on the trust policy iam:CreateRole and iam:UpdateAssumeRolePolicy write, so a deploy role that may
 * create roles could create one an outside account may assume. Each role trusts exactly one AWS
 * service, only on behalf of this account (aws:SourceAccount; flow logs also by aws:SourceArn), and
 * carries the environment's workload boundary. No permissions here: the environment stack writes
 * each role's inline policy (it names the environment's resources), within the boundary.
 */
export class WorkloadRoles extends Construct {
  /** The roles by kind. */
  readonly roles: Readonly<Partial<Record<WorkloadRole, IamRole>>>;

  constructor(scope: Construct, id: string, props: WorkloadRolesProps) {
    super(scope, id);
    const { environment, naming, region } = props;
    const accountId = naming.accountId;
    const sourceArns: Partial<Record<WorkloadRole, string>> = {
      "flow-logs": `arn:aws:ec2:${region}:${accountId}:vpc-flow-log/*`,
      // The environment's schedules only (ScheduledJobs names them `<prefix>-<job>` in the default group).
      scheduler: `arn:aws:scheduler:${region}:${accountId}:schedule/default/${naming.prefix(environment)}-*`,
    };
    const role = (kind: WorkloadRole): IamRole => {
      const { service, description } = ROLE_SPECS[kind];
      const sourceArn = sourceArns[kind];
      return new IamRole(this, kind, {
        name: naming.workloadRoleName(environment, kind),
        path: naming.workloadRolePath(environment),
        description: description(environment),
        permissionsBoundary: props.permissionsBoundaryArn,
        assumeRolePolicy: policyJson({
          Sid: "ServiceOfThisAccount",
          Effect: "Allow",
          Principal: { Service: service },
          Action: "sts:AssumeRole",
          // Confused-deputy guard: the service acts for this account only.
          Condition: {
            StringEquals: { "aws:SourceAccount": accountId },
            ...(sourceArn && { ArnLike: { "aws:SourceArn": sourceArn } }),
          },
        }),
      });
    };
    this.roles = Object.fromEntries((props.kinds ?? WORKLOAD_ROLES).map((kind) => [kind, role(kind)]));
  }
}
