/**
 * The emulator launcher (emulator/moto_server.py, patches in emulator/moto_patches/): each patch makes
 * moto answer what AWS answers for one call Terraform makes. Calls are made with boto3 (moto's own
 * dependency) by emulator/checks.py against a launched emulator; the e2e suite then proves the whole
 * stacks apply without drift.
 */
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { type Emulator, emulatorMissing, LAUNCHER, startEmulator } from "../emulator/driver";
import { describeIfAvailable } from "./support/terraform";

const CHECKS = join(__dirname, "..", "emulator", "checks.py");

describeIfAvailable("moto launcher", emulatorMissing(), () => {
  let emulator: Emulator;
  const check = (name: string): any => {
    const result = spawnSync("python3", [CHECKS, emulator.endpoint, name], { encoding: "utf8" });
    if (result.status !== 0) throw new Error(`${name} failed:\n${result.stderr}`);
    return JSON.parse(result.stdout);
  };

  beforeAll(async () => {
    emulator = await startEmulator({ accountId: "123456789012" });
  }, 60_000);
  afterAll(async () => {
    await emulator?.stop();
  });

  it("refuses to start when a named patch does not exist (a moto upgrade must not silently drop one)", () => {
    const result = spawnSync("python3", [LAUNCHER, "-p", "0"], {
      env: { ...process.env, MOTO_LAUNCHER_SKIP_PATCHES: "no_such_patch" },
      encoding: "utf8",
      timeout: 30_000,
    });
    expect(result.status).not.toBe(0);
    expect(result.stderr).toMatch(/PatchError: MOTO_LAUNCHER_SKIP_PATCHES names unknown patches/);
  });

  let rdsResult: any;
  const rds = () => (rdsResult ??= check("rds_instances"));

  it("gives each RDS instance its own resource id, found by the filter the provider uses", () => {
    expect(rds().distinctResourceIds).toBe(true);
    expect(rds().filterFinds).toEqual(["one"]);
  });

  it("keeps Performance Insights settings and refuses to delete a protected database", () => {
    expect(rds().performanceInsights).toEqual([true, false]);
    expect(rds().retention).toBe(7);
    expect(rds().deleteProtected).toBe("InvalidParameterCombination");
  });

  it("refuses to delete a load balancer with deletion protection, and deletes it once turned off", () => {
    expect(check("alb_deletion_protection")).toEqual({ refused: "OperationNotPermitted", deletedWhenOff: true });
  });

  it("ignores bucket-policy statements it cannot evaluate (conditions), and still applies plain ones", () => {
    expect(check("bucket_policy")).toEqual({ conditioned: null, unconditioned: "403" });
  });

  it("reports the description of a rule that references another security group", () => {
    expect(check("security_group_rule_description")).toEqual({ descriptions: ["PostgreSQL from the service"] });
  });

  it("implements CloudFront response headers policies", () => {
    expect(check("response_headers_policy")).toEqual({ frame: "DENY", hstsMaxAge: 63072000 });
  });

  it("marks parameters set through the API as Source=user and honours the Source filter", () => {
    expect(check("db_parameter_source")).toEqual({ user: [["rds.force_ssl", "user"]], system: [] });
  });

  it("returns the ECS service fields it was created with, availabilityZoneRebalancing defaulting to DISABLED", () => {
    expect(check("ecs_service_fields")).toEqual({ rebalancing: "DISABLED", grace: 60 });
  });

  it("keeps a distribution's origin access control, invents no forwarded values or SSL method, and uses AWS's ARN form", () => {
    expect(check("cloudfront_distribution")).toEqual({
      originAccessControlId: "E2OAC0EXAMPLE",
      forwardedValues: false,
      sslSupportMethod: null,
      arn: "arn:aws:cloudfront::123456789012:distribution/ID",
    });
  });

  it("digests an ECR image as the sha256 of its manifest as pushed, and refuses a PutImage digest that differs", () => {
    expect(check("ecr_image_digest")).toEqual({
      pushedIsManifestSha256: true,
      listed: true,
      mismatch: "ImageDigestDoesNotMatchException",
    });
  });

  it("knows AWS-managed IAM policies (MOTO_IAM_LOAD_MANAGED_POLICIES)", () => {
    expect(check("managed_policies")).toEqual({ name: "AmazonECSTaskExecutionRolePolicy" });
  });

  it("publishes an alarm's state change to its SNS actions, once per change, in the topic's region", () => {
    expect(check("alarm_actions")).toEqual({
      "eu-west-1": [
        ["ALARM", "what broke; look here", "eu-west-1"],
        ["OK", "what broke; look here", "eu-west-1"],
      ],
      "us-east-1": [
        ["ALARM", "what broke; look here", "us-east-1"],
        ["OK", "what broke; look here", "us-east-1"],
      ],
    });
  });

  it("implements tags on application autoscaling targets", () => {
    expect(check("appautoscaling_tags")).toEqual({ tags: { Environment: "stage" } });
  });

  it("returns a queue's redrive policy as compact JSON, as SQS does (the provider compares the text)", () => {
    expect(check("sqs_redrive_policy")).toEqual({ redrivePolicy: '{"deadLetterTargetArn":"DLQ","maxReceiveCount":5}' });
  });
});
