/**
 * Jest setup file: the stack traces cdktf and constructs record, at a fraction of their cost.
 *
 * Both capture a full stack trace (no depth limit) in a synth: cdktf for every token it creates
 * (`Lazy`, `Intrinsic`, dynamic blocks), constructs for every construct when the audit asks for
 * `"//".metadata.stackTrace`. Under jest, source-map-support maps every frame of every trace to its
 * source, which was over half of a synth's time in a test (a suite that builds the platform a dozen
 * times spent ~10 of its ~19 s of CPU there). Here:
 * - token traces, printed only if a token fails to resolve, are V8's own frames, unmapped;
 * - construct traces, which the audit turns into the file:line of TypeScript that created a
 *   resource, stay mapped, but only their frames outside node_modules are kept: `sourceLocation`
 *   (audit/source.ts) skips the others, which were most of each trace (jest's frames below the
 *   test, cdktf's above the construct).
 * Both modules call their capture through the exports object (`(0, stack_trace_1.captureStackTrace)()`),
 * so replacing the export replaces it for every caller in the test file's module registry.
 */
// `require`, not `import * as`: the replacement must land on each module's own exports object.
import tokenTrace = require("cdktf/lib/tokens/private/stack-trace");
import constructTrace = require("constructs/lib/private/stack-trace");

type Capture = typeof tokenTrace.captureStackTrace;
type Format = (error: Error, frames: NodeJS.CallSite[]) => unknown;

/** A frame as V8 prints it (`fn (file:line:column)`), without source maps or V8's costlier method and type names. */
const frame = (f: NodeJS.CallSite): string => {
  const where = `${f.getFileName() ?? "<anonymous>"}:${f.getLineNumber()}:${f.getColumnNumber()}`;
  const name = f.getFunctionName();
  return name ? `${name} (${where})` : where;
};

/**
 * The frames above `below` (V8 leaves it and its callers out), as `format` turns them into the
 * trace's lines. `format` runs while the stack is read: V8 formats a trace on the first read of
 * `stack`, with the `Error.prepareStackTrace` of that moment.
 */
// biome-ignore lint/complexity/noBannedTypes: the signature of the functions it replaces
function capture(below: Function, format: (frames: NodeJS.CallSite[], mapped: Format | undefined, error: Error) => string[]): string[] {
  const object: { stack?: unknown } = {};
  const { prepareStackTrace, stackTraceLimit } = Error;
  try {
    // Always a function: with none, node would fall back to the runner's source-map-support.
    Error.prepareStackTrace = (error, frames) => format(frames, prepareStackTrace, error);
    Error.stackTraceLimit = Number.MAX_SAFE_INTEGER;
    Error.captureStackTrace(object, below);
    return Array.isArray(object.stack) ? object.stack : [];
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/** Lines of a trace formatted as one string, without the first line (the error's own). */
const linesOf = (stack: unknown): string[] =>
  typeof stack === "string"
    ? stack
        .split("\n")
        .slice(1)
        .map((s) => s.replace(/^\s*at\s+/, ""))
    : [];

// biome-ignore lint/complexity/noBannedTypes: the signature of the function it replaces
const tokenCapture: Capture = (below?: Function) => capture(below ?? tokenCapture, (frames) => frames.map(frame));

// biome-ignore lint/complexity/noBannedTypes: the signature of the function it replaces
const constructCapture: Capture = (below?: Function) =>
  capture(below ?? constructCapture, (frames, mapped, error) => {
    const own = frames.filter((f) => !f.getFileName()?.includes("/node_modules/"));
    return mapped ? linesOf(mapped(error, own)) : own.map(frame);
  });

(tokenTrace as { captureStackTrace: Capture }).captureStackTrace = tokenCapture;
(constructTrace as { captureStackTrace: Capture }).captureStackTrace = constructCapture;
