import { relative, resolve, sep } from "node:path";
import { type Block, isObject } from "./terraform";

/** Where a resource is created in the repository's TypeScript. */
export interface SourceLocation {
  /** Path relative to the repository root, with `/` separators: `constructs/network.ts`. */
  readonly file: string;
  /** 1-based line. */
  readonly line: number;
  /** 1-based column, when the trace has one. */
  readonly column?: number;
}

const ROOT = resolve(__dirname, "..");
/** The product's own code: a location here is where a person changes the resource. */
const PRODUCT_DIRS = ["constructs/", "bootstrap/", "stacks/", "lib/", "app.ts"];
/** `new Network (/repo/constructs/network.ts:57:5)` or `/repo/constructs/network.ts:57:5`. */
const FRAME = /\(?((?:[A-Za-z]:)?[^():]+):(\d+):(\d+)\)?$/;

/** The stack trace cdktf records in an element's `"//".metadata` (when the synth asked for it). */
export function stackTraceOf(body: Block): string[] {
  const comment = body["//"];
  const metadata = isObject(comment) ? comment.metadata : undefined;
  const trace = isObject(metadata) ? metadata.stackTrace : undefined;
  return Array.isArray(trace) ? trace.filter((f): f is string => typeof f === "string") : [];
}

/**
 * The line that created an element: the first frame of its stack trace in the product's files
 * (constructs/, bootstrap/, stacks/, lib/, app.ts); failing that, the first in the repository outside node_modules and
 * audit/ (a test app's own file). Undefined when the trace is missing or leaves the repository.
 */
export function sourceLocation(trace: readonly string[], root: string = ROOT): SourceLocation | undefined {
  const frames = trace.flatMap((frame) => {
    const match = FRAME.exec(frame.trim());
    if (!match) return [];
    const file = relative(root, match[1]).split(sep).join("/");
    if (file.startsWith("..") || file.startsWith("/") || file.split("/").includes("node_modules")) return [];
    return [{ file, line: Number(match[2]), column: Number(match[3]) }];
  });
  return frames.find((f) => PRODUCT_DIRS.some((d) => f.file.startsWith(d))) ?? frames.find((f) => !f.file.startsWith("audit/"));
}
