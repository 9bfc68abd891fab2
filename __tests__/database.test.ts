import { DbInstance } from "@cdktf/provider-aws/lib/db-instance";
import { DbParameterGroup } from "@cdktf/provider-aws/lib/db-parameter-group";
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { VpcSecurityGroupIngressRule } from "@cdktf/provider-aws/lib/vpc-security-group-ingress-rule";
import { TerraformOutput, TerraformStack, Testing } from "cdktf";
import { Database, type DatabaseProps } from "../constructs/database";
import { addresses, only, parse, resources, type SynthesizedTerraform } from "./support/synth";

const stage: DatabaseProps = {
  namePrefix: "acme-stage",
  vpcId: "vpc-0123456789abcdef0",
  subnetIds: ["subnet-aaaa", "subnet-bbbb"],
  engineVersion: "16",
  instanceClass: "db.t4g.micro",
  allocatedStorageGiB: 20,
  maxAllocatedStorageGiB: 100,
  multiAz: false,
  deletionProtection: false,
  backupRetentionDays: 7,
  performanceInsights: false,
  databaseName: "app",
};

const prod: DatabaseProps = {
  ...stage,
  namePrefix: "acme-prod",
  engineVersion: "16.4",
  instanceClass: "db.t4g.small",
  allocatedStorageGiB: 50,
  maxAllocatedStorageGiB: 500,
  multiAz: true,
  deletionProtection: true,
  backupRetentionDays: 30,
  performanceInsights: true,
};

interface Built {
  database: Database;
  synth: string;
  tf: SynthesizedTerraform;
}

function build(props: DatabaseProps, configure?: (database: Database) => void): Built {
  const app = Testing.app();
  const stack = new TerraformStack(app, "test");
  new AwsProvider(stack, "aws", { region: "eu-west-1" });
  const database = new Database(stack, "database", props);
  configure?.(database);
  const synth = Testing.synth(stack);
  return { database, synth, tf: parse(synth) };
}

/** Every key of every object in a JSON value, however deep. */
function allKeys(value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap(allKeys);
  if (value !== null && typeof value === "object") {
    return Object.entries(value).flatMap(([key, inner]) => [key, ...allKeys(inner)]);
  }
  return [];
}

describe("Database", () => {
  test("the instance's Terraform address is pinned: renaming it would replace the database", () => {
    const { tf } = build(stage);
    expect(addresses(tf, "aws_db_instance")).toEqual(["aws_db_instance.database_instance_D7FC2283"]);
  });

  test("private, encrypted PostgreSQL on gp3 with storage autoscaling", () => {
    const { synth } = build(stage);
    expect(synth).toHaveResourceWithProperties(DbInstance, {
      identifier: "acme-stage-db",
      engine: "postgres",
      engine_version: "16",
      instance_class: "db.t4g.micro",
      allocated_storage: 20,
      max_allocated_storage: 100,
      storage_type: "gp3",
      storage_encrypted: true,
      publicly_accessible: false,
      db_name: "app",
      username: "app_admin",
      port: 5432,
      copy_tags_to_snapshot: true,
      auto_minor_version_upgrade: true,
      iam_database_authentication_enabled: true,
      apply_immediately: false,
      enabled_cloudwatch_logs_exports: ["postgresql", "upgrade"],
    });
  });

  test("RDS manages the master password; no password attribute appears anywhere", () => {
    const { tf, synth } = build(stage);
    expect(synth).toHaveResourceWithProperties(DbInstance, { manage_master_user_password: true });
    const keys = allKeys(tf);
    expect(keys).not.toContain("password");
    expect(keys).not.toContain("password_wo");
    expect(keys.filter((k) => /password/.test(k))).toEqual(["manage_master_user_password"]);
  });

  test("a final snapshot is taken under a fixed name, not a timestamp", () => {
    const { tf } = build(stage);
    const instance = only(tf, "aws_db_instance");
    expect(instance.skip_final_snapshot).toBe(false);
    expect(instance.final_snapshot_identifier).toBe("acme-stage-db-final");
    expect(instance.final_snapshot_identifier).not.toMatch(/timestamp|\$\{/);
  });

  test("backup and maintenance windows are set and do not overlap", () => {
    const instance = only(build(stage).tf, "aws_db_instance");
    const minutes = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
    const [backupStart, backupEnd] = (instance.backup_window as string).split("-").map(minutes);
    const [maintStart, maintEnd] = (instance.maintenance_window as string).split("-").map((w) => minutes(w.split(":").slice(1).join(":")));
    expect(backupEnd).toBeGreaterThan(backupStart);
    expect(maintEnd).toBeGreaterThan(maintStart);
    // Neither window wraps midnight, so comparing times of day covers the maintenance day too.
    expect(backupEnd <= maintStart || maintEnd <= backupStart).toBe(true);
  });

  test.each([
    ["16", "postgres16"],
    ["16.4", "postgres16"],
    ["15.7", "postgres15"],
  ])("engine %s gets parameter family %s with rds.force_ssl=1", (engineVersion, family) => {
    const { tf, synth } = build({ ...stage, engineVersion });
    expect(synth).toHaveResourceWithProperties(DbParameterGroup, { family });
    const group = only(tf, "aws_db_parameter_group");
    expect(group.parameter).toContainEqual({ name: "rds.force_ssl", value: "1", apply_method: "immediate" });
    expect(group.name_prefix).toBe(`acme-stage-db-${family}-`);
    expect(group.lifecycle).toEqual({ create_before_destroy: true });
    const instance = only(tf, "aws_db_instance");
    expect(instance.engine_version).toBe(engineVersion);
    expect(instance.parameter_group_name).toBe(
      `\${aws_db_parameter_group.${Object.keys(resources(tf, "aws_db_parameter_group"))[0]}.name}`,
    );
  });

  test("multi-AZ, deletion protection, Performance Insights, backups and sizes follow the props (stage vs prod)", () => {
    const s = only(build(stage).tf, "aws_db_instance");
    const p = only(build(prod).tf, "aws_db_instance");
    expect([s.multi_az, p.multi_az]).toEqual([false, true]);
    expect([s.deletion_protection, p.deletion_protection]).toEqual([false, true]);
    expect([s.backup_retention_period, p.backup_retention_period]).toEqual([7, 30]);
    expect([s.performance_insights_enabled, p.performance_insights_enabled]).toEqual([false, true]);
    expect(s.performance_insights_retention_period).toBeUndefined();
    expect(p.performance_insights_retention_period).toBe(7);
    expect([s.allocated_storage, p.allocated_storage]).toEqual([20, 50]);
    expect([s.max_allocated_storage, p.max_allocated_storage]).toEqual([100, 500]);
    expect([s.instance_class, p.instance_class]).toEqual(["db.t4g.micro", "db.t4g.small"]);
    expect([s.identifier, p.identifier]).toEqual(["acme-stage-db", "acme-prod-db"]);
  });

  test("masterUsername and port props override the defaults", () => {
    const { tf, database } = build({ ...stage, masterUsername: "owner", port: 6543 }, (db) =>
      db.allowConnectionsFrom("service", "sg-0service"),
    );
    const instance = only(tf, "aws_db_instance");
    expect(instance.username).toBe("owner");
    expect(instance.port).toBe(6543);
    expect(database.port).toBe(6543);
    const rule = only(tf, "aws_vpc_security_group_ingress_rule");
    expect([rule.from_port, rule.to_port]).toEqual([6543, 6543]);
  });

  test("the subnet group holds the given subnets and the instance uses it and the database security group", () => {
    const { tf } = build(stage);
    const subnetGroup = only(tf, "aws_db_subnet_group");
    expect(subnetGroup.subnet_ids).toEqual(["subnet-aaaa", "subnet-bbbb"]);
    const instance = only(tf, "aws_db_instance");
    expect(instance.db_subnet_group_name).toBe(`\${aws_db_subnet_group.${Object.keys(resources(tf, "aws_db_subnet_group"))[0]}.name}`);
    expect(instance.vpc_security_group_ids).toEqual([`\${aws_security_group.${Object.keys(resources(tf, "aws_security_group"))[0]}.id}`]);
  });

  test("the database security group has no inline rules and admits nothing by default", () => {
    const { tf } = build(stage);
    const group = only(tf, "aws_security_group");
    expect(group.vpc_id).toBe("vpc-0123456789abcdef0");
    expect(group.ingress).toBeUndefined();
    expect(group.egress).toBeUndefined();
    expect(resources(tf, "aws_vpc_security_group_ingress_rule")).toEqual({});
    expect(resources(tf, "aws_vpc_security_group_egress_rule")).toEqual({});
    expect(resources(tf, "aws_security_group_rule")).toEqual({});
  });

  test("allowConnectionsFrom adds exactly one tcp/5432 ingress rule from the given security group", () => {
    const { tf, synth } = build(stage, (db) => db.allowConnectionsFrom("service", "sg-0service"));
    expect(synth).toHaveResourceWithProperties(VpcSecurityGroupIngressRule, {
      ip_protocol: "tcp",
      from_port: 5432,
      to_port: 5432,
      referenced_security_group_id: "sg-0service",
    });
    const rules = Object.values(resources(tf, "aws_vpc_security_group_ingress_rule"));
    expect(rules).toHaveLength(1);
    const [rule] = rules;
    expect(rule.security_group_id).toBe(`\${aws_security_group.${Object.keys(resources(tf, "aws_security_group"))[0]}.id}`);
    expect(rule.cidr_ipv4).toBeUndefined();
    expect(rule.cidr_ipv6).toBeUndefined();
    expect(resources(tf, "aws_vpc_security_group_egress_rule")).toEqual({});
  });

  test("no rule anywhere opens the database to 0.0.0.0/0 or ::/0", () => {
    const { synth } = build(stage, (db) => {
      db.allowConnectionsFrom("service", "sg-0service");
      db.allowConnectionsFrom("migrations", "sg-0migrations");
    });
    expect(synth).not.toContain("0.0.0.0/0");
    expect(synth).not.toContain("::/0");
  });

  test("exposes identifier, endpoint, port, name, secret ARN, security group and ARN as attributes", () => {
    const app = Testing.app();
    const stack = new TerraformStack(app, "test");
    new AwsProvider(stack, "aws", { region: "eu-west-1" });
    const database = new Database(stack, "database", stage);
    const values: Record<string, unknown> = {
      identifier: database.instanceIdentifier,
      address: database.address,
      secret: database.masterUserSecretArn,
      security_group: database.securityGroupId,
      arn: database.instanceArn,
    };
    for (const [name, value] of Object.entries(values)) new TerraformOutput(stack, name, { value });
    const tf = parse(Testing.synth(stack));
    const instance = `aws_db_instance.${Object.keys(resources(tf, "aws_db_instance"))[0]}`;
    const outputs = tf.output ?? {};
    expect(outputs.identifier.value).toBe(`\${${instance}.identifier}`);
    expect(outputs.address.value).toBe(`\${${instance}.address}`);
    expect(outputs.secret.value).toBe(`\${${instance}.master_user_secret[0].secret_arn}`);
    expect(outputs.arn.value).toBe(`\${${instance}.arn}`);
    expect(outputs.security_group.value).toBe(`\${aws_security_group.${Object.keys(resources(tf, "aws_security_group"))[0]}.id}`);
    expect(database.port).toBe(5432);
    expect(database.databaseName).toBe("app");
  });

  describe("validation", () => {
    // The props the configuration's `database` block feeds are checked with its schema: same messages, named after the construct.
    test.each(["16.x", "v16", "16.4.1", "", "latest", "12"])("rejects engineVersion %p", (engineVersion) => {
      expect(() => build({ ...stage, engineVersion })).toThrow(
        `Database engineVersion "${engineVersion}" must be a supported PostgreSQL version (13 or newer, "major" or "major.minor")`,
      );
    });

    test("rejects allocated storage below 20 GiB", () => {
      expect(() => build({ ...stage, allocatedStorageGiB: 10 })).toThrow(
        "Database allocatedStorageGiB 10 must be a whole number of GiB from 20 to 65536",
      );
    });

    test("rejects maxAllocatedStorageGiB not above allocatedStorageGiB", () => {
      expect(() => build({ ...stage, maxAllocatedStorageGiB: 20 })).toThrow(
        "Database maxAllocatedStorageGiB 20 must be larger than allocatedStorageGiB (20) for storage autoscaling; use e.g. 100",
      );
    });

    test.each([0, 6, 36, 14.5])("rejects backupRetentionDays %p", (backupRetentionDays) => {
      expect(() => build({ ...stage, backupRetentionDays })).toThrow(
        `Database backupRetentionDays ${backupRetentionDays} must be a whole number of days from 7 to 35`,
      );
    });

    test("accepts backupRetentionDays bounds 7 and 35", () => {
      expect(() => build({ ...stage, backupRetentionDays: 7 })).not.toThrow();
      expect(() => build({ ...stage, backupRetentionDays: 35 })).not.toThrow();
    });

    test("rejects an instance class RDS does not offer", () => {
      expect(() => build({ ...stage, instanceClass: "t4g.micro" })).toThrow(
        /^Database instanceClass "t4g\.micro" is not an RDS instance class/,
      );
    });

    test("rejects fewer than two subnets", () => {
      expect(() => build({ ...stage, subnetIds: ["subnet-aaaa"] })).toThrow(
        /subnetIds has 1 subnet\(s\); RDS needs subnets in at least two AZs/,
      );
    });

    test.each([
      ["my-app", "must be a lowercase identifier"],
      ["postgres", "is a name PostgreSQL or RDS reserves"],
    ])("rejects databaseName %p", (databaseName, fix) => {
      expect(() => build({ ...stage, databaseName })).toThrow(`Database databaseName "${databaseName}" ${fix}`);
    });

    test("rejects an invalid masterUsername", () => {
      expect(() => build({ ...stage, masterUsername: "1admin" })).toThrow(/masterUsername "1admin" is not a valid/);
    });

    test("rejects a port RDS does not allow", () => {
      expect(() => build({ ...stage, port: 80 })).toThrow(/port 80 is outside RDS's 1150 to 65535/);
    });
  });
});
