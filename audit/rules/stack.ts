import { block, isComputed, isObject } from "../terraform";
import { type CheckResult, fail, pass, type Rule } from "../types";

/** Tags every resource must carry: who owns it, which environment (the deploy roles' fence), and how it is managed. */
export const REQUIRED_DEFAULT_TAGS = ["Project", "Environment", "ManagedBy"];

export const providerDefaultTags: Rule = {
  id: "PROVIDER-DEFAULT-TAGS",
  rationale: "The AWS provider tags every resource with its project, environment and manager (cost, ownership, IAM fences).",
  controls: [],
  appliesTo: ["provider.aws"],
  check(provider) {
    const tags = block(block(provider.body.default_tags)?.tags) ?? {};
    const missing = REQUIRED_DEFAULT_TAGS.filter((k) => typeof tags[k] !== "string" || tags[k] === "");
    return missing.length === 0
      ? pass(`default tags ${Object.keys(tags).join(", ")}`)
      : fail(`default_tags lack ${missing.join(", ")}; set default_tags { tags = { ${REQUIRED_DEFAULT_TAGS.join(", ")} } }`);
  },
};

/** Arguments whose value is a credential: any literal value there is a secret in the configuration. */
const SECRET_ARGUMENTS = new Set([
  "password",
  "master_password",
  "secret",
  "secret_key",
  "secret_access_key",
  "access_key",
  "token",
  "auth_token",
  "api_key",
  "private_key",
  "client_secret",
  "session_token",
  "plaintext_value",
]);

/** Shapes of well-known credentials, looked for in every string (including JSON documents in strings). */
const SECRET_PATTERNS: { kind: string; pattern: RegExp; also?: (match: string) => boolean }[] = [
  { kind: "an AWS access key id", pattern: /\b(AKIA|ASIA)[A-Z0-9]{16}\b/ },
  { kind: "a private key", pattern: /-----BEGIN ([A-Z]+ )*PRIVATE KEY-----/ },
  { kind: "a GitHub token", pattern: /\b(gh[pousr]_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{22,})\b/ },
  {
    kind: "an AWS secret access key",
    pattern: /(?<![A-Za-z0-9/+=])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])/,
    // Hex digests (certificate thumbprints, hashes) are 40 characters too, but never mixed-case.
    also: (m) => /[A-Z]/.test(m) && /[a-z]/.test(m) && /[0-9]/.test(m),
  },
];

/** Every literal secret under `value`, as [path, what] pairs; cdktf's "//" metadata is skipped. */
function findSecrets(value: unknown, path: string, found: [string, string][]): void {
  if (typeof value === "string") {
    for (const { kind, pattern, also } of SECRET_PATTERNS) {
      const match = pattern.exec(value);
      if (match && (!also || also(match[0]))) found.push([path, kind]);
    }
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      findSecrets(v, `${path}[${i}]`, found);
    });
    return;
  }
  if (!isObject(value)) return;
  for (const [key, v] of Object.entries(value)) {
    if (key === "//") continue;
    const at = path ? `${path}.${key}` : key;
    if (SECRET_ARGUMENTS.has(key.toLowerCase()) && typeof v === "string" && v !== "" && !isComputed(v)) {
      found.push([at, `a literal value for ${key}`]);
    }
    findSecrets(v, at, found);
  }
}

export const noLiteralSecrets: Rule = {
  id: "NO-LITERAL-SECRETS",
  rationale:
    "No credential (password, access key, private key, token) is written in the configuration, where state and logs would keep it.",
  controls: ["CKV_AWS_41"],
  appliesTo: ["*", "stack"],
  check(target) {
    const found: [string, string][] = [];
    if (target.kind === "stack") {
      const { terraform, output, variable, locals } = target.body;
      findSecrets({ terraform, output, variable, locals }, "", found);
    } else {
      findSecrets(target.body, "", found);
    }
    if (found.length === 0) return pass("no literal secret");
    return found.map(
      ([path, kind]): CheckResult =>
        fail(`holds ${kind} at ${path}; take it from a secret store (Secrets Manager, SSM, a managed password) instead`, path),
    );
  },
};

export const STACK_RULES: readonly Rule[] = [providerDefaultTags, noLiteralSecrets];
