import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { TerraformVariable } from "cdktf";
import type { FargateServiceProps } from "../constructs/fargate-service";
import { readExemptions } from "../lib/audit-exemptions";
import {
  asList,
  buildApi,
  DIGEST,
  HTTPS_AND_LOGS,
  output,
  ref,
  SECRET_ARN,
  statements,
  TASK_ROLES,
  withMetadata,
} from "./support/api-fixture";
import { addresses, only, resources, type SynthesizedTerraform } from "./support/synth";

type ServiceOverrides = Partial<Omit<FargateServiceProps, "repository" | "loadBalancer">>;
const build = (service: ServiceOverrides = {}) => buildApi({ service });

interface ContainerDefinition {
  name: string;
  image: string;
  essential: boolean;
  command?: string[];
  portMappings: { containerPort: number; protocol: string }[];
  privileged: boolean;
  readonlyRootFilesystem: boolean;
  logConfiguration: { logDriver: string; options: Record<string, string> };
  environment: { name: string; value: string }[];
  secrets: { name: string; valueFrom: string }[];
}

/** The containers of the task definition of `family`. */
function containers(tf: SynthesizedTerraform, family = "acme-stage-api"): ContainerDefinition[] {
  const definition = Object.values(resources(tf, "aws_ecs_task_definition")).find((d) => d.family === family);
  return JSON.parse(definition?.container_definitions) as ContainerDefinition[];
}

const apiLogGroup = (g: { name: string }) => g.name === "/ecs/acme-stage/api";

describe("FargateService", () => {
  it("creates a cluster with Container Insights and a log group with retention", () => {
    const { synth } = build({ logRetentionDays: 14 });
    expect(synth).toHaveResourceWithProperties(EcsCluster, {
      name: "acme-stage",
      setting: [{ name: "containerInsights", value: "enabled" }],
    });
    expect(synth).toHaveResourceWithProperties(CloudwatchLogGroup, { name: "/ecs/acme-stage/api", retention_in_days: 14 });
  });

  it("creates Container Insights' log group itself, tagged by the provider and with retention, before the cluster", () => {
    const { tf } = build({ logRetentionDays: 14 });
    const groups = Object.entries(resources(tf, "aws_cloudwatch_log_group"));
    const [id, insights] = groups.find(([, g]) => g.name === "/aws/ecs/containerinsights/acme-stage/performance") ?? [];
    expect(insights).toMatchObject({ retention_in_days: 14 });
    expect(only(tf, "aws_ecs_cluster").depends_on).toEqual([`aws_cloudwatch_log_group.${id}`]);
  });

  describe("task definition", () => {
    it("is a Fargate x86_64 task with cpu and memory as strings and both roles", () => {
      const { synth } = build({ cpu: 512, memoryMiB: 2048 });
      expect(synth).toHaveResourceWithProperties(EcsTaskDefinition, {
        family: "acme-stage-api",
        requires_compatibilities: ["FARGATE"],
        network_mode: "awsvpc",
        cpu: "512",
        memory: "2048",
        runtime_platform: { operating_system_family: "LINUX", cpu_architecture: "X86_64" },
        execution_role_arn: TASK_ROLES.executionRoleArn,
        task_role_arn: TASK_ROLES.taskRoleArn,
      });
    });

    it("runs one essential, unprivileged container with a read-only root file system on the target port", () => {
      const { tf } = buildApi({ service: { imageTag: "3f2c1ab" }, loadBalancer: { targetPort: 9000 } });
      const defs = containers(tf);
      expect(defs).toHaveLength(1);
      const [api] = defs;
      expect(api.name).toBe("api");
      expect(api.image).toBe(`${ref(tf, "aws_ecr_repository", "repository_url")}:3f2c1ab`);
      expect(api.essential).toBe(true);
      expect(api.portMappings).toEqual([{ containerPort: 9000, protocol: "tcp" }]);
      expect(api.privileged).toBe(false);
      expect(api.readonlyRootFilesystem).toBe(true);
      expect(api.command).toBeUndefined();
    });

    it("runs exactly the image of imageDigest, named by digest and not by tag", () => {
      const { tf } = build({ imageDigest: DIGEST });
      const [api] = containers(tf);
      expect(api.image).toBe(`${ref(tf, "aws_ecr_repository", "repository_url")}@${DIGEST}`);
      expect(api.image).not.toMatch(/:latest$/);
    });

    it("runs the latest tag and port 8000 by default", () => {
      const [api] = containers(build().tf);
      expect(api.image).toMatch(/:latest$/);
      expect(api.portMappings[0].containerPort).toBe(8000);
    });

    it("sends logs to its log group in the provider's region", () => {
      const { tf } = build();
      const [api] = containers(tf);
      const regionData = Object.keys(tf.data?.aws_region ?? {});
      expect(regionData).toHaveLength(1);
      expect(api.logConfiguration).toEqual({
        logDriver: "awslogs",
        options: {
          "awslogs-group": ref(tf, "aws_cloudwatch_log_group", "name", apiLogGroup),
          "awslogs-region": `\${data.aws_region.${regionData[0]}.name}`,
          "awslogs-stream-prefix": "api",
        },
      });
    });

    it("passes database location as environment and credentials as secrets from the RDS secret", () => {
      const [api] = containers(build().tf);
      expect(api.environment).toEqual([
        { name: "DB_HOST", value: "db.internal" },
        { name: "DB_PORT", value: "5432" },
        { name: "DB_NAME", value: "app" },
      ]);
      expect(api.secrets).toEqual([
        { name: "DB_USER", valueFrom: `${SECRET_ARN}:username::` },
        { name: "DB_PASSWORD", valueFrom: `${SECRET_ARN}:password::` },
      ]);
      const envNames = api.environment.map((e) => e.name);
      expect(envNames).not.toContain("DB_PASSWORD");
      expect(envNames).not.toContain("DB_USER");
    });

    it("passes a token database port as a string interpolation", () => {
      const withToken = buildApi((stack) => {
        const port = new TerraformVariable(stack, "db_port", { type: "number" }).numberValue;
        return { service: { database: { host: "h", port, name: "n", secretArn: SECRET_ARN } } };
      });
      const [api] = containers(withToken.tf);
      expect(api.environment.find((e) => e.name === "DB_PORT")?.value).toBe("${var.db_port}");
      const dbEgress = Object.values(resources(withToken.tf, "aws_vpc_security_group_egress_rule")).find(
        (r) => r.cidr_ipv4 === "10.10.0.0/16",
      );
      expect(dbEgress?.from_port).toBe("${var.db_port}");
    });
  });

  describe("migration task definition", () => {
    it("is absent without a migration command", () => {
      const { tf, service } = build();
      expect(Object.values(resources(tf, "aws_ecs_task_definition"))).toHaveLength(1);
      expect(service.migrationTaskDefinitionArn).toBeUndefined();
      expect(service.migrationTaskFamily).toBeUndefined();
    });

    it("runs the command in the API's image, size, roles, secrets and log group, with no port and its own family", () => {
      const { tf, service } = build({ migrationCommand: ["npm", "run", "migrate"], imageDigest: DIGEST });
      const definitions = Object.values(resources(tf, "aws_ecs_task_definition"));
      expect(definitions.map((d) => d.family).sort()).toEqual(["acme-stage-api", "acme-stage-api-migrate"]);
      const [api] = containers(tf);
      const [migrate] = containers(tf, "acme-stage-api-migrate");
      expect(migrate).toEqual({
        ...api,
        name: "migrate",
        command: ["npm", "run", "migrate"],
        portMappings: [],
        logConfiguration: { ...api.logConfiguration, options: { ...api.logConfiguration.options, "awslogs-stream-prefix": "migrate" } },
      });
      const [apiTask, migrateTask] = ["acme-stage-api", "acme-stage-api-migrate"].map((f) => definitions.find((d) => d.family === f));
      for (const key of ["cpu", "memory", "execution_role_arn", "task_role_arn", "runtime_platform", "network_mode"]) {
        expect([key, migrateTask?.[key]]).toEqual([key, apiTask?.[key]]);
      }
      expect(service.migrationTaskFamily).toBeDefined();
      expect(service.migrationPrerequisites.map((r) => `${r.terraformResourceType}.${r.friendlyUniqueId}`).sort()).toEqual(
        [
          ...addresses(tf, "aws_iam_role_policy"),
          ...addresses(tf, "aws_vpc_security_group_egress_rule").filter((a) => a.includes("service-egress")),
        ].sort(),
      );
    });
  });

  describe("IAM", () => {
    it("creates no role and no trust: the roles are the bootstrap's, named by the props", () => {
      const { tf } = build();
      expect(resources(tf, "aws_iam_role")).toEqual({});
      expect(resources(tf, "aws_iam_policy")).toEqual({});
      expect(resources(tf, "aws_iam_role_policy_attachment")).toEqual({});
    });

    it("grants the execution role exactly what starting the task needs, scoped to its resources", () => {
      const { tf } = build();
      const policy = only(tf, "aws_iam_role_policy");
      expect(policy.role).toBe(TASK_ROLES.executionRoleName);
      const granted = statements(policy.policy).map((s) => ({
        Effect: s.Effect,
        Action: asList(s.Action).sort(),
        Resource: asList(s.Resource),
      }));
      expect(granted).toEqual([
        { Effect: "Allow", Action: ["ecr:GetAuthorizationToken"], Resource: ["*"] },
        {
          Effect: "Allow",
          Action: ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
          Resource: [ref(tf, "aws_ecr_repository", "arn")],
        },
        {
          Effect: "Allow",
          Action: ["logs:CreateLogStream", "logs:PutLogEvents"],
          Resource: [`${ref(tf, "aws_cloudwatch_log_group", "arn", apiLogGroup)}:*`],
        },
        { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [SECRET_ARN] },
      ]);
      const wildcard = granted.filter((s) => s.Resource.includes("*"));
      expect(wildcard.flatMap((s) => s.Action)).toEqual(["ecr:GetAuthorizationToken"]);
    });

    it('exempts only the statement IAM accepts on "*" from IAM-NO-WILDCARD-RESOURCE', () => {
      const [exemption] = readExemptions(only(withMetadata(build().stack), "aws_iam_role_policy"));
      expect(exemption).toMatchObject({ rule: "IAM-NO-WILDCARD-RESOURCE", findings: ["EcrLogin"] });
    });

    it("writes a policy into the execution role only: the task role gets no permissions", () => {
      const { tf } = build();
      expect(Object.values(resources(tf, "aws_iam_role_policy")).map((p) => p.role)).toEqual([TASK_ROLES.executionRoleName]);
      expect(TASK_ROLES.taskRoleArn).not.toBe(TASK_ROLES.executionRoleArn);
    });
  });

  describe("security group", () => {
    function rules(tf: SynthesizedTerraform) {
      return {
        albSg: ref(tf, "aws_security_group", "id", (r) => r.name === "acme-stage-api-alb"),
        serviceSg: ref(tf, "aws_security_group", "id", (r) => r.name === "acme-stage-api-service"),
        ingress: Object.values(resources(tf, "aws_vpc_security_group_ingress_rule")),
        egress: Object.values(resources(tf, "aws_vpc_security_group_egress_rule")),
      };
    }

    it("has no inline rules", () => {
      const groups = Object.values(resources(build().tf, "aws_security_group"));
      expect(groups).toHaveLength(2);
      for (const group of groups) {
        expect(group.vpc_id).toBe("vpc-0123");
        expect(group.ingress).toBeUndefined();
        expect(group.egress).toBeUndefined();
      }
    });

    it("lets the tasks in only from the load balancer on the target port, and the load balancer out only to them", () => {
      const { tf } = buildApi({ loadBalancer: { targetPort: 9000 } });
      const { albSg, serviceSg, ingress, egress } = rules(tf);
      const intoService = ingress.filter((r) => r.security_group_id === serviceSg);
      expect(intoService).toEqual([
        expect.objectContaining({ ip_protocol: "tcp", from_port: 9000, to_port: 9000, referenced_security_group_id: albSg }),
      ]);
      expect(intoService[0].cidr_ipv4).toBeUndefined();
      const fromAlb = egress.filter((r) => r.security_group_id === albSg);
      expect(fromAlb).toEqual([
        expect.objectContaining({ ip_protocol: "tcp", from_port: 9000, to_port: 9000, referenced_security_group_id: serviceSg }),
      ]);
      expect(fromAlb[0].cidr_ipv4).toBeUndefined();
    });

    it("lets the tasks out only on HTTPS and to the database port inside the VPC", () => {
      const { tf } = build({ database: { host: "h", port: 3306, name: "n", secretArn: SECRET_ARN } });
      const { serviceSg, egress } = rules(tf);
      const out = egress
        .filter((r) => r.security_group_id === serviceSg)
        .map((r) => [r.ip_protocol, r.from_port, r.to_port, r.cidr_ipv4])
        .sort((a, b) => a[1] - b[1]);
      expect(out).toEqual([
        ["tcp", 443, 443, "0.0.0.0/0"],
        ["tcp", 3306, 3306, "10.10.0.0/16"],
      ]);
    });
  });

  describe("ECS service", () => {
    it("runs Fargate tasks in private subnets without public IPs behind the target group", () => {
      const { synth, tf } = build({ healthCheckGracePeriodSeconds: 120 });
      expect(synth).toHaveResourceWithProperties(EcsService, {
        name: "acme-stage-api",
        cluster: ref(tf, "aws_ecs_cluster", "id"),
        task_definition: ref(tf, "aws_ecs_task_definition", "arn"),
        launch_type: "FARGATE",
        desired_count: 2,
        network_configuration: {
          subnets: ["subnet-priv-a", "subnet-priv-b"],
          security_groups: [ref(tf, "aws_security_group", "id", (r) => r.name === "acme-stage-api-service")],
          assign_public_ip: false,
        },
        load_balancer: [{ target_group_arn: ref(tf, "aws_lb_target_group", "arn"), container_name: "api", container_port: 8000 }],
        health_check_grace_period_seconds: 120,
      });
    });

    it("rolls back failed deployments and replaces tasks without losing capacity", () => {
      expect(build().synth).toHaveResourceWithProperties(EcsService, {
        deployment_circuit_breaker: { enable: true, rollback: true },
        deployment_minimum_healthy_percent: 100,
        deployment_maximum_percent: 200,
        propagate_tags: "SERVICE",
        enable_ecs_managed_tags: true,
        health_check_grace_period_seconds: 60,
      });
    });

    it("rolls back on the deployment alarms when it has some", () => {
      expect(only(build().tf, "aws_ecs_service").alarms).toBeUndefined();
      expect(only(build({ deploymentAlarmNames: [] }).tf, "aws_ecs_service").alarms).toBeUndefined();
      expect(only(build({ deploymentAlarmNames: ["a-5xx", "a-unhealthy"] }).tf, "aws_ecs_service").alarms).toEqual({
        alarm_names: ["a-5xx", "a-unhealthy"],
        enable: true,
        rollback: true,
      });
    });

    it("leaves desired_count to autoscaling after creation", () => {
      expect(only(build().tf, "aws_ecs_service").lifecycle).toEqual({ ignore_changes: ["desired_count"] });
    });

    it("depends on every listener and on the execution role policy", () => {
      const http = build().tf;
      expect(only(http, "aws_ecs_service").depends_on.sort()).toEqual(
        [...addresses(http, "aws_lb_listener"), ...addresses(http, "aws_iam_role_policy")].sort(),
      );
      const https = buildApi({ loadBalancer: HTTPS_AND_LOGS }).tf;
      const dependsOn: string[] = only(https, "aws_ecs_service").depends_on;
      expect(addresses(https, "aws_lb_listener")).toHaveLength(2);
      for (const listener of addresses(https, "aws_lb_listener")) expect(dependsOn).toContain(listener);
    });
  });

  describe("autoscaling", () => {
    it("scales the service's desired count between minCount and maxCount", () => {
      const { synth, tf } = build({ minCount: 2, desiredCount: 3, maxCount: 6 });
      expect(synth).toHaveResourceWithProperties(AppautoscalingTarget, {
        service_namespace: "ecs",
        resource_id: `service/${ref(tf, "aws_ecs_cluster", "name")}/${ref(tf, "aws_ecs_service", "name")}`,
        scalable_dimension: "ecs:service:DesiredCount",
        min_capacity: 2,
        max_capacity: 6,
      });
    });

    it("tracks average CPU at cpuTargetPercent, scaling out fast and in slowly", () => {
      const { synth, tf } = build({ cpuTargetPercent: 45 });
      expect(synth).toHaveResourceWithProperties(AppautoscalingPolicy, {
        name: "acme-stage-api-cpu",
        policy_type: "TargetTrackingScaling",
        resource_id: ref(tf, "aws_appautoscaling_target", "resource_id"),
        scalable_dimension: ref(tf, "aws_appautoscaling_target", "scalable_dimension"),
        service_namespace: ref(tf, "aws_appautoscaling_target", "service_namespace"),
        target_tracking_scaling_policy_configuration: {
          predefined_metric_specification: { predefined_metric_type: "ECSServiceAverageCPUUtilization" },
          target_value: 45,
          scale_in_cooldown: 300,
          scale_out_cooldown: 60,
        },
      });
    });
  });

  it("exposes the resources' identifiers", () => {
    const { tf } = build();
    expect(output(tf, "service_clusterName")).toBe(ref(tf, "aws_ecs_cluster", "name"));
    expect(output(tf, "service_serviceName")).toBe(ref(tf, "aws_ecs_service", "name"));
    expect(output(tf, "service_logGroupName")).toBe(ref(tf, "aws_cloudwatch_log_group", "name", apiLogGroup));
    expect(output(tf, "service_securityGroupId")).toBe(ref(tf, "aws_security_group", "id", (r) => r.name === "acme-stage-api-service"));
    expect(output(tf, "service_executionRoleArn")).toBe(TASK_ROLES.executionRoleArn);
    expect(output(tf, "service_taskRoleArn")).toBe(TASK_ROLES.taskRoleArn);
  });

  describe("validation", () => {
    it("rejects a name prefix with characters the cluster or service names refuse", () => {
      expect(() => build({ namePrefix: "Acme_Stage" })).toThrow(/FargateService: namePrefix "Acme_Stage" must be lowercase/);
      expect(() => build({ namePrefix: "acme-" })).toThrow(/namePrefix "acme-"/);
    });

    it("rejects an image tag Docker would refuse", () => {
      expect(() => build({ imageTag: "v1 beta" })).toThrow(/imageTag "v1 beta" is not a valid image tag/);
      expect(() => build({ imageTag: "3f2c1ab" })).not.toThrow();
    });

    it("rejects an image digest that is not sha256 and 64 lowercase hex digits", () => {
      for (const bad of [
        "abc",
        DIGEST.slice(7),
        DIGEST.toUpperCase(),
        `sha256:${"a".repeat(63)}`,
        `sha512:${"a".repeat(64)}`,
        `${DIGEST}\n`,
      ]) {
        expect(() => build({ imageDigest: bad })).toThrow(
          /imageDigest ".*" is not an image digest; use "sha256:" followed by 64 lowercase hex digits/s,
        );
      }
      expect(() => build({ imageDigest: DIGEST })).not.toThrow();
    });

    it("rejects imageTag and imageDigest together", () => {
      expect(() => build({ imageTag: "3f2c1ab", imageDigest: DIGEST })).toThrow(
        /imageTag "3f2c1ab" and imageDigest "sha256:[0-9a-f]{64}" are both set; set one/,
      );
    });

    it("checks sizes, counts, target and retention by the configuration schema's rules and fixes", () => {
      expect(() => build({ minCount: 0, desiredCount: 0 })).toThrow(
        /^FargateService: minCount 0 must be a whole number from 1 to 100; use e.g. 2$/,
      );
      expect(() => build({ maxCount: 101, desiredCount: 2 })).toThrow(/maxCount 101 must be a whole number from 1 to 100/);
      expect(() => build({ minCount: 1.5 })).toThrow(/minCount 1.5 must be a whole number/);
      expect(() => build({ cpuTargetPercent: 95 })).toThrow(/cpuTargetPercent 95 must be a whole number from 10 to 90/);
      expect(() => build({ logRetentionDays: 0 })).toThrow(/logRetentionDays 0 must be one of CloudWatch's retention values/);
      expect(() => build({ cpu: 300 })).toThrow(/FargateService: cpu 300 must be a Fargate CPU size: 256, 512, 1024, 2048 or 4096/);
    });

    it("rejects maxCount below minCount", () => {
      expect(() => build({ minCount: 3, desiredCount: 3, maxCount: 2 })).toThrow(/maxCount 2 must be at least minCount \(3\)/);
    });

    it("rejects desiredCount outside minCount..maxCount", () => {
      expect(() => build({ minCount: 2, desiredCount: 1, maxCount: 4 })).toThrow(
        /desiredCount 1 must lie within minCount\.\.maxCount \(2\.\.4\)/,
      );
      expect(() => build({ minCount: 1, desiredCount: 5, maxCount: 4 })).toThrow(/desiredCount 5/);
    });

    it("rejects a memory size Fargate does not offer for the cpu", () => {
      expect(() => build({ cpu: 256, memoryMiB: 4096 })).toThrow(
        /memoryMiB 4096 is not a Fargate memory size for 256 CPU units; use one of 512, 1024, 2048/,
      );
    });
  });
});
