import { App, Testing } from "cdktf";
import { buildPlatform, synthesizePlatform } from "../app";
import { Naming } from "../config/naming";
import { previewListenerPriority, previewStateKey } from "../config/preview-naming";
import type { PlatformConfig } from "../config/types";
import { buildSample, sampleConfig } from "./support/sample";
import { parse, resources, type SynthesizedTerraform } from "./support/synth";

/**
 * A pull request's preview (issue 23, README "Previews"): what the stack PREVIEW_PR=<n> adds makes
 * only `<project>-pr-<n>` resources, tagged as the preview's, in the host's account, with its own
 * state; everything of the host's is read, never created.
 */

const CERT = "arn:aws:acm:eu-west-1:123456789012:certificate/0f3c7e9a-1b2c-4d5e-8f90-123456789abc";

/** The shipped config with stage on HTTPS and a preview domain. */
function domainConfig(): PlatformConfig {
  const config = sampleConfig() as any;
  const stage = config.environments.find((e: any) => e.name === "stage");
  stage.loadBalancer = { ...stage.loadBalancer, https: { domainName: "api.stage.example.com", certificateArn: CERT } };
  delete stage.loadBalancer.httpOnlyReason;
  config.previews = { ...config.previews, domain: { name: "preview.example.com", hostedZoneId: "Z0123456789ABC", certificateArn: CERT } };
  return config;
}

const config = sampleConfig();
const naming = Naming.forEnvironment(config.project, config.environments.find((e) => e.name === "stage")!);
const platform = buildSample(config, { previews: [7] });
const preview = parse(Testing.synth(platform.previews["preview-pr-7"]));
const withDomain = parse(Testing.synth(buildSample(domainConfig(), { previews: [7] }).previews["preview-pr-7"]));

const named = (tf: SynthesizedTerraform, type: string, name: string) => {
  const found = Object.values(resources(tf, type)).filter((r) => r.name === name || r.family === name);
  if (found.length !== 1) throw new Error(`expected one ${type} named ${name}, found ${found.length}`);
  return found[0];
};

describe("a preview's stack", () => {
  it("is added by the previews option only, under its own stack id", () => {
    expect(Object.keys(platform.previews)).toEqual(["preview-pr-7"]);
    expect(buildSample(config).previews).toEqual({});
  });

  it("keeps its state under previews/pr-<n>/ in the host account's bucket, with both locks", () => {
    expect(preview.terraform!.backend).toEqual({
      s3: {
        bucket: naming.stateBucket,
        key: previewStateKey(7),
        region: "eu-west-1",
        encrypt: true,
        kms_key_id: naming.stateKeyAliasArn,
        dynamodb_table: naming.lockTable,
        use_lockfile: true,
      },
    });
    expect(previewStateKey(7)).toBe("previews/pr-7/terraform.tfstate");
  });

  it("tags every resource Environment=preview and Preview=pr-<n>, and no resource overrides them", () => {
    const provider = (preview.provider!.aws as any[])[0];
    expect(provider.default_tags[0].tags).toMatchObject({
      Environment: "preview",
      Preview: "pr-7",
      Project: "acme",
      Stack: "preview-pr-7",
    });
    expect(provider.allowed_account_ids).toEqual([naming.accountId]);
    const overriding = Object.entries(preview.resource ?? {}).flatMap(([type, byId]) =>
      Object.entries(byId as Record<string, any>)
        .filter(([, r]) => r.tags?.Environment !== undefined || r.tags?.Preview !== undefined)
        .map(([id]) => `${type}.${id}`),
    );
    expect(overriding).toEqual([]);
    expect(named(preview, "aws_ecs_service", "acme-pr-7-api").propagate_tags).toBe("SERVICE");
  });

  it("names everything it makes after the preview: <project>-pr-<n>", () => {
    const names = Object.entries(preview.resource ?? {}).flatMap(([type, byId]) =>
      Object.values(byId as Record<string, any>).flatMap((r) => {
        const name = r.name ?? r.family;
        return typeof name === "string" ? [`${type} ${name}`] : [];
      }),
    );
    expect(names.sort()).toEqual(
      [
        "aws_cloudwatch_log_group /ecs/acme-pr-7/api",
        "aws_ecs_service acme-pr-7-api",
        "aws_ecs_task_definition acme-pr-7-api",
        "aws_ecs_task_definition acme-pr-7-database",
        "aws_lb_target_group acme-pr-7",
        "aws_secretsmanager_secret acme-pr-7/database",
        "aws_security_group acme-pr-7-api-service",
      ].sort(),
    );
  });

  it("creates nothing of the host's: it reads the host's VPC, load balancer, listener, database, cluster and roles", () => {
    const hostTypes = ["aws_vpc", "aws_subnet", "aws_lb", "aws_lb_listener", "aws_db_instance", "aws_ecs_cluster", "aws_ecr_repository"];
    const iam = Object.keys(preview.resource ?? {}).filter((type) => type.startsWith("aws_iam_"));
    expect([...hostTypes.filter((t) => preview.resource?.[t]), ...iam]).toEqual([]);
    const data = preview.data as Record<string, Record<string, any>>;
    expect(Object.values(data.aws_lb).map((d) => d.name)).toEqual(["acme-stage-api"]);
    expect(Object.values(data.aws_db_instance).map((d) => d.db_instance_identifier)).toEqual(["acme-stage-db"]);
    expect(Object.values(data.aws_ecs_cluster).map((d) => d.cluster_name)).toEqual(["acme-stage"]);
    expect(
      Object.values(data.aws_security_group)
        .map((d) => d.name)
        .sort(),
    ).toEqual(["acme-stage-api-alb", "acme-stage-previews"]);
    expect(Object.values(data.aws_ecr_repository).map((d) => d.name)).toEqual(["acme-previews"]);
    expect(
      Object.values(data.aws_iam_role)
        .map((d) => d.name)
        .sort(),
    ).toEqual(["acme-previews-database-setup-role", "acme-previews-execution-role", "acme-previews-task-role"]);
    // The security group rules it writes are on its own group only.
    for (const type of ["aws_vpc_security_group_ingress_rule", "aws_vpc_security_group_egress_rule"]) {
      for (const rule of Object.values(resources(preview, type))) {
        expect(rule.security_group_id).toMatch(/^\$\{aws_security_group\.api_service-security-group_/);
      }
    }
  });

  it("without a domain: a path rule on the host's HTTP listener, BASE_PATH in the container, a path address", () => {
    const rule = Object.values(resources(preview, "aws_lb_listener_rule"))[0];
    expect(rule.condition).toEqual([{ path_pattern: { values: ["/pr-7", "/pr-7/*"] } }]);
    expect(rule.priority).toBe(previewListenerPriority(7));
    expect(rule.listener_arn).toBe("${data.aws_lb_listener.host-listener.arn}");
    expect(Object.values((preview.data as any).aws_lb_listener)[0]).toMatchObject({ port: 80 });
    const container = JSON.parse(named(preview, "aws_ecs_task_definition", "acme-pr-7-api").container_definitions)[0];
    expect(container.environment).toContainEqual({ name: "BASE_PATH", value: "/pr-7" });
    expect(named(preview, "aws_lb_target_group", "acme-pr-7").health_check.path).toBe("/pr-7/health");
    expect(preview.output!.preview_url.value).toBe("http://${data.aws_lb.host-load-balancer.dns_name}/pr-7/");
    expect(resources(preview, "aws_route53_record")).toEqual({});
  });

  it("with a domain: a host-header rule on the host's HTTPS listener, a DNS alias, no base path", () => {
    const rule = Object.values(resources(withDomain, "aws_lb_listener_rule"))[0];
    expect(rule.condition).toEqual([{ host_header: { values: ["pr-7.preview.example.com"] } }]);
    expect(Object.values((withDomain.data as any).aws_lb_listener)[0]).toMatchObject({ port: 443 });
    const record = Object.values(resources(withDomain, "aws_route53_record"))[0];
    expect(record).toMatchObject({ name: "pr-7.preview.example.com", type: "A", zone_id: "Z0123456789ABC" });
    const container = JSON.parse(named(withDomain, "aws_ecs_task_definition", "acme-pr-7-api").container_definitions)[0];
    expect(container.environment.map((e: any) => e.name)).not.toContain("BASE_PATH");
    expect(withDomain.output!.preview_url.value).toBe("https://pr-7.preview.example.com");
  });

  it("runs one task, no autoscaling, with rollback, carrying the host's previews group", () => {
    const service = named(preview, "aws_ecs_service", "acme-pr-7-api");
    expect(service.desired_count).toBe(1);
    expect(service.deployment_circuit_breaker).toEqual({ enable: true, rollback: true });
    expect(service.cluster).toBe("${data.aws_ecs_cluster.host-cluster.arn}");
    expect(service.network_configuration.security_groups).toContain("${data.aws_security_group.host-previews-group.id}");
    expect(resources(preview, "aws_appautoscaling_target")).toEqual({});
    const task = named(preview, "aws_ecs_task_definition", "acme-pr-7-api");
    expect([task.cpu, task.memory]).toEqual(["256", "512"]);
    expect(named(preview, "aws_cloudwatch_log_group", "/ecs/acme-pr-7/api").retention_in_days).toBe(3);
  });

  it("keeps its database login in a secret of its own, whose value Terraform never holds (the workflow puts it)", () => {
    expect(resources(preview, "aws_secretsmanager_secret_version")).toEqual({});
    expect(preview.data?.aws_secretsmanager_random_password).toBeUndefined();
    const secret = named(preview, "aws_secretsmanager_secret", "acme-pr-7/database");
    expect(secret.recovery_window_in_days).toBe(0);
    const container = JSON.parse(named(preview, "aws_ecs_task_definition", "acme-pr-7-api").container_definitions)[0];
    const [id] = Object.entries(resources(preview, "aws_secretsmanager_secret")).find(([, s]) => s === secret)!;
    expect(container.secrets).toEqual([
      { name: "DB_USER", valueFrom: `\${aws_secretsmanager_secret.${id}.arn}:username::` },
      { name: "DB_PASSWORD", valueFrom: `\${aws_secretsmanager_secret.${id}.arn}:password::` },
    ]);
  });

  it("outputs its address, service, logs and how the workflow creates and drops its database", () => {
    expect(Object.keys(preview.output!).sort()).toEqual([
      "database_setup",
      "ecs_service_name",
      "log_group_name",
      "preview_url",
      "site_bucket",
      "site_prefix",
      "site_url",
    ]);
    const setup = preview.output!.database_setup.value as Record<string, string[]>;
    expect(Object.keys(setup).sort()).toEqual([
      "cluster",
      "createCommand",
      "dropCommand",
      "secretArn",
      "securityGroups",
      "subnets",
      "taskDefinition",
      "username",
    ]);
    expect(setup.username).toBe("pr_7");
    expect(setup.createCommand[2]).toMatch(/CREATE DATABASE %I OWNER %I/);
    expect(setup.dropCommand[2]).toMatch(/DROP DATABASE IF EXISTS :"name" WITH \(FORCE\)/);
    // The setup task logs in as the previews' admin (the host's secret), never as the master login.
    const setupTask = JSON.parse(named(preview, "aws_ecs_task_definition", "acme-pr-7-database").container_definitions)[0];
    expect(setupTask.secrets.map((s: any) => s.valueFrom)).toContain(
      "${data.aws_secretsmanager_secret.host-database-admin.arn}:password::",
    );
    expect(setupTask.environment).toContainEqual({ name: "PREVIEW_DATABASE", value: "pr_7" });
    expect(JSON.stringify(setupTask)).not.toMatch(/master_user_secret/);
  });
});

describe("a preview's static site", () => {
  it("goes under previews/pr-<n>/ of the host's site bucket, at the host distribution's address found from the bucket's policy", () => {
    expect(preview.output!.site_bucket.value).toBe(naming.siteBucket("stage"));
    expect(preview.output!.site_prefix.value).toBe("previews/pr-7/");
    // The host's distribution: the one its bucket's policy lets read (StaticSite's AllowCloudFrontRead), by the id in its ARN.
    const policy = Object.values(preview.data!.aws_s3_bucket_policy) as { bucket: string }[];
    expect(policy.map((p) => p.bucket)).toEqual([naming.siteBucket("stage")]);
    const [distribution] = Object.values(preview.data!.aws_cloudfront_distribution) as { id: string }[];
    expect(distribution.id).toBe(
      '${element(regex(":distribution/([A-Za-z0-9]+)", data.aws_s3_bucket_policy.host-site-bucket-policy.policy), 0)}',
    );
    expect(preview.output!.site_url.value).toBe(
      "https://${data.aws_cloudfront_distribution.host-site-distribution.domain_name}/previews/pr-7/index.html",
    );
    // No distribution, bucket or object of its own: Terraform manages none of the site's files.
    expect(Object.keys(preview.resource ?? {}).filter((t) => /cloudfront|s3/.test(t))).toEqual([]);
  });

  it("with the host's own site domain, is at that domain and looks nothing up", () => {
    const config = sampleConfig() as any;
    const stage = config.environments.find((e: any) => e.name === "stage");
    stage.site = { ...stage.site, domain: { domainName: "www.stage.example.com", certificateArn: CERT.replace("eu-west-1", "us-east-1") } };
    const tf = parse(Testing.synth(buildSample(config, { previews: [7] }).previews["preview-pr-7"]));
    expect(tf.output!.site_url.value).toBe("https://www.stage.example.com/previews/pr-7/index.html");
    expect(tf.data!.aws_cloudfront_distribution).toBeUndefined();
    expect(tf.data!.aws_s3_bucket_policy).toBeUndefined();
  });
});

describe("PREVIEW_PR", () => {
  const synth =
    (env: Record<string, string>, load: () => unknown = () => sampleConfig()) =>
    () =>
      synthesizePlatform({ CDKTF_OUTDIR: "/tmp/never-written-preview", ...env }, load, "/tmp");

  it.each(["07", "0", "1000000", "7a", "-7", " 7"])("refuses %j, naming the variable and the fix", (value) => {
    expect(synth({ PREVIEW_PR: value })).toThrow(/^PREVIEW_PR ".*" is not a pull request number; use the number alone/);
  });

  it("refuses a preview when the configuration has no previews section", () => {
    const { previews: _, ...without } = sampleConfig();
    expect(() => buildPlatform(new App(), without as PlatformConfig, { previews: [7] })).toThrow(
      /^PREVIEW_PR 7 asks for a preview, but the configuration has no previews section; add previews/,
    );
  });
});

describe("the previews' host (stage) and the other environments", () => {
  const stage = parse(Testing.synth(platform.environments.stage));
  const prod = parse(Testing.synth(platform.environments.prod));
  const https = parse(Testing.synth(buildSample(domainConfig()).environments.stage));

  it("makes the previews' security group, lets it into the database and the load balancer out to it", () => {
    const [groupId, group] = Object.entries(resources(stage, "aws_security_group")).find(([, g]) => g.name === "acme-stage-previews")!;
    const ref = `\${aws_security_group.${groupId}.id}`;
    const ingress = Object.values(resources(stage, "aws_vpc_security_group_ingress_rule"));
    expect(ingress.filter((r) => r.referenced_security_group_id === ref && r.from_port === 5432)).toHaveLength(1);
    expect(ingress.filter((r) => r.security_group_id === ref).map((r) => r.from_port)).toEqual([8000]);
    const egress = Object.values(resources(stage, "aws_vpc_security_group_egress_rule"));
    expect(egress.filter((r) => r.referenced_security_group_id === ref).map((r) => r.from_port)).toEqual([8000]);
    expect(group.vpc_id).toMatch(/^\$\{aws_vpc\.network_/);
  });

  it("keeps the previews' admin login in a secret read by the API's execution role, and a task that makes the login", () => {
    const secret = Object.entries(resources(stage, "aws_secretsmanager_secret")).find(
      ([, s]) => s.name === "acme-stage-previews-db-admin",
    )!;
    const policy = Object.values(resources(stage, "aws_iam_role_policy")).find((p) => p.name === "read-previews-db-admin")!;
    expect(policy.role).toBe("${data.aws_iam_role.workload-role-api-execution.name}");
    expect(JSON.parse(policy.policy).Statement).toEqual([
      expect.objectContaining({ Action: "secretsmanager:GetSecretValue", Resource: `\${aws_secretsmanager_secret.${secret[0]}.arn}` }),
    ]);
    const task = named(stage, "aws_ecs_task_definition", "acme-stage-previews-db-admin");
    const container = JSON.parse(task.container_definitions)[0];
    expect(container.command[2]).toMatch(/ALTER ROLE previews_admin WITH LOGIN CREATEDB CREATEROLE PASSWORD :'password';/);
    expect(container.command[2]).toMatch(/REVOKE CONNECT ON DATABASE :"database" FROM PUBLIC;/);
    expect(container.secrets.map((s: any) => s.name).sort()).toEqual(["ADMIN_PASSWORD", "PGPASSWORD", "PGUSER"]);
    const output = stage.output!.previews_database_admin;
    expect(Object.keys(output.value as object).sort()).toEqual([
      "cluster",
      "secretArn",
      "securityGroups",
      "subnets",
      "taskDefinition",
      "username",
    ]);
    expect(resources(stage, "aws_secretsmanager_secret_version")).toEqual({});
  });

  it("adds nothing for previews to an environment that does not host them", () => {
    expect(prod.output!.previews_database_admin).toBeUndefined();
    const names = Object.values(resources(prod, "aws_security_group")).map((g) => g.name);
    expect(names).not.toContain("acme-prod-previews");
    expect(Object.values(resources(prod, "aws_secretsmanager_secret"))).toEqual([]);
  });

  it("adds the previews' wildcard certificate to its HTTPS listener only with a preview domain", () => {
    expect(resources(stage, "aws_lb_listener_certificate")).toEqual({});
    const certificate = Object.values(resources(https, "aws_lb_listener_certificate"))[0];
    expect(certificate.certificate_arn).toBe(CERT);
    expect(certificate.listener_arn).toMatch(/^\$\{aws_lb_listener\.service_https-listener_\w+\.arn\}$/);
  });
});
