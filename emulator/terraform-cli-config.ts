/**
 * The Terraform CLI config for machines without the registry (CI, offline): the AWS provider is
 * installed from a local filesystem mirror, every other provider from the registry as usual. One
 * writer for the local sandbox (scripts/local.ts) and the tests (__tests__/support/terraform.ts).
 */
import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** The provider the mirror holds, as Terraform addresses it. */
export const MIRRORED_PROVIDER = "registry.terraform.io/hashicorp/aws";

/** Where the provider mirror is when TF_PLUGIN_MIRROR does not say. */
export const DEFAULT_PLUGIN_MIRROR = "/opt/tf-plugins";

/** The provider mirror's directory: TF_PLUGIN_MIRROR, else DEFAULT_PLUGIN_MIRROR. */
export function pluginMirror(env: NodeJS.ProcessEnv = process.env): string {
  return env.TF_PLUGIN_MIRROR ?? DEFAULT_PLUGIN_MIRROR;
}

/** Where the AWS provider sits inside a mirror (present only if the mirror holds it). */
export function mirroredProviderDir(mirror: string): string {
  return join(mirror, MIRRORED_PROVIDER);
}

/** Whether the mirror holds the AWS provider, i.e. whether a CLI config pointing at it can work. */
export function mirrorHoldsProvider(mirror: string): boolean {
  return existsSync(mirroredProviderDir(mirror));
}

/**
 * Writes to `file` a Terraform CLI config that installs the AWS provider from `mirror` only (never the
 * network) and any other provider directly from the registry. Returns `file`, for TF_CLI_CONFIG_FILE.
 */
export function writeTerraformCliConfig(file: string, mirror: string): string {
  writeFileSync(
    file,
    `provider_installation {
  filesystem_mirror {
    path    = ${JSON.stringify(mirror)}
    include = [${JSON.stringify(MIRRORED_PROVIDER)}]
  }
  direct {
    exclude = [${JSON.stringify(MIRRORED_PROVIDER)}]
  }
}
`,
  );
  return file;
}
