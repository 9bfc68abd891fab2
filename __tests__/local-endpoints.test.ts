import { buildAwsPlatform } from "../app";
import { synthesizeApp } from "../audit/synth";
import type { TerraformJson } from "../audit/types";
import { endpointServiceOf, LOCAL_SERVICES } from "../lib/aws-provider";
import { localTargetFrom } from "../lib/local-target";
import { sampleConfig } from "./support/sample";

/**
 * A local run must never reach real AWS: every AWS resource and data source type a stack synthesizes
 * is served by a service whose endpoint the stack's providers point at the emulator.
 */
const local = localTargetFrom({ PLATFORM_LOCAL_ENDPOINT: "http://127.0.0.1:4566" })!;
const stacks = synthesizeApp((app) => buildAwsPlatform(app, sampleConfig(), { local }));

/** What is wrong with a stack's endpoints: types of no known service, and services its providers do not point at the emulator. */
function endpointProblems(tf: TerraformJson): string[] {
  const types = [...Object.keys(tf.resource ?? {}), ...Object.keys(tf.data ?? {})].filter((t) => t.startsWith("aws_")).sort();
  const providers = [tf.provider?.aws ?? []].flat() as { endpoints?: Record<string, string>[] }[];
  const problems: string[] = [];
  const needed = new Set<string>(["sts"]); // the provider checks its account with sts:GetCallerIdentity
  for (const type of types) {
    const service = endpointServiceOf(type);
    if (service === undefined) problems.push(`${type}: no endpoint service known; add it to ENDPOINT_OF_TYPE in lib/aws-provider.ts`);
    else if (service !== null) needed.add(service);
  }
  for (const [i, provider] of providers.entries()) {
    const endpoints = Object.assign({}, ...(provider.endpoints ?? []));
    for (const service of [...needed].sort()) {
      if (endpoints[service] !== local.endpoint)
        problems.push(
          `provider.aws[${i}] does not send ${service} to the emulator; add "${service}" to LOCAL_SERVICES in lib/aws-provider.ts`,
        );
    }
  }
  return problems;
}

describe("local endpoints", () => {
  it.each(stacks.map((s) => [s.name, s.tf] as const))("%s: every AWS call of a local run goes to the emulator", (_name, tf) => {
    expect(tf.provider?.aws).toBeDefined();
    expect(endpointProblems(tf)).toEqual([]);
  });

  it("fails a stack with a type whose service is not in LOCAL_SERVICES (an EventBridge rule), naming the fix", () => {
    const [stage] = stacks.filter((s) => s.name === "stage");
    const rule = { aws_cloudwatch_event_rule: { nightly: { name: "acme-stage-nightly" } } };
    const withRule = { ...stage.tf, resource: { ...stage.tf.resource, ...rule } };
    expect(endpointProblems(withRule)).toEqual([
      'provider.aws[0] does not send events to the emulator; add "events" to LOCAL_SERVICES in lib/aws-provider.ts',
      'provider.aws[1] does not send events to the emulator; add "events" to LOCAL_SERVICES in lib/aws-provider.ts',
    ]);
  });

  it("fails a type of no known service instead of assuming one", () => {
    expect(endpointProblems({ provider: { aws: [{}] }, resource: { aws_wafv2_web_acl: { z: {} } } })).toEqual([
      "aws_wafv2_web_acl: no endpoint service known; add it to ENDPOINT_OF_TYPE in lib/aws-provider.ts",
      'provider.aws[0] does not send sts to the emulator; add "sts" to LOCAL_SERVICES in lib/aws-provider.ts',
    ]);
  });

  it("maps types by the longest name or prefix, and knows the calls the provider answers itself", () => {
    expect(
      ["aws_lb_listener", "aws_cloudwatch_log_group", "aws_cloudwatch_metric_alarm", "aws_route_table", "aws_region"].map(
        endpointServiceOf,
      ),
    ).toEqual(["elbv2", "cloudwatchlogs", "cloudwatch", "ec2", null]);
    expect(LOCAL_SERVICES).toContain("sts");
  });
});
