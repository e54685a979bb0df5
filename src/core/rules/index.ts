import { audNotTrusted } from "./aud-not-trusted.js";
import { conditionNotMet } from "./condition-not-met.js";
import type { ContextRule } from "./context-rule.js";
import {
  configInvalidMeta,
  roleUnreadableMeta,
  roleUnresolvedMeta,
  workflowInvalidMeta,
} from "./could-not-verify.js";
import { customTemplateMismatch } from "./custom-template-mismatch.js";
import { immutableSubjectMismatch } from "./immutable-subject-mismatch.js";
import { issuerMismatch } from "./issuer-mismatch.js";
import type { PolicyRule } from "./policy-rule.js";
import { providerNotTrusted } from "./provider-not-trusted.js";
import type { RuleMeta } from "./rule.js";
import { stringEqualsWildcard } from "./stringequals-wildcard.js";
import { subNotTrusted } from "./sub-not-trusted.js";
import { trustAnyRepository } from "./trust-any-repository.js";
import { trustMissingAud } from "./trust-missing-aud.js";
import { trustNameBasedSubject } from "./trust-name-based-subject.js";
import { trustOrgWide } from "./trust-org-wide.js";
import { trustOwnerPrefix } from "./trust-owner-prefix.js";
import { trustPullRequest } from "./trust-pull-request.js";
import { trustRefPrefix } from "./trust-ref-prefix.js";
import { trustRepoWide } from "./trust-repo-wide.js";
import { trustUnprotectedRefMeta } from "./trust-unprotected-ref.js";
import { trustWiderThanNeeded } from "./trust-wider-than-needed.js";
import { unsupportedConditionKey } from "./unsupported-condition-key.js";
import { workflowRules } from "./workflow-rules.js";

export type { ContextRule } from "./context-rule.js";
export type { PolicyRule, PolicyRuleInput } from "./policy-rule.js";
export * from "./rule.js";
export type { WorkflowRule, WorkflowRuleInput } from "./workflow-rule.js";
export { workflowRules };

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

/** Rules that need the workflows and the trust policies together. */
export const contextRules: readonly ContextRule[] = [
  subNotTrusted,
  providerNotTrusted,
  conditionNotMet,
  audNotTrusted,
  immutableSubjectMismatch,
  customTemplateMismatch,
  trustWiderThanNeeded,
];

/** Rules whose findings say what could not be checked. */
export {
  checkUnprotectedRefs,
  type ProtectionFacts,
  trustUnprotectedRefMeta,
} from "./trust-unprotected-ref.js";

export const couldNotVerifyRules: readonly RuleMeta[] = [
  roleUnresolvedMeta,
  roleUnreadableMeta,
  workflowInvalidMeta,
  configInvalidMeta,
];

const CATEGORY_ORDER: RuleMeta["category"][] = ["will-fail", "over-broad", "hygiene", "could-not-verify"];

/** Metadata of every rule, grouped by category in catalogue order. */
export function allRuleMeta(): RuleMeta[] {
  const all = [
    ...contextRules.map((r) => r.meta),
    ...policyRules.map((r) => r.meta),
    trustUnprotectedRefMeta,
    ...workflowRules.map((r) => r.meta),
    ...couldNotVerifyRules,
  ];
  return CATEGORY_ORDER.flatMap((c) => all.filter((m) => m.category === c));
}

/** The metadata of one rule by id. */
export function ruleMeta(id: string): RuleMeta | undefined {
  return allRuleMeta().find((m) => m.id === id);
}
