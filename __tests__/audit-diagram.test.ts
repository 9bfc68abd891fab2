import { Testing } from "cdktf";
import { type Architecture, architecture, diffArchitecture, hasChanges } from "../audit/diagram";
import { toMermaid } from "../audit/diagram-mermaid";
import type { TerraformJson } from "../audit/types";
import { buildSample, oneAccountConfig, workloadsConfig } from "./support/sample";
import { STAGE_KNOBS, synthWithStageKnobs } from "./support/stage-knobs";

/** The architecture diagrams, drawn from the synthesized JSON of the shipped config, and of stage with two knobs turned. */
const { stacks: shipped } = synthWithStageKnobs();
const changed = { stage: shipped[STAGE_KNOBS] };

const stage = architecture(shipped.stage);
const prod = architecture(shipped.prod);
const nodes = (a: Architecture, type: string) => a.nodes.filter((n) => n.id.startsWith(`${type}.`));
const one = (a: Architecture, type: string) => {
  const found = nodes(a, type);
  expect(found).toHaveLength(1);
  return found[0];
};
const edgesBetween = (a: Architecture, from: string, to: string) =>
  a.edges.filter((e) => e.from === from && e.to === to).map((e) => e.label);

describe("architecture of the shipped stacks", () => {
  it("draws prod with three NAT gateways and stage with one, each in the public tier", () => {
    expect(nodes(prod, "aws_nat_gateway").map((n) => n.placement)).toEqual(["public", "public", "public"]);
    expect(nodes(stage, "aws_nat_gateway").map((n) => n.placement)).toEqual(["public"]);
    expect(prod.subnets).toEqual({ public: 3, private: 3, database: 3 });
    expect(stage.subnets).toEqual({ public: 2, private: 2, database: 2 });
    expect(prod.vpc).toBe("VPC 10.20.0.0/16");
  });

  it.each([
    ["stage", stage],
    ["prod", prod],
  ])("%s: internet -> ALB (public) -> service (private) -> database (database tier), the service leaving through its NATs", (env, arch) => {
    const lb = one(arch, "aws_lb");
    const service = nodes(arch, "aws_ecs_service").find((n) => n.label.startsWith(`ECS service acme-${env}-api<br/>`))!;
    const db = one(arch, "aws_db_instance");
    expect([lb.placement, service.placement, db.placement]).toEqual(["public", "private", "database"]);
    expect(edgesBetween(arch, "internet", lb.id)).toEqual(["tcp 80"]);
    expect(edgesBetween(arch, lb.id, service.id)).toEqual(["forwards", "tcp 8000"]);
    expect(edgesBetween(arch, service.id, db.id)).toEqual(["tcp 5432"]);
    for (const nat of nodes(arch, "aws_nat_gateway")) expect(edgesBetween(arch, service.id, nat.id)).toEqual(["egress"]);
    expect(edgesBetween(arch, "internet", db.id)).toEqual([]);
  });

  // With the workloads beside the API (workloadsConfig: a worker, a job).
  const workloads = buildSample(workloadsConfig()).environments;
  it.each([
    ["stage", architecture(JSON.parse(Testing.synth(workloads.stage)) as TerraformJson)],
    ["prod", architecture(JSON.parse(Testing.synth(workloads.prod)) as TerraformJson)],
  ])("%s: the queue worker in the private tier, reaching the database and leaving through the NATs, its queue and DLQ", (env, arch) => {
    const worker = nodes(arch, "aws_ecs_service").find((n) => n.label.startsWith(`ECS service acme-${env}-worker<br/>`))!;
    const db = one(arch, "aws_db_instance");
    expect(worker.placement).toBe("private");
    expect(edgesBetween(arch, worker.id, db.id)).toEqual(["tcp 5432"]);
    for (const nat of nodes(arch, "aws_nat_gateway")) expect(edgesBetween(arch, worker.id, nat.id)).toEqual(["egress"]);
    const queue = (name: string) => nodes(arch, "aws_sqs_queue").find((n) => n.label === `SQS queue ${name}`)!;
    expect(edgesBetween(arch, queue(`acme-${env}-worker`).id, queue(`acme-${env}-worker-dlq`).id)).toEqual(["dead letters"]);
    expect(nodes(arch, "aws_scheduler_schedule").map((n) => n.label)).toEqual([`Schedule acme-${env}-nightly<br/>cron(0 3 * * ? *)`]);
  });

  it("draws CloudFront reaching the site bucket through origin access control, and the internet reaching CloudFront", () => {
    const cdn = one(stage, "aws_cloudfront_distribution");
    const site = nodes(stage, "aws_s3_bucket").find((n) => n.id.includes("site_bucket"))!;
    expect(edgesBetween(stage, cdn.id, site.id)).toEqual(["OAC (SigV4)"]);
    expect(edgesBetween(stage, "internet", cdn.id)).toEqual(["HTTPS"]);
    expect(stage.edges.filter((e) => e.to === site.id).map((e) => e.from)).toEqual([cdn.id]);
  });

  it("draws who may assume each role: ECS tasks for the service's roles, GitHub's OIDC subjects for the deploy roles", () => {
    // The service's roles are the bootstrap's (issue 13).
    const bootstrap = architecture(shipped.bootstrap);
    const execution = bootstrap.nodes.find((n) => n.label === "IAM role acme-stage-api-execution-role")!;
    expect(edgesBetween(bootstrap, "principal.Service.ecs-tasks.amazonaws.com", execution.id)).toEqual(["assumes"]);
    // Each account's bootstrap: its environments' deploy roles, and its own drift and plan roles, each
    // trusting one workflow file on its ref; the plan role only the plan environments of the environments it hosts.
    const assumed = (arch: ReturnType<typeof architecture>) => {
      const oidc = one(arch, "aws_iam_openid_connect_provider");
      return arch.edges.filter((e) => e.from === oidc.id).map((e) => e.label);
    };
    const workflow = (file: string, ref = "refs/heads/main") => `job_workflow_ref:acme/platform/.github/workflows/${file}@${ref}`;
    const expected = (env: string) => [
      `assumes as repo:acme/platform:environment:${env}:${workflow("deploy.yml")}`,
      `assumes as repo:acme/platform:ref:refs/heads/main:${workflow("drift.yml")}`,
      `assumes as repo:acme/platform:environment:plan-${env}:${workflow("pull-request.yml", "refs/pull/*/merge")}`,
    ];
    // The previews' host account (stage's in the shipped config): the preview role, trusting preview.yml's pull requests and the reaper.
    const preview =
      `assumes as repo:acme/platform:pull_request:${workflow("preview.yml", "refs/pull/*/merge")}, ` +
      `repo:acme/platform:ref:refs/heads/main:${workflow("preview-reaper.yml")}`;
    expect(assumed(bootstrap)).toEqual([...expected("stage"), preview]);
    expect(assumed(architecture(shipped["bootstrap-prod"]))).toEqual(expected("prod"));
    // One account (README "Two layouts"): one bootstrap, both deploy roles, a plan role trusting either plan environment.
    const oneAccount = architecture(JSON.parse(Testing.synth(buildSample(oneAccountConfig()).bootstrap)) as TerraformJson);
    expect(assumed(oneAccount)).toEqual([
      `assumes as repo:acme/platform:environment:prod:${workflow("deploy.yml")}`,
      `assumes as repo:acme/platform:environment:stage:${workflow("deploy.yml")}`,
      `assumes as repo:acme/platform:ref:refs/heads/main:${workflow("drift.yml")}`,
      `assumes as ${["stage", "prod"]
        .map((e) => `repo:acme/platform:environment:plan-${e}:${workflow("pull-request.yml", "refs/pull/*/merge")}`)
        .join(", ")}`,
      preview,
    ]);
  });

  it("renders Mermaid grouped by tier, the same text every time", () => {
    const text = toMermaid(prod);
    expect(text).toMatch(/^flowchart LR\n/);
    expect(text).toContain('subgraph tier_public["public subnets (3)"]');
    expect(text).toContain('subgraph tier_database["database subnets (3)"]');
    expect(text).toContain('-->|"OAC (SigV4)"|');
    expect(toMermaid(architecture(structuredClone(shipped.prod)))).toBe(text);
  });
});

describe("before and after", () => {
  const diff = diffArchitecture(stage, architecture(changed.stage));

  it("a config change changes the diagram: a NAT gateway per AZ adds one, a multi-AZ database changes its node", () => {
    expect(hasChanges(diff)).toBe(true);
    expect(diff.nodes.filter((n) => n.change === "added").map((n) => n.id)).toEqual([
      expect.stringMatching(/^aws_nat_gateway\.network_nat-gateway-1_/),
    ]);
    const db = diff.nodes.find((n) => n.id.startsWith("aws_db_instance."))!;
    expect(db.change).toBe("changed");
    expect(db.before).toContain("single-AZ");
    expect(db.label).toContain("Multi-AZ");
    expect(diff.nodes.filter((n) => n.change === "removed")).toEqual([]);
    // The new NAT's edges: to the internet gateway, and from every service of stage (the API's, the worker's).
    const [nat] = diff.nodes.filter((n) => n.change === "added");
    const services = nodes(stage, "aws_ecs_service").map((n) => n.id);
    const added = diff.edges.filter((e) => e.change === "added");
    expect(added.filter((e) => e.from === nat.id).map((e) => e.label)).toEqual(["egress"]);
    expect(added.filter((e) => e.to === nat.id).map((e) => [e.from, e.label])).toEqual(services.map((id) => [id, "egress"]));
    expect(added).toHaveLength(1 + services.length);
  });

  it("marks removed nodes and edges (prod to stage drops two NAT gateways)", () => {
    const down = diffArchitecture(prod, stage);
    expect(down.nodes.filter((n) => n.change === "removed" && n.id.startsWith("aws_nat_gateway.")).map((n) => n.id)).toHaveLength(2);
    expect(down.edges.some((e) => e.change === "removed" && e.label === "egress")).toBe(true);
    expect(toMermaid(down)).toMatch(/classDef removed .*\n {2}class .*n_aws_nat_gateway_network_nat_gateway_1_\w+.* removed/);
    expect(toMermaid(down)).toContain('-.->|"removed: egress"|');
  });

  it("renders added nodes with their class and the old label of a changed one", () => {
    const text = toMermaid(diff);
    expect(text).toMatch(/class n_aws_nat_gateway_network_nat_gateway_1_\w+ added/);
    expect(text).toMatch(/~ RDS postgres 16 db.t4g.micro<br\/>Multi-AZ.*was: RDS postgres 16 db.t4g.micro<br\/>single-AZ/);
    expect(hasChanges(diffArchitecture(stage, stage))).toBe(false);
  });
});
