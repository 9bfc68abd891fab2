import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { App } from "cdktf";
import { literalConfig } from "./config/literal";
import { GITHUB_STACK, platformAccounts } from "./config/naming";
import { PREVIEW_NUMBER_PATTERN, previewStackId } from "./config/preview-naming";
import type { PlatformConfig } from "./config/types";
import { validate } from "./config/validate";
import { InputError, outputDirectory, readInput } from "./lib/cli";
import { type LocalTarget, localTargetFrom, SANDBOX_DIR } from "./lib/local-target";
import { previewsFrom } from "./lib/preview-request";
import { releaseImageFrom } from "./lib/release-image";
import { removeStaleSynthOutput, rewriteHclOutput } from "./lib/synth-output";
import { MIN_TERRAFORM_VERSION } from "./lib/terraform-version";
import { BootstrapStack } from "./stacks/bootstrap-stack";
import { EnvironmentStack } from "./stacks/environment-stack";
import { GithubStack } from "./stacks/github-stack";
import { PreviewStack } from "./stacks/preview-stack";

/** What main.ts reads from the process environment, passed down as props. */
export interface PlatformOptions {
  /**
   * Emulator every stack talks to.
   * @default - AWS
   */
  readonly local?: LocalTarget;
  /**
   * Container image tag the environment stacks deploy (IMAGE_TAG). Not with `imageDigest`.
   * @default - "latest", unless `imageDigest` is set
   */
  readonly imageTag?: string;
  /**
   * Absolute directory of the bootstrap's local state file (main.ts passes the repository root).
   * @default - `../../..` relative to the bootstrap's directory in the output
   */
  readonly bootstrapStateDir?: string;
  /**
   * Digest (`sha256:<64 hex>`) of the container image the environment stacks deploy (IMAGE_DIGEST,
   * set by CI). Not with `imageTag`.
   * @default - the image is named by tag (`imageTag`)
   */
  readonly imageDigest?: string;
  /**
   * Pull requests whose preview stacks (`preview-pr-<n>`) to add beside the others (PREVIEW_PR);
   * refused when the configuration has no `previews`.
   * @default - none
   */
  readonly previews?: readonly number[];
}

export interface Platform {
  /** The project account's bootstrap (`cdktf deploy bootstrap`). */
  readonly bootstrap: BootstrapStack;
  /**
   * Every account's bootstrap by stack id: `bootstrap`, and `bootstrap-<env>` for each other
   * account an environment names (README "Two layouts").
   */
  readonly bootstraps: Record<string, BootstrapStack>;
  /** The repository's environments, variables and branch protection; reads the bootstrap's state. */
  readonly github: GithubStack;
  /** Environment stacks by environment name. */
  readonly environments: Record<string, EnvironmentStack>;
  /** Preview stacks by stack id (`preview-pr-<n>`), one per `previews` option. */
  readonly previews: Record<string, PreviewStack>;
}

/** The stacks that talk to AWS only: the platform without the github stack. */
export type AwsPlatform = Omit<Platform, "github">;

/**
 * Validates the configuration, then adds every stack of the platform to the app. Deterministic:
 * the same config and options give the same Terraform. Used by main.ts and by the tests.
 */
export function buildPlatform(app: App, config: PlatformConfig, options: PlatformOptions = {}): Platform {
  const { github, ...aws } = addStacks(app, config, options, true);
  return { ...aws, github: github! };
}

/**
 * The platform without the github stack, for the local sandbox: GitHub has no emulator, so that
 * stack's provider would change the real repository.
 */
export function buildAwsPlatform(app: App, config: PlatformConfig, options: PlatformOptions = {}): AwsPlatform {
  const { github: _, ...aws } = addStacks(app, config, options, false);
  return aws;
}

function addStacks(
  app: App,
  checked: PlatformConfig,
  options: PlatformOptions,
  withGithub: boolean,
): AwsPlatform & { github?: GithubStack } {
  validate(checked);
  // The one place configuration text enters the stacks: as Terraform literals, never templates.
  const config = literalConfig(checked);
  // One bootstrap per account that hosts an environment, the project's first (its id stays `bootstrap`).
  const bootstraps: Record<string, BootstrapStack> = {};
  for (const { accountId, bootstrapStack } of platformAccounts(config)) {
    bootstraps[bootstrapStack] = new BootstrapStack(app, bootstrapStack, {
      config,
      accountId,
      local: options.local,
      localStateDir: options.bootstrapStateDir,
    });
  }
  const [bootstrap, ...accountBootstraps] = Object.values(bootstraps);
  const github = withGithub
    ? new GithubStack(app, GITHUB_STACK, { config, bootstrap, accountBootstraps, local: options.local })
    : undefined;
  const environments: Record<string, EnvironmentStack> = {};
  for (const environment of config.environments) {
    environments[environment.name] = new EnvironmentStack(app, environment.name, {
      project: config.project,
      environment,
      imageTag: options.imageTag,
      imageDigest: options.imageDigest,
      previews: config.previews,
      local: options.local,
    });
  }
  const previews = addPreviews(app, config, options);
  // An older Terraform would ignore use_lockfile and lock with DynamoDB only; refuse it with a clear message.
  for (const stack of [
    ...Object.values(bootstraps),
    ...(github ? [github] : []),
    ...Object.values(environments),
    ...Object.values(previews),
  ]) {
    stack.addOverride("terraform.required_version", `>= ${MIN_TERRAFORM_VERSION}`);
  }
  return { bootstrap, bootstraps, github, environments, previews };
}

/** The preview stacks the options ask for (README "Previews"), in the host environment's account. */
function addPreviews(app: App, config: PlatformConfig, options: PlatformOptions): Record<string, PreviewStack> {
  const previews: Record<string, PreviewStack> = {};
  for (const n of options.previews ?? []) {
    if (!PREVIEW_NUMBER_PATTERN.test(String(n))) {
      throw new InputError(`PREVIEW_PR ${JSON.stringify(n)} is not a pull request number; use 1 to 999999, e.g. 7`);
    }
    if (!config.previews) {
      throw new InputError(
        `PREVIEW_PR ${n} asks for a preview, but the configuration has no previews section; ` +
          'add previews (e.g. { host: "stage", maxActive: 3, idleDays: 7 }) to config/platform.ts, or unset PREVIEW_PR',
      );
    }
    const host = config.environments.find((e) => e.name === config.previews?.host)!;
    const id = previewStackId(n);
    const { imageTag, imageDigest, local } = options;
    previews[id] = new PreviewStack(app, id, {
      project: config.project,
      previews: config.previews,
      host,
      pullRequest: n,
      imageTag,
      imageDigest,
      local,
    });
  }
  return previews;
}

/**
 * What main.ts runs (`cdktf synth` and `deploy` run main.ts): reads the variables it is given
 * (main.ts passes process.env), loads the configuration, then synthesizes every stack into
 * CDKTF_OUTDIR (default `<root>/cdktf.out`). Every input is checked before anything is written:
 * a refused one throws a user error (lib/cli.ts) and leaves the output directory as it was.
 * @param root the repository root: the default output and the bootstrap's state file are placed from it
 * @returns the output directory written
 */
export function synthesizePlatform(env: Record<string, string | undefined>, loadConfig: () => unknown, root: string): string {
  // Checked before the app exists, so a refused input leaves no synth output for a deploy to pick up.
  const options = readInput(() => ({ local: localTargetFrom(env), ...releaseImageFrom(env), previews: previewsFrom(env) }));
  const outdir = env.CDKTF_OUTDIR ? outputDirectory("CDKTF_OUTDIR", env.CDKTF_OUTDIR, root) : join(root, "cdktf.out");
  // Before anything touches the output directory: a refused configuration leaves it as it was.
  const platform = validate(loadConfig());
  // cdktf's App creates only the last level: `cdktf synth --output a/b/c` would fail without this.
  mkdirSync(outdir, { recursive: true });
  const app = new App({ outdir });
  if (options.local) {
    console.error("PLATFORM_LOCAL_ENDPOINT is set: the github stack is left out (GitHub has no local emulator).");
    buildAwsPlatform(app, platform, { ...options, bootstrapStateDir: join(root, SANDBOX_DIR) });
  } else {
    buildPlatform(app, platform, { ...options, bootstrapStateDir: root });
  }
  app.synth();
  rewriteHclOutput(app);
  removeStaleSynthOutput(app.outdir, app.hclOutput);
  return outdir;
}
