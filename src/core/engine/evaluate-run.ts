import type { ClaimSet } from "../iam/claims.js";
import { evaluateTrustPolicy } from "../iam/evaluate.js";
import { evaluatePattern, type PatternRequest } from "../iam/evaluate-pattern.js";
import type { TrustPolicy } from "../iam/policy-model.js";
import type { Lang } from "../lang/index.js";
import type { CandidateVerdict } from "./analysis-types.js";

type Verdict = Pick<CandidateVerdict, "decision" | "evaluation" | "pattern">;

/** Identity numbers for languages, so a memo key can name a domain without serialising it. */
const langIds = new WeakMap<Lang, number>();
let nextLangId = 1;
function langId(l: Lang): number {
  let id = langIds.get(l);
  if (id === undefined) {
    id = nextLangId++;
    langIds.set(l, id);
  }
  return id;
}

/**
 * Verdicts per policy text, keyed by the claims: many runs present the same claims to one role, and
 * the same policy is read again on every scan. Bounded.
 */
const memo = new Map<string, Map<string, Verdict>>();

/** Evaluates one claim set (concrete or pattern) against a policy: allow, deny or indeterminate. Memoised; pure. */
export function evaluateClaims(
  policy: TrustPolicy,
  claims: ClaimSet,
  variable: PatternRequest["variable"] | null,
  issuer: string,
  roleArn: string | null,
): Verdict {
  const usesPattern = variable !== null && Object.values(claims).some((c) => c.kind === "pattern");
  const key = JSON.stringify([
    claims,
    usesPattern && variable ? [variable.name, langId(variable.domain)] : null,
    issuer,
    roleArn,
  ]);
  const policyKey = `${policy.version ?? ""}\u0000${policy.text}`;
  let byClaims = memo.get(policyKey);
  if (!byClaims) {
    if (memo.size > 500) memo.clear();
    byClaims = new Map();
    memo.set(policyKey, byClaims);
  }
  const hit = byClaims.get(key);
  if (hit) return hit;
  let verdict: Verdict;
  if (usesPattern && variable) {
    const pattern = evaluatePattern(policy, { claims, issuer, roleArn, variable, traceConditions: false });
    // Over refs, "some" is a certain deny for the runs it names; over an environment name computed at
    // run time it only says the answer depends on that name: indeterminate.
    const decision =
      pattern.coverage === "all"
        ? "allow"
        : pattern.coverage === "none"
          ? "deny"
          : pattern.coverage === "some" && variable.name === "ref"
            ? "deny"
            : "indeterminate";
    verdict = { decision, evaluation: null, pattern };
  } else {
    const evaluation = evaluateTrustPolicy(policy, { claims, issuer, roleArn });
    verdict = { decision: evaluation.decision, evaluation, pattern: null };
  }
  if (byClaims.size > 2_000) byClaims.clear();
  byClaims.set(key, verdict);
  return verdict;
}
