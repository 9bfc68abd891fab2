import { ECS_RULES, STACK_RULES } from "../audit/rules";
import type { TerraformJson } from "../audit/types";
import { describeFixtures, ruleById } from "./support/audit-fixtures";
import { checkRule as results, withValue as set } from "./support/audit-testing";

const rule = ruleById;

interface Container {
  name: string;
  image: string;
  privileged?: boolean;
  logConfiguration?: unknown;
  environment?: { name: string; value: string }[];
  secrets?: { name: string; valueFrom: string }[];
}
const api: Container = {
  name: "api",
  image: "${aws_ecr_repository.repo.repository_url}:latest",
  privileged: false,
  logConfiguration: { logDriver: "awslogs", options: { "awslogs-group": "${aws_cloudwatch_log_group.api.name}" } },
  environment: [
    { name: "DB_HOST", value: "${aws_db_instance.db.address}" },
    { name: "DB_PORT", value: "5432" },
  ],
  secrets: [{ name: "DB_PASSWORD", valueFrom: "${aws_db_instance.db.master_user_secret[0].secret_arn}:password::" }],
};
const containers = (...list: Container[]): string => JSON.stringify(list);

/** The Service construct's cluster, service, task definition and log group. */
const service: TerraformJson = {
  resource: {
    aws_ecs_cluster: { cluster: { name: "acme-stage", setting: [{ name: "containerInsights", value: "enabled" }] } },
    aws_ecs_service: {
      api: {
        network_configuration: { assign_public_ip: false, subnets: ["${aws_subnet.private-0.id}"] },
        deployment_circuit_breaker: { enable: true, rollback: true },
      },
    },
    aws_ecs_task_definition: {
      api: {
        execution_role_arn: "${aws_iam_role.execution.arn}",
        task_role_arn: "${aws_iam_role.task.arn}",
        container_definitions: containers(api),
      },
    },
    aws_cloudwatch_log_group: { api: { name: "/ecs/acme-stage/api", retention_in_days: 30 } },
  },
};
const TASK = "resource/aws_ecs_task_definition/api";

describe("ECS and log rules", () => {
  describeFixtures(ECS_RULES, {
    "ECS-NO-PUBLIC-IP": {
      compliant: service,
      nonCompliant: set(service, "resource/aws_ecs_service/api/network_configuration/assign_public_ip", true),
      failure: /assigns public IPs to tasks/,
    },
    "ECS-CIRCUIT-BREAKER-ROLLBACK": {
      compliant: service,
      nonCompliant: set(service, "resource/aws_ecs_service/api/deployment_circuit_breaker", { enable: true, rollback: false }),
      failure: /deployment_circuit_breaker \{ enable = true, rollback = true \}/,
    },
    "ECS-LOG-CONFIGURATION": {
      compliant: service,
      nonCompliant: set(service, `${TASK}/container_definitions`, containers(api, { name: "sidecar", image: "envoy" })),
      failure: /has no logConfiguration/,
    },
    "ECS-NOT-PRIVILEGED": {
      compliant: service,
      nonCompliant: set(service, `${TASK}/container_definitions`, containers({ ...api, privileged: true })),
      failure: /runs privileged/,
    },
    "ECS-NO-SECRETS-IN-ENVIRONMENT": {
      compliant: service,
      nonCompliant: set(
        service,
        `${TASK}/container_definitions`,
        containers({ ...api, environment: [{ name: "DB_PASSWORD", value: "hunter2" }] }),
      ),
      failure: /passes DB_PASSWORD in plain environment/,
    },
    "ECS-DISTINCT-EXECUTION-ROLE": {
      compliant: service,
      nonCompliant: set(service, `${TASK}/task_role_arn`, "${aws_iam_role.execution.arn}"),
      failure: /uses the same role to start the task and to run the application/,
    },
    "ECS-CONTAINER-INSIGHTS": {
      compliant: service,
      nonCompliant: set(service, "resource/aws_ecs_cluster/cluster/setting", [{ name: "containerInsights", value: "disabled" }]),
      failure: /Container Insights is off/,
    },
    "CLOUDWATCH-LOG-RETENTION": {
      compliant: service,
      nonCompliant: set(service, "resource/aws_cloudwatch_log_group/api/retention_in_days", undefined),
      failure: /keeps events forever/,
    },
  });

  it("names the failing container", () => {
    const sidecar = set(service, `${TASK}/container_definitions`, containers(api, { name: "sidecar", image: "envoy" }));
    const found = results(rule(ECS_RULES, "ECS-LOG-CONFIGURATION"), sidecar);
    expect(found.map((r) => [r.subject, r.status])).toEqual([
      ["api", "pass"],
      ["sidecar", "fail"],
    ]);
  });

  it("fails container definitions it cannot read rather than passing them", () => {
    const computed = set(service, `${TASK}/container_definitions`, "${jsonencode(local.containers)}");
    expect(results(rule(ECS_RULES, "ECS-NOT-PRIVILEGED"), computed)[0]).toMatchObject({
      status: "fail",
      message: expect.stringMatching(/cannot read/),
    });
  });

  it("does not ask a CodeDeploy-controlled service for the ECS circuit breaker", () => {
    const codeDeploy = set(service, "resource/aws_ecs_service/api/deployment_controller", { type: "CODE_DEPLOY" });
    const relaxed = set(codeDeploy, "resource/aws_ecs_service/api/deployment_circuit_breaker", undefined);
    expect(results(rule(ECS_RULES, "ECS-CIRCUIT-BREAKER-ROLLBACK"), relaxed).map((r) => r.status)).toEqual(["n/a"]);
  });
});

/** A provider as platformAwsProvider writes it, and a resource with only references in it. */
const stack: TerraformJson = {
  provider: {
    aws: [
      {
        region: "eu-west-1",
        allowed_account_ids: ["123456789012"],
        default_tags: [{ tags: { Project: "acme", Environment: "stage", ManagedBy: "cdktf" } }],
      },
    ],
  },
  terraform: { backend: { s3: { bucket: "acme-tfstate-123456789012-eu-west-1", key: "stage/terraform.tfstate", encrypt: true } } },
  resource: {
    aws_iam_openid_connect_provider: {
      github: {
        url: "https://token.actions.githubusercontent.com",
        thumbprint_list: ["6938fd4d98bab03faadb97b34396831e3780aea1"],
      },
    },
    aws_db_instance: { db: { manage_master_user_password: true, username: "app_admin" } },
  },
  output: { database_secret_arn: { value: "${aws_db_instance.db.master_user_secret[0].secret_arn}" } },
};

// AWS's documented example credentials: shaped like real ones, valid nowhere.
const EXAMPLE_ACCESS_KEY_ID = ["AKIA", "IOSFODNN7EXAMPLE"].join("");
const EXAMPLE_SECRET_KEY = ["wJalrXUtnFEMI/K7MDENG/", "bPxRfiCYEXAMPLEKEY"].join("");

describe("stack-wide rules", () => {
  describeFixtures(STACK_RULES, {
    "PROVIDER-DEFAULT-TAGS": {
      compliant: stack,
      nonCompliant: set(stack, "provider/aws/0/default_tags", [{ tags: { Project: "acme" } }]),
      failure: /default_tags lack Environment, ManagedBy/,
    },
    "NO-LITERAL-SECRETS": {
      compliant: stack,
      nonCompliant: set(stack, "provider/aws/0/access_key", EXAMPLE_ACCESS_KEY_ID),
      failure: /holds an AWS access key id at access_key/,
    },
  });

  const secrets = rule(STACK_RULES, "NO-LITERAL-SECRETS");
  const failures = (tf: TerraformJson): string[] =>
    results(secrets, tf)
      .filter((r) => r.status === "fail")
      .map((r) => r.message);

  it("finds a literal password argument", () => {
    expect(failures(set(stack, "resource/aws_db_instance/db/password", "correct-horse-battery"))).toEqual([
      expect.stringMatching(/a literal value for password at password/),
    ]);
  });

  it("accepts a password that Terraform computes (a variable, a random_password)", () => {
    expect(failures(set(stack, "resource/aws_db_instance/db/password", "${random_password.db.result}"))).toEqual([]);
  });

  it("finds an AWS secret access key and a private key anywhere, including outputs and JSON documents", () => {
    const policyWithKey = JSON.stringify({ note: `key ${EXAMPLE_SECRET_KEY}` });
    expect(failures(set(stack, "resource/aws_db_instance/db/tags", { Note: policyWithKey }))).toEqual([
      expect.stringMatching(/an AWS secret access key at tags\.Note/),
    ]);
    const pem = "-----BEGIN RSA PRIVATE KEY-----\nMIIfake\n-----END RSA PRIVATE KEY-----";
    expect(failures(set(stack, "output/leak", { value: pem }))).toEqual([expect.stringMatching(/a private key at output\.leak\.value/)]);
  });

  it("does not take a certificate thumbprint (40 hex digits) for a secret key", () => {
    expect(failures(stack)).toEqual([]);
  });

  it("looks at the backend configuration", () => {
    expect(failures(set(stack, "terraform/backend/s3/secret_key", EXAMPLE_SECRET_KEY))).toEqual([
      expect.stringMatching(/literal value for secret_key at terraform\.backend\.s3\.secret_key/),
      expect.stringMatching(/an AWS secret access key at terraform\.backend\.s3\.secret_key/),
    ]);
  });
});
