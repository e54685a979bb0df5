import type { PolicyFinding } from "../findings/finding.js";
import { compareSeverity } from "../findings/severity.js";
import { analyzeBreadth } from "../iam/breadth.js";
import type { TrustPolicy } from "../iam/policy-model.js";
import type { Rule } from "../rules/define-rule.js";
import { policyRules } from "../rules/index.js";

/** Runs every policy rule on one trust policy; findings sorted by severity, then position, then rule. */
export function checkPolicy(
  policy: TrustPolicy,
  opts: { expectedIssuer?: string | null } = {},
  rules: readonly Rule[] = policyRules,
): PolicyFinding[] {
  const input = { policy, breadth: analyzeBreadth(policy), expectedIssuer: opts.expectedIssuer ?? null };
  const findings = rules.flatMap((r) => r.onPolicy?.(input) ?? []);
  return findings.sort(
    (a, b) =>
      compareSeverity(a.severity, b.severity) ||
      a.location.span.start.offset - b.location.span.start.offset ||
      a.rule.localeCompare(b.rule),
  );
}
