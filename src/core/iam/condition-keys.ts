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
  let byKey = keyCache.get(issuer);
  if (!byKey) {
    if (keyCache.size > 100) keyCache.clear();
    byKey = new Map();
    keyCache.set(issuer, byKey);
  }
  let k = byKey.get(key);
  if (!k) {
    if (byKey.size > 10_000) byKey.clear();
    k = classifyKeyUncached(key, issuer);
    byKey.set(key, k);
  }
  return k;
}

const keyCache = new Map<string, Map<string, KeyClass>>();

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

/** GHE.com data residency issuer hosts: `token.actions.<subdomain>.ghe.com` (OIDC-SEMANTICS §2.1). */
const GHE_COM_HOST = /^token\.actions\.[a-z0-9][a-z0-9-]*\.ghe\.com$/;

/** True for a GHE.com data residency issuer host (lower-case host, no scheme or path). */
export function isGheComHost(host: string): boolean {
  return GHE_COM_HOST.test(host);
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
  return isGheComHost(host) || editDistance(host, GITHUB_ISSUER) <= 3;
}

/** An issuer as written in a provider ARN or key prefix, without URL scheme and trailing slashes. */
export function normalizeIssuer(hostPath: string): string {
  return hostPath.replace(/^https?:\/\//i, "").replace(/\/+$/, "");
}

/**
 * The issuer a GitHub-looking provider was meant to name, to classify the statement's condition keys
 * against: the provider without scheme or trailing slash; and when its host is a near miss of
 * `token.actions.githubusercontent.com` (a typo, the retired `vstoken` host) while some key uses the
 * canonical prefix (with the same path), the canonical issuer. The provider itself stays wrong, and
 * `issuer-mismatch` reports it; the keys are not to blame for it.
 */
export function intendedIssuer(hostPath: string, keyPrefixes: readonly string[]): string {
  const issuer = normalizeIssuer(hostPath);
  const slash = issuer.indexOf("/");
  const host = (slash < 0 ? issuer : issuer.slice(0, slash)).toLowerCase();
  const path = slash < 0 ? "" : issuer.slice(slash);
  if (host === GITHUB_ISSUER || isGheComHost(host) || path.toLowerCase().startsWith("/_services/token"))
    return issuer;
  const canonical = `${GITHUB_ISSUER}${path}`;
  const keysCanonical = keyPrefixes.some((k) => normalizeIssuer(k).toLowerCase() === canonical.toLowerCase());
  return keysCanonical ? canonical : issuer;
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
