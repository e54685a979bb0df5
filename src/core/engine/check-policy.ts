import { analyzeBreadth } from "../iam/breadth.js";
import type { TrustPolicy } from "../iam/policy-model.js";
import { policyRules } from "../rules/index.js";
import { compareSeverity, type PolicyFinding } from "../rules/rule.js";

/** Runs every policy rule on one trust policy; findings sorted by severity, then position, then rule. */
export function checkPolicy(
  policy: TrustPolicy,
  opts: { expectedIssuer?: string | null } = {},
): PolicyFinding[] {
  const input = { policy, breadth: analyzeBreadth(policy), expectedIssuer: opts.expectedIssuer ?? null };
  const findings = policyRules.flatMap((r) => r.checkPolicy(input));
  return findings.sort(
    (a, b) =>
      compareSeverity(a.severity, b.severity) ||
      a.location.span.start.offset - b.location.span.start.offset ||
      a.rule.localeCompare(b.rule),
  );
}
