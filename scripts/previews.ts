/**
 * The decisions of a preview's lifecycle (README "Preview lifecycle"), run by the workflows in jobs
 * that hold no AWS credential: the gate before a preview is deployed (no more than
 * `previews.maxActive` at once) and the reaper's choice of the previews to destroy (pull request
 * closed or merged, or no push for `previews.idleDays`). A job with the preview role lists the state
 * objects under `previews/` and hands them here as JSON; GitHub's API is asked through
 * `PullRequests`, so the tests answer for it.
 *
 * Usage (the workflows set the environment):
 *   tsx scripts/previews.ts gate --pr <n>   PREVIEW_STATE_OBJECTS='[{"Key": ..., "LastModified": ...}]'
 *   tsx scripts/previews.ts reap            PREVIEW_STATE_OBJECTS, GITHUB_TOKEN, GITHUB_REPOSITORY
 *   tsx scripts/previews.ts repository      (the previews' image repository, `<project>-previews`)
 * Each writes its outputs (`enabled`, `destroy`, `repository`) to $GITHUB_OUTPUT when that is set.
 */
import { appendFileSync } from "node:fs";
import { loadPlatform } from "../config/load";
import { PREVIEW_NUMBER_PATTERN, PREVIEW_STATE_PREFIX, previewName, previewRepositoryName } from "../config/preview-naming";
import { errorText, InputError } from "../lib/cli";

/**
 * What the scripts read of the config's `previews` section. Read defensively from the raw config:
 * the section's schema (config/schema-previews.ts) arrives with the preview stack; the defaults are
 * that schema's.
 */
export interface PreviewSettings {
  readonly maxActive: number;
  readonly idleDays: number;
}
export const PREVIEW_SETTING_DEFAULTS: PreviewSettings = { maxActive: 3, idleDays: 7 };

/** The config's `previews` with its defaults, or undefined when previews are off (no `previews`). */
export function previewSettings(platform: unknown): PreviewSettings | undefined {
  const previews = (platform as { previews?: unknown } | null)?.previews;
  if (previews === undefined || previews === null) return undefined;
  if (typeof previews !== "object") throw new InputError(`previews ${JSON.stringify(previews)} is not an object; see README "Previews"`);
  const read = (key: keyof PreviewSettings): number => {
    const value = (previews as Record<string, unknown>)[key];
    if (value === undefined) return PREVIEW_SETTING_DEFAULTS[key];
    if (typeof value !== "number" || !Number.isInteger(value) || value < 1) {
      throw new InputError(
        `previews.${key} ${JSON.stringify(value)} is not a whole number of at least 1; use e.g. ${PREVIEW_SETTING_DEFAULTS[key]}`,
      );
    }
    return value;
  };
  return { maxActive: read("maxActive"), idleDays: read("idleDays") };
}

/** A state object as `aws s3api list-objects-v2 --query 'Contents[].{Key: Key, LastModified: LastModified}'` lists it. */
export interface StateObject {
  readonly Key: string;
  readonly LastModified: string;
}

/** A preview that has state: its pull request and when its state was last written (its last deploy). */
export interface FoundPreview {
  readonly number: number;
  readonly stateModified: Date;
}

const STATE_KEY = new RegExp(`^${PREVIEW_STATE_PREFIX}pr-([0-9]+)/terraform\\.tfstate$`);

/** The previews the state objects show: one per `previews/pr-<n>/terraform.tfstate` (lock files and others ignored). */
export function previewsFromState(objects: unknown): FoundPreview[] {
  if (!Array.isArray(objects)) throw new InputError("PREVIEW_STATE_OBJECTS is not a JSON list of {Key, LastModified}");
  const found: FoundPreview[] = [];
  for (const o of objects as StateObject[]) {
    const match = STATE_KEY.exec(String(o?.Key));
    if (!match || !PREVIEW_NUMBER_PATTERN.test(match[1])) continue;
    const stateModified = new Date(String(o.LastModified));
    if (Number.isNaN(stateModified.getTime()))
      throw new InputError(`state object ${o.Key} has LastModified ${JSON.stringify(o.LastModified)}, not a date`);
    found.push({ number: Number(match[1]), stateModified });
  }
  return found.sort((a, b) => a.number - b.number);
}

/**
 * The gate before a deploy: throws, in one line naming `previews.maxActive`, the count and the fix,
 * when `maxActive` previews other than pull request `pr`'s exist. A preview being redeployed (a push
 * to its pull request) is never refused.
 */
export function checkMaxActive(found: readonly FoundPreview[], pr: number, maxActive: number): void {
  const others = found.filter((p) => p.number !== pr).map((p) => previewName(p.number));
  if (others.length < maxActive) return;
  throw new InputError(
    `previews.maxActive is ${maxActive} and ${others.length} other previews exist (${others.join(", ")}): ` +
      `${previewName(pr)} is not deployed; close or merge one of those pull requests (its preview is destroyed on close, ` +
      `or by the preview-reaper workflow, which can be run by hand), or raise previews.maxActive in config/platform.ts`,
  );
}

/** A pull request as the reaper needs it, from GitHub's API. */
export interface PullRequestState {
  readonly number: number;
  readonly state: "open" | "closed";
  readonly merged: boolean;
  /** When its head last changed (undefined when GitHub does not say). */
  readonly lastPushAt?: Date;
}

/** Why a preview is destroyed. */
export type ReapReason = "closed" | "merged" | "idle";

export interface ReapDecision {
  readonly number: number;
  readonly reason: ReapReason;
  /** One line for the job summary. */
  readonly detail: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Which previews to destroy: those whose pull request is merged, closed (or unknown to GitHub), or
 * has been idle more than `idleDays`. Idle counts from the later of the last push and the preview's
 * last deploy (its state's last write); a push time in the future (a committer date can be set by
 * hand) is not believed and the deploy time alone counts.
 */
export function decideReaping(
  found: readonly FoundPreview[],
  pulls: ReadonlyMap<number, PullRequestState | undefined>,
  idleDays: number,
  now: Date,
): ReapDecision[] {
  const decisions: ReapDecision[] = [];
  for (const preview of found) {
    const name = previewName(preview.number);
    const pr = pulls.get(preview.number);
    if (!pr) {
      decisions.push({ number: preview.number, reason: "closed", detail: `${name}: GitHub knows no pull request #${preview.number}` });
      continue;
    }
    if (pr.merged) {
      decisions.push({ number: preview.number, reason: "merged", detail: `${name}: pull request #${pr.number} is merged` });
      continue;
    }
    if (pr.state === "closed") {
      decisions.push({ number: preview.number, reason: "closed", detail: `${name}: pull request #${pr.number} is closed` });
      continue;
    }
    const push = pr.lastPushAt && pr.lastPushAt.getTime() <= now.getTime() ? pr.lastPushAt.getTime() : 0;
    const lastActive = Math.max(push, preview.stateModified.getTime());
    const idle = (now.getTime() - lastActive) / DAY_MS;
    if (idle > idleDays) {
      decisions.push({
        number: preview.number,
        reason: "idle",
        detail: `${name}: no push or deploy for ${Math.floor(idle)} days (previews.idleDays is ${idleDays})`,
      });
    }
  }
  return decisions;
}

/** GitHub's answers the reaper needs. */
export interface PullRequests {
  /** The pull request, or undefined when GitHub knows none of that number. */
  get(number: number): Promise<PullRequestState | undefined>;
}

type Fetch = (url: string, init: { headers: Record<string, string> }) => Promise<{ status: number; ok: boolean; json(): Promise<unknown> }>;

/** GitHub's REST API as PullRequests: the pull request, then its head commit's committer date as the last push. */
export class GithubPullRequests implements PullRequests {
  constructor(
    private readonly repository: string,
    private readonly token: string,
    private readonly fetchImpl: Fetch = fetch as unknown as Fetch,
    private readonly api = "https://api.github.com",
  ) {}

  private async call<T>(path: string): Promise<T | undefined> {
    const response = await this.fetchImpl(`${this.api}/repos/${this.repository}${path}`, {
      headers: { Authorization: `Bearer ${this.token}`, Accept: "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28" },
    });
    if (response.status === 404) return undefined;
    if (!response.ok) throw new Error(`GitHub GET ${path} answered ${response.status}`);
    return (await response.json()) as T;
  }

  async get(number: number): Promise<PullRequestState | undefined> {
    const pull = await this.call<{ state?: string; merged_at?: string | null; head?: { sha?: string } }>(`/pulls/${number}`);
    if (!pull) return undefined;
    const sha = pull.head?.sha;
    const commit = sha ? await this.call<{ commit?: { committer?: { date?: unknown } } }>(`/commits/${sha}`) : undefined;
    const date = commit?.commit?.committer?.date;
    return {
      number,
      state: pull.state === "open" ? "open" : "closed",
      merged: Boolean(pull.merged_at),
      ...(typeof date === "string" && !Number.isNaN(Date.parse(date)) && { lastPushAt: new Date(date) }),
    };
  }
}

/** The reaper: the previews found, what GitHub says of each pull request, the decisions. */
export async function reap(found: readonly FoundPreview[], pulls: PullRequests, idleDays: number, now: Date): Promise<ReapDecision[]> {
  const answers = new Map<number, PullRequestState | undefined>();
  for (const p of found) answers.set(p.number, await pulls.get(p.number));
  return decideReaping(found, answers, idleDays, now);
}

function output(name: string, value: string): void {
  console.log(`${name}=${value}`);
  if (process.env.GITHUB_OUTPUT) appendFileSync(process.env.GITHUB_OUTPUT, `${name}=${value}\n`);
}

function stateObjects(): FoundPreview[] {
  const raw = process.env.PREVIEW_STATE_OBJECTS;
  if (raw === undefined)
    throw new InputError("PREVIEW_STATE_OBJECTS must hold the state objects under previews/ as JSON (the workflow sets it)");
  let parsed: unknown;
  try {
    // `aws ... --query Contents[]` prints null when the prefix is empty.
    parsed = JSON.parse(raw === "" ? "null" : raw) ?? [];
  } catch {
    throw new InputError(`PREVIEW_STATE_OBJECTS is not JSON: ${raw.slice(0, 80)}`);
  }
  return previewsFromState(parsed);
}

async function main(args: readonly string[]): Promise<void> {
  const [command, flag, value] = args;
  const platform = loadPlatform() as { project?: { name?: unknown } };
  const settings = previewSettings(platform);
  output("enabled", String(settings !== undefined));
  if (command === "repository") {
    const project = platform.project?.name;
    if (typeof project !== "string") throw new InputError("project.name is not set in config/platform.ts");
    output("repository", previewRepositoryName(project));
    return;
  }
  if (command === "gate") {
    if (flag !== "--pr" || !PREVIEW_NUMBER_PATTERN.test(value ?? ""))
      throw new InputError(`gate needs --pr <pull request number>, not ${JSON.stringify(value)}`);
    if (!settings) {
      console.log("previews are off (config/platform.ts has no `previews`): nothing is deployed");
      return;
    }
    checkMaxActive(stateObjects(), Number(value), settings.maxActive);
    console.log(`${previewName(Number(value))} may be deployed (previews.maxActive ${settings.maxActive})`);
    return;
  }
  if (command === "reap") {
    const found = stateObjects();
    if (!settings && found.length > 0) {
      const names = found.map((p) => previewName(p.number)).join(", ");
      throw new InputError(
        `config/platform.ts has no \`previews\` but ${found.length} previews have state (${names}): ` +
          "put `previews` back until they are destroyed (close their pull requests, then run preview-reaper), then remove it",
      );
    }
    const { GITHUB_TOKEN: token, GITHUB_REPOSITORY: repository } = process.env;
    if (!token || !repository) throw new InputError("GITHUB_TOKEN and GITHUB_REPOSITORY must be set (the workflow sets them)");
    const decisions = settings ? await reap(found, new GithubPullRequests(repository, token), settings.idleDays, new Date()) : [];
    for (const d of decisions) console.log(`destroy ${d.detail}`);
    console.log(`${found.length} preview(s) found, ${decisions.length} to destroy`);
    output("destroy", JSON.stringify(decisions.map((d) => d.number)));
    return;
  }
  throw new InputError(`the command must be gate, reap or repository, not ${JSON.stringify(command)}`);
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((error) => {
    process.stderr.write(`${errorText(error)}\n`);
    process.exitCode = 1;
  });
}
