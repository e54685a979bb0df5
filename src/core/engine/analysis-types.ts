import type { BreadthIssue } from "../iam/breadth.js";
import type { ClaimSet } from "../iam/claims.js";
import type { Evaluation } from "../iam/evaluate.js";
import type { PatternEvaluation, PatternRequest } from "../iam/evaluate-pattern.js";
import type { RoleSource } from "../iam/role-source.js";
import type { RepoFacts } from "../oidc/claims-for.js";
import type { TriggerContext } from "../oidc/run-context.js";
import type { AwsCredentials, Job, Node, Span, Workflow } from "../workflow/index.js";
import type { RoleReference } from "./role-reference.js";
import type { ContextDecision } from "./scan-types.js";

export type { RoleSource } from "../iam/role-source.js";

/** The verdict for one candidate claim set of a run. */
export interface CandidateVerdict {
  sub: string;
  /** The claims evaluated, and the variable pattern claims range over (for counterfactual checks). */
  claims: ClaimSet;
  variable: PatternRequest["variable"] | null;
  note: string | null;
  decision: "allow" | "deny" | "indeterminate";
  evaluation: Evaluation | null;
  pattern: PatternEvaluation | null;
}

/** One run context of one assumption, evaluated. */
export interface AnalyzedContext {
  trigger: TriggerContext;
  environment: string | null;
  /** Where the environment is named in the workflow, for findings. */
  environmentAt: { span: Span; route: string } | null;
  /** The ref shown (concrete, pattern description, or null). */
  ref: string | null;
  sub: string | string[];
  decision: ContextDecision;
  reason: string;
  /**
   * For a `no-token` context, what withholds the token: the event (e.g. a fork's pull request), the
   * job's own `permissions:`, a calling job's grant (or GitHub refusing the call), or the claims.
   */
  noTokenCause?: "event" | "job" | "caller" | "claims";
  candidates: CandidateVerdict[];
  /** `file#job` of the caller, for jobs of reusable workflows. */
  caller: string | null;
}

/** One job × credentials step × role, with every context. */
export interface AnalyzedAssumption {
  file: string;
  workflow: Workflow;
  job: Job;
  credentials: AwsCredentials;
  /** The `role-to-assume` value node (the primary location of trust findings). */
  roleNode: Node<string> | null;
  /** Where the role is named: the workflow, or the local composite action that runs the step. */
  roleAt: { file: string; span: Span; route: string } | null;
  /** The workflow step that assumes the role. */
  stepAt: { span: Span; route: string };
  /** The resolved ARN, or null. */
  role: string | null;
  roleSource: RoleSource | null;
  /** Why the role is not known, when it is not. */
  roleProblem: string | null;
  /** What the literal `role-to-assume` names (null without one). */
  roleReference: RoleReference | null;
  contexts: AnalyzedContext[];
  breadth: BreadthIssue[];
}

/** What context rules see. */
export interface ScanModel {
  repo: RepoFacts;
  assumptions: AnalyzedAssumption[];
}
