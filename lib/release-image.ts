/**
 * Which container image a deploy runs, from the environment variables main.ts reads: CI deploys by
 * IMAGE_DIGEST (exactly the image it built and attested), a person by IMAGE_TAG. Both are checked
 * here, before anything is synthesized, so a bad value stops the deploy with a message naming the
 * variable instead of a construct error about a prop.
 */

/** A Docker/OCI tag: what `docker tag` and ECR accept. */
export const IMAGE_TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;

/**
 * A sha256 content digest as ECR and `docker buildx` print it. Only sha256 (ECR computes no other)
 * and lowercase hex, so one image has exactly one spelling.
 */
export const IMAGE_DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** The image a deploy runs: at most one of the two is set; neither means the stacks' default tag. */
export interface ReleaseImage {
  /** Tag to run (a person's deploy). */
  readonly imageTag?: string;
  /** Digest to run, `sha256:<64 hex>` (CI's deploy). */
  readonly imageDigest?: string;
}

/** A release input main.ts refuses; its message names the variable, the value and the fix. */
export class ReleaseImageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ReleaseImageError";
  }
}

/** A value in double quotes, with control characters escaped so the message stays on one line. */
const quote = (value: string): string => JSON.stringify(value);

/**
 * Reads IMAGE_DIGEST and IMAGE_TAG from a variable map (main.ts passes process.env). An empty
 * value counts as unset, as a workflow's `IMAGE_TAG: ""` means.
 * @throws ReleaseImageError for a malformed value, or when both are set
 */
export function releaseImageFrom(env: Record<string, string | undefined>): ReleaseImage {
  const imageDigest = env.IMAGE_DIGEST || undefined;
  const imageTag = env.IMAGE_TAG || undefined;
  if (imageDigest !== undefined && imageTag !== undefined) {
    throw new ReleaseImageError("IMAGE_DIGEST and IMAGE_TAG are both set; CI deploys by IMAGE_DIGEST, a person by IMAGE_TAG: unset one");
  }
  if (imageDigest !== undefined && !IMAGE_DIGEST_PATTERN.test(imageDigest)) {
    throw new ReleaseImageError(
      `IMAGE_DIGEST ${quote(imageDigest)} is not an image digest; use "sha256:" followed by 64 lowercase hex digits, ` +
        "as the build job printed it",
    );
  }
  if (imageTag !== undefined && !IMAGE_TAG_PATTERN.test(imageTag)) {
    throw new ReleaseImageError(
      `IMAGE_TAG ${quote(imageTag)} is not a valid image tag (letters, digits, "_", "." and "-", at most 128); ` +
        "use e.g. the commit SHA",
    );
  }
  if (imageTag !== undefined && imageTag.toLowerCase() === "latest") {
    throw new ReleaseImageError(
      `IMAGE_TAG ${quote(imageTag)} names no release: it moves with every push, so the deploy cannot be repeated or ` +
        "rolled back to; use the commit SHA the image was built from (unset IMAGE_TAG for the stacks' default)",
    );
  }
  return { imageTag, imageDigest };
}
