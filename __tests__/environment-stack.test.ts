import { Testing } from "cdktf";
import { Naming } from "../config/naming";
import { buildSample, sampleConfig } from "./support/sample";
import { addresses, only, parse, resources, type SynthesizedTerraform } from "./support/synth";

const config = sampleConfig();
/** The names in the account an environment deploys to (the shipped config: prod in an account of its own). */
const namingOf = (env: string) => Naming.forEnvironment(config.project, config.environments.find((e) => e.name === env)!);
const platform = buildSample(config);
const stage = parse(Testing.synth(platform.environments.stage));
const prod = parse(Testing.synth(platform.environments.prod));

/** The API's task definition, by its family `<prefix>-api` (the migration, a worker and jobs have families of their own). */
const apiTask = (tf: SynthesizedTerraform) => {
  const tasks = Object.values(resources(tf, "aws_ecs_task_definition")).filter((t) => /^acme-[a-z0-9]+-api$/.test(String(t.family)));
  if (tasks.length !== 1) throw new Error(`expected one API task definition, found ${tasks.length}`);
  return tasks[0];
};
/** The API's service, by its name `<prefix>-api`. */
const apiService = (tf: SynthesizedTerraform) => {
  const services = Object.values(resources(tf, "aws_ecs_service")).filter((s) => /^acme-[a-z0-9]+-api$/.test(String(s.name)));
  if (services.length !== 1) throw new Error(`expected one API service, found ${services.length}`);
  return services[0];
};
const count = (tf: SynthesizedTerraform, type: string) => Object.keys(resources(tf, type)).length;

describe.each([
  ["stage", stage],
  ["prod", prod],
])("%s stack", (env, tf) => {
  const naming = namingOf(env);
  it("keeps its state in the bootstrap bucket under its own key, encrypted, with both locks", () => {
    expect(tf.terraform!.backend).toEqual({
      s3: {
        bucket: naming.stateBucket,
        key: `${env}/terraform.tfstate`,
        region: config.project.region,
        encrypt: true,
        kms_key_id: naming.stateKeyAliasArn,
        dynamodb_table: naming.lockTable,
        use_lockfile: true,
      },
    });
  });

  it("tags every resource with project, environment, owner and repository", () => {
    const provider = (tf.provider!.aws as any[])[0];
    expect(provider.default_tags[0].tags).toEqual({
      Project: "acme",
      Environment: env,
      ManagedBy: "cdktf",
      Repository: "acme/platform",
      Stack: env,
    });
    expect(provider.allowed_account_ids).toEqual([naming.accountId]);
  });

  it("outputs what people and CI read, each with a description", () => {
    // A worker adds its own (workloads.test.ts), the previews' host its own (preview-stack.test.ts); these are every environment's.
    const workerOutputs = ["ecs_worker_service_name", "worker_queue_url", "previews_database_admin"];
    expect(
      Object.keys(tf.output!)
        .filter((o) => !workerOutputs.includes(o))
        .sort(),
    ).toEqual(
      [
        "alarm_topic_arn",
        "api_url",
        "cloudfront_distribution_id",
        "dashboard_name",
        "database_endpoint",
        "database_migration",
        "database_secret_arn",
        "ecr_repository_url",
        "ecs_cluster_name",
        "ecs_service_name",
        "log_group_name",
        "site_bucket",
        "site_url",
      ].sort(),
    );
    for (const output of Object.values(tf.output!)) expect(output.description!.length).toBeGreaterThan(15);
    expect(tf.output!.database_secret_arn.value).toMatch(
      /^\$\{aws_db_instance\.database_instance_\w+\.master_user_secret\[0\]\.secret_arn\}$/,
    );
  });

  it("names its buckets from the shared naming module", () => {
    const buckets = Object.values(resources(tf, "aws_s3_bucket")).map((b) => b.bucket);
    expect(buckets).toContain(naming.siteBucket(env));
  });

  it("admits the database only from the workloads' own security groups (and the previews' in their host), the API's among them", () => {
    const rules = Object.values(resources(tf, "aws_vpc_security_group_ingress_rule")).filter((r) => r.from_port === 5432);
    const from = rules.map((r) => r.referenced_security_group_id);
    expect(from).toContain(apiService(tf).network_configuration.security_groups[0]);
    for (const group of from)
      expect(group).toMatch(/^\$\{aws_security_group\.((service|worker|jobs)_service-|previews_)security-group_\w+\.id\}$/);
    for (const rule of rules) expect(rule.security_group_id).toMatch(/^\$\{aws_security_group\.database_/);
  });

  it("injects the database credentials from the RDS-managed secret, never as plain environment", () => {
    const container = JSON.parse(apiTask(tf).container_definitions)[0];
    expect(container.secrets.map((s: { valueFrom: string }) => s.valueFrom)).toEqual([
      expect.stringMatching(/master_user_secret\[0\]\.secret_arn\}:username::$/),
      expect.stringMatching(/master_user_secret\[0\]\.secret_arn\}:password::$/),
    ]);
    expect(JSON.stringify(container.environment)).not.toMatch(/PASSWORD|SECRET/i);
  });

  it("lets the site's scripts call the API origin", () => {
    const headers = only(tf, "aws_cloudfront_response_headers_policy");
    expect(JSON.stringify(headers)).toMatch(/connect-src 'self' http:\/\/\$\{aws_lb\.service_/);
  });
});

describe("stage and prod side by side", () => {
  it("differ in NAT gateways: one shared in stage, one per AZ in prod", () => {
    expect(count(stage, "aws_nat_gateway")).toBe(1);
    expect(count(prod, "aws_nat_gateway")).toBe(3);
    expect(count(stage, "aws_subnet")).toBe(6);
    expect(count(prod, "aws_subnet")).toBe(9);
  });

  it("differ in database resilience: multi-AZ, deletion protection, backups, Performance Insights", () => {
    const s = only(stage, "aws_db_instance");
    const p = only(prod, "aws_db_instance");
    expect([s.multi_az, p.multi_az]).toEqual([false, true]);
    expect([s.deletion_protection, p.deletion_protection]).toEqual([false, true]);
    expect([s.backup_retention_period, p.backup_retention_period]).toEqual([7, 30]);
    expect([s.performance_insights_enabled, p.performance_insights_enabled]).toEqual([false, true]);
    expect([s.instance_class, p.instance_class]).toEqual(["db.t4g.micro", "db.t4g.small"]);
  });

  it("differ in autoscaling bounds: stage 1-2, prod 2-6", () => {
    // The API's scaling target: the one whose resource id names the API's service (`service` construct).
    const target = (tf: SynthesizedTerraform) => {
      const found = Object.values(resources(tf, "aws_appautoscaling_target")).find((t) =>
        t.resource_id.includes("${aws_ecs_service.service_"),
      );
      if (!found) throw new Error("no scaling target of the API's service");
      return found;
    };
    const [s, p] = [target(stage), target(prod)];
    expect([s.min_capacity, s.max_capacity]).toEqual([1, 2]);
    expect([p.min_capacity, p.max_capacity]).toEqual([2, 6]);
    expect([apiService(stage).desired_count, apiService(prod).desired_count]).toEqual([1, 2]);
  });

  it("differ in load balancer protection and access logs", () => {
    const s = only(stage, "aws_lb");
    const p = only(prod, "aws_lb");
    expect([s.enable_deletion_protection, p.enable_deletion_protection]).toEqual([false, true]);
    expect(s.access_logs).toBeUndefined();
    expect(p.access_logs).toEqual({ bucket: expect.stringContaining("aws_s3_bucket.service_access-logs"), enabled: true });
    expect(Object.values(resources(prod, "aws_s3_bucket")).map((b) => b.bucket)).toContain(namingOf("prod").albLogBucket("prod"));
  });

  /**
   * Every security-relevant setting, with names and sizes taken out and the environment's name
   * replaced by ENV. The prod-only access-log bucket is left out: it is the difference named above.
   */
  function posture(tf: SynthesizedTerraform, env: string) {
    const neutral = (v: unknown) => JSON.stringify(v).replace(new RegExp(`\\b${env}\\b`, "g"), "ENV");
    const values = (type: string, pick: (r: any) => unknown) =>
      [
        ...new Set(
          Object.entries(resources(tf, type))
            // The previews' additions are their host's only (preview-stack.test.ts): stage's here.
            .filter(([id]) => !id.includes("access-logs") && !id.startsWith("previews_"))
            .map(([, r]) => neutral(pick(r))),
        ),
      ].sort();
    const db = only(tf, "aws_db_instance");
    const service = apiService(tf);
    const lb = only(tf, "aws_lb");
    const container = JSON.parse(apiTask(tf).container_definitions)[0];
    return {
      publicAccessBlocks: values("aws_s3_bucket_public_access_block", ({ bucket, ...flags }) => flags),
      ownership: values("aws_s3_bucket_ownership_controls", (r) => r.rule),
      bucketEncryption: values("aws_s3_bucket_server_side_encryption_configuration", (r) => r.rule),
      bucketVersioning: values("aws_s3_bucket_versioning", (r) => r.versioning_configuration),
      bucketPolicies: values("aws_s3_bucket_policy", (r) => JSON.parse(r.policy).Statement),
      database: {
        storage_encrypted: db.storage_encrypted,
        publicly_accessible: db.publicly_accessible,
        manage_master_user_password: db.manage_master_user_password,
        skip_final_snapshot: db.skip_final_snapshot,
        copy_tags_to_snapshot: db.copy_tags_to_snapshot,
        logs: db.enabled_cloudwatch_logs_exports,
        iam_auth: db.iam_database_authentication_enabled,
      },
      parameters: only(tf, "aws_db_parameter_group").parameter,
      service: {
        network: { ...service.network_configuration, subnets: undefined, security_groups: undefined },
        breaker: service.deployment_circuit_breaker,
      },
      container: {
        privileged: container.privileged,
        readonly: container.readonlyRootFilesystem,
        secrets: container.secrets.map((s: any) => s.name),
        environment: container.environment.map((e: any) => e.name),
        log: container.logConfiguration.logDriver,
      },
      loadBalancer: { internal: lb.internal, drop_invalid_header_fields: lb.drop_invalid_header_fields },
      listeners: values("aws_lb_listener", (r) => [r.port, r.protocol, r.ssl_policy, r.default_action]),
      worldIngress: values("aws_vpc_security_group_ingress_rule", (r) =>
        r.cidr_ipv4 === "0.0.0.0/0" || r.cidr_ipv6 === "::/0" ? r.from_port : null,
      ),
      ecr: values("aws_ecr_repository", (r) => [r.image_scanning_configuration, r.encryption_configuration, r.image_tag_mutability]),
      defaultSecurityGroup: values("aws_default_security_group", (r) => [r.ingress, r.egress]),
      subnetsPublicIp: values("aws_subnet", (r) => r.map_public_ip_on_launch),
      flowLogs: values("aws_flow_log", (r) => r.traffic_type),
      cloudfront: values("aws_cloudfront_distribution", (r) => [
        r.default_cache_behavior.viewer_protocol_policy,
        r.default_root_object,
        r.viewer_certificate,
      ]),
      headers: values("aws_cloudfront_response_headers_policy", (r) => r.security_headers_config),
      roleTrust: values("aws_iam_role", (r) => [JSON.parse(r.assume_role_policy), r.permissions_boundary]),
      rolePolicies: values("aws_iam_role_policy", (r) => JSON.parse(r.policy).Statement),
    };
  }

  it("have the same security posture: every other difference is size or protection named above", () => {
    expect(posture(prod, "prod")).toEqual(posture(stage, "stage"));
  });
});

describe("IAM roles of an environment", () => {
  it.each([
    ["stage", stage],
    ["prod", prod],
  ])("are not created in %s: the bootstrap creates them (isolation.test.ts checks their trust and boundary)", (_env, tf) => {
    expect(resources(tf, "aws_iam_role")).toEqual({});
  });
});

describe("stateful resource addresses (renaming one replaces it: update this test only on purpose)", () => {
  it.each([
    ["stage", stage],
    ["prod", prod],
  ])("are pinned in %s", (_env, tf) => {
    expect(addresses(tf, "aws_db_instance")).toEqual(["aws_db_instance.database_instance_D7FC2283"]);
    expect(addresses(tf, "aws_s3_bucket")).toContain("aws_s3_bucket.site_bucket_DFA168EB");
    expect(addresses(tf, "aws_ecr_repository")).toEqual(["aws_ecr_repository.service_repository_EBF276BE"]);
  });
});

describe("container image", () => {
  const image = (tf: SynthesizedTerraform) => JSON.parse(apiTask(tf).container_definitions)[0].image;

  it("defaults to latest and follows the prop", () => {
    expect(image(stage)).toMatch(/:latest$/);
    const tagged = parse(Testing.synth(buildSample(sampleConfig(), { imageTag: "3f2c1ab" }).environments.stage));
    expect(image(tagged)).toMatch(/\.repository_url\}:3f2c1ab$/);
  });

  it("is the digest CI deploys, in stage and in prod, each from its own repository", () => {
    const digest = `sha256:${"f0".repeat(32)}`;
    const { environments } = buildSample(sampleConfig(), { imageDigest: digest });
    for (const env of ["stage", "prod"]) {
      const tf = parse(Testing.synth(environments[env]));
      expect(image(tf)).toBe(`\${${addresses(tf, "aws_ecr_repository")[0]}.repository_url}@${digest}`);
    }
  });
});
