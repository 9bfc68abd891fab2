/**
 * Jest setup file: cdktf's tokens record where they were created without jest's source maps.
 *
 * cdktf captures a full stack trace (no depth limit) for every token it creates (`Lazy`,
 * `Intrinsic`, dynamic blocks), only to print it if that token later fails to resolve. Under jest,
 * source-map-support maps every frame of every such trace to its source: over half of a synth's
 * time in a test (a suite that builds the platform a dozen times spent ~10 of its ~19 s there).
 * Here the traces are V8's own, unmapped: same frames, positions in the compiled JavaScript.
 *
 * Construct stack traces (`"//".metadata.stackTrace`, which the audit turns into file:line of the
 * TypeScript) come from `constructs`, not from this module, and stay mapped.
 */
// `require`, not `import * as`: the replacement must land on the module's own exports object.
import stackTrace = require("cdktf/lib/tokens/private/stack-trace");

type Capture = typeof stackTrace.captureStackTrace;

/** A frame as V8 prints it (`fn (file:line:column)`), without source maps and without V8's costlier method and type names. */
const frame = (f: NodeJS.CallSite): string => {
  const where = `${f.getFileName() ?? "<anonymous>"}:${f.getLineNumber()}:${f.getColumnNumber()}`;
  const name = f.getFunctionName();
  return name ? `${name} (${where})` : where;
};

// biome-ignore lint/complexity/noBannedTypes: the signature of the function it replaces
const unmapped: Capture = (below?: Function): string[] => {
  const object: { stack?: unknown } = {};
  const { prepareStackTrace, stackTraceLimit } = Error;
  try {
    // The frames themselves rather than a string to split again. And a function, not undefined: without
    // one, node falls back to the runner's source-map-support.
    Error.prepareStackTrace = (_error, frames) => frames.map(frame);
    Error.stackTraceLimit = Number.MAX_SAFE_INTEGER;
    Error.captureStackTrace(object, below ?? unmapped);
    // Read inside: V8 formats the trace on the first read of `stack`, with the formatter of that moment.
    return Array.isArray(object.stack) ? object.stack : [];
  } finally {
    Error.prepareStackTrace = prepareStackTrace;
    Error.stackTraceLimit = stackTraceLimit;
  }
};

// cdktf's modules call it through the exports object (`(0, stack_trace_1.captureStackTrace)()`), so this
// replaces it for every caller in this test file's module registry.
(stackTrace as { captureStackTrace: Capture }).captureStackTrace = unmapped;
