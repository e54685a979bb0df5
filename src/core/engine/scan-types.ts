import type { Severity } from "../rules/rule.js";

/**
 * The result of a scan: the JSON v1 contract of `rolecall scan --format json`
 * (schema in `schemas/scan-result.v1.schema.json`). Plain data: every renderer reads only this.
 */
export interface ScanResult {
  version: 1;
  /** False when something could not be read, parsed or resolved; `incomplete[]` says what. */
  complete: boolean;
  repository: RepositoryInfo;
  assumptions: Assumption[];
  findings: Finding[];
  incomplete: IncompleteItem[];
}

export interface RepositoryInfo {
  /** `owner/name`, or null when unknown. */
  fullName: string | null;
  defaultBranch: string;
  /** The immutable subject prefix in force (`repo:owner@ID/name@ID`), or null for name-based subjects. */
  subPrefix: string | null;
  /** The custom subject template (`include_claim_keys`), or null for the default format. */
  subTemplate: string[] | null;
  issuer: string;
}

/** One job × role reference, with every way the job can run. */
export interface Assumption {
  /** Repository-relative path of the workflow (or action) that holds the job. */
  file: string;
  job: string;
  /** The role ARN, or null when it could not be resolved. */
  role: string | null;
  /** Where the role is named (the `role-to-assume` value). */
  line: number;
  column: number;
  contexts: RunContextResult[];
}

export type ContextDecision = "allow" | "deny" | "indeterminate" | "no-token" | "not-oidc" | "unknown-role";

export interface RunContextResult {
  /** The event that starts the run (for a reusable workflow: the caller's). */
  event: string;
  /** A concrete ref, a pattern such as `refs/heads/release/**`, or null when the event has none. */
  ref: string | null;
  environment: string | null;
  fork: boolean;
  /** The subject GitHub mints, or several candidates where sources disagree (OIDC-SEMANTICS [UNC]). */
  sub: string | string[];
  decision: ContextDecision;
  reason: string;
  /** For a job inside a reusable workflow: the caller (`file#job`). */
  caller?: string;
  /** A deny of a run the author did not ask for (dispatch on another branch or a tag): the policy working as a guard. */
  guard?: true;
  /** The `if:` rolecall cannot decide for this run: it happens only if it holds. */
  conditional?: string;
}

export interface RelatedLocation {
  /** A workflow path, or a policy file / role ARN. */
  file: string;
  line: number | null;
  column: number | null;
  /** JSON pointer into a policy, when the related place is in a policy. */
  pointer?: string;
  message: string;
}

export interface Finding {
  rule: string;
  severity: Severity;
  message: string;
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  job: string | null;
  role: string | null;
  /** Stable across re-scans: rule + file + route + role (not line numbers). */
  fingerprint: string;
  related: RelatedLocation[];
  fix: string | null;
  /**
   * For a will-fail finding: the `if:` rolecall could not decide for the runs it is about. They
   * happen only if it holds, so the finding says "if this job runs" and is not a certain high denial.
   */
  conditional?: string;
  /** A trust policy that admits exactly what the workflows need (sub-not-trusted, trust-wider-than-needed). */
  suggestedPolicy?: SuggestedPolicy;
}

export interface SuggestedPolicy {
  /** The whole suggested document (JSON). */
  json: string;
  /** The same document as a Terraform `aws_iam_policy_document`. */
  terraform: string;
  /** A unified diff against the role's current policy (both pretty-printed); null when there is none. */
  diff?: string | null;
  /** False when the suggestion is a new document rather than an edit of the current policy. */
  minimal?: boolean;
  /** What the edit does and what it deliberately does not do, one sentence each. */
  notes?: string[];
}

export interface IncompleteItem {
  /** What could not be read: a file, a role ARN, an expression. */
  subject: string;
  reason: string;
  rule: string;
}
