export { analyzeBreadth, type BreadthIssue, githubStatements } from "./breadth.js";
export { type ClaimSet, type ClaimValue, claimOf, describeClaim } from "./claims.js";
export { classifyKey, GITHUB_ISSUER, SUPPORTED_CLAIM_KEYS } from "./condition-keys.js";
export {
  type ConditionTrace,
  type Decision,
  decide,
  type Evaluation,
  type EvaluationRequest,
  evaluateTrustPolicy,
  parseProviderArn,
  parseRoleArnParts,
  type StatementTrace,
} from "./evaluate.js";
export {
  type Coverage,
  evaluatePattern,
  type PatternConditionTrace,
  type PatternEvaluation,
  type PatternRequest,
  type PatternStatementTrace,
} from "./evaluate-pattern.js";
export { type ParsedOperator, parseOperator } from "./operators.js";
export { type ParsePolicyResult, parseTrustPolicy } from "./parse-policy.js";
export { patternClaims } from "./pattern-claims.js";
export type { PolicyDiagnostic } from "./policy-diagnostic.js";
export type * from "./policy-model.js";
export { and3, not3, or3, type Tri } from "./tri.js";
