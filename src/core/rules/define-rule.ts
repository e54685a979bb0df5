import type { HistoryFacts } from "../durations/history.js";
import type { AnalyzedAssumption, ScanModel } from "../engine/analysis-types.js";
import type { ScanPlan } from "../engine/plan.js";
import type { Finding, PolicyFinding } from "../findings/finding.js";
import type { RuleMeta } from "../findings/rule-meta.js";
import type { RoleFacts } from "../iam/policy-model.js";
import type { AwsCredentials, Job, Step, Workflow } from "../workflow/index.js";
import type { PolicyRuleInput } from "./policy-rule.js";
import type { ProtectionFacts } from "./trust-unprotected-ref.js";

/**
 * Facts a rule needs beyond the repository and the roles. The runner calls a rule only when every
 * fact it needs was given; otherwise the result lists it in `skipped` with the reason.
 * - `protection`: branch and environment protection (the GitHub API; the App reads it).
 * - `history`: the jobs' recent completed runs (the GitHub Actions API; the CLI with a token).
 */
export type RuleNeed = "protection" | "history";

/** What a workflow rule sees: one parsed workflow, and what is known of the roles it names. */
export interface WorkflowRuleInput {
  /** Repository-relative path of the workflow. */
  file: string;
  workflow: Workflow;
  /** Facts of a role by ARN (MaxSessionDuration), when the role was read; null otherwise. */
  roleFacts(arn: string): RoleFacts | null;
}

/**
 * One `configure-aws-credentials` step a job runs: written in the workflow, or inside a local
 * composite action the job uses (then `file` is the action's `action.yml` and `via` the workflow's
 * `uses: ./…` step). The runner hands every such step to every rule once.
 */
export interface CredentialsStepInput {
  /** Where the step is written. */
  file: string;
  view: AwsCredentials;
  /** The workflow and job that run the step. */
  workflowFile: string;
  workflow: Workflow;
  job: Job;
  /** The workflow step that runs the composite action holding the step; null for a step of the job itself. */
  via: Step | null;
  roleFacts(arn: string): RoleFacts | null;
}

/** Facts a rule declared it needs (present only when declared and given). */
export interface RuleFacts {
  protection: ProtectionFacts;
  history: HistoryFacts;
}

/** What an analysis rule sees besides the model: the plan it came from, and its needed facts. */
export interface AnalysisRuleInput {
  plan: ScanPlan;
}

/**
 * The one rule contract. A rule declares its metadata and implements the hooks at the grain it
 * needs; the runner (`report()`) does the walking:
 * - `onPolicy`: once per trust policy read (breadth shared);
 * - `onWorkflow`: once per parsed workflow;
 * - `onCredentialsStep`: once per credentials step a job runs, composite actions included;
 * - `onAssumption`: once per analysed job × step × role, with every run context;
 * - `onAnalysis`: once per scan, with the whole model.
 * Rules with none of the hooks are reported by the runner itself (could-not-verify).
 */
export interface Rule {
  meta: RuleMeta;
  needs?: readonly RuleNeed[];
  onPolicy?(input: PolicyRuleInput): PolicyFinding[];
  onWorkflow?(input: WorkflowRuleInput): Finding[];
  onCredentialsStep?(input: CredentialsStepInput): Finding[];
  onAssumption?(a: AnalyzedAssumption, model: ScanModel): Finding[];
  onAnalysis?(model: ScanModel, facts: RuleFacts, input: AnalysisRuleInput): Finding[];
}

/** Declares a rule (typed hooks, `this.meta` inside them). */
export function defineRule(rule: Rule): Rule {
  return rule;
}
