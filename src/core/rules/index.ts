import { audNotTrusted } from "./aud-not-trusted.js";
import { conditionNotMet } from "./condition-not-met.js";
import { configInvalid, roleUnreadable, roleUnresolved, workflowInvalid } from "./could-not-verify.js";
import { customTemplateMismatch } from "./custom-template-mismatch.js";
import type { Rule } from "./define-rule.js";
import { forkPrNoToken } from "./fork-pr-no-token.js";
import { idTokenTooBroad } from "./id-token-too-broad.js";
import { immutableSubjectMismatch } from "./immutable-subject-mismatch.js";
import { issuerMismatch } from "./issuer-mismatch.js";
import { jobOutlivesSession } from "./job-outlives-session.js";
import { missingIdTokenPermission } from "./missing-id-token-permission.js";
import { privilegedTriggerWithRole } from "./privileged-trigger-with-role.js";
import { providerNotTrusted } from "./provider-not-trusted.js";
import { roleNameNotArn } from "./role-name-not-arn.js";
import type { RuleMeta } from "./rule.js";
import { runsOutgrowSession } from "./runs-outgrow-session.js";
import { sessionDurationExceedsMax } from "./session-duration-exceeds-max.js";
import { staticAwsKeys } from "./static-aws-keys.js";
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
import { trustSubNeverMatches } from "./trust-sub-never-matches.js";
import { trustUnprotectedRef } from "./trust-unprotected-ref.js";
import { trustWiderThanNeeded } from "./trust-wider-than-needed.js";
import { unpinnedCredentialsAction } from "./unpinned-credentials-action.js";
import { unsupportedConditionKey } from "./unsupported-condition-key.js";

export type { ContextRule } from "./context-rule.js";
export type {
  AnalysisRuleInput,
  CredentialsStepInput,
  Rule,
  RuleFacts,
  RuleNeed,
  WorkflowRuleInput,
} from "./define-rule.js";
export { defineRule } from "./define-rule.js";
export type { PolicyRule, PolicyRuleInput } from "./policy-rule.js";
export * from "./rule.js";
export type { WorkflowRule } from "./workflow-rule.js";

/**
 * Every rule, in catalogue order within its category (DESIGN §5): the one registry. Adding a rule
 * is its own file plus one line here.
 */
export const rules: readonly Rule[] = [
  // Workflow and trust policy together.
  subNotTrusted,
  providerNotTrusted,
  conditionNotMet,
  audNotTrusted,
  immutableSubjectMismatch,
  customTemplateMismatch,
  trustWiderThanNeeded,
  // The trust policy alone.
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
  trustSubNeverMatches,
  // Needs GitHub's protection facts.
  trustUnprotectedRef,
  // The workflows (and the roles' facts).
  missingIdTokenPermission,
  forkPrNoToken,
  sessionDurationExceedsMax,
  jobOutlivesSession,
  runsOutgrowSession,
  roleNameNotArn,
  staticAwsKeys,
  privilegedTriggerWithRole,
  idTokenTooBroad,
  unpinnedCredentialsAction,
  // Could not verify: reported by the runner.
  roleUnresolved,
  roleUnreadable,
  workflowInvalid,
  configInvalid,
];

/** Rules with an `onPolicy` hook (the trust policy alone), in registry order. */
export const policyRules: readonly Rule[] = rules.filter((r) => r.onPolicy);
/** Rules with an `onAnalysis` hook over the analysed model that need no external facts. */
export const contextRules: readonly Rule[] = rules.filter(
  (r) => r.onAnalysis && !r.onWorkflow && !r.onCredentialsStep && !(r.needs?.length ?? 0),
);
/** Rules over the workflows (`onWorkflow` or `onCredentialsStep`), in registry order. */
export const workflowRules: readonly Rule[] = rules.filter((r) => r.onWorkflow || r.onCredentialsStep);
/** Rules the runner reports itself: what could not be read or checked. */
export const couldNotVerifyRules: readonly RuleMeta[] = rules
  .filter((r) => r.meta.category === "could-not-verify")
  .map((r) => r.meta);

export {
  checkUnprotectedRefs,
  type ProtectionFacts,
  type ProtectionNeeds,
  protectionNeeds,
  trustUnprotectedRef,
  trustUnprotectedRefMeta,
} from "./trust-unprotected-ref.js";

const CATEGORY_ORDER: RuleMeta["category"][] = ["will-fail", "over-broad", "hygiene", "could-not-verify"];

/** Metadata of every rule, grouped by category in catalogue order. */
export function allRuleMeta(): RuleMeta[] {
  const all = rules.map((r) => r.meta);
  return CATEGORY_ORDER.flatMap((c) => all.filter((m) => m.category === c));
}

/** The metadata of one rule by id. */
export function ruleMeta(id: string): RuleMeta | undefined {
  return allRuleMeta().find((m) => m.id === id);
}
