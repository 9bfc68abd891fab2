/**
 * Loads the configuration file, config/platform.ts, when a command asks for it (not when a module
 * imports it): a file that does not parse, exports no `platform` or throws while it runs is then a
 * ConfigError naming the file and the fix, printed as one line, not a loader's stack trace.
 */
import { join, relative } from "node:path";
import { ConfigError, type ConfigProblem } from "./problems";

/** The configuration file users edit. */
export const PLATFORM_FILE = join(__dirname, "platform.ts");
/** The name the configuration's export must have. */
export const PLATFORM_EXPORT = "platform";

/** The first line of an error's message. */
function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n").find((line) => line.trim() !== "") ?? "";
}

/** Why loading `file` failed, as a problem naming the file (and the line, where the compiler says). */
function loadProblem(setting: string, error: unknown): ConfigProblem {
  const message = error instanceof Error ? error.message : String(error);
  // esbuild's (tsx's, jest's) syntax error: "<file>:<line>:<column>: ERROR: <what>".
  const syntax = /:(\d+):(\d+): ERROR: (.*)$/m.exec(message);
  if (syntax) {
    const [, line, column, what] = syntax;
    return {
      setting,
      value: undefined,
      shown: `line ${line}:${column}`,
      fix: `does not parse: ${what}; fix the syntax there (npx tsc --noEmit -p . lists every error)`,
    };
  }
  const code = (error as { code?: unknown } | null)?.code;
  if (code === "MODULE_NOT_FOUND" || code === "ERR_MODULE_NOT_FOUND") {
    return { setting, value: undefined, shown: "(an import)", fix: `cannot load what it imports: ${firstLine(error)}; fix the import` };
  }
  const kind = error instanceof Error ? error.name : typeof error;
  return {
    setting,
    value: undefined,
    shown: `(${kind} while it runs)`,
    fix: `${firstLine(error)}; fix the code that builds the configuration (it should be plain data)`,
  };
}

/**
 * The `platform` export of the configuration file, unchecked (pass it to `validate()`).
 * @param file the configuration file
 * @default file - config/platform.ts
 */
export function loadPlatform(file: string = PLATFORM_FILE): unknown {
  const inRepository = relative(join(__dirname, ".."), file);
  const setting = inRepository.startsWith("..") ? file : inRepository;
  let exported: Record<string, unknown>;
  try {
    exported = require(file);
  } catch (error) {
    throw new ConfigError([loadProblem(setting, error)]);
  }
  if (!(PLATFORM_EXPORT in exported)) {
    const names = Object.keys(exported).filter((name) => name !== "__esModule");
    throw new ConfigError([
      {
        setting,
        value: undefined,
        shown: names.length > 0 ? `(exports ${names.join(", ")})` : "(exports nothing)",
        fix: `does not export "${PLATFORM_EXPORT}"; name the configuration \`export const ${PLATFORM_EXPORT}: PlatformConfig = { ... }\``,
      },
    ]);
  }
  return exported[PLATFORM_EXPORT];
}
