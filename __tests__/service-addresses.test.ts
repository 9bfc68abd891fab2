/**
 * The API's resources were one Service construct (`service`) before it became ImageRepository,
 * ApiLoadBalancer and FargateService. Terraform knows a resource by its address: one that changes
 * without a `moved` block is destroyed and created again, and the repository's images, the
 * load balancer's DNS name and the logs would go with it. These are the addresses the shipped
 * configuration's stacks had then (commit 227e1be), written out rather than computed.
 */
import { TerraformResource, Testing } from "cdktf";
import { environmentAccount } from "../config/naming";
import type { PlatformConfig } from "../config/types";
import { buildSample, sampleConfig } from "./support/sample";
import { parse, type SynthesizedTerraform } from "./support/synth";

/** In every environment. */
const SERVICE = [
  "aws_ecr_repository.service_repository_EBF276BE",
  "aws_ecr_lifecycle_policy.service_repository-lifecycle_5C61A57F",
  "aws_lb.service_load-balancer_53760506",
  "aws_lb_target_group.service_target-group_7B8675DA",
  "aws_lb_listener.service_http-listener_34CA0902",
  "aws_security_group.service_alb-security-group_449013C6",
  "aws_vpc_security_group_ingress_rule.service_alb-ingress-80-ipv4_DEE0E5A0",
  "aws_vpc_security_group_ingress_rule.service_alb-ingress-80-ipv6_7598888A",
  "aws_cloudwatch_log_group.service_log-group_D4C0FDDC",
  "aws_cloudwatch_log_group.service_insights-log-group_513BBF6B",
  "aws_ecs_cluster.service_cluster_B81F1F5D",
  "aws_ecs_service.service_E7C408F2",
  "aws_ecs_task_definition.service_task-definition_1CDBFD24",
  "aws_ecs_task_definition.service_migration-task-definition_2242CE58",
  "aws_iam_role.service_execution-role_C3456AA3",
  "aws_iam_role.service_task-role_58F5AF4F",
  "aws_iam_role_policy.service_execution-policy_26EA57AB",
  "aws_security_group.service_service-security-group_0F3B4A32",
  "aws_vpc_security_group_ingress_rule.service_service-ingress-alb_04CDDE84",
  "aws_vpc_security_group_egress_rule.service_alb-egress-service_76DD38C8",
  "aws_vpc_security_group_egress_rule.service_service-egress-https_C901CFEA",
  "aws_vpc_security_group_egress_rule.service_service-egress-database_BD09609B",
  "aws_appautoscaling_target.service_scaling-target_D27AA35B",
  "aws_appautoscaling_policy.service_scaling-policy_32FF8043",
];

/** With loadBalancer.accessLogs (prod). */
const ACCESS_LOGS = [
  "aws_s3_bucket.service_access-logs_bucket_312FE4A3",
  "aws_s3_bucket_policy.service_access-logs_policy_025BF9C3",
  "aws_s3_bucket_public_access_block.service_access-logs_public-access-block_D0F97B61",
  "aws_s3_bucket_ownership_controls.service_access-logs_ownership_79E14602",
  "aws_s3_bucket_server_side_encryption_configuration.service_access-logs_encryption_F16ED407",
  "aws_s3_bucket_versioning.service_access-logs_versioning_2CE66CAD",
  "aws_s3_bucket_lifecycle_configuration.service_access-logs_lifecycle_F6FCE4B0",
];

/** With loadBalancer.https. */
const HTTPS = [
  "aws_lb_listener.service_https-listener_F7104DF3",
  "aws_vpc_security_group_ingress_rule.service_alb-ingress-443-ipv4_BDE775FC",
  "aws_vpc_security_group_ingress_rule.service_alb-ingress-443-ipv6_2FA2FB0F",
];

function synth(config: PlatformConfig, env: string) {
  const stack = buildSample(config).environments[env];
  return { stack, tf: parse(Testing.synth(stack)) };
}

/** Every resource address of the synthesized stack. */
function addressesOf(tf: SynthesizedTerraform): string[] {
  return Object.entries(tf.resource ?? {}).flatMap(([type, byId]) => Object.keys(byId).map((id) => `${type}.${id}`));
}

/**
 * The old addresses that would be lost: neither still there, nor moved (by a `moved` block) to an
 * address that is, nor forgotten without being destroyed (a `removed` block with destroy = false:
 * the workload roles, which the bootstrap now creates, stay in the account).
 */
function lost(tf: SynthesizedTerraform, old: readonly string[]): string[] {
  const present = new Set(addressesOf(tf));
  const moved = ((tf as { moved?: { from: string; to: string }[] }).moved ?? []).filter((m) => present.has(m.to));
  const kept = ((tf as { removed?: { from: string; lifecycle?: { destroy?: boolean } }[] }).removed ?? []).filter(
    (r) => r.lifecycle?.destroy === false,
  );
  return old.filter((address) => !present.has(address) && !moved.some((m) => m.from === address) && !kept.some((r) => r.from === address));
}

/** prod serving HTTPS on a domain, as a user's configuration would. */
function withHttps(config: PlatformConfig): PlatformConfig {
  const prod = config.environments.find((e) => e.name === "prod")!;
  const account = environmentAccount(config.project, prod);
  const certificateArn = `arn:aws:acm:${config.project.region}:${account}:certificate/11111111-2222-3333-4444-555555555555`;
  return {
    ...config,
    environments: config.environments.map((e) =>
      e.name !== "prod"
        ? e
        : {
            ...e,
            loadBalancer: { ...e.loadBalancer, https: { domainName: "api.example.com", certificateArn }, httpOnlyReason: undefined },
            acceptedRisks: e.acceptedRisks?.filter((r) => r.setting !== "loadBalancer.https"),
          },
    ),
  };
}

describe("the service's Terraform addresses before the split", () => {
  const config = sampleConfig();
  const stage = synth(config, "stage");
  const prod = synth(config, "prod");

  it("are all kept in stage", () => {
    expect(config.environments.find((e) => e.name === "stage")?.loadBalancer.accessLogs).toBe(false);
    expect(lost(stage.tf, SERVICE)).toEqual([]);
  });

  it("are all kept in prod, the access-log bucket's included", () => {
    expect(config.environments.find((e) => e.name === "prod")?.loadBalancer.accessLogs).toBe(true);
    expect(lost(prod.tf, [...SERVICE, ...ACCESS_LOGS])).toEqual([]);
  });

  it("are all kept with HTTPS: the HTTPS listener and port 443's rules", () => {
    expect(lost(synth(withHttps(config), "prod").tf, [...SERVICE, ...ACCESS_LOGS, ...HTTPS])).toEqual([]);
  });

  it("are kept as addresses, with no state to move: deploy.yml's -target apply refuses pending moves", () => {
    for (const { tf } of [stage, prod]) expect((tf as { moved?: unknown }).moved).toBeUndefined();
  });

  it("are each one resource's: no two resources of a stack share an address", () => {
    for (const { stack, tf } of [stage, prod]) {
      const constructs = stack.node.findAll().filter((c) => TerraformResource.isTerraformResource(c));
      expect(addressesOf(tf)).toHaveLength(constructs.length);
    }
  });

  it("would be lost if a resource changed its address (the check can fail)", () => {
    const renamed = structuredClone(stage.tf);
    const repositories = renamed.resource!.aws_ecr_repository;
    repositories.elsewhere = repositories.service_repository_EBF276BE;
    delete repositories.service_repository_EBF276BE;
    expect(lost(renamed, SERVICE)).toEqual(["aws_ecr_repository.service_repository_EBF276BE"]);
    const moved = { ...renamed, moved: [{ from: "aws_ecr_repository.service_repository_EBF276BE", to: "aws_ecr_repository.elsewhere" }] };
    expect(lost(moved as SynthesizedTerraform, SERVICE)).toEqual([]);
  });
});
