/**
 * End to end against the local AWS emulator (moto through emulator/moto_server.py), with real
 * Terraform, in the two-account layout: stage in the project's account, prod in an account of its
 * own (reached as an administrator reaches a member account, through sts:AssumeRole on a role in
 * it; moto serves that account to the credentials AssumeRole returns). Each account's bootstrap,
 * then stage and prod deployed by image digest as CI deploys them, each with its state in its own
 * account's bucket and none in the other's, no drift, alarms that reach their topic, the drift check
 * on an out-of-band change, locking, and that destroying never takes what must survive. Two
 * pull requests' previews beside stage, each on its own rule and state; one destroyed and one reaped,
 * each leaving nothing behind; every call a preview made allowed to the preview role. The
 * one-account layout is covered by the unit and terraform-validate suites. The slowest suite (minutes).
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EvaluatedRole, type ResourcePolicy, resourcePoliciesOf, roleNamed, rolesOf } from "../audit/iam/evaluator";
import { deniedCalls, describeDenial } from "../audit/iam/recorded-calls";
import type { SynthesizedStack } from "../audit/iam/resolve";
import { environmentAccount, Naming } from "../config/naming";
import { previewDeployRoleName, previewRepositoryName, previewStackId, previewStateKey } from "../config/preview-naming";
import type { PlatformConfig } from "../config/types";
import type { RecordedCall } from "../emulator/call-log";
import { type Emulator, emulatorMissing, startEmulator } from "../emulator/driver";
import { type LocalTarget, localAccountRoleArn } from "../lib/local-target";
import { type IssueTracker, reportDrift } from "../scripts/drift";
import { type PullRequestState, previewsFromState, reap } from "../scripts/previews";
import { CallRecording, writeRecording } from "./support/call-recording";
import { sampleConfig, synthToDisk } from "./support/sample";
import { describeIfAvailable, type TerraformResult, terraform, terraformAsync, terraformEnv, terraformMissing } from "./support/terraform";

/** The shipped config: stage in the project's account, prod in an account of its own. */
const config: PlatformConfig = sampleConfig();
/** The second account, prod's own. */
const PROD_ACCOUNT = environmentAccount(config.project, config.environments.find((e) => e.name === "prod")!);
/** Names in the account of each environment (and of each bootstrap). */
const namingOf: Record<string, Naming> = {
  stage: new Naming(config.project),
  bootstrap: new Naming(config.project),
  prod: new Naming(config.project, PROD_ACCOUNT),
  "bootstrap-prod": new Naming(config.project, PROD_ACCOUNT),
};
const naming = namingOf.stage;
/** The pull requests whose previews the suite deploys beside stage (their host), as preview.yml deploys them. */
const PREVIEWS = [7, 8];
for (const n of PREVIEWS) namingOf[previewStackId(n)] = namingOf.stage;
const missing = terraformMissing() ?? emulatorMissing();
/** Where the suite leaves what each stack called, phase by phase (`npm run audit` reads it). */
const RECORDING = join(__dirname, "..", "audit.out", "recorded-calls.json");

/**
 * Stage as a team changes it after the first deploy: task size and count, the database's instance
 * class, log retention, and an HTTPS listener (with the certificate the suite requests).
 */
function updatedConfig(certificateArn: string): PlatformConfig {
  const c = structuredClone(config) as any;
  const stage = c.environments.find((e: any) => e.name === "stage");
  stage.service = { ...stage.service, cpu: 512, memoryMiB: 1024, desiredCount: 2, logRetentionDays: 60 };
  stage.database = { ...stage.database, instanceClass: "db.t4g.small" };
  const { httpOnlyReason: _, ...loadBalancer } = stage.loadBalancer;
  stage.loadBalancer = { ...loadBalancer, https: { domainName: "api.stage.example.com", certificateArn } };
  return c as PlatformConfig;
}

const sha256 = (data: string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;
/**
 * A small, valid OCI image manifest: a config and one layer, described by digest and size (the
 * blobs are never pulled). Its digest is what ECR computes and CI deploys by: the sha256 of the
 * manifest bytes as pushed.
 */
const LAYER = "e2e layer";
const IMAGE_CONFIG = JSON.stringify({
  architecture: "amd64",
  os: "linux",
  config: {},
  rootfs: { type: "layers", diff_ids: [sha256(LAYER)] },
});
const MANIFEST_MEDIA_TYPE = "application/vnd.oci.image.manifest.v1+json";
const IMAGE_MANIFEST = JSON.stringify({
  schemaVersion: 2,
  mediaType: MANIFEST_MEDIA_TYPE,
  config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(IMAGE_CONFIG), size: Buffer.byteLength(IMAGE_CONFIG) },
  layers: [{ mediaType: "application/vnd.oci.image.layer.v1.tar+gzip", digest: sha256(LAYER), size: Buffer.byteLength(LAYER) }],
});
const IMAGE_DIGEST = sha256(IMAGE_MANIFEST);

/** A resource in a Terraform state file. */
interface StateResource {
  readonly mode: string;
  readonly type: string;
  readonly instances: { readonly attributes: Record<string, any> }[];
}

/** The drift script's GitHub calls, recorded instead of made. */
class RecordingTracker implements IssueTracker {
  readonly calls: string[] = [];
  readonly bodies = new Map<number, string>();
  private readonly open = new Map<string, number>();
  async findOpenIssue(title: string) {
    const number = this.open.get(title);
    return number === undefined ? undefined : { number };
  }
  async openIssue(title: string, body: string) {
    const number = this.bodies.size + 1;
    this.open.set(title, number);
    this.bodies.set(number, body);
    this.calls.push(`open #${number} ${title}`);
    return number;
  }
  async updateIssue(number: number, body: string) {
    this.bodies.set(number, body);
    this.calls.push(`update #${number}`);
  }
  async closeIssue(number: number, comment: string) {
    for (const [title, n] of this.open) if (n === number) this.open.delete(title);
    this.calls.push(`close #${number}: ${comment}`);
  }
}

/** Fails with terraform's own output when a command did not exit as expected. */
function expectExit(result: TerraformResult, status: number): void {
  if (result.status !== status) {
    throw new Error(`terraform exited ${result.status}, expected ${status}\n${result.stdout.slice(-4000)}\n${result.stderr.slice(-4000)}`);
  }
}

describeIfAvailable("end to end against the local AWS emulator", missing, () => {
  let emulator: Emulator;
  let stacks: string;
  const recording = new CallRecording(join(tmpdir(), `e2e-calls-${process.pid}.jsonl`));
  const accountOf = (stack: string) => namingOf[stack].accountId;
  /** Runs body with the requests it makes in the stack's account recorded as that stack's phase. */
  const during = <T>(stack: string, phase: string, body: () => Promise<T>) => recording.during(stack, phase, accountOf(stack), body);
  /**
   * What a stack's state holds, as the IAM evaluator's references (`aws_kms_key.<id>.arn` → the
   * emulator's ARN), so the policies name the emulator's keys and topics. Taken before stage's destroy.
   */
  const stateReferences: Record<string, Record<string, string>> = {};
  const captureReferences = (stack: string) => {
    const shown = JSON.parse(terraform(dir(stack), ["show", "-json"]).stdout);
    const references: Record<string, string> = {};
    for (const resource of shown.values?.root_module?.resources ?? []) {
      for (const [attribute, value] of Object.entries<unknown>(resource.values ?? {})) {
        if (typeof value === "string") references[`${resource.address}.${attribute}`] = value;
      }
    }
    stateReferences[stack] = references;
  };
  let recorded: RecordedCall[] = [];
  const dir = (stack: string) => join(stacks, stack);

  /**
   * The access key the emulator knows as the environment's account: the test credentials for the
   * project's account, for prod's those sts:AssumeRole returns for the role the stacks assume there.
   */
  const accessKeys: Record<string, string> = {};
  const accessKeyOf = async (env: string): Promise<string> => {
    if (namingOf[env].accountId === config.project.accountId) return "test";
    if (!accessKeys[env]) {
      const query = new URLSearchParams({
        Action: "AssumeRole",
        Version: "2011-06-15",
        RoleArn: localAccountRoleArn(namingOf[env].accountId),
        RoleSessionName: "e2e",
      });
      const response = await fetch(`${emulator.endpoint}/`, {
        method: "POST",
        headers: {
          "Content-Type": "application/x-www-form-urlencoded",
          Authorization: `AWS4-HMAC-SHA256 Credential=test/20260101/${config.project.region}/sts/aws4_request`,
        },
        body: query.toString(),
      });
      const key = /<AccessKeyId>([^<]+)<\/AccessKeyId>/.exec(await response.text())?.[1];
      if (!key) throw new Error(`sts:AssumeRole into ${namingOf[env].accountId} answered ${response.status} without an access key`);
      accessKeys[env] = key;
    }
    return accessKeys[env];
  };
  const authorization = async (env: string, service: string) =>
    `AWS4-HMAC-SHA256 Credential=${await accessKeyOf(env)}/20260101/${config.project.region}/${service}/aws4_request`;

  /**
   * An object in an environment's state bucket, in its own account (path-style, as the backend reads
   * it). The emulator does not check signatures, but treats a request without credentials as
   * anonymous (403 on a private object), and tells accounts apart by access key.
   */
  const stateObject = async (key: string, env = key.startsWith("previews/") ? "stage" : key.split("/")[0]) =>
    fetch(`${emulator.endpoint}/${namingOf[env].stateBucket}/${key}`, { headers: { Authorization: await authorization(env, "s3") } });
  const stateOf = async (key: string) => (await (await stateObject(key)).json()) as { serial: number; resources: StateResource[] };
  /** The state objects under `previews/` in stage's bucket, as the preview workflows list them (Key, LastModified). */
  const previewStateObjects = async () => {
    const response = await fetch(`${emulator.endpoint}/${naming.stateBucket}?list-type=2&prefix=previews/`, {
      headers: { Authorization: await authorization("stage", "s3") },
    });
    const text = await response.text();
    return [...text.matchAll(/<Contents>[\s\S]*?<Key>([^<]+)<\/Key>[\s\S]*?<LastModified>([^<]+)<\/LastModified>/g)].map((m) => ({
      Key: m[1],
      LastModified: m[2],
    }));
  };
  /** Every key in the state bucket of an environment's account. */
  const stateKeys = async (env: string): Promise<string[]> => {
    const response = await fetch(`${emulator.endpoint}/${namingOf[env].stateBucket}?list-type=2`, {
      headers: { Authorization: await authorization(env, "s3") },
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`listing ${namingOf[env].stateBucket} answered ${response.status}: ${text}`);
    return [...text.matchAll(/<Key>([^<]+)<\/Key>/g)].map((m) => m[1]);
  };

  /** A call to the emulated ECR's JSON API of an environment's account, as the AWS CLI makes it. */
  const ecr = async (action: string, body: object, env = "stage"): Promise<any> => {
    const response = await fetch(emulator.endpoint, {
      method: "POST",
      headers: {
        "X-Amz-Target": `AmazonEC2ContainerRegistry_V20150921.${action}`,
        "Content-Type": "application/x-amz-json-1.1",
        Authorization: await authorization(env, "ecr"),
      },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`ECR ${action} answered ${response.status}: ${text}`);
    return JSON.parse(text);
  };

  /** AWS calls beside Terraform (SNS, SQS, CloudWatch, EC2), made with boto3 by support/e2e_aws.py. */
  const aws = (call: string, args: object): any => {
    const result = spawnSync(
      "python3",
      [join(__dirname, "support", "e2e_aws.py"), emulator.endpoint, config.project.region, call, JSON.stringify(args)],
      { encoding: "utf8" },
    );
    if (result.status !== 0) throw new Error(`${call} failed:\n${result.stderr}`);
    return JSON.parse(result.stdout);
  };

  /** An environment's ECR repository: its Terraform address and name, from the synthesized stack. */
  const repository = (env: string) => {
    const tf = JSON.parse(readFileSync(join(dir(env), "cdk.tf.json"), "utf8"));
    const [[id, resource]] = Object.entries<any>(tf.resource.aws_ecr_repository);
    return { address: `aws_ecr_repository.${id}`, name: resource.name as string };
  };

  let local: LocalTarget;
  beforeAll(async () => {
    // The project's account is moto's default, so credentials from AssumeRole reach prod's account.
    emulator = await startEmulator({ accountId: config.project.accountId, callLog: recording.logFile });
    local = { endpoint: emulator.endpoint };
    stacks = join(synthToDisk(config, { local, imageDigest: IMAGE_DIGEST, previews: PREVIEWS }), "stacks");
  }, 120_000);

  afterAll(async () => {
    await emulator?.stop();
  });

  it("bootstraps each account in a fresh emulator, with outputs that match the naming module of its account", async () => {
    const bootstrap = (stack: string) =>
      during(stack, "bootstrap", async () => {
        expectExit(await terraformAsync(dir(stack), ["init", "-input=false"]), 0);
        expectExit(await terraformAsync(dir(stack), ["apply", "-auto-approve", "-input=false"]), 0);
      });
    for (const result of await Promise.allSettled(["bootstrap", "bootstrap-prod"].map(bootstrap))) {
      if (result.status === "rejected") throw result.reason;
    }
    for (const [stack, env] of [
      ["bootstrap", "stage"],
      ["bootstrap-prod", "prod"],
    ]) {
      const n = namingOf[stack];
      const outputs = JSON.parse(terraform(dir(stack), ["output", "-json"]).stdout);
      expect(outputs.state_bucket.value).toBe(n.stateBucket);
      expect(outputs.lock_table.value).toBe(n.lockTable);
      expect(Object.keys(outputs).filter((o) => o.startsWith("deploy_role_arn_"))).toEqual([`deploy_role_arn_${env}`]);
      expect(outputs[`deploy_role_arn_${env}`].value).toBe(n.roleArn(n.deployRoleName(env)));
      expect(outputs.plan_role_arn.value).toBe(n.roleArn(n.planRoleName));
      expect(outputs.github_oidc_provider_arn.value).toBe(n.oidcProviderArn);
    }
    expect(namingOf.prod.stateBucket).not.toBe(namingOf.stage.stateBucket);
  }, 600_000);

  it("deploys stage and prod in parallel by image digest, with their state in the emulated bucket", async () => {
    // As the deploy workflows do: create the repository, push the image into it, then deploy by its digest.
    // Each step is a phase of the recording: the plan a pull request shows (the plan role's), the
    // workflow's image push, the apply (the deploy role's).
    const deploy = async (env: string) => {
      await during(env, "plan", async () => {
        expectExit(await terraformAsync(dir(env), ["init", "-input=false"]), 0);
        expectExit(await terraformAsync(dir(env), ["plan", "-input=false", "-lock=false"]), 0);
      });
      const { address, name } = repository(env);
      const pushed = await during(env, "image-push", async () => {
        expectExit(await terraformAsync(dir(env), ["apply", "-auto-approve", "-input=false", `-target=${address}`]), 0);
        // As deploy.yml's push: find the repository, log in, push unless the digest is there, check it is.
        await ecr("DescribeRepositories", { repositoryNames: [name] }, env);
        await ecr("GetAuthorizationToken", {}, env);
        const image = { repositoryName: name, imageManifest: IMAGE_MANIFEST, imageManifestMediaType: MANIFEST_MEDIA_TYPE, imageTag: "e2e" };
        const put = await ecr("PutImage", image, env);
        await ecr("DescribeImages", { repositoryName: name, imageIds: [{ imageDigest: IMAGE_DIGEST }] }, env);
        return put;
      });
      expect(pushed.image.imageId.imageDigest).toBe(IMAGE_DIGEST);
      await during(env, "apply", async () => {
        expectExit(await terraformAsync(dir(env), ["apply", "-auto-approve", "-input=false"]), 0);
      });
    };
    // Settle both before failing, so no terraform is left running against the emulator.
    for (const result of await Promise.allSettled(["stage", "prod"].map(deploy))) {
      if (result.status === "rejected") throw result.reason;
    }
    for (const env of ["stage", "prod"]) {
      expect((await stateObject(naming.stateKey(env))).status).toBe(200);
      expect((await stateOf(naming.stateKey(env))).resources.length).toBeGreaterThan(50);
    }
    // Each account's bucket holds its own environment's state and nothing of the other's.
    const stageKeys = await stateKeys("stage");
    const prodKeys = await stateKeys("prod");
    expect(stageKeys).toContain(naming.stateKey("stage"));
    expect(prodKeys).toContain(naming.stateKey("prod"));
    expect(stageKeys.filter((k) => k.startsWith("prod/"))).toEqual([]);
    expect(prodKeys.filter((k) => k.startsWith("stage/"))).toEqual([]);
    const outputs = JSON.parse(terraform(dir("stage"), ["output", "-json"]).stdout);
    expect(outputs.site_bucket.value).toBe(naming.siteBucket("stage"));
    expect(outputs.api_url.value).toMatch(/^http:\/\//);

    // deploy.yml's migration step: the migration task, run with the service's network, until it stops.
    const migration = outputs.database_migration.value;
    const ran = await during("stage", "migration", async () => aws("run_migration", migration));
    expect(ran.taskDefinition).toBe(migration.taskDefinition);
    // And, stage hosting the previews, the previews' admin login: its password put once, then its task.
    const admin = outputs.previews_database_admin.value;
    const put = await during("stage", "migration", async () => aws("put_secret_if_empty", admin));
    expect(put).toEqual({ put: true });
    expect((await during("stage", "migration", async () => aws("run_migration", admin))).taskDefinition).toBe(admin.taskDefinition);
  }, 900_000);

  it("runs exactly the pushed image in stage and prod: each task definition names <repository url>@<digest>", async () => {
    for (const env of ["stage", "prod"]) {
      const { resources } = await stateOf(naming.stateKey(env));
      const attributes = (type: string) =>
        resources.filter((r) => r.mode === "managed" && r.type === type).map((r) => r.instances[0].attributes);
      const [repositoryAttributes] = attributes("aws_ecr_repository");
      // Every workload's task definition (the API's, the migration's, the worker's, the jobs'): the same image.
      // Not the previews' database admin task, which runs a pinned PostgreSQL client (config/schema-previews.ts).
      const definitions = attributes("aws_ecs_task_definition").filter((t) => !t.family.endsWith("-previews-db-admin"));
      const families = definitions.map((t) => t.family as string);
      expect(families).toEqual(expect.arrayContaining([`acme-${env}-api`, `acme-${env}-api-migrate`]));
      for (const t of definitions) {
        const images = JSON.parse(t.container_definitions).map((c: any) => c.image);
        expect([t.family, images]).toEqual([t.family, [`${repositoryAttributes.repository_url}@${IMAGE_DIGEST}`]]);
      }
    }
  });

  it("plans no changes on any stack right after apply (no drift)", async () => {
    // The bootstraps first: a bootstrap shares its account with an environment, and the recording tells
    // the stacks of one account apart by when they run.
    for (const stacks of [
      ["bootstrap", "bootstrap-prod"],
      ["stage", "prod"],
    ]) {
      const plans = await Promise.all(
        stacks.map((stack) => during(stack, "re-plan", () => terraformAsync(dir(stack), ["plan", "-detailed-exitcode", "-input=false"]))),
      );
      for (const plan of plans) expectExit(plan, 0);
    }
  }, 600_000);

  /** The preview's managed resources in its state, as the leftover check looks them up. */
  const previewResources = async (n: number) =>
    (await stateOf(previewStateKey(n))).resources
      .filter((r) => r.mode === "managed")
      .flatMap((r) => r.instances.map((i) => ({ type: r.type, attributes: i.attributes })));
  const previewOutputs = (n: number) => JSON.parse(terraform(dir(previewStackId(n)), ["output", "-json"]).stdout);
  /** What preview.yml's create step applies first: the resources its database_setup output names or depends on. */
  const databaseSetupTargets = (n: number) => {
    const tf = JSON.parse(readFileSync(join(dir(previewStackId(n)), "cdk.tf.json"), "utf8"));
    const text = JSON.stringify([tf.output.database_setup.value, tf.output.database_setup.depends_on]);
    return [...new Set(text.match(/(data\.)?aws_[a-z0-9_]+\.[A-Za-z0-9_-]+/g) ?? [])].map((t) => `-target=${t}`);
  };
  /** preview.yml's close (and the reaper's) destroy: drop the database, destroy, delete the images and the state. */
  const destroyPreview = async (n: number) => {
    const stack = previewStackId(n);
    await during(stack, "destroy", async () => {
      const outputs = previewOutputs(n);
      const setup = outputs.database_setup.value;
      aws("run_migration", { ...setup, command: setup.dropCommand });
      expectExit(await terraformAsync(dir(stack), ["destroy", "-auto-approve", "-input=false"]), 0);
      const site = { bucket: outputs.site_bucket.value, prefix: outputs.site_prefix.value };
      expect(aws("site_remove", site)).toEqual({ removed: 1, left: 0 });
      const images = await ecr("ListImages", { repositoryName: previewRepositoryName(config.project.name) });
      // By tag, as the workflows delete: both previews pushed the same image (one digest, two tags).
      const own = images.imageIds
        .filter((i: { imageTag?: string }) => i.imageTag?.startsWith(`pr-${n}-`))
        .map((i: { imageTag: string }) => ({ imageTag: i.imageTag }));
      expect(own.length).toBeGreaterThan(0);
      const result = await ecr("BatchDeleteImage", { repositoryName: previewRepositoryName(config.project.name), imageIds: own });
      expect(result.failures).toEqual([]);
      const deleted = await fetch(`${emulator.endpoint}/${naming.stateBucket}/${previewStateKey(n)}`, {
        method: "DELETE",
        headers: { Authorization: await authorization("stage", "s3") },
      });
      expect(deleted.status).toBe(204);
    });
  };
  /** The tags of the previews' image repository. */
  const previewImageTags = async (): Promise<string[]> =>
    (await ecr("ListImages", { repositoryName: previewRepositoryName(config.project.name) })).imageIds
      .map((i: { imageTag?: string }) => i.imageTag)
      .filter(Boolean)
      .sort();
  /** Checks a destroyed preview left nothing: every resource its state held, looked up by type. */
  const expectNothingLeft = (resources: { type: string; attributes: Record<string, any> }[]) => {
    expect(resources.length).toBeGreaterThan(5);
    expect(aws("leftovers", { resources }).leftovers).toEqual([]);
  };

  it("deploys two previews beside stage, each on its own listener rule, with its own state and database", async () => {
    const deployPreview = async (n: number) => {
      const stack = previewStackId(n);
      await during(stack, "plan", async () => {
        expectExit(await terraformAsync(dir(stack), ["init", "-input=false"]), 0);
        expectExit(await terraformAsync(dir(stack), ["plan", "-input=false", "-lock=false"]), 0);
      });
      // preview.yml's push: the pull request's image into the previews' repository, tagged pr-<n>-...
      await during(stack, "image-push", async () => {
        const repositoryName = previewRepositoryName(config.project.name);
        await ecr("DescribeRepositories", { repositoryNames: [repositoryName] });
        await ecr("GetAuthorizationToken", {});
        const image = { repositoryName, imageManifest: IMAGE_MANIFEST, imageManifestMediaType: MANIFEST_MEDIA_TYPE };
        await ecr("PutImage", { ...image, imageTag: `pr-${n}-e2e` });
      });
      // The database setup's targets, its password put once, the create command; then the rest.
      await during(stack, "database", async () => {
        expectExit(await terraformAsync(dir(stack), ["apply", "-auto-approve", "-input=false", ...databaseSetupTargets(n)]), 0);
        const setup = previewOutputs(n).database_setup.value;
        expect(aws("put_secret_if_empty", setup)).toEqual({ put: true });
        aws("run_migration", { ...setup, command: setup.createCommand });
      });
      await during(stack, "apply", async () => {
        expectExit(await terraformAsync(dir(stack), ["apply", "-auto-approve", "-input=false"]), 0);
        // Then its static site, under its own prefix of stage's site bucket (the stack's outputs say where).
        const { site_bucket: bucket, site_prefix: prefix } = previewOutputs(n);
        aws("site_upload", { bucket: bucket.value, prefix: prefix.value });
      });
      const replan = await during(stack, "re-plan", () => terraformAsync(dir(stack), ["plan", "-detailed-exitcode", "-input=false"]));
      expectExit(replan, 0);
    };
    // One after the other: in one account the recording tells stacks apart by time only (in CI, two pull
    // requests' runs may overlap: each run's role and names are what keep them apart).
    for (const n of PREVIEWS) await deployPreview(n);
    const keys = await stateKeys("stage");
    const { rules } = aws("listener_rules", { loadBalancer: "acme-stage-api" });
    for (const n of PREVIEWS) {
      expect(keys).toContain(previewStateKey(n));
      const outputs = previewOutputs(n);
      // No preview domain in the shipped config: the path fallback on stage's load balancer.
      expect(outputs.preview_url.value).toMatch(new RegExp(`^http://[^/]+/pr-${n}/$`));
      const state = await previewResources(n);
      const targetGroup = state.find((r) => r.type === "aws_lb_target_group")!.attributes.arn;
      const rule = rules.find((r: any) => r.forwards.includes(targetGroup));
      expect(rule?.conditions["path-pattern"]).toEqual([`/pr-${n}`, `/pr-${n}/*`]);
      // Each preview's resources are its own: every name carries its prefix.
      const named = state.map((r) => r.attributes.name).filter((name): name is string => typeof name === "string");
      expect(named.filter((name) => !name.includes(`acme-pr-${n}`))).toEqual([]);
    }
    // Two rules, one a preview, on stage's listener; stage's own state holds none of the previews' resources.
    expect(rules.filter((r: any) => /^\/pr-/.test(r.conditions["path-pattern"]?.[0] ?? "")).length).toBe(PREVIEWS.length);
    const stageState = await stateOf(naming.stateKey("stage"));
    expect(JSON.stringify(stageState.resources)).not.toMatch(/acme-pr-\d/);
  }, 900_000);

  it("destroys one preview: nothing of it remains, stage and the other preview are untouched", async () => {
    const [gone, kept] = PREVIEWS;
    const stageSerial = (await stateOf(naming.stateKey("stage"))).serial;
    const keptSerial = (await stateOf(previewStateKey(kept))).serial;
    const resources = await previewResources(gone);
    await destroyPreview(gone);
    expectNothingLeft(resources);
    expect(await stateKeys("stage")).not.toContain(previewStateKey(gone));
    expect((await stateOf(naming.stateKey("stage"))).serial).toBe(stageSerial);
    expect((await stateOf(previewStateKey(kept))).serial).toBe(keptSerial);
    // The kept preview's image is still there, though the gone one's was the same image.
    expect(await previewImageTags()).toEqual([`pr-${kept}-e2e`]);
    for (const stack of ["stage", previewStackId(kept)]) {
      expectExit(await terraformAsync(dir(stack), ["plan", "-detailed-exitcode", "-input=false", "-lock=false"]), 0);
    }
  }, 600_000);

  it("reaps the preview whose pull request is closed, and only it", async () => {
    const [, kept] = PREVIEWS;
    // The reaper's decision as the workflow makes it: the state objects listed, GitHub's answer faked.
    const found = previewsFromState(await previewStateObjects());
    expect(found.map((p) => p.number)).toEqual([kept]);
    const answers: Record<number, PullRequestState> = { [kept]: { number: kept, state: "closed", merged: false } };
    const decisions = await reap(found, { get: async (n) => answers[n] }, 7, new Date());
    expect(decisions.map((d) => [d.number, d.reason])).toEqual([[kept, "closed"]]);
    const resources = await previewResources(kept);
    for (const decision of decisions) await destroyPreview(decision.number);
    expectNothingLeft(resources);
    expect(previewsFromState(await previewStateObjects())).toEqual([]);
    expect(await previewImageTags()).toEqual([]);
    expectExit(await terraformAsync(dir("stage"), ["plan", "-detailed-exitcode", "-input=false", "-lock=false"]), 0);
  }, 600_000);

  it("publishes to stage's alarm topics: an alarm set to ALARM reaches its topic with its runbook line (both regions)", async () => {
    const { resources } = await stateOf(naming.stateKey("stage"));
    const managed = (type: string) =>
      resources.filter((r) => r.mode === "managed" && r.type === type).map((r) => r.instances[0].attributes);
    const topics = managed("aws_sns_topic").map((t) => t.arn as string);
    const alarmTopic = JSON.parse(terraform(dir("stage"), ["output", "-json"]).stdout).alarm_topic_arn.value as string;
    expect(topics.sort()).toEqual([alarmTopic, alarmTopic.replace(`:${config.project.region}:`, ":us-east-1:")].sort());
    // Every key rotates; the topics' are the notification keys (the worker's queue has a key of its own).
    const keys = managed("aws_kms_key");
    expect(keys.map((k) => k.enable_key_rotation)).toEqual(keys.map(() => true));
    for (const [topic, alarm] of [
      [alarmTopic, "acme-stage-api-5xx-rate"],
      [alarmTopic.replace(`:${config.project.region}:`, ":us-east-1:"), "acme-stage-site-5xx-rate"],
    ]) {
      const seen = aws("alarm_reaches_topic", { topicArn: topic, alarmName: alarm });
      expect(seen.published).toEqual(["a test notification"]);
      expect(seen.alarmActions).toEqual([topic]);
      expect(seen.alarm).toEqual([[alarm, "ALARM", expect.stringMatching(/ in stage\. First look: /)]]);
      expect(seen.recovered).toEqual(["OK"]);
      expect(keys.map((k) => k.arn)).toContain(seen.kmsMasterKeyId);
    }
    const service = managed("aws_ecs_service").find((s) => s.name === "acme-stage-api");
    expect(service?.alarms).toEqual([
      { alarm_names: ["acme-stage-api-5xx-rate", "acme-stage-unhealthy-hosts"], enable: true, rollback: true },
    ]);
  }, 120_000);

  it("reports an out-of-band change as drift (resource and attribute), and closes the issue once apply restores it", async () => {
    const tracker = new RecordingTracker();
    const planJson = async () => {
      const plan = await terraformAsync(dir("stage"), ["plan", "-detailed-exitcode", "-input=false", "-lock=false", "-out=drift.tfplan"]);
      if (plan.status !== 0 && plan.status !== 2) expectExit(plan, 2);
      return { code: plan.status!, json: JSON.parse(terraform(dir("stage"), ["show", "-json", "drift.tfplan"]).stdout) };
    };
    const inSync = await planJson();
    expect(inSync.code).toBe(0);
    expect((await reportDrift(tracker, "stage", inSync.code, inSync.json)).outcome).toBe("in sync");

    // Someone tags the load balancer's security group in the console.
    const { resources } = await stateOf(naming.stateKey("stage"));
    const group = resources.find(
      (r) => r.mode === "managed" && r.type === "aws_security_group" && r.instances[0].attributes.name === "acme-stage-api-alb",
    )!;
    aws("tag_security_group", { groupId: group.instances[0].attributes.id, key: "Owner", value: "someone-in-the-console" });

    const drifted = await planJson();
    expect(drifted.code).toBe(2);
    const opened = await reportDrift(tracker, "stage", drifted.code, drifted.json, "https://github.com/acme/platform/actions/runs/1");
    expect(opened.outcome).toBe("opened");
    expect(opened.drift).toEqual([
      {
        address: expect.stringMatching(/^aws_security_group\.service_alb-security-group_\w+$/),
        action: "update",
        attributes: expect.arrayContaining(["tags"]),
        changedOutsideTerraform: true,
      },
    ]);
    expect(tracker.calls).toEqual(["open #1 Drift: stack stage differs from its Terraform"]);
    // The README shows this issue as it was written here.
    writeFileSync(join(tmpdir(), "e2e-drift-issue.md"), tracker.bodies.get(1)!);
    expect(tracker.bodies.get(1)).toMatch(
      /\| `aws_security_group\.service_alb-security-group_\w+` \| update \| `tags`(, `tags_all`)? \| yes \|/,
    );
    // A second check while it lasts updates the same issue.
    expect((await reportDrift(tracker, "stage", drifted.code, drifted.json)).outcome).toBe("updated");

    expectExit(await terraformAsync(dir("stage"), ["apply", "-auto-approve", "-input=false"]), 0);
    const restored = await planJson();
    expect(restored.code).toBe(0);
    const closed = await reportDrift(tracker, "stage", restored.code, restored.json);
    expect(closed).toMatchObject({ outcome: "closed", issue: 1 });
    expect(tracker.calls.slice(1)).toEqual(["update #1", "close #1: Stack stage is back in sync with its Terraform."]);
  }, 600_000);

  it("applies what a team changes in stage (task size and count, instance class, retention, HTTPS) with no drift after", async () => {
    const { certificateArn } = aws("request_certificate", { domainName: "api.stage.example.com" });
    const updated = join(synthToDisk(updatedConfig(certificateArn), { local, imageDigest: IMAGE_DIGEST }), "stacks");
    copyFileSync(join(updated, "stage", "cdk.tf.json"), join(dir("stage"), "cdk.tf.json"));
    const applied = await during("stage", "update", () => terraformAsync(dir("stage"), ["apply", "-auto-approve", "-input=false"]));
    expectExit(applied, 0);
    expect(applied.stdout).toMatch(/Apply complete! Resources: \d+ added, [1-9]\d* changed/);
    const plan = await during("stage", "re-plan", () => terraformAsync(dir("stage"), ["plan", "-detailed-exitcode", "-input=false"]));
    expectExit(plan, 0);
    captureReferences("stage");
  }, 900_000);

  it("refuses a second writer while stage's state is locked, changes nothing, and proceeds after release", async () => {
    const key = naming.stateKey("stage");
    const serialBefore = (await stateOf(key)).serial;
    // `terraform console` holds the state lock (DynamoDB item and S3 lockfile) until it exits.
    const holder: ChildProcess = spawn("terraform", ["console"], {
      cwd: dir("stage"),
      env: terraformEnv(),
      stdio: ["pipe", "ignore", "ignore"],
    });
    try {
      const deadline = Date.now() + 60_000;
      while ((await stateObject(`${key}.tflock`)).status !== 200) {
        if (Date.now() > deadline) throw new Error("the console never took the lock");
        await new Promise((r) => setTimeout(r, 250));
      }
      const blocked = await terraformAsync(dir("stage"), ["apply", "-auto-approve", "-input=false", "-lock-timeout=0s"]);
      expect(blocked.status).toBe(1);
      expect(blocked.stderr).toMatch(/Error acquiring the state lock/);
      expect((await stateOf(key)).serial).toBe(serialBefore);
    } finally {
      holder.stdin!.end("exit\n");
      await new Promise((r) => holder.once("exit", r));
    }
    expect((await stateObject(`${key}.tflock`)).status).toBe(404);
    const after = await terraformAsync(dir("stage"), ["apply", "-auto-approve", "-input=false", "-lock-timeout=0s"]);
    expectExit(after, 0);
    expect(after.stdout).toMatch(/Apply complete! Resources: 0 added, 0 changed, 0 destroyed/);
  }, 600_000);

  it("destroys stage completely, while bootstrap's bucket and table refuse destruction and keep the state", async () => {
    // The repository, like ECR's, refuses deletion while it holds images (force_delete = false):
    // an environment is torn down after its images are removed.
    // The images are removed by whoever tears the environment down (not recorded: not the deploy role).
    const removed = await ecr(
      "BatchDeleteImage",
      { repositoryName: repository("stage").name, imageIds: [{ imageDigest: IMAGE_DIGEST }] },
      "stage",
    );
    expect(removed.failures).toEqual([]);
    await during("stage", "destroy", async () => {
      expectExit(await terraformAsync(dir("stage"), ["destroy", "-auto-approve", "-input=false"]), 0);
    });
    expect((await stateOf(naming.stateKey("stage"))).resources).toEqual([]);

    const refused = await terraformAsync(dir("bootstrap"), ["destroy", "-auto-approve", "-input=false"]);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/Instance cannot be destroyed/);
    // Bucket and table each hold on their own (the KMS key, which both depend on, is never reached).
    for (const address of ["aws_s3_bucket.state_bucket_", "aws_dynamodb_table.state_lock-table_"]) {
      // Terraform wraps diagnostics and prefixes each line with "│".
      const gap = "[\\s│]+";
      expect(refused.stderr).toMatch(
        new RegExp(`Resource${gap}${address.replace(/\./g, "\\.")}\\w+${gap}has${gap}lifecycle\\.prevent_destroy`),
      );
    }
    for (const key of [naming.stateKey("stage"), naming.stateKey("prod")]) expect((await stateObject(key)).status).toBe(200);
    // Nothing was destroyed: the plan still matches.
    expectExit(await terraformAsync(dir("bootstrap"), ["plan", "-detailed-exitcode", "-input=false"]), 0);
  }, 900_000);

  it("protects prod's database and load balancer from a destroy", async () => {
    const state = terraform(dir("prod"), ["state", "list"]).stdout.split("\n");
    const database = state.find((a) => a.startsWith("aws_db_instance."))!;
    const loadBalancer = state.find((a) => a.startsWith("aws_lb."))!;
    const refusals: [string, RegExp][] = [
      [database, /Cannot delete protected DB Instance/],
      [loadBalancer, /cannot be deleted because deletion protection is enabled/],
    ];
    for (const [target, refusal] of refusals) {
      const refused = await terraformAsync(dir("prod"), ["destroy", "-auto-approve", "-input=false", `-target=${target}`]);
      expectExit(refused, 1);
      expect(refused.stderr).toMatch(refusal);
    }
    const remaining = terraform(dir("prod"), ["state", "list"]).stdout.split("\n");
    expect(remaining).toContain(database);
    expect(remaining).toContain(loadBalancer);
  }, 900_000);

  it("records what each stack called, phase by phase, for the IAM proof", async () => {
    const calls = await recording.recorded();
    writeRecording(RECORDING, calls);
    recorded = calls;
    const phases = new Set(calls.filter((c) => c.stack === "stage").map((c) => c.phase));
    expect([...phases].sort()).toEqual(["apply", "destroy", "image-push", "migration", "plan", "re-plan", "update"]);
    const actions = new Set(calls.filter((c) => c.stack === "stage").map((c) => c.action));
    for (const seen of ["ecs:UpdateService", "rds:ModifyDBInstance", "logs:PutRetentionPolicy", "elasticloadbalancing:CreateListener"]) {
      expect(actions).toContain(seen);
    }
    // The migration's task runs with its definition's roles: AWS checks iam:PassRole for them.
    const migration = calls.filter((c) => c.stack === "stage" && c.phase === "migration").map((c) => c.action);
    expect(migration).toEqual(expect.arrayContaining(["ecs:RunTask", "iam:PassRole"]));
  });

  it("allows every call stage and prod made to the role CI makes it with (a plan's also to the plan role)", async () => {
    captureReferences("prod");
    const bootstrapOf: Record<string, string> = { stage: "bootstrap", prod: "bootstrap-prod" };
    const roles: Record<string, { deploy: EvaluatedRole; plan: EvaluatedRole; policies: ResourcePolicy[] }> = {};
    for (const env of ["stage", "prod"]) {
      const n = namingOf[env];
      const bootstrap = bootstrapOf[env];
      captureReferences(bootstrap);
      const references = { ...stateReferences[bootstrap], ...stateReferences[env] };
      const stackOf = (stack: string) => JSON.parse(readFileSync(join(dir(stack), "cdk.tf.json"), "utf8")) as SynthesizedStack;
      const all = rolesOf(stackOf(bootstrap), n.accountId, config.project.region, { references });
      roles[env] = {
        deploy: roleNamed(all, n.deployRoleName(env)),
        plan: roleNamed(all, n.planRoleName),
        policies: [bootstrap, env].flatMap((stack) =>
          resourcePoliciesOf(stackOf(stack), n.accountId, config.project.region, { references }),
        ),
      };
      // A preview's every call, its plan's included, is its workflow's: the preview role's, in its host's account.
      if (env === config.previews?.host) {
        const preview = roleNamed(all, previewDeployRoleName(config.project.name));
        for (const pr of PREVIEWS) roles[previewStackId(pr)] = { deploy: preview, plan: preview, policies: roles[env].policies };
      }
    }
    // Against the emulator a stack reaches prod's account through sts:AssumeRole on the local account
    // role (lib/local-target.ts); CI assumes the environment's deploy role through OIDC instead.
    const localOnly = (c: RecordedCall) => c.action === "sts:AssumeRole" && c.resource === localAccountRoleArn(namingOf.prod.accountId);
    const evaluatedCalls = recorded.filter((c) => c.stack in roles && !localOnly(c));
    // A plan's calls are also the plan role's (a pull request's plan), but for the lock: pull-request plans
    // run with -lock=false, the deploy's re-plan takes the lock (lockfile and lock item).
    const takesLock = (c: RecordedCall) =>
      (/^s3:(Put|Delete)Object$/.test(c.action) && c.resource.endsWith(".tflock")) || /^dynamodb:(Put|Delete)Item$/.test(c.action);
    const planRole = (c: RecordedCall) => (c.phase === "plan" || c.phase === "re-plan") && !takesLock(c);
    const { evaluated, denials } = await deniedCalls(
      evaluatedCalls,
      (call) => [roles[call.stack].deploy, ...(planRole(call) ? [roles[call.stack].plan] : [])],
      (call) => roles[call.stack].policies,
    );
    const pairs = new Set(evaluatedCalls.map((c) => `${c.action} ${c.resource}`));
    process.stdout.write(
      `recorded ${recorded.length} authorizations (${evaluatedCalls.length} of stage, prod and the previews, ` +
        `${pairs.size} distinct action and resource pairs); ` +
        `${evaluated} evaluations, ${denials.length} denied\n`,
    );
    // A part of an ARN no parameter named is `*`, which only a grant on every such resource matches: conservative.
    const unresolved = [...new Set(evaluatedCalls.filter((c) => c.unresolved).map((c) => `${c.action} ${c.resource}`))];
    if (unresolved.length > 0) process.stdout.write(`ARNs completed with "*": ${unresolved.join(", ")}\n`);
    expect(denials.map(describeDenial)).toEqual([]);
    // The previews' calls were evaluated, every phase of them, against the preview role.
    const previewPhases = new Set(evaluatedCalls.filter((c) => c.stack === previewStackId(PREVIEWS[0])).map((c) => c.phase));
    expect([...previewPhases].sort()).toEqual(["apply", "database", "destroy", "image-push", "plan", "re-plan"]);
  }, 600_000);
});
