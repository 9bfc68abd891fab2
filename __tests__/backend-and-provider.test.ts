import { Testing } from "cdktf";
import { Naming } from "../config/naming";
import { localTargetFrom } from "../lib/local-target";
import { MIN_TERRAFORM_VERSION, TERRAFORM_VERSION } from "../lib/terraform-version";
import { buildSample, sampleConfig } from "./support/sample";
import { parse } from "./support/synth";

const config = sampleConfig();
const naming = new Naming(config.project);
/** The shipped platform, built once for the tests that only read it. */
const shipped = buildSample();
const shippedBootstrap = Testing.synth(shipped.bootstrap);

describe("bootstrap state location", () => {
  it("starts in a local file at the repository root (the bucket does not exist yet)", () => {
    const tf = parse(shippedBootstrap);
    expect(tf.terraform!.backend).toEqual({ local: { path: "../../../terraform.bootstrap.tfstate" } });
  });

  it("uses a file of its own against the emulator, so a sandbox never touches the real account's state", () => {
    const local = localTargetFrom({ PLATFORM_LOCAL_ENDPOINT: "http://127.0.0.1:4566" });
    const tf = parse(Testing.synth(buildSample(sampleConfig(), { local }).bootstrap));
    expect(tf.terraform!.backend).toEqual({ local: { path: "../../../terraform.bootstrap.local.tfstate" } });
    // Even with the switch on: the emulator's bucket is new on every run.
    const moved = { ...config, project: { ...config.project, bootstrap: { stateInBucket: true } } };
    const movedTf = parse(Testing.synth(buildSample(moved, { local }).bootstrap));
    expect(movedTf.terraform!.backend).toEqual({ local: { path: "../../../terraform.bootstrap.local.tfstate" } });
  });

  it("is the file in the directory main.ts passes (the repository root), whatever the output directory", () => {
    const local = localTargetFrom({ PLATFORM_LOCAL_ENDPOINT: "http://127.0.0.1:4566" });
    const path = (options: object) => parse(Testing.synth(buildSample(sampleConfig(), options).bootstrap)).terraform!.backend;
    expect(path({ bootstrapStateDir: "/repo" })).toEqual({ local: { path: "/repo/terraform.bootstrap.tfstate" } });
    expect(path({ bootstrapStateDir: "/repo/.sandbox", local })).toEqual({
      local: { path: "/repo/.sandbox/terraform.bootstrap.local.tfstate" },
    });
  });

  it("rejects a relative state directory (it would move with the output directory)", () => {
    expect(() => buildSample(sampleConfig(), { bootstrapStateDir: "state" })).toThrow(/localStateDir "state" is not an absolute path/);
  });

  it("moves into the state bucket under bootstrap/ when the config switch is on", () => {
    const moved = { ...config, project: { ...config.project, bootstrap: { stateInBucket: true } } };
    const tf = parse(Testing.synth(buildSample(moved).bootstrap));
    expect(tf.terraform!.backend).toEqual({
      s3: {
        bucket: naming.stateBucket,
        key: "bootstrap/terraform.tfstate",
        region: "eu-west-1",
        encrypt: true,
        kms_key_id: "arn:aws:kms:eu-west-1:123456789012:alias/acme-tfstate",
        dynamodb_table: naming.lockTable,
        use_lockfile: true,
      },
    });
  });
});

describe("AWS provider", () => {
  const tf = parse(shippedBootstrap);
  const provider = (tf.provider!.aws as any[])[0];

  it("is pinned to the configured account and region", () => {
    expect(provider.region).toBe("eu-west-1");
    expect(provider.allowed_account_ids).toEqual(["123456789012"]);
  });

  it("tags everything with project, environment, owner and repository", () => {
    expect(provider.default_tags).toEqual([
      { tags: { Project: "acme", Environment: "shared", ManagedBy: "cdktf", Repository: "acme/platform", Stack: "bootstrap" } },
    ]);
  });

  it("talks to AWS itself unless a local target is given", () => {
    expect(provider.endpoints).toBeUndefined();
    expect(provider.access_key).toBeUndefined();
  });
});

describe("local target", () => {
  it("is off when PLATFORM_LOCAL_ENDPOINT is unset or empty", () => {
    expect(localTargetFrom({})).toBeUndefined();
    expect(localTargetFrom({ PLATFORM_LOCAL_ENDPOINT: "" })).toBeUndefined();
  });

  it("rejects a non-loopback endpoint", () => {
    expect(() => localTargetFrom({ PLATFORM_LOCAL_ENDPOINT: "https://s3.amazonaws.com" })).toThrow(
      /PLATFORM_LOCAL_ENDPOINT "https:\/\/s3\.amazonaws\.com" is not a loopback URL; use e\.g\. "http:\/\/127\.0\.0\.1:4566"/,
    );
  });

  const local = localTargetFrom({ PLATFORM_LOCAL_ENDPOINT: "http://127.0.0.1:4599/" })!;
  const tf = parse(Testing.synth(buildSample(config, { local }).environments.stage));
  const provider = (tf.provider!.aws as any[])[0];

  it("points every service the stacks use at the emulator", () => {
    const endpoints = provider.endpoints[0];
    for (const service of [
      "acm",
      "appautoscaling",
      "cloudfront",
      "cloudwatchlogs",
      "dynamodb",
      "ec2",
      "ecr",
      "ecs",
      "elbv2",
      "iam",
      "kms",
      "rds",
      "s3",
      "secretsmanager",
      "sts",
    ]) {
      expect(endpoints[service]).toBe("http://127.0.0.1:4599");
    }
  });

  it("uses path-style S3, test credentials, three attempts, and still asks for the account id", () => {
    expect(provider).toMatchObject({
      access_key: "test",
      secret_key: "test",
      s3_use_path_style: true,
      skip_credentials_validation: true,
      max_retries: 3,
      skip_requesting_account_id: false,
    });
  });

  it("keeps the real settings: same account pin and tags", () => {
    expect(provider.allowed_account_ids).toEqual(["123456789012"]);
    expect(provider.default_tags[0].tags.Project).toBe("acme");
  });

  it("points the environment stacks' S3 backend at the emulator too", () => {
    expect(tf.terraform!.backend).toMatchObject({
      s3: {
        bucket: naming.stateBucket,
        use_lockfile: true,
        use_path_style: true,
        endpoints: {
          s3: "http://127.0.0.1:4599",
          dynamodb: "http://127.0.0.1:4599",
          sts: "http://127.0.0.1:4599",
          iam: "http://127.0.0.1:4599",
        },
      },
    });
  });
});

describe("synthesis", () => {
  it("is deterministic: the same config gives the same Terraform", () => {
    expect(Testing.synth(buildSample().bootstrap)).toBe(shippedBootstrap);
  });

  it("refuses an invalid configuration before building any stack", () => {
    const bad = { ...config, project: { ...config.project, accountId: "42" } };
    expect(() => buildSample(bad)).toThrow(/project\.accountId "42" must be the 12-digit AWS account id/);
  });
});

describe("Terraform version", () => {
  const stacks = [shipped.bootstrap, shipped.github, ...Object.values(shipped.environments)];

  it.each(stacks.map((s) => [s.node.id, s] as const))("%s requires the Terraform that has S3 lockfiles (>= 1.10)", (_id, stack) => {
    expect(parse(Testing.synth(stack)).terraform!.required_version).toBe(`>= ${MIN_TERRAFORM_VERSION}`);
  });

  it("the version CI installs satisfies it", () => {
    const [major, minor] = TERRAFORM_VERSION.split(".").map(Number);
    const [minMajor, minMinor] = MIN_TERRAFORM_VERSION.split(".").map(Number);
    expect(major * 1000 + minor).toBeGreaterThanOrEqual(minMajor * 1000 + minMinor);
  });
});
