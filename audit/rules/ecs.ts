import { asNumber, block, blocks, isObject, isTrue } from "../terraform";
import { type AuditTarget, type Block, type CheckResult, fail, notApplicable, pass, type Rule } from "../types";

const SERVICE = "aws_ecs_service";
const TASK_DEFINITION = "aws_ecs_task_definition";

/** The container definitions of a task definition, or why they cannot be read. */
function containers(task: AuditTarget): Block[] | string {
  const raw = task.body.container_definitions;
  if (typeof raw !== "string") return "container_definitions is not a JSON document";
  try {
    const parsed: unknown = JSON.parse(raw);
    return Array.isArray(parsed) ? parsed.filter(isObject) : "container_definitions is not a list";
  } catch {
    return "container_definitions is not literal JSON; the audit cannot read it";
  }
}

/** Runs `judge` on each container; one result per container, named after it. */
function eachContainer(task: AuditTarget, judge: (c: Block, name: string) => CheckResult): CheckResult | CheckResult[] {
  const list = containers(task);
  if (typeof list === "string") return fail(list);
  if (list.length === 0) return fail("defines no containers");
  return list.map((c, i) => judge(c, typeof c.name === "string" ? c.name : `container ${i + 1}`));
}

export const ecsNoPublicIp: Rule = {
  id: "ECS-NO-PUBLIC-IP",
  rationale: "Tasks run without public IP addresses; the load balancer is their only way in.",
  controls: ["ECS.2", "CKV_AWS_333"],
  appliesTo: [SERVICE],
  check(service) {
    const network = block(service.body.network_configuration);
    if (!network) return notApplicable("has no awsvpc network configuration");
    return isTrue(network.assign_public_ip)
      ? fail("assigns public IPs to tasks; set assign_public_ip = false and run them in private subnets")
      : pass("tasks get no public IP");
  },
};

export const ecsCircuitBreakerRollback: Rule = {
  id: "ECS-CIRCUIT-BREAKER-ROLLBACK",
  rationale: "A deployment whose tasks keep failing stops and rolls back to the last working one by itself.",
  controls: [],
  appliesTo: [SERVICE],
  check(service) {
    const controller = block(service.body.deployment_controller)?.type;
    if (controller !== undefined && controller !== "ECS") return notApplicable(`deployments are run by ${String(controller)}`);
    const breaker = block(service.body.deployment_circuit_breaker);
    return isTrue(breaker?.enable) && isTrue(breaker?.rollback)
      ? pass("the deployment circuit breaker rolls back failed deployments")
      : fail("set deployment_circuit_breaker { enable = true, rollback = true }");
  },
};

export const ecsLogConfiguration: Rule = {
  id: "ECS-LOG-CONFIGURATION",
  rationale: "Every container ships its output to a log driver, so nothing is lost when a task stops.",
  controls: ["ECS.9"],
  appliesTo: [TASK_DEFINITION],
  check(task) {
    return eachContainer(task, (c, name) => {
      const driver = block(c.logConfiguration)?.logDriver;
      return typeof driver === "string" ? pass(`logs with ${driver}`, name) : fail("has no logConfiguration; add the awslogs driver", name);
    });
  },
};

export const ecsNotPrivileged: Rule = {
  id: "ECS-NOT-PRIVILEGED",
  rationale: "No container runs privileged (root on the host's devices).",
  controls: ["ECS.4"],
  appliesTo: [TASK_DEFINITION],
  check(task) {
    return eachContainer(task, (c, name) =>
      isTrue(c.privileged) ? fail("runs privileged; remove privileged: true", name) : pass("not privileged", name),
    );
  },
};

/** Environment variable names that usually hold a credential. */
const SECRET_NAME = /(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;

export const ecsNoSecretsInEnvironment: Rule = {
  id: "ECS-NO-SECRETS-IN-ENVIRONMENT",
  rationale: "Credentials reach containers through `secrets` (Secrets Manager, SSM), never as plain environment values.",
  controls: ["ECS.8", "AVD-AWS-0036"],
  appliesTo: [TASK_DEFINITION],
  check(task) {
    return eachContainer(task, (c, name) => {
      const names = blocks(c.environment)
        .map((e) => e.name)
        .filter((n): n is string => typeof n === "string");
      const suspicious = names.filter((n) => SECRET_NAME.test(n));
      return suspicious.length > 0
        ? fail(`passes ${suspicious.join(", ")} in plain environment; move them to secrets (valueFrom a secret ARN)`, name)
        : pass(`${names.length} environment variable(s), none secret-like`, name);
    });
  },
};

export const ecsDistinctExecutionRole: Rule = {
  id: "ECS-DISTINCT-EXECUTION-ROLE",
  rationale: "The role ECS uses to start a task (pull, logs, secrets) is not the role the application runs as.",
  controls: ["CKV_AWS_249"],
  appliesTo: [TASK_DEFINITION],
  check(task) {
    const execution = task.body.execution_role_arn;
    const taskRole = task.body.task_role_arn;
    if (execution === undefined || taskRole === undefined) return notApplicable("does not set both an execution role and a task role");
    return execution === taskRole
      ? fail("uses the same role to start the task and to run the application; give the application its own task role")
      : pass("execution role and task role differ");
  },
};

export const ecsContainerInsights: Rule = {
  id: "ECS-CONTAINER-INSIGHTS",
  rationale: "Clusters publish per-task CPU, memory and network metrics (Container Insights).",
  controls: ["ECS.12", "CKV_AWS_65", "AVD-AWS-0034"],
  appliesTo: ["aws_ecs_cluster"],
  check(cluster) {
    const value = blocks(cluster.body.setting).find((s) => s.name === "containerInsights")?.value;
    return value === "enabled" || value === "enhanced"
      ? pass(`Container Insights ${String(value)}`)
      : fail('Container Insights is off; add setting { name = "containerInsights", value = "enabled" }');
  },
};

export const cloudwatchLogRetention: Rule = {
  id: "CLOUDWATCH-LOG-RETENTION",
  rationale: "Every log group expires its events after a set time instead of keeping (and billing) them forever.",
  controls: ["CKV_AWS_66"],
  appliesTo: ["aws_cloudwatch_log_group"],
  check(group) {
    const days = asNumber(group.body.retention_in_days);
    return days !== undefined && days > 0 ? pass(`keeps events ${days} days`) : fail("keeps events forever; set retention_in_days");
  },
};

export const ECS_RULES: readonly Rule[] = [
  ecsNoPublicIp,
  ecsCircuitBreakerRollback,
  ecsLogConfiguration,
  ecsNotPrivileged,
  ecsNoSecretsInEnvironment,
  ecsDistinctExecutionRole,
  ecsContainerInsights,
  cloudwatchLogRetention,
];
