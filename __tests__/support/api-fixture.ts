/**
 * The API's three constructs wired as the environment stack wires them (ImageRepository,
 * ApiLoadBalancer, FargateService) in a bare stack, with every public attribute as an output
 * (`<part>_<attribute>`) so tests can assert the Terraform expressions they resolve to.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformOutput, TerraformStack, Testing } from "cdktf";
import { ApiLoadBalancer, type ApiLoadBalancerProps } from "../../constructs/api-load-balancer";
import { FargateService, type FargateServiceProps } from "../../constructs/fargate-service";
import { ImageRepository, type ImageRepositoryProps } from "../../constructs/image-repository";
import { parse, resources, type SynthesizedTerraform } from "./synth";

export const SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-0123-AbCdEf";
export const CERT_ARN = "arn:aws:acm:eu-west-1:123456789012:certificate/11111111-2222-3333-4444-555555555555";
export const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;
/** The roles the bootstrap creates for stage's API (bootstrap/workload-roles.ts). */
export const TASK_ROLES = {
  executionRoleName: "acme-stage-api-execution-role",
  executionRoleArn: "arn:aws:iam::123456789012:role/acme/stage/acme-stage-api-execution-role",
  taskRoleArn: "arn:aws:iam::123456789012:role/acme/stage/acme-stage-api-task-role",
};

export const HTTPS_AND_LOGS: Partial<ApiLoadBalancerProps> = {
  deletionProtection: true,
  accessLogs: { bucketName: "acme-prod-alb-logs" },
  https: { domainName: "api.example.com", certificateArn: CERT_ARN },
};

export interface ApiOverrides {
  readonly repository?: Partial<ImageRepositoryProps>;
  readonly loadBalancer?: Partial<ApiLoadBalancerProps>;
  readonly service?: Partial<Omit<FargateServiceProps, "repository" | "loadBalancer">>;
}

export interface BuiltApi {
  readonly stack: TerraformStack;
  readonly synth: string;
  readonly tf: SynthesizedTerraform;
  readonly repository: ImageRepository;
  readonly loadBalancer: ApiLoadBalancer;
  readonly service: FargateService;
}

/**
 * The three constructs with the defaults below, changed by `change`: the changes, or a function of the
 * stack that returns them (to create, say, a variable to pass).
 */
export function buildApi(change: ApiOverrides | ((stack: TerraformStack) => ApiOverrides) = {}): BuiltApi {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const overrides = typeof change === "function" ? change(stack) : change;
  const repository = new ImageRepository(stack, "image-repository", {
    repositoryName: "acme-stage-api",
    keepImages: 20,
    ...overrides.repository,
  });
  const loadBalancer = new ApiLoadBalancer(stack, "load-balancer", {
    name: "acme-stage-api",
    vpcId: "vpc-0123",
    publicSubnetIds: ["subnet-pub-a", "subnet-pub-b"],
    deletionProtection: false,
    ...overrides.loadBalancer,
  });
  const service = new FargateService(stack, "service", {
    namePrefix: "acme-stage",
    vpcId: "vpc-0123",
    vpcCidr: "10.10.0.0/16",
    privateSubnetIds: ["subnet-priv-a", "subnet-priv-b"],
    cpu: 256,
    memoryMiB: 512,
    desiredCount: 2,
    minCount: 1,
    maxCount: 4,
    cpuTargetPercent: 60,
    logRetentionDays: 30,
    database: { host: "db.internal", port: 5432, name: "app", secretArn: SECRET_ARN },
    roles: TASK_ROLES,
    ...overrides.service,
    repository,
    loadBalancer,
  });
  const attributes: Record<string, object> = { repository, loadBalancer, service };
  for (const [part, construct] of Object.entries(attributes)) {
    for (const [name, value] of Object.entries(construct)) {
      if (typeof value === "string") new TerraformOutput(stack, `${part}_${name}`, { value });
    }
  }
  const synth = Testing.synth(stack);
  return { stack, synth, tf: parse(synth), repository, loadBalancer, service };
}

/** The stack's JSON as `cdktf synth` writes it, `"//"` metadata (audit exemptions) included, which Testing.synth drops. */
export function withMetadata(stack: TerraformStack): SynthesizedTerraform {
  const outdir = Testing.fullSynth(stack);
  return JSON.parse(readFileSync(join(outdir, "stacks", stack.node.id, "cdk.tf.json"), "utf8")) as SynthesizedTerraform;
}

/** The value of an output, as synthesized. */
export function output(tf: SynthesizedTerraform, name: string): unknown {
  return tf.output?.[name]?.value;
}

/** `${type.<id>.attribute}` for the only resource of a type (that matches), as references are written. */
export function ref(tf: SynthesizedTerraform, type: string, attribute: string, match?: (r: any) => boolean): string {
  const entries = Object.entries(resources(tf, type)).filter(([, r]) => (match ? match(r) : true));
  if (entries.length !== 1) throw new Error(`expected one ${type}, found ${entries.length}`);
  return `\${${type}.${entries[0][0]}.${attribute}}`;
}

export interface Statement {
  Sid?: string;
  Effect: string;
  Principal?: Record<string, string>;
  Action: string | string[];
  Resource: string | string[];
  Condition?: Record<string, Record<string, string>>;
}

export function statements(policy: string): Statement[] {
  return (JSON.parse(policy) as { Statement: Statement[] }).Statement;
}

export const asList = (v: string | string[]): string[] => (Array.isArray(v) ? v : [v]);
