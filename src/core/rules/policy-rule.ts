import type { BreadthIssue } from "../iam/breadth.js";
import type { PolicyStatement, TrustPolicy } from "../iam/policy-model.js";
import type { PolicyFinding, RuleMeta } from "./rule.js";

/** What a policy rule sees: the parsed policy and the shared breadth analysis. */
export interface PolicyRuleInput {
  policy: TrustPolicy;
  breadth: BreadthIssue[];
  /** The issuer the tokens will come from, when the caller knows it (`--issuer`, the repo's GitHub host). */
  expectedIssuer: string | null;
}

/** A rule that needs only the trust policy (the one contract, with `onPolicy`). */
export type { Rule as PolicyRule } from "./define-rule.js";

/** `statement 0 (Sid "GitHub")`, for messages. */
export function statementLabel(s: PolicyStatement): string {
  return `statement ${s.index}${s.sid ? ` (Sid "${s.sid}")` : ""}`;
}

/** Findings for one kind of breadth issue, one per offending value (or per statement when no value is to blame). */
export function breadthFindings(
  meta: RuleMeta,
  input: PolicyRuleInput,
  kind: BreadthIssue["kind"],
  message: (issue: BreadthIssue, value: string | null) => string,
): PolicyFinding[] {
  const out: PolicyFinding[] = [];
  for (const issue of input.breadth) {
    if (issue.kind !== kind) continue;
    if (issue.values.length === 0) {
      out.push({
        rule: meta.id,
        severity: meta.severity,
        message: message(issue, null),
        location: { pointer: issue.statement.pointer, span: issue.statement.span },
        fix: meta.fix,
      });
    }
    for (const v of issue.values) {
      out.push({
        rule: meta.id,
        severity: meta.severity,
        message: message(issue, v.value),
        location: { pointer: v.pointer, span: v.span },
        fix: meta.fix,
      });
    }
  }
  return out;
}
