/**
 * Which pull request's preview a synth adds (README "Previews"), from the variable main.ts reads:
 * PREVIEW_PR, checked here before anything is synthesized so a bad value stops with a message that
 * names the variable, the value and the fix.
 */
import { PREVIEW_NUMBER_PATTERN } from "../config/preview-naming";
import { InputError } from "./cli";

/**
 * Reads PREVIEW_PR from a variable map (main.ts passes process.env). Empty or unset: no preview.
 * @returns the pull requests whose previews to synthesize (none or one)
 * @throws InputError for a value that is not a pull request number
 */
export function previewsFrom(env: Record<string, string | undefined>): number[] {
  const value = env.PREVIEW_PR || undefined;
  if (value === undefined) return [];
  if (!PREVIEW_NUMBER_PATTERN.test(value)) {
    throw new InputError(
      `PREVIEW_PR ${JSON.stringify(value)} is not a pull request number; use the number alone, 1 to 999999 without leading zeros, ` +
        'e.g. PREVIEW_PR=7 (the workflow passes "github.event.pull_request.number")',
    );
  }
  return [Number(value)];
}
