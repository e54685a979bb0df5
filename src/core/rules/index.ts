import { issuerMismatch } from "./issuer-mismatch.js";
import type { PolicyRule } from "./policy-rule.js";
import { stringEqualsWildcard } from "./stringequals-wildcard.js";
import { trustAnyRepository } from "./trust-any-repository.js";
import { trustMissingAud } from "./trust-missing-aud.js";
import { trustNameBasedSubject } from "./trust-name-based-subject.js";
import { trustOrgWide } from "./trust-org-wide.js";
import { trustOwnerPrefix } from "./trust-owner-prefix.js";
import { trustPullRequest } from "./trust-pull-request.js";
import { trustRefPrefix } from "./trust-ref-prefix.js";
import { trustRepoWide } from "./trust-repo-wide.js";
import { unsupportedConditionKey } from "./unsupported-condition-key.js";

export type { PolicyRule, PolicyRuleInput } from "./policy-rule.js";
export * from "./rule.js";

import type { RuleMeta } from "./rule.js";

/** Rules that need only a trust policy, in catalogue order (DESIGN §5). */
export const policyRules: readonly PolicyRule[] = [
  stringEqualsWildcard,
  unsupportedConditionKey,
  issuerMismatch,
  trustAnyRepository,
  trustOwnerPrefix,
  trustOrgWide,
  trustRepoWide,
  trustPullRequest,
  trustRefPrefix,
  trustMissingAud,
  trustNameBasedSubject,
];

/** Metadata of every rule, in catalogue order. */
export function allRuleMeta(): RuleMeta[] {
  return policyRules.map((r) => r.meta);
}
