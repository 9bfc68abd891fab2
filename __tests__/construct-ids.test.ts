import { fc } from "@fast-check/jest";
import { Testing } from "cdktf";
import { subscriberConstructIds } from "../config/construct-ids";
import { buildSample, sampleConfig } from "./support/sample";

/** Issue 21, class 4: construct ids built from configuration values are unique by construction. */

describe("subscription ids", () => {
  it("builds two subscribers whose addresses differ only in punctuation (they shared one id and crashed the app)", () => {
    const config = sampleConfig() as any;
    config.environments[0].monitoring.subscribers = ["a.b@example.com", "a-b@example.com", "a_b@example.com"];
    const stage = JSON.parse(Testing.synth(buildSample(config).environments.stage));
    const endpoints = Object.values<any>(stage.resource.aws_sns_topic_subscription).map((s) => s.endpoint);
    // Twice each: the project region's topic and the us-east-1 topic (the site's alarm).
    const each = ["a-b@example.com", "a.b@example.com", "a_b@example.com"];
    expect(endpoints.sort()).toEqual([...each, ...each].sort());
  });

  it("keeps the readable id of a subscriber no other shares, so its Terraform address does not change", () => {
    expect(subscriberConstructIds(["oncall@example.com", "https://hooks.example.com/x"])).toEqual([
      "subscriber-oncall-example-com",
      "subscriber-https-hooks-example-com-x",
    ]);
  });

  it("gives different addresses different ids, whatever they are (property)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ unit: fc.constantFrom("a", "b", "-", ".", "_", "@", "/", ":", "%", "2", "e") }), {
          selector: (s) => s.toLowerCase(),
          maxLength: 8,
        }),
        (endpoints) => {
          const ids = subscriberConstructIds(endpoints);
          expect(new Set(ids).size).toBe(endpoints.length);
        },
      ),
      { numRuns: 300, seed: 21 },
    );
  });
});
