import { ReleaseImageError, releaseImageFrom } from "../lib/release-image";

const DIGEST = `sha256:${"0123456789abcdef".repeat(4)}`;

/** The error releaseImageFrom throws for an environment, or undefined when it accepts it. */
function refusal(env: Record<string, string | undefined>): ReleaseImageError | undefined {
  try {
    releaseImageFrom(env);
  } catch (error) {
    if (error instanceof ReleaseImageError) return error;
    throw error;
  }
  return undefined;
}

describe("releaseImageFrom", () => {
  it("reads IMAGE_DIGEST, as CI deploys", () => {
    expect(releaseImageFrom({ IMAGE_DIGEST: DIGEST })).toEqual({ imageDigest: DIGEST });
  });

  it("reads IMAGE_TAG, as a person deploys", () => {
    expect(releaseImageFrom({ IMAGE_TAG: "3f2c1ab" })).toEqual({ imageTag: "3f2c1ab" });
  });

  it.each(["latest", "LATEST"])("rejects IMAGE_TAG=%s, which names no release to repeat or roll back to", (tag) => {
    const error = refusal({ IMAGE_TAG: tag });
    expect(error).toBeInstanceOf(ReleaseImageError);
    expect((error as Error).message).toMatch(new RegExp(`^IMAGE_TAG "${tag}" names no release: .*; use the commit SHA`));
  });

  it("leaves both unset when neither is set, or set to empty", () => {
    expect(releaseImageFrom({})).toEqual({});
    expect(releaseImageFrom({ IMAGE_DIGEST: "", IMAGE_TAG: "" })).toEqual({});
    expect(releaseImageFrom({ IMAGE_DIGEST: "", IMAGE_TAG: "3f2c1ab" })).toEqual({ imageTag: "3f2c1ab" });
  });

  it.each([
    ["no algorithm", DIGEST.slice(7)],
    ["upper-case hex", DIGEST.toUpperCase().replace("SHA256", "sha256")],
    ["63 hex digits", DIGEST.slice(0, -1)],
    ["another algorithm", `sha512:${"a".repeat(64)}`],
    ["a trailing newline", `${DIGEST}\n`],
    ["a repository reference", `repo@${DIGEST}`],
  ])("rejects an IMAGE_DIGEST with %s", (_why, value) => {
    const error = refusal({ IMAGE_DIGEST: value });
    expect(error).toBeInstanceOf(ReleaseImageError);
    expect(error!.message).toBe(
      `IMAGE_DIGEST ${JSON.stringify(value)} is not an image digest; use "sha256:" followed by 64 lowercase hex digits, as the ` +
        `build job printed it`,
    );
  });

  it("rejects an IMAGE_TAG Docker would refuse", () => {
    expect(() => releaseImageFrom({ IMAGE_TAG: "v1 release" })).toThrow(
      new ReleaseImageError(
        'IMAGE_TAG "v1 release" is not a valid image tag (letters, digits, "_", "." and "-", at most 128); use e.g. the commit SHA',
      ),
    );
    expect(refusal({ IMAGE_TAG: "-leading-hyphen" })).toBeInstanceOf(ReleaseImageError);
    expect(refusal({ IMAGE_TAG: "v1\nv2" })?.message).toMatch(/^IMAGE_TAG "v1\\nv2" is not a valid image tag/);
    expect(refusal({ IMAGE_TAG: "a".repeat(129) })).toBeInstanceOf(ReleaseImageError);
    expect(refusal({ IMAGE_TAG: "a".repeat(128) })).toBeUndefined();
  });

  it("rejects IMAGE_DIGEST and IMAGE_TAG together, whichever is malformed", () => {
    const both = "IMAGE_DIGEST and IMAGE_TAG are both set; CI deploys by IMAGE_DIGEST, a person by IMAGE_TAG: unset one";
    expect(refusal({ IMAGE_DIGEST: DIGEST, IMAGE_TAG: "3f2c1ab" })?.message).toBe(both);
    expect(refusal({ IMAGE_DIGEST: "abc", IMAGE_TAG: "v1 release" })?.message).toBe(both);
  });

  it("names the error, so main.ts can tell an input error from a bug", () => {
    expect(refusal({ IMAGE_DIGEST: "abc" })?.name).toBe("ReleaseImageError");
  });
});
