/** The issuer of GitHub.com tokens, as AWS names it (host and path, no scheme). */
export const GITHUB_ISSUER = "token.actions.githubusercontent.com";

/**
 * Claims AWS STS exposes as condition keys for GitHub tokens: `aud` and `sub` since 2021, and the
 * provider-specific keys added in January 2026 (OIDC-SEMANTICS §5.6, S-AWS11).
 */
export const SUPPORTED_CLAIM_KEYS = new Set([
  "aud",
  "sub",
  "actor",
  "actor_id",
  "job_workflow_ref",
  "repository",
  "repository_id",
  "workflow",
  "ref",
  "environment",
  "enterprise_id",
]);

/** Keys whose availability sources disagree about: conditions on them are indeterminate (§5.6 [UNC]). */
export const UNCERTAIN_CLAIM_KEYS = new Set(["repository_owner_id"]);

/** How a condition key relates to the token being evaluated. */
export type KeyClass =
  /** A key of this token's issuer; `support` says whether AWS exposes it. */
  | { kind: "claim"; claim: string; support: "supported" | "uncertain" | "unsupported" }
  /** A key of another OIDC issuer (or a misspelt one): absent from this token's request. */
  | { kind: "other-issuer"; prefix: string; claim: string; looksLikeGithub: boolean }
  /** A global or service key (`aws:SourceIp`, `sts:RoleSessionName`): rolecall does not model its value. */
  | { kind: "global"; key: string };

/** Classifies a condition key (key names are case-insensitive) against the token issuer `issuer`. */
export function classifyKey(key: string, issuer: string): KeyClass {
  const cacheKey = `${issuer}\n${key}`;
  let k = keyCache.get(cacheKey);
  if (!k) {
    if (keyCache.size > 10_000) keyCache.clear();
    k = classifyKeyUncached(key, issuer);
    keyCache.set(cacheKey, k);
  }
  return k;
}

const keyCache = new Map<string, KeyClass>();

function classifyKeyUncached(key: string, issuer: string): KeyClass {
  const colon = key.lastIndexOf(":");
  if (colon < 0) return { kind: "global", key };
  const prefix = key.slice(0, colon);
  const claim = key.slice(colon + 1).toLowerCase();
  if (prefix.toLowerCase() === issuer.toLowerCase()) {
    const support = SUPPORTED_CLAIM_KEYS.has(claim)
      ? "supported"
      : UNCERTAIN_CLAIM_KEYS.has(claim)
        ? "uncertain"
        : "unsupported";
    return { kind: "claim", claim, support };
  }
  if (!prefix.includes(".") && !prefix.includes("/")) return { kind: "global", key };
  return { kind: "other-issuer", prefix, claim, looksLikeGithub: looksLikeGithubIssuer(prefix) };
}

/** True when `hostPath` names, or nearly names, a GitHub Actions token issuer. */
export function looksLikeGithubIssuer(hostPath: string): boolean {
  const p = hostPath.toLowerCase().replace(/^https?:\/\//, "");
  if (
    p.includes("actions.githubusercontent") ||
    p.endsWith("/_services/token") ||
    p.includes("/_services/token/")
  )
    return true;
  const host = p.split("/")[0] ?? "";
  return editDistance(host, GITHUB_ISSUER) <= 3;
}

/** Levenshtein distance, small strings only. */
export function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0]!;
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j]!;
      prev[j] = Math.min(up + 1, prev[j - 1]! + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length]!;
}
