/**
 * Jest transformer: TypeScript to CommonJS with esbuild (the compiler tsx already uses), without
 * type-checking; `tsc --noEmit` type-checks as its own step of `npm test`.
 */
const { transformSync } = require("esbuild");

module.exports = {
  process(source, filename) {
    const { code, map } = transformSync(source, {
      loader: "ts",
      format: "cjs",
      target: "node20",
      sourcemap: "both",
      sourcefile: filename,
    });
    return { code, map };
  },
};
