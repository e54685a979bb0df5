import { matchGlob, tokenizeIamGlob } from "../lang/index.js";
import { GITHUB_ISSUER, intendedIssuer, looksLikeGithubIssuer, normalizeIssuer } from "./condition-keys.js";
import { parseProviderArn } from "./evaluate.js";
import type { PolicyStatement, TrustPolicy } from "./policy-model.js";

/**
 * Which statements of a trust policy can apply to GitHub's web-identity tokens: a policy query
 * that the breadth analysis, the policy rules and the suggestions share (split from breadth.ts).
 */

const WEB_IDENTITY_ACTION = "sts:AssumeRoleWithWebIdentity";

/** A statement that can apply to GitHub tokens, and the issuer its condition keys are meant for. */
export interface GithubStatement {
  statement: PolicyStatement;
  issuer: string;
}

/**
 * The statements that can apply to GitHub web-identity tokens: `Principal` `"*"` or a GitHub-looking
 * federated provider, with an `Action`/`NotAction` that admits `sts:AssumeRoleWithWebIdentity`.
 * `effect` selects Allow (default), Deny, or both. The issuer is the one the provider was meant to name
 * (see `intendedIssuer`): a malformed provider is reported by `issuer-mismatch`, not held against the keys.
 */
export function githubStatements(
  policy: TrustPolicy,
  effect: "Allow" | "Deny" | "any" = "Allow",
): GithubStatement[] {
  const out: GithubStatement[] = [];
  for (const s of policy.statements) {
    if (!s.principal || s.effect === null || (effect !== "any" && s.effect !== effect)) continue;
    if (!mayAssumeWithWebIdentity(s)) continue;
    const prefixes = s.conditions.map((c) => keyPrefix(c.key)).filter((p): p is string => p !== null);
    const issuers = s.principal.federated
      .map((f) => parseProviderArn(f.value)?.hostPath)
      .filter((h): h is string => !!h && looksLikeGithubIssuer(h))
      .map((h) => intendedIssuer(h, prefixes));
    const used = issuers.find((i) => prefixes.some((p) => p.toLowerCase() === i.toLowerCase()));
    const fed = used ?? issuers[0];
    if (fed) out.push({ statement: s, issuer: fed });
    else if (s.principal.everyone) {
      const fromKeys = prefixes.find((p) => looksLikeGithubIssuer(p));
      out.push({ statement: s, issuer: fromKeys ? normalizeIssuer(fromKeys) : GITHUB_ISSUER });
    }
  }
  return out;
}

function keyPrefix(key: string): string | null {
  const colon = key.lastIndexOf(":");
  return colon < 0 ? null : key.slice(0, colon);
}

/** Whether the statement's Action/NotAction can match `sts:AssumeRoleWithWebIdentity` (no Action: maybe). */
function mayAssumeWithWebIdentity(s: PolicyStatement): boolean {
  if (!s.action) return true;
  const hit = s.action.values.some((v) =>
    matchGlob(tokenizeIamGlob(v.value), WEB_IDENTITY_ACTION, { ignoreCase: true }),
  );
  return s.action.kind === "Action" ? hit : !hit;
}
