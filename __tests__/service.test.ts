import { AppautoscalingPolicy } from "@cdktf/provider-aws/lib/appautoscaling-policy";
import { AppautoscalingTarget } from "@cdktf/provider-aws/lib/appautoscaling-target";
import { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { EcrRepository } from "@cdktf/provider-aws/lib/ecr-repository";
import { EcsCluster } from "@cdktf/provider-aws/lib/ecs-cluster";
import { EcsService } from "@cdktf/provider-aws/lib/ecs-service";
import { EcsTaskDefinition } from "@cdktf/provider-aws/lib/ecs-task-definition";
import { Lb } from "@cdktf/provider-aws/lib/lb";
import { LbListener } from "@cdktf/provider-aws/lib/lb-listener";
import { LbTargetGroup } from "@cdktf/provider-aws/lib/lb-target-group";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { S3BucketServerSideEncryptionConfigurationA } from "@cdktf/provider-aws/lib/s3-bucket-server-side-encryption-configuration";
import { TerraformOutput, TerraformStack, TerraformVariable, Testing } from "cdktf";
import { Service, type ServiceProps } from "../constructs/service";
import { addresses, only, parse, resources, type SynthesizedTerraform } from "./support/synth";

const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0123-AbCdEf";
const CERT_ARN = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

function props(overrides: Partial<ServiceProps> = {}): ServiceProps {
  return {
    namePrefix: "acme-stage",
    vpcId: "vpc-0123",
    vpcCidr: "10.10.0.0/16",
    publicSubnetIds: ["subnet-pub-a", "subnet-pub-b"],
    privateSubnetIds: ["subnet-priv-a", "subnet-priv-b"],
    cpu: 256,
    memoryMiB: 512,
    desiredCount: 2,
    minCount: 1,
    maxCount: 4,
    cpuTargetPercent: 60,
    logRetentionDays: 30,
    keepImages: 20,
    database: { host: "db.internal", port: 5432, name: "app", secretArn: SECRET_ARN },
    loadBalancer: { deletionProtection: false },
    ...overrides,
  };
}

const HTTPS_AND_LOGS: ServiceProps["loadBalancer"] = {
  deletionProtection: true,
  accessLogs: { bucketName: "acme-prod-alb-logs" },
  https: { domainName: "api.example.com", certificateArn: CERT_ARN },
};

function build(p: ServiceProps = props()): { synth: string; tf: SynthesizedTerraform; service: Service } {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const service = new Service(stack, "api", p);
  // Resolve the public attributes through outputs so their Terraform expressions can be asserted.
  const attributes = {
    repositoryUrl: service.repositoryUrl,
    repositoryName: service.repositoryName,
    repositoryArn: service.repositoryArn,
    clusterName: service.clusterName,
    serviceName: service.serviceName,
    logGroupName: service.logGroupName,
    securityGroupId: service.securityGroupId,
    loadBalancerSecurityGroupId: service.loadBalancerSecurityGroupId,
    loadBalancerArn: service.loadBalancerArn,
    loadBalancerDnsName: service.loadBalancerDnsName,
    apiUrl: service.apiUrl,
    targetGroupArn: service.targetGroupArn,
    executionRoleArn: service.executionRoleArn,
    taskRoleArn: service.taskRoleArn,
    ...(service.accessLogBucketName !== undefined && { accessLogBucketName: service.accessLogBucketName }),
  };
  for (const [name, value] of Object.entries(attributes)) new TerraformOutput(stack, name, { value });
  const synth = Testing.synth(stack);
  return { synth, tf: parse(synth), service };
}

function output(tf: SynthesizedTerraform, name: string): unknown {
  return tf.output?.[name]?.value;
}

/** Logical id of the only resource of a type, for `${type.id.attr}` references. */
function ref(tf: SynthesizedTerraform, type: string, attribute: string, match?: (r: any) => boolean): string {
  const entries = Object.entries(resources(tf, type)).filter(([, r]) => (match ? match(r) : true));
  if (entries.length !== 1) throw new Error(`expected one ${type}, found ${entries.length}`);
  return `\${${type}.${entries[0][0]}.${attribute}}`;
}

interface ContainerDefinition {
  name: string;
  image: string;
  essential: boolean;
  portMappings: { containerPort: number; protocol: string }[];
  privileged: boolean;
  readonlyRootFilesystem: boolean;
  logConfiguration: { logDriver: string; options: Record<string, string> };
  environment: { name: string; value: string }[];
  secrets: { name: string; valueFrom: string }[];
}

function containers(tf: SynthesizedTerraform): ContainerDefinition[] {
  return JSON.parse(only(tf, "aws_ecs_task_definition").container_definitions) as ContainerDefinition[];
}

interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: Record<string, string>;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

function statements(policy: string): Statement[] {
  return (JSON.parse(policy) as { Statement: Statement[] }).Statement;
}

const asList = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);

describe("Service", () => {
  describe("ECR repository", () => {
    it("is immutable, scanned on push, AES256-encrypted and never force-deleted", () => {
      const { synth } = build();
      expect(synth).toHaveResourceWithProperties(EcrRepository, {
        name: "acme-stage-api",
        image_tag_mutability: "IMMUTABLE",
        image_scanning_configuration: { scan_on_push: true },
        encryption_configuration: [{ encryption_type: "AES256" }],
        force_delete: false,
      });
    });

    it("keeps a pinned address, since the repository holds the images", () => {
      expect(addresses(build().tf, "aws_ecr_repository")).toEqual(["aws_ecr_repository.api_repository_FDDB512F"]);
    });

    it("keeps the last keepImages images of any tag", () => {
      const { tf } = build(props({ keepImages: 7 }));
      const lifecycle = only(tf, "aws_ecr_lifecycle_policy");
      expect(lifecycle.repository).toBe(ref(tf, "aws_ecr_repository", "name"));
      const rules = JSON.parse(lifecycle.policy).rules;
      expect(rules).toHaveLength(1);
      expect(rules[0].selection).toEqual({ tagStatus: "any", countType: "imageCountMoreThan", countNumber: 7 });
      expect(rules[0].action).toEqual({ type: "expire" });
    });
  });

  it("creates a cluster with Container Insights and a log group with retention", () => {
    const { synth } = build(props({ logRetentionDays: 14 }));
    expect(synth).toHaveResourceWithProperties(EcsCluster, {
      name: "acme-stage",
      setting: [{ name: "containerInsights", value: "enabled" }],
    });
    expect(synth).toHaveResourceWithProperties(CloudwatchLogGroup, {
      name: "/ecs/acme-stage/api",
      retention_in_days: 14,
    });
  });

  it("creates Container Insights' log group itself, tagged by the provider and with retention, before the cluster", () => {
    const { tf } = build(props({ logRetentionDays: 14 }));
    const groups = Object.entries(resources(tf, "aws_cloudwatch_log_group"));
    const [id, insights] = groups.find(([, g]) => g.name === "/aws/ecs/containerinsights/acme-stage/performance") ?? [];
    expect(insights).toMatchObject({ retention_in_days: 14 });
    const [cluster] = Object.values(resources(tf, "aws_ecs_cluster"));
    expect(cluster.depends_on).toEqual([`aws_cloudwatch_log_group.${id}`]);
  });

  describe("task definition", () => {
    it("is a Fargate x86_64 task with cpu and memory as strings and both roles", () => {
      const { synth, tf } = build(props({ cpu: 512, memoryMiB: 2048 }));
      expect(synth).toHaveResourceWithProperties(EcsTaskDefinition, {
        family: "acme-stage-api",
        requires_compatibilities: ["FARGATE"],
        network_mode: "awsvpc",
        cpu: "512",
        memory: "2048",
        runtime_platform: { operating_system_family: "LINUX", cpu_architecture: "X86_64" },
        execution_role_arn: ref(tf, "aws_iam_role", "arn", (r) => r.name === "acme-stage-api-execution"),
        task_role_arn: ref(tf, "aws_iam_role", "arn", (r) => r.name === "acme-stage-api-task"),
      });
    });

    it("runs one essential, unprivileged container with a read-only root file system", () => {
      const { tf } = build(props({ imageTag: "3f2c1ab", containerPort: 9000 }));
      const defs = containers(tf);
      expect(defs).toHaveLength(1);
      const [api] = defs;
      expect(api.name).toBe("api");
      expect(api.image).toBe(`${ref(tf, "aws_ecr_repository", "repository_url")}:3f2c1ab`);
      expect(api.essential).toBe(true);
      expect(api.portMappings).toEqual([{ containerPort: 9000, protocol: "tcp" }]);
      expect(api.privileged).toBe(false);
      expect(api.readonlyRootFilesystem).toBe(true);
    });

    it("runs exactly the image of imageDigest, named by digest and not by tag", () => {
      const { tf } = build(props({ imageDigest: DIGEST }));
      const [api] = containers(tf);
      expect(api.image).toBe(`${ref(tf, "aws_ecr_repository", "repository_url")}@${DIGEST}`);
      expect(api.image).not.toMatch(/:latest$/);
    });

    it("runs the latest tag and port 8000 by default", () => {
      const { tf } = build();
      const [api] = containers(tf);
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
          "awslogs-group": ref(tf, "aws_cloudwatch_log_group", "name", (g) => g.name === "/ecs/acme-stage/api"),
          "awslogs-region": `\${data.aws_region.${regionData[0]}.name}`,
          "awslogs-stream-prefix": "api",
        },
      });
    });

    it("passes database location as environment and credentials as secrets from the RDS secret", () => {
      const { tf } = build();
      const [api] = containers(tf);
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
      const app = Testing.app();
      const stack = new TerraformStack(app, "test");
      new AwsProvider(stack, "aws", { region: "eu-west-1" });
      const port = new TerraformVariable(stack, "db_port", { type: "number" });
      new Service(stack, "api", props({ database: { host: "h", port: port.numberValue, name: "n", secretArn: SECRET_ARN } }));
      const tf = parse(Testing.synth(stack));
      const [api] = containers(tf);
      expect(api.environment.find((e) => e.name === "DB_PORT")?.value).toBe("${var.db_port}");
      const dbEgress = Object.values(resources(tf, "aws_vpc_security_group_egress_rule")).find((r) => r.cidr_ipv4 === "10.10.0.0/16");
      expect(dbEgress?.from_port).toBe("${var.db_port}");
    });
  });

  describe("IAM", () => {
    it("trusts only ECS tasks of this account in both roles", () => {
      const { tf } = build();
      const roles = Object.values(resources(tf, "aws_iam_role"));
      expect(roles).toHaveLength(2);
      const account = Object.keys(tf.data?.aws_caller_identity ?? {})[0];
      for (const role of roles) {
        expect(statements(role.assume_role_policy)).toEqual([
          {
            Effect: "Allow",
            Principal: { Service: "ecs-tasks.amazonaws.com" },
            Action: "sts:AssumeRole",
            Condition: { StringEquals: { "aws:SourceAccount": `\${data.aws_caller_identity.${account}.account_id}` } },
          },
        ]);
        expect(role.managed_policy_arns).toBeUndefined();
      }
    });

    it("grants the execution role exactly what starting the task needs, scoped to its resources", () => {
      const { tf } = build();
      const policies = Object.values(resources(tf, "aws_iam_role_policy"));
      expect(policies).toHaveLength(1);
      const policy = policies[0];
      expect(policy.role).toBe(ref(tf, "aws_iam_role", "id", (r) => r.name === "acme-stage-api-execution"));
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
          Resource: [`${ref(tf, "aws_cloudwatch_log_group", "arn", (g) => g.name === "/ecs/acme-stage/api")}:*`],
        },
        { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: [SECRET_ARN] },
      ]);
      const wildcard = granted.filter((s) => s.Resource.includes("*"));
      expect(wildcard.flatMap((s) => s.Action)).toEqual(["ecr:GetAuthorizationToken"]);
    });

    it("gives the task role no permissions and keeps it apart from the execution role", () => {
      const { tf } = build();
      const taskRoleId = ref(tf, "aws_iam_role", "id", (r) => r.name === "acme-stage-api-task");
      const taskRoleName = ref(tf, "aws_iam_role", "name", (r) => r.name === "acme-stage-api-task");
      const executionRoleArn = ref(tf, "aws_iam_role", "arn", (r) => r.name === "acme-stage-api-execution");
      const taskRoleArn = ref(tf, "aws_iam_role", "arn", (r) => r.name === "acme-stage-api-task");
      expect(taskRoleArn).not.toBe(executionRoleArn);
      for (const policy of Object.values(resources(tf, "aws_iam_role_policy"))) {
        expect([taskRoleId, taskRoleName]).not.toContain(policy.role);
      }
      expect(resources(tf, "aws_iam_role_policy_attachment")).toEqual({});
      expect(resources(tf, "aws_iam_policy")).toEqual({});
      const taskRole = Object.values(resources(tf, "aws_iam_role")).find((r) => r.name === "acme-stage-api-task");
      expect(taskRole?.inline_policy).toBeUndefined();
      expect(taskRole?.managed_policy_arns).toBeUndefined();
    });
  });

  describe("security groups", () => {
    function rules(tf: SynthesizedTerraform) {
      return {
        albSg: ref(tf, "aws_security_group", "id", (r) => r.name === "acme-stage-api-alb"),
        serviceSg: ref(tf, "aws_security_group", "id", (r) => r.name === "acme-stage-api-service"),
        ingress: Object.values(resources(tf, "aws_vpc_security_group_ingress_rule")),
        egress: Object.values(resources(tf, "aws_vpc_security_group_egress_rule")),
      };
    }

    it("have no inline rules", () => {
      const { tf } = build();
      const groups = Object.values(resources(tf, "aws_security_group"));
      expect(groups).toHaveLength(2);
      for (const group of groups) {
        expect(group.vpc_id).toBe("vpc-0123");
        expect(group.ingress).toBeUndefined();
        expect(group.egress).toBeUndefined();
      }
    });

    it("open only port 80 to the world without HTTPS, and only to the load balancer", () => {
      const { tf } = build();
      const { albSg, ingress } = rules(tf);
      const open = ingress.filter((r) => r.cidr_ipv4 === "0.0.0.0/0" || r.cidr_ipv6 === "::/0");
      expect(open.map((r) => [r.security_group_id, r.from_port, r.to_port, r.ip_protocol])).toEqual([
        [albSg, 80, 80, "tcp"],
        [albSg, 80, 80, "tcp"],
      ]);
      expect(ingress.filter((r) => r.cidr_ipv4 !== undefined || r.cidr_ipv6 !== undefined)).toEqual(open);
    });

    it("open only ports 80 and 443 to the world with HTTPS", () => {
      const { tf } = build(props({ loadBalancer: HTTPS_AND_LOGS }));
      const { albSg, ingress } = rules(tf);
      const open = ingress.filter((r) => r.cidr_ipv4 !== undefined || r.cidr_ipv6 !== undefined);
      expect(open).toHaveLength(4);
      for (const rule of open) {
        expect(rule.security_group_id).toBe(albSg);
        expect([80, 443]).toContain(rule.from_port);
        expect(rule.to_port).toBe(rule.from_port);
        expect(rule.cidr_ipv4 ?? rule.cidr_ipv6).toMatch(/^(0\.0\.0\.0\/0|::\/0)$/);
      }
      expect(
        open
          .filter((r) => r.from_port === 443)
          .map((r) => r.cidr_ipv4 ?? r.cidr_ipv6)
          .sort(),
      ).toEqual(["0.0.0.0/0", "::/0"]);
    });

    it("let the service in only from the load balancer on the container port", () => {
      const { tf } = build();
      const { albSg, serviceSg, ingress, egress } = rules(tf);
      const intoService = ingress.filter((r) => r.security_group_id === serviceSg);
      expect(intoService).toEqual([
        expect.objectContaining({ ip_protocol: "tcp", from_port: 8000, to_port: 8000, referenced_security_group_id: albSg }),
      ]);
      expect(intoService[0].cidr_ipv4).toBeUndefined();
      const fromAlb = egress.filter((r) => r.security_group_id === albSg);
      expect(fromAlb).toEqual([
        expect.objectContaining({ ip_protocol: "tcp", from_port: 8000, to_port: 8000, referenced_security_group_id: serviceSg }),
      ]);
      expect(fromAlb[0].cidr_ipv4).toBeUndefined();
    });

    it("let the service out only on HTTPS and to the database port inside the VPC", () => {
      const { tf } = build(props({ database: { host: "h", port: 3306, name: "n", secretArn: SECRET_ARN } }));
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

  describe("load balancer", () => {
    it("is an internet-facing ALB in the public subnets that drops invalid headers", () => {
      const { synth, tf } = build();
      expect(synth).toHaveResourceWithProperties(Lb, {
        name: "acme-stage-api",
        load_balancer_type: "application",
        internal: false,
        subnets: ["subnet-pub-a", "subnet-pub-b"],
        security_groups: [ref(tf, "aws_security_group", "id", (r) => r.name === "acme-stage-api-alb")],
        drop_invalid_header_fields: true,
        enable_deletion_protection: false,
      });
    });

    it("takes deletion protection from props", () => {
      const { synth } = build(props({ loadBalancer: { deletionProtection: true } }));
      expect(synth).toHaveResourceWithProperties(Lb, { enable_deletion_protection: true });
    });

    it("targets task IPs on the container port with a quick drain and the health check", () => {
      const { synth } = build(props({ containerPort: 9000, healthCheckPath: "/ready" }));
      expect(synth).toHaveResourceWithProperties(LbTargetGroup, {
        name: "acme-stage-api",
        target_type: "ip",
        port: 9000,
        protocol: "HTTP",
        vpc_id: "vpc-0123",
        deregistration_delay: "30",
        health_check: {
          enabled: true,
          path: "/ready",
          matcher: "200",
          interval: 15,
          healthy_threshold: 2,
          unhealthy_threshold: 3,
        },
      });
    });

    it("checks /health by default", () => {
      expect(only(build().tf, "aws_lb_target_group").health_check.path).toBe("/health");
    });

    it("without HTTPS, has one HTTP listener on 80 that forwards to the target group", () => {
      const { synth, tf } = build();
      const listeners = Object.values(resources(tf, "aws_lb_listener"));
      expect(listeners).toHaveLength(1);
      expect(synth).toHaveResourceWithProperties(LbListener, {
        load_balancer_arn: ref(tf, "aws_lb", "arn"),
        port: 80,
        protocol: "HTTP",
        default_action: [{ type: "forward", target_group_arn: ref(tf, "aws_lb_target_group", "arn") }],
      });
    });

    it("with HTTPS, serves 443 with TLS 1.3 and the certificate, and redirects 80 to 443", () => {
      const { synth, tf } = build(props({ loadBalancer: HTTPS_AND_LOGS }));
      const listeners = Object.values(resources(tf, "aws_lb_listener"));
      expect(listeners).toHaveLength(2);
      expect(synth).toHaveResourceWithProperties(LbListener, {
        port: 443,
        protocol: "HTTPS",
        ssl_policy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        certificate_arn: CERT_ARN,
        default_action: [{ type: "forward", target_group_arn: ref(tf, "aws_lb_target_group", "arn") }],
      });
      expect(synth).toHaveResourceWithProperties(LbListener, {
        port: 80,
        protocol: "HTTP",
        default_action: [{ type: "redirect", redirect: { port: "443", protocol: "HTTPS", status_code: "HTTP_301" } }],
      });
      const http = listeners.find((l) => l.port === 80);
      expect(http?.default_action[0].target_group_arn).toBeUndefined();
    });

    it("without access logs, creates no bucket and no access_logs block", () => {
      const { tf, service } = build();
      expect(resources(tf, "aws_s3_bucket")).toEqual({});
      expect(tf.data?.aws_elb_service_account).toBeUndefined();
      expect(only(tf, "aws_lb").access_logs).toBeUndefined();
      expect(service.accessLogBucketName).toBeUndefined();
      expect(output(tf, "accessLogBucketName")).toBeUndefined();
    });

    it("with access logs, creates an SSE-S3 bucket the ELB account may write to and enables logging", () => {
      const { synth, tf } = build(props({ loadBalancer: HTTPS_AND_LOGS }));
      expect(only(tf, "aws_s3_bucket").bucket).toBe("acme-prod-alb-logs");
      expect(synth).toHaveResourceWithProperties(S3BucketServerSideEncryptionConfigurationA, {
        rule: [{ apply_server_side_encryption_by_default: { sse_algorithm: "AES256" } }],
      });
      const lifecycle = only(tf, "aws_s3_bucket_lifecycle_configuration");
      expect(lifecycle.rule).toEqual(expect.arrayContaining([expect.objectContaining({ expiration: [{ days: 90 }] })]));

      const elbAccount = Object.keys(tf.data?.aws_elb_service_account ?? {});
      expect(elbAccount).toHaveLength(1);
      const account = Object.keys(tf.data?.aws_caller_identity ?? {})[0];
      const bucketArn = ref(tf, "aws_s3_bucket", "arn");
      const delivery = statements(only(tf, "aws_s3_bucket_policy").policy).filter((s) => s.Effect === "Allow");
      expect(delivery).toEqual([
        {
          Sid: "AllowLoadBalancerLogDelivery",
          Effect: "Allow",
          Principal: { AWS: `\${data.aws_elb_service_account.${elbAccount[0]}.arn}` },
          Action: "s3:PutObject",
          Resource: `${bucketArn}/AWSLogs/\${data.aws_caller_identity.${account}.account_id}/*`,
        },
      ]);

      const alb = only(tf, "aws_lb");
      expect(alb.access_logs).toEqual({ bucket: ref(tf, "aws_s3_bucket", "bucket"), enabled: true });
      expect(alb.depends_on).toEqual(addresses(tf, "aws_s3_bucket_policy"));
      expect(output(tf, "accessLogBucketName")).toBe(ref(tf, "aws_s3_bucket", "bucket"));
    });

    it("expires access logs after the configured days", () => {
      const { tf } = build(
        props({ loadBalancer: { deletionProtection: false, accessLogs: { bucketName: "b-logs", expirationDays: 30 } } }),
      );
      expect(only(tf, "aws_s3_bucket_lifecycle_configuration").rule).toEqual(
        expect.arrayContaining([expect.objectContaining({ expiration: [{ days: 30 }] })]),
      );
    });
  });

  describe("ECS service", () => {
    it("runs Fargate tasks in private subnets without public IPs behind the target group", () => {
      const { synth, tf } = build(props({ healthCheckGracePeriodSeconds: 120 }));
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
      const { synth } = build();
      expect(synth).toHaveResourceWithProperties(EcsService, {
        deployment_circuit_breaker: { enable: true, rollback: true },
        deployment_minimum_healthy_percent: 100,
        deployment_maximum_percent: 200,
        propagate_tags: "SERVICE",
        enable_ecs_managed_tags: true,
        health_check_grace_period_seconds: 60,
      });
    });

    it("leaves desired_count to autoscaling after creation", () => {
      const { tf } = build();
      expect(only(tf, "aws_ecs_service").lifecycle).toEqual({ ignore_changes: ["desired_count"] });
    });

    it("depends on every listener and on the execution role policy", () => {
      const http = build().tf;
      expect(only(http, "aws_ecs_service").depends_on.sort()).toEqual(
        [...addresses(http, "aws_lb_listener"), ...addresses(http, "aws_iam_role_policy")].sort(),
      );
      const https = build(props({ loadBalancer: HTTPS_AND_LOGS })).tf;
      const dependsOn: string[] = only(https, "aws_ecs_service").depends_on;
      expect(addresses(https, "aws_lb_listener")).toHaveLength(2);
      for (const listener of addresses(https, "aws_lb_listener")) expect(dependsOn).toContain(listener);
    });
  });

  describe("autoscaling", () => {
    it("scales the service's desired count between minCount and maxCount", () => {
      const { synth, tf } = build(props({ minCount: 2, desiredCount: 3, maxCount: 6 }));
      expect(synth).toHaveResourceWithProperties(AppautoscalingTarget, {
        service_namespace: "ecs",
        resource_id: `service/${ref(tf, "aws_ecs_cluster", "name")}/${ref(tf, "aws_ecs_service", "name")}`,
        scalable_dimension: "ecs:service:DesiredCount",
        min_capacity: 2,
        max_capacity: 6,
      });
    });

    it("tracks average CPU at cpuTargetPercent, scaling out fast and in slowly", () => {
      const { synth, tf } = build(props({ cpuTargetPercent: 45 }));
      expect(synth).toHaveResourceWithProperties(AppautoscalingPolicy, {
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

  describe("attributes", () => {
    it("expose the resources' identifiers", () => {
      const { tf } = build();
      expect(output(tf, "repositoryUrl")).toBe(ref(tf, "aws_ecr_repository", "repository_url"));
      expect(output(tf, "repositoryName")).toBe(ref(tf, "aws_ecr_repository", "name"));
      expect(output(tf, "repositoryArn")).toBe(ref(tf, "aws_ecr_repository", "arn"));
      expect(output(tf, "clusterName")).toBe(ref(tf, "aws_ecs_cluster", "name"));
      expect(output(tf, "serviceName")).toBe(ref(tf, "aws_ecs_service", "name"));
      expect(output(tf, "logGroupName")).toBe(ref(tf, "aws_cloudwatch_log_group", "name", (g) => g.name === "/ecs/acme-stage/api"));
      expect(output(tf, "securityGroupId")).toBe(ref(tf, "aws_security_group", "id", (r) => r.name === "acme-stage-api-service"));
      expect(output(tf, "loadBalancerSecurityGroupId")).toBe(ref(tf, "aws_security_group", "id", (r) => r.name === "acme-stage-api-alb"));
      expect(output(tf, "loadBalancerArn")).toBe(ref(tf, "aws_lb", "arn"));
      expect(output(tf, "loadBalancerDnsName")).toBe(ref(tf, "aws_lb", "dns_name"));
      expect(output(tf, "targetGroupArn")).toBe(ref(tf, "aws_lb_target_group", "arn"));
      expect(output(tf, "executionRoleArn")).toBe(ref(tf, "aws_iam_role", "arn", (r) => r.name === "acme-stage-api-execution"));
      expect(output(tf, "taskRoleArn")).toBe(ref(tf, "aws_iam_role", "arn", (r) => r.name === "acme-stage-api-task"));
    });

    it("give an http URL on the load balancer's name without HTTPS", () => {
      const { tf } = build();
      expect(output(tf, "apiUrl")).toBe(`http://${ref(tf, "aws_lb", "dns_name")}`);
    });

    it("give an https URL on the domain with HTTPS", () => {
      const { tf } = build(props({ loadBalancer: HTTPS_AND_LOGS }));
      expect(output(tf, "apiUrl")).toBe("https://api.example.com");
    });
  });

  describe("validation", () => {
    it("accepts the longest name prefix that fits", () => {
      expect(() => build(props({ namePrefix: "a".repeat(28) }))).not.toThrow();
    });

    it("rejects a name prefix longer than 28 characters", () => {
      expect(() => build(props({ namePrefix: "a".repeat(29) }))).toThrow(/namePrefix "a{29}" is 29 characters; use at most 28/);
    });

    it("rejects a name prefix with characters ECR or ELB refuse", () => {
      expect(() => build(props({ namePrefix: "Acme_Stage" }))).toThrow(/namePrefix "Acme_Stage" must be lowercase/);
      expect(() => build(props({ namePrefix: "acme-" }))).toThrow(/namePrefix "acme-"/);
    });

    it("rejects an image tag Docker would refuse", () => {
      expect(() => build(props({ imageTag: "v1 beta" }))).toThrow(/imageTag "v1 beta" is not a valid image tag/);
      expect(() => build(props({ imageTag: "3f2c1ab" }))).not.toThrow();
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
        expect(() => build(props({ imageDigest: bad }))).toThrow(
          /imageDigest ".*" is not an image digest; use "sha256:" followed by 64 lowercase hex digits/s,
        );
      }
      expect(() => build(props({ imageDigest: DIGEST }))).not.toThrow();
    });

    it("rejects imageTag and imageDigest together", () => {
      expect(() => build(props({ imageTag: "3f2c1ab", imageDigest: DIGEST }))).toThrow(
        /imageTag "3f2c1ab" and imageDigest "sha256:[0-9a-f]{64}" are both set; set one/,
      );
    });

    it("rejects minCount below 1", () => {
      expect(() => build(props({ minCount: 0, desiredCount: 0 }))).toThrow(/minCount 0 must be a whole number of at least 1/);
    });

    it("rejects maxCount below minCount", () => {
      expect(() => build(props({ minCount: 3, desiredCount: 3, maxCount: 2 }))).toThrow(
        /maxCount 2 must be a whole number of at least minCount \(3\)/,
      );
    });

    it("rejects desiredCount below minCount", () => {
      expect(() => build(props({ minCount: 2, desiredCount: 1, maxCount: 4 }))).toThrow(
        /desiredCount 1 must be a whole number from minCount \(2\) to maxCount \(4\)/,
      );
    });

    it("rejects desiredCount above maxCount", () => {
      expect(() => build(props({ minCount: 1, desiredCount: 5, maxCount: 4 }))).toThrow(/desiredCount 5/);
    });

    it("rejects a cpu size Fargate does not offer", () => {
      expect(() => build(props({ cpu: 300 }))).toThrow(/cpu 300 is not a Fargate CPU size; use 256, 512/);
    });

    it("rejects a memory size Fargate does not offer for the cpu", () => {
      expect(() => build(props({ cpu: 256, memoryMiB: 4096 }))).toThrow(
        /memoryMiB 4096 is not a Fargate memory size for 256 CPU units; use one of 512, 1024, 2048/,
      );
    });

    it("rejects a container port outside 1..65535", () => {
      expect(() => build(props({ containerPort: 0 }))).toThrow(/containerPort 0 must be a whole number from 1 to 65535/);
      expect(() => build(props({ containerPort: 70000 }))).toThrow(/containerPort 70000/);
    });

    it("rejects a health check path without a leading slash", () => {
      expect(() => build(props({ healthCheckPath: "health" }))).toThrow(
        /healthCheckPath "health" must start with "\/"; use e.g. "\/health"/,
      );
    });

    it("rejects keepImages below 1", () => {
      expect(() => build(props({ keepImages: 0 }))).toThrow(/keepImages 0 must be a whole number from 1/);
    });
  });
});
