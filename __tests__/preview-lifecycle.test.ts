import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { loadPlatform } from "../config/load";
import {
  checkMaxActive,
  decideReaping,
  type FoundPreview,
  GithubPullRequests,
  type PullRequestState,
  previewSettings,
  previewsFromState,
  reap,
} from "../scripts/previews";

/**
 * The decisions of a preview's lifecycle (scripts/previews.ts): which previews the state shows, the
 * max-active gate before a deploy, and the reaper's choice, with GitHub's API answers faked.
 */

const NOW = new Date("2026-12-07T06:00:00Z");
const daysAgo = (days: number): Date => new Date(NOW.getTime() - days * 24 * 60 * 60 * 1000);
const preview = (number: number, days = 0): FoundPreview => ({ number, stateModified: daysAgo(days) });
const open = (number: number, pushedDaysAgo?: number): PullRequestState => ({
  number,
  state: "open",
  merged: false,
  ...(pushedDaysAgo !== undefined && { lastPushAt: daysAgo(pushedDaysAgo) }),
});

describe("the state objects under previews/", () => {
  it("lists one preview per previews/pr-<n>/terraform.tfstate, ignoring lock files and other keys", () => {
    const found = previewsFromState([
      { Key: "previews/pr-12/terraform.tfstate", LastModified: "2026-12-01T10:00:00+00:00" },
      { Key: "previews/pr-12/terraform.tfstate.tflock", LastModified: "2026-12-01T10:00:00+00:00" },
      { Key: "previews/pr-3/terraform.tfstate", LastModified: "2026-12-05T10:00:00Z" },
      { Key: "previews/pr-03/terraform.tfstate", LastModified: "2026-12-05T10:00:00Z" },
      { Key: "stage/terraform.tfstate", LastModified: "2026-12-05T10:00:00Z" },
    ]);
    expect(found).toEqual([
      { number: 3, stateModified: new Date("2026-12-05T10:00:00Z") },
      { number: 12, stateModified: new Date("2026-12-01T10:00:00Z") },
    ]);
  });

  it("rejects a listing that is not a list, or a date that is not one, naming the input", () => {
    expect(() => previewsFromState({ Contents: [] })).toThrow(/PREVIEW_STATE_OBJECTS is not a JSON list/);
    expect(() => previewsFromState([{ Key: "previews/pr-1/terraform.tfstate", LastModified: "yesterday" }])).toThrow(
      /previews\/pr-1\/terraform.tfstate has LastModified "yesterday", not a date/,
    );
  });
});

describe("previews settings, read from the raw config", () => {
  it("is undefined when the config has no previews (previews are off), and fills the schema's defaults", () => {
    expect(previewSettings({ project: {} })).toBeUndefined();
    expect(previewSettings({ previews: { host: "stage" } })).toEqual({ maxActive: 3, idleDays: 7 });
    expect(previewSettings({ previews: { host: "stage", maxActive: 5, idleDays: 2 } })).toEqual({ maxActive: 5, idleDays: 2 });
  });

  it("rejects a setting that is not a whole number of at least 1, naming it, its value and the fix", () => {
    expect(() => previewSettings({ previews: { maxActive: 0 } })).toThrow(
      /^previews.maxActive 0 is not a whole number of at least 1; use e.g. 3$/,
    );
    expect(() => previewSettings({ previews: { idleDays: "7" } })).toThrow(/^previews.idleDays "7" is not a whole number/);
  });
});

describe("the max-active gate", () => {
  it("lets a preview be deployed while fewer than maxActive others exist", () => {
    expect(() => checkMaxActive([preview(1), preview(2)], 3, 3)).not.toThrow();
    expect(() => checkMaxActive([], 1, 1)).not.toThrow();
  });

  it("never refuses a redeploy: the pull request's own preview is not counted", () => {
    expect(() => checkMaxActive([preview(1), preview(2), preview(3)], 2, 3)).not.toThrow();
  });

  it("rejects one more when maxActive others exist, in one line naming previews.maxActive, the count, the previews and the fix", () => {
    const gate = () => checkMaxActive([preview(1), preview(2), preview(4)], 9, 3);
    expect(gate).toThrow(/^previews.maxActive is 3 and 3 other previews exist \(pr-1, pr-2, pr-4\): pr-9 is not deployed; /);
    expect(gate).toThrow(/close or merge one of those pull requests .* or raise previews.maxActive in config\/platform.ts$/);
    let message = "";
    try {
      gate();
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message.split("\n")).toHaveLength(1);
  });
});

describe("the reaper's decisions", () => {
  const decide = (found: FoundPreview[], pulls: PullRequestState[], idleDays = 7) =>
    decideReaping(found, new Map(pulls.map((p) => [p.number, p])), idleDays, NOW);

  it("destroys the preview of a merged pull request, naming the reason", () => {
    expect(decide([preview(5)], [{ number: 5, state: "closed", merged: true }])).toEqual([
      { number: 5, reason: "merged", detail: "pr-5: pull request #5 is merged" },
    ]);
  });

  it("destroys the preview of a pull request closed unmerged, and of one GitHub does not know", () => {
    const decisions = decideReaping([preview(6), preview(7)], new Map([[6, { number: 6, state: "closed", merged: false }]]), 7, NOW);
    expect(decisions.map((d) => [d.number, d.reason])).toEqual([
      [6, "closed"],
      [7, "closed"],
    ]);
    expect(decisions[1].detail).toBe("pr-7: GitHub knows no pull request #7");
  });

  it("destroys an open pull request's preview idle past idleDays (no push and no deploy since), keeps one that is not", () => {
    const decisions = decide([preview(8, 10), preview(9, 10), preview(10, 1)], [open(8, 9), open(9, 2), open(10, 30)], 7);
    expect(decisions).toEqual([{ number: 8, reason: "idle", detail: "pr-8: no push or deploy for 9 days (previews.idleDays is 7)" }]);
  });

  it("keeps an open preview at exactly idleDays, and counts from the deploy when GitHub gives no push time", () => {
    expect(decide([preview(11, 7)], [open(11)], 7)).toEqual([]);
    expect(decide([preview(12, 8)], [open(12)], 7).map((d) => d.reason)).toEqual(["idle"]);
  });

  it("does not believe a push time in the future (a committer date set by hand): the last deploy counts", () => {
    const future = { ...open(13), lastPushAt: new Date("2099-01-01T00:00:00Z") };
    expect(decide([preview(13, 20)], [future], 7).map((d) => d.reason)).toEqual(["idle"]);
  });

  it("destroys nothing when every preview's pull request is open and recent", () => {
    expect(decide([preview(1, 1), preview(2, 0)], [open(1, 1), open(2, 0)])).toEqual([]);
  });
});

describe("GitHub's API, as the reaper asks it (answers faked)", () => {
  /** A fetch that answers from a table of path → [status, body], recording the paths asked. */
  function fakeFetch(answers: Record<string, [number, unknown]>) {
    const asked: string[] = [];
    const impl = async (url: string, init: { headers: Record<string, string> }) => {
      const path = url.replace("https://api.github.com/repos/acme/platform", "");
      asked.push(path);
      expect(init.headers.Authorization).toBe("Bearer token-1");
      const [status, body] = answers[path] ?? [404, { message: "Not Found" }];
      return { status, ok: status < 300, json: async () => body };
    };
    return { impl, asked };
  }

  it("reads state, merge and the head commit's committer date, and answers undefined for a 404", async () => {
    const { impl, asked } = fakeFetch({
      "/pulls/5": [200, { state: "open", merged_at: null, head: { sha: "abc" } }],
      "/commits/abc": [200, { commit: { committer: { date: "2026-12-01T00:00:00Z" } } }],
      "/pulls/6": [200, { state: "closed", merged_at: "2026-12-02T00:00:00Z", head: { sha: "def" } }],
      "/commits/def": [200, { commit: { committer: { date: "2026-12-02T00:00:00Z" } } }],
    });
    const pulls = new GithubPullRequests("acme/platform", "token-1", impl);
    expect(await pulls.get(5)).toEqual({ number: 5, state: "open", merged: false, lastPushAt: new Date("2026-12-01T00:00:00Z") });
    expect(await pulls.get(6)).toMatchObject({ number: 6, state: "closed", merged: true });
    expect(await pulls.get(7)).toBeUndefined();
    expect(asked).toEqual(["/pulls/5", "/commits/abc", "/pulls/6", "/commits/def", "/pulls/7"]);
  });

  it("fails, naming the call and status, when GitHub answers an error other than 404 (nothing is destroyed on a guess)", async () => {
    const { impl } = fakeFetch({ "/pulls/5": [502, {}] });
    await expect(reap([preview(5)], new GithubPullRequests("acme/platform", "token-1", impl), 7, NOW)).rejects.toThrow(
      "GitHub GET /pulls/5 answered 502",
    );
  });

  it("reaps end to end: merged, closed, idle and open previews from faked answers", async () => {
    const { impl } = fakeFetch({
      "/pulls/1": [200, { state: "closed", merged_at: "2026-12-06T00:00:00Z", head: { sha: "a1" } }],
      "/pulls/2": [200, { state: "closed", merged_at: null, head: { sha: "a2" } }],
      "/pulls/3": [200, { state: "open", merged_at: null, head: { sha: "a3" } }],
      "/commits/a3": [200, { commit: { committer: { date: "2026-11-01T00:00:00Z" } } }],
      "/pulls/4": [200, { state: "open", merged_at: null, head: { sha: "a4" } }],
      "/commits/a4": [200, { commit: { committer: { date: "2026-12-06T00:00:00Z" } } }],
    });
    const decisions = await reap(
      [preview(1), preview(2), preview(3, 20), preview(4, 20)],
      new GithubPullRequests("acme/platform", "token-1", impl),
      7,
      NOW,
    );
    expect(decisions.map((d) => [d.number, d.reason])).toEqual([
      [1, "merged"],
      [2, "closed"],
      [3, "idle"],
    ]);
  });
});

describe("the command the workflows run", () => {
  /** Runs scripts/previews.ts with `args` and `env`, as a workflow step does; its outputs as written to GITHUB_OUTPUT. */
  function run(args: string[], env: Record<string, string> = {}) {
    const output = join(mkdtempSync(join(tmpdir(), "previews-")), "output");
    const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/previews.ts", ...args], {
      cwd: join(__dirname, ".."),
      env: { PATH: process.env.PATH, GITHUB_OUTPUT: output, ...env },
      encoding: "utf8",
    });
    let outputs = "";
    try {
      outputs = readFileSync(output, "utf8");
    } catch {}
    return { status: result.status, stderr: result.stderr, outputs };
  }
  const shippedPreviews = previewSettings(loadPlatform());

  it("names the previews' repository for the shipped project, and says whether previews are on", () => {
    const result = run(["repository"]);
    expect(result.status).toBe(0);
    expect(result.outputs).toBe(`enabled=${shippedPreviews !== undefined}\nrepository=acme-previews\n`);
  });

  it("rejects an unknown command and a missing pull request number in one line", () => {
    const bad = run(["deploy"]);
    expect({ status: bad.status, stderr: bad.stderr }).toEqual({
      status: 1,
      stderr: 'the command must be gate, reap or repository, not "deploy"\n',
    });
    const gate = run(["gate", "--pr", "07"], { PREVIEW_STATE_OBJECTS: "[]" });
    expect({ status: gate.status, stderr: gate.stderr }).toEqual({
      status: 1,
      stderr: 'gate needs --pr <pull request number>, not "07"\n',
    });
  });
});
