import type { ClaimSet } from "../iam/claims.js";
import { evaluateTrustPolicy } from "../iam/evaluate.js";
import { evaluatePattern, type PatternRequest } from "../iam/evaluate-pattern.js";
import type { TrustPolicy } from "../iam/policy-model.js";
import type { CandidateVerdict } from "./analysis-types.js";

/** Evaluates one claim set (concrete or pattern) against a policy: allow, deny or indeterminate. */
export function evaluateClaims(
  policy: TrustPolicy,
  claims: ClaimSet,
  variable: PatternRequest["variable"] | null,
  issuer: string,
  roleArn: string | null,
): Pick<CandidateVerdict, "decision" | "evaluation" | "pattern"> {
  const usesPattern = variable !== null && Object.values(claims).some((c) => c.kind === "pattern");
  if (usesPattern) {
    const pattern = evaluatePattern(policy, { claims, issuer, roleArn, variable, traceConditions: false });
    const decision =
      pattern.coverage === "all" ? "allow" : pattern.coverage === "indeterminate" ? "indeterminate" : "deny";
    return { decision, evaluation: null, pattern };
  }
  const evaluation = evaluateTrustPolicy(policy, { claims, issuer, roleArn });
  return { decision: evaluation.decision, evaluation, pattern: null };
}
