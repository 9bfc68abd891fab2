/**
 * The emulator launcher (emulator/moto_server.py, patches in emulator/moto_patches/): each patch makes
 * moto answer what AWS answers for one call Terraform makes. Calls are made with boto3 (moto's own
 * dependency) by emulator/checks.py against a launched emulator; the e2e suite then proves the whole
 * stacks apply without drift.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type AuthorizedCall, authorizationsOfLog, readCallLog } from "../emulator/call-log";
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

  describe("the call log (EMULATOR_CALL_LOG): each request as the authorizations AWS makes for it", () => {
    let calls: AuthorizedCall[];
    let group: string;
    let previewGroup: string;
    beforeAll(async () => {
      const log = join(mkdtempSync(join(tmpdir(), "call-log-")), "calls.jsonl");
      const recorded = await startEmulator({ accountId: "123456789012", callLog: log });
      try {
        const result = spawnSync("python3", [CHECKS, recorded.endpoint, "call_log_requests"], { encoding: "utf8" });
        if (result.status !== 0) throw new Error(`call_log_requests failed:\n${result.stderr}`);
        ({ group, previewGroup } = JSON.parse(result.stdout));
      } finally {
        await recorded.stop();
      }
      calls = await authorizationsOfLog(readCallLog(log));
    }, 60_000);
    const find = (action: string, implicit = false) => calls.filter((c) => c.action === action && !!c.implicit === implicit);

    it("names the resource by the ARN format of the action's resource type, with the existing resource's tags", () => {
      expect(find("logs:PutRetentionPolicy")).toEqual([
        expect.objectContaining({
          resource: "arn:aws:logs:eu-west-1:123456789012:log-group:/ecs/acme-stage/api",
          resourceTags: { Environment: "stage" },
          context: { "aws:RequestedRegion": "eu-west-1" },
        }),
      ]);
      expect(find("ec2:DeleteSecurityGroup")).toEqual([
        expect.objectContaining({
          resource: `arn:aws:ec2:eu-west-1:123456789012:security-group/${group}`,
          resourceTags: { Environment: "stage" },
        }),
      ]);
    });

    it("gives a create its new ARN and request tags, and the tagging action AWS also authorizes", () => {
      expect(find("ecs:CreateCluster")).toEqual([
        expect.objectContaining({
          resource: "arn:aws:ecs:eu-west-1:123456789012:cluster/acme-stage",
          requestTags: { Environment: "stage" },
        }),
      ]);
      expect(find("ecs:TagResource", true)).toEqual([
        expect.objectContaining({
          resource: "arn:aws:ecs:eu-west-1:123456789012:cluster/acme-stage",
          requestTags: { Environment: "stage" },
        }),
      ]);
      expect(find("ec2:CreateTags", true).filter((c) => c.resource.endsWith(group))).toEqual([
        expect.objectContaining({
          resource: `arn:aws:ec2:eu-west-1:123456789012:security-group/${group}`,
          context: expect.objectContaining({ "ec2:CreateAction": "CreateSecurityGroup" }),
        }),
      ]);
    });

    it("adds the checks no single request shows: PassRole of a named role, the service-linked role on first use", () => {
      // Registering the task definition names the role; running a task passes its definition's roles.
      const passed = (request: string) =>
        expect.objectContaining({
          request,
          resource: "arn:aws:iam::123456789012:role/acme/stage/acme-stage-execution",
          context: expect.objectContaining({ "iam:PassedToService": "ecs-tasks.amazonaws.com" }),
        });
      expect(find("iam:PassRole", true)).toEqual([passed("ecs:RegisterTaskDefinition"), passed("ecs:RunTask")]);
      expect(find("iam:CreateServiceLinkedRole", true).filter((c) => c.request.startsWith("ecs:"))).toEqual([
        expect.objectContaining({
          resource: "arn:aws:iam::123456789012:role/aws-service-role/ecs.amazonaws.com/AWSServiceRoleForECS",
          context: expect.objectContaining({ "iam:AWSServiceName": "ecs.amazonaws.com" }),
        }),
      ]);
    });

    it("sends s3:prefix, dynamodb:LeadingKeys and the requested region; corrects S3 sub-resources moto names ListBucket", () => {
      expect(find("s3:ListBucket")).toEqual([
        expect.objectContaining({ resource: "arn:aws:s3:::acme-state", context: expect.objectContaining({ "s3:prefix": "stage/" }) }),
      ]);
      expect(find("s3:GetEncryptionConfiguration")).toEqual([expect.objectContaining({ resource: "arn:aws:s3:::acme-state" })]);
      expect(find("dynamodb:PutItem")).toEqual([
        expect.objectContaining({
          resource: "arn:aws:dynamodb:eu-west-1:123456789012:table/acme-locks",
          context: expect.objectContaining({ "dynamodb:LeadingKeys": ["acme-state/stage/terraform.tfstate"] }),
        }),
      ]);
      expect(find("kms:ListAliases")).toEqual([
        expect.objectContaining({ resource: "*", region: "us-east-1", context: { "aws:RequestedRegion": "us-east-1" } }),
      ]);
    });

    it("derives names a request carries only in a URL: the queue of QueueUrl, the schedule of the path in group default", () => {
      const queue = "arn:aws:sqs:eu-west-1:123456789012:acme-stage-worker";
      for (const action of ["sqs:CreateQueue", "sqs:GetQueueAttributes", "sqs:DeleteQueue"]) {
        expect([action, find(action).map((c) => c.resource)]).toEqual([action, [queue]]);
      }
      const schedule = "arn:aws:scheduler:eu-west-1:123456789012:schedule/default/acme-stage-nightly";
      for (const action of ["scheduler:CreateSchedule", "scheduler:GetSchedule", "scheduler:DeleteSchedule"]) {
        expect([action, find(action).map((c) => c.resource)]).toEqual([action, [schedule]]);
      }
    });

    it("authorizes an ingress rule on the group it changes, not on the group it admits", () => {
      expect(find("ec2:AuthorizeSecurityGroupIngress").map((c) => [c.resource, c.resourceTags])).toEqual([
        [`arn:aws:ec2:eu-west-1:123456789012:security-group/${previewGroup}`, { Environment: "preview" }],
      ]);
    });

    it("finds the tags of what the index does not reach by its ARN in the tagging service (a listener rule's delete)", () => {
      expect(find("elasticloadbalancing:DeleteRule")).toEqual([
        expect.objectContaining({
          resource: expect.stringMatching(/^arn:aws:elasticloadbalancing:eu-west-1:123456789012:listener-rule\/app\/acme-stage-api\//),
          resourceTags: { Environment: "preview" },
        }),
      ]);
    });

    it("finds tags a backend keeps in its tagging service (ELBv2's target groups)", () => {
      expect(find("elasticloadbalancing:ModifyTargetGroupAttributes")).toEqual([
        expect.objectContaining({
          resource: expect.stringMatching(/^arn:aws:elasticloadbalancing:eu-west-1:123456789012:targetgroup\/acme-pr-7\//),
          resourceTags: { Environment: "preview" },
        }),
      ]);
    });

    it("sends the ECS cluster and task definition a request names as ARNs (ecs:cluster, ecs:task-definition)", () => {
      const cluster = "arn:aws:ecs:eu-west-1:123456789012:cluster/acme-stage";
      const taskDefinition = "arn:aws:ecs:eu-west-1:123456789012:task-definition/acme-stage-api:1";
      expect(find("ecs:CreateService")).toEqual([
        expect.objectContaining({ context: expect.objectContaining({ "ecs:cluster": cluster, "ecs:task-definition": taskDefinition }) }),
      ]);
      // RunTask's reference lists ecs:cluster, not ecs:task-definition (its resource is the task definition).
      const [run] = find("ecs:RunTask");
      expect(run.context["ecs:cluster"]).toBe(cluster);
      expect(run.context).not.toHaveProperty("ecs:task-definition");
    });

    it("sends s3:prefix of a version listing, and authorizes DeleteObjects object by object (a version's as DeleteObjectVersion)", () => {
      expect(find("s3:ListBucketVersions")).toEqual([
        expect.objectContaining({
          resource: "arn:aws:s3:::acme-state",
          context: expect.objectContaining({ "s3:prefix": "previews/pr-7/" }),
        }),
      ]);
      const deletes = calls.filter((c) => c.request === "s3:DeleteObject").map((c) => [c.action, c.resource]);
      expect(deletes).toEqual([
        ["s3:DeleteObjectVersion", "arn:aws:s3:::acme-state/previews/pr-7/index.html"],
        ["s3:DeleteObject", "arn:aws:s3:::acme-state/previews/pr-7/app.js"],
      ]);
    });

    it("leaves no variable of an ARN unresolved (but CreateLoadBalancer's: the reference lists its classic ARN only)", () => {
      // loadbalancer/${LoadBalancerName} fits no application load balancer's ARN; the e2e prints it among "ARNs completed with *".
      expect(calls.filter((c) => c.unresolved && c.action !== "elasticloadbalancing:CreateLoadBalancer")).toEqual([]);
    });
  });
});
