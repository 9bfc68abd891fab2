import { driftFromPlan, type IssueTracker, issueBody, issueTitle, reportDrift } from "../scripts/drift";

/**
 * The drift script's logic on plan documents shaped as `terraform show -json` writes them; the
 * end-to-end suite runs it on a real plan of a stage changed out of band.
 */

/** Records the GitHub calls instead of making them. */
class Recorder implements IssueTracker {
  readonly calls: string[] = [];
  constructor(private open?: number) {}
  async findOpenIssue(title: string) {
    this.calls.push(`find ${title}`);
    return this.open === undefined ? undefined : { number: this.open };
  }
  async openIssue(title: string) {
    this.calls.push(`open ${title}`);
    this.open = 7;
    return 7;
  }
  async updateIssue(number: number) {
    this.calls.push(`update #${number}`);
  }
  async closeIssue(number: number, comment: string) {
    this.calls.push(`close #${number}: ${comment}`);
    this.open = undefined;
  }
}

const SG = "aws_security_group.service_alb-security-group_1A2B3C4D";
/** A security group tagged in the console: the refresh sees it, the plan would remove the tag. */
const taggedOutOfBand = {
  resource_drift: [
    {
      address: SG,
      mode: "managed",
      change: {
        actions: ["update"],
        before: { tags: { Name: "x" }, ingress: [] },
        after: { tags: { Name: "x", Owner: "someone" }, ingress: [] },
      },
    },
  ],
  resource_changes: [
    {
      address: SG,
      mode: "managed",
      change: {
        actions: ["update"],
        before: { tags: { Name: "x", Owner: "someone" }, tags_all: { Owner: "someone" }, ingress: [] },
        after: { tags: { Name: "x" }, tags_all: {}, ingress: [] },
      },
    },
    { address: "aws_vpc.network_vpc_ABCD", mode: "managed", change: { actions: ["no-op"], before: {}, after: {} } },
    { address: "data.aws_region.region", mode: "data", change: { actions: ["read"] } },
  ],
};

describe("driftFromPlan", () => {
  it("lists each changed resource with what apply would do and the attributes that differ", () => {
    expect(driftFromPlan(taggedOutOfBand)).toEqual([
      { address: SG, action: "update", attributes: ["tags", "tags_all"], changedOutsideTerraform: true },
    ]);
  });

  it("names a replacement and a create, and leaves out what only the refresh reports (provider normalisation)", () => {
    const plan = {
      resource_drift: [{ address: "aws_lb.x", change: { actions: ["update"], before: { tags: null }, after: { tags: {} } } }],
      resource_changes: [
        {
          address: "aws_db_parameter_group.p",
          change: { actions: ["delete", "create"], before: { family: "postgres15" }, after: { family: "postgres16" } },
        },
        { address: "aws_sns_topic.t", change: { actions: ["create"], before: null, after: { name: "t" } } },
      ],
    };
    expect(driftFromPlan(plan)).toEqual([
      { address: "aws_db_parameter_group.p", action: "replace", attributes: ["family"], changedOutsideTerraform: false },
      { address: "aws_sns_topic.t", action: "create", attributes: [], changedOutsideTerraform: false },
    ]);
  });
});

describe("reportDrift", () => {
  it("opens one issue for a drifted stack, titled by the stack, with a row per resource", async () => {
    const tracker = new Recorder();
    const result = await reportDrift(tracker, "stage", 2, taggedOutOfBand, "https://github.com/acme/platform/actions/runs/1");
    expect(result).toMatchObject({ outcome: "opened", issue: 7 });
    expect(tracker.calls).toEqual([`find ${issueTitle("stage")}`, `open ${issueTitle("stage")}`]);
    const body = issueBody("stage", result.drift, "https://github.com/acme/platform/actions/runs/1");
    expect(body).toContain(`| \`${SG}\` | update | \`tags\`, \`tags_all\` | yes |`);
    expect(body).toContain("([run](https://github.com/acme/platform/actions/runs/1))");
  });

  it("updates the open issue while the drift lasts, and closes it once the stack is in sync", async () => {
    const tracker = new Recorder(7);
    expect((await reportDrift(tracker, "prod", 2, taggedOutOfBand)).outcome).toBe("updated");
    expect((await reportDrift(tracker, "prod", 0, undefined)).outcome).toBe("closed");
    expect((await reportDrift(tracker, "prod", 0, undefined)).outcome).toBe("in sync");
    expect(tracker.calls.filter((c) => !c.startsWith("find"))).toEqual([
      "update #7",
      "close #7: Stack prod is back in sync with its Terraform.",
    ]);
  });

  it("refuses a failed plan and an exit code 2 without the plan, rather than closing the issue", async () => {
    await expect(reportDrift(new Recorder(7), "prod", 1, undefined)).rejects.toThrow(/--exit-code 1: the plan failed/);
    await expect(reportDrift(new Recorder(7), "prod", 2, undefined)).rejects.toThrow(/pass --plan/);
  });
});
