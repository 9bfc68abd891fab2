import { Testing } from "cdktf";
import { type CostEstimate, DEFAULT_USAGE, estimateCost, loadPriceTable } from "../audit/cost";
import { compareEstimates, costCategory, formatCostMarkdown } from "../audit/cost-report";
import { priceInOffer, refreshPrices } from "../audit/refresh-prices";
import { buildSample, workloadsConfig } from "./support/sample";
import { STAGE_KNOBS, synthWithStageKnobs } from "./support/stage-knobs";

/** The offline cost estimate, priced from the shipped table (audit/prices/aws.json). */
const table = loadPriceTable();
const price = (region: string, key: string): number => table.regions[region].prices[key].usd;
const hours = table.hoursPerMonth;

// One synth: the shipped platform, and stage with a NAT gateway per AZ (2 AZs: one more) and a multi-AZ database.
const { config, stacks } = synthWithStageKnobs();
const { [STAGE_KNOBS]: stageKnobs, ...shipped } = stacks;
const knobs = { stage: stageKnobs };
const estimates: Record<string, CostEstimate> = Object.fromEntries(
  Object.entries(shipped).map(([name, tf]) => [name, estimateCost(name, tf, table)]),
);
const region = config.project.region;

describe("cost estimate of the shipped config", () => {
  it("prices both environments in the project's region, prod above stage", () => {
    expect([estimates.stage.region, estimates.prod.region]).toEqual([region, region]);
    expect(estimates.stage.total).toBeGreaterThan(0);
    expect(estimates.prod.total).toBeGreaterThan(estimates.stage.total);
  });

  it.each(["bootstrap", "stage", "prod"])("%s: every line traces to a resource address and a price-table row, quantity x price", (name) => {
    const tf = shipped[name];
    for (const line of estimates[name].lines) {
      const [type, id] = line.address.split(".");
      expect([line.address, tf.resource?.[type]?.[id] !== undefined]).toEqual([line.address, true]);
      expect([line.priceKey, line.unitPrice]).toEqual([line.priceKey, price(region, line.priceKey)]);
      expect(line.monthly).toBeCloseTo(line.quantity * line.unitPrice, 5);
    }
    expect(estimates[name].total).toBeCloseTo(
      estimates[name].lines.reduce((s, l) => s + l.monthly, 0),
      5,
    );
  });

  it("prices the three NAT gateways of prod and the one of stage, each for a whole month", () => {
    const natHours = (e: CostEstimate) => e.lines.filter((l) => l.priceKey === "nat.hour").map((l) => l.quantity);
    expect(natHours(estimates.prod)).toEqual([hours, hours, hours]);
    expect(natHours(estimates.stage)).toEqual([hours]);
  });

  it("prices each Fargate service from its size and desired count (prod: the API 0.5 vCPU, 1 GB, 2 tasks; the worker 0.25, 0.5, 2)", () => {
    // The shipped prod, and prod with a worker (workloadsConfig: 0.25 vCPU, 0.5 GB, at least 2 tasks).
    const withWorker = JSON.parse(Testing.synth(buildSample(workloadsConfig()).environments.prod)) as typeof shipped.prod;
    const fargateOf = (service: string, tf = service.endsWith("-worker") ? withWorker : shipped.prod) => {
      const estimate = estimateCost("prod", tf, table);
      const [id] = Object.entries(tf.resource!.aws_ecs_service).find(([, s]) => (s as any).name === service)!;
      const lines = estimate.lines.filter((l) => l.address === `aws_ecs_service.${id}` && l.priceKey.startsWith("fargate."));
      return lines.map((l) => [l.priceKey, l.quantity]);
    };
    expect(fargateOf("acme-prod-api")).toEqual([
      ["fargate.x86.vcpuHour", 0.5 * 2 * hours],
      ["fargate.x86.gbHour", 1 * 2 * hours],
    ]);
    expect(fargateOf("acme-prod-worker")).toEqual([
      ["fargate.x86.vcpuHour", 0.25 * 2 * hours],
      ["fargate.x86.gbHour", 0.5 * 2 * hours],
    ]);
  });

  it("prices every resource of the shipped stacks or knows it is free (the default NACL and route table are)", () => {
    expect(Object.values(estimates).flatMap((e) => e.notPriced)).toEqual([]);
    expect(
      estimateCost("x", {
        provider: { aws: [{ region }] },
        resource: { aws_default_route_table: { t: {} }, aws_default_network_acl: { n: {} } },
      }).free,
    ).toBe(2);
  });

  it("prices the on-demand lock table from its assumed requests and storage, and not a provisioned one", () => {
    const lock = estimates.bootstrap.lines.filter((l) => l.address.startsWith("aws_dynamodb_table."));
    expect(lock.map((l) => [l.priceKey, l.quantity])).toEqual([
      ["dynamodb.writeMillion", DEFAULT_USAGE.tableRequests / 1e6],
      ["dynamodb.readMillion", DEFAULT_USAGE.tableRequests / 1e6],
      ["dynamodb.storageGbMonth", DEFAULT_USAGE.tableGb],
    ]);
    const provisioned = estimateCost("x", {
      provider: { aws: [{ region }] },
      resource: { aws_dynamodb_table: { t: { billing_mode: "PROVISIONED" } } },
    });
    expect(provisioned.notPriced.map((n) => n.reason)).toEqual(["provisioned capacity: no row yet"]);
  });

  it("marks an unpriced resource as accepted only when its type is listed with a reason", () => {
    const tf = { provider: { aws: [{ region }] }, resource: { aws_instance: { web: { instance_type: "t3.micro" } } } };
    expect(estimateCost("x", tf, table, DEFAULT_USAGE, { aws_instance: "priced by the team's own sheet" }).notPriced).toEqual([
      {
        address: "aws_instance.web",
        type: "aws_instance",
        reason: "no pricing rule for this type",
        accepted: "priced by the team's own sheet",
      },
    ]);
  });

  it("lists what it cannot price instead of counting it as zero", () => {
    const unknown = estimateCost("x", {
      provider: { aws: [{ region }] },
      resource: { aws_instance: { web: { instance_type: "t3.micro" } }, aws_vpc: { v: { cidr_block: "10.0.0.0/16" } } },
    });
    expect(unknown.notPriced).toEqual([{ address: "aws_instance.web", type: "aws_instance", reason: "no pricing rule for this type" }]);
    expect(unknown.free).toBe(1);
    const elsewhere = estimateCost("x", { provider: { aws: [{ region: "ap-south-2" }] }, resource: { aws_kms_key: { k: {} } } });
    expect(elsewhere.notPriced[0].reason).toMatch(/no prices for region ap-south-2/);
    expect(elsewhere.total).toBe(0);
  });

  it("names the cost table's row of every service the price table prices (no row falls back to a bare key like sqs)", () => {
    const keys = Object.values(table.regions).flatMap((r) => Object.keys(r.prices));
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) expect([key, costCategory(key)]).not.toEqual([key, key.split(".")[0]]);
  });

  it("renders stage and prod side by side with their totals, and each line with its price row", () => {
    const text = formatCostMarkdown([estimates.bootstrap, estimates.github, estimates.stage, estimates.prod], table);
    expect(text).toContain(`| | bootstrap (${region}) | stage (${region}) | prod (${region}) |`);
    expect(text).toContain(
      `| **Total a month** | **$${estimates.bootstrap.total.toFixed(2)}** | **$${estimates.stage.total.toFixed(2)}** | ` +
        `**$${estimates.prod.total.toFixed(2)}** |`,
    );
    expect(text).toMatch(
      /\| `aws_nat_gateway\.network_nat-gateway-0_\w+` \| NAT gateway hours \| 730 \| 0\.048 \(`nat\.hour`\) \| \$35\.04 \|/,
    );
    expect(text).not.toContain("github (");
  });
});

describe("what a change costs", () => {
  const delta = compareEstimates(estimates.stage, estimateCost("stage", knobs.stage, table));
  const moved = (prefix: string) => delta.rows.filter((r) => r.address.startsWith(prefix)).reduce((s, r) => s + r.delta, 0);

  it("a second NAT gateway adds exactly its hours, its assumed gigabytes and its Elastic IP at the table's prices", () => {
    expect(moved("aws_nat_gateway.")).toBeCloseTo(
      hours * price(region, "nat.hour") + DEFAULT_USAGE.natGbPerGateway * price(region, "nat.gb"),
      6,
    );
    expect(moved("aws_eip.")).toBeCloseTo(hours * price(region, "ipv4.hour"), 6);
  });

  it("a multi-AZ database adds exactly one more instance-month and one more copy of its storage", () => {
    const stage = config.environments.find((e) => e.name === "stage")!;
    const instance = price(region, `rds.postgres.${stage.database.instanceClass}.hour`);
    expect(moved("aws_db_instance.")).toBeCloseTo(
      hours * instance + stage.database.allocatedStorageGiB * price(region, "rds.storage.gp3.gbMonth"),
      6,
    );
  });

  it("sums the moved lines into the total, and reports the totals before and after", () => {
    expect(delta.before).toBe(estimates.stage.total);
    expect(delta.delta).toBeCloseTo(
      delta.rows.reduce((s, r) => s + r.delta, 0),
      6,
    );
    expect(delta.delta).toBeGreaterThan(0);
    expect(delta.newlyNotPriced).toEqual([]);
    expect(compareEstimates(estimates.prod, estimates.prod)).toMatchObject({ delta: 0, rows: [] });
  });

  it("names a new resource it cannot price", () => {
    const before = estimateCost("x", { provider: { aws: [{ region }] }, resource: {} });
    const after = estimateCost("x", { provider: { aws: [{ region }] }, resource: { aws_instance: { web: {} } } });
    expect(compareEstimates(before, after).newlyNotPriced.map((n) => n.address)).toEqual(["aws_instance.web"]);
    const text = formatCostMarkdown([after], table, [compareEstimates(before, after)]);
    expect(text).toContain("new `aws_instance.web` is **not priced**");
  });
});

describe("prices:refresh", () => {
  // The shape of an AWS bulk price file (offers/v1.0/aws/<offer>/current/<region>/index.json), cut to two products.
  const offer = {
    products: {
      A: { sku: "A", productFamily: "NAT Gateway", attributes: { usagetype: "EU-NatGateway-Hours" } },
      B: { sku: "B", productFamily: "NAT Gateway", attributes: { usagetype: "EU-NatGateway-Bytes" } },
    },
    terms: {
      OnDemand: {
        A: {
          "A.JRTCKXETXF": { priceDimensions: { "A.JRTCKXETXF.6YS6EN2CT7": { beginRange: "0", pricePerUnit: { USD: "0.0480000000" } } } },
        },
        B: {
          "B.JRTCKXETXF": { priceDimensions: { "B.JRTCKXETXF.6YS6EN2CT7": { beginRange: "0", pricePerUnit: { USD: "0.0480000000" } } } },
        },
      },
    },
  };

  it("takes the on-demand price of the one product a row's match names, and refuses an ambiguous match", () => {
    expect(priceInOffer(offer, { offer: "AmazonEC2", usagetype: "EU-NatGateway-Hours" })).toBe(0.048);
    expect(() => priceInOffer(offer, { offer: "AmazonEC2", productFamily: "NAT Gateway" })).toThrow(/matches 2 on-demand products/);
  });

  it("fails offline with one line and writes nothing", async () => {
    await expect(refreshPrices(table, "http://127.0.0.1:9", "2026-01-01")).rejects.toThrow(
      /^prices:refresh: cannot download .*needs the network.*unchanged$/,
    );
  });
});
