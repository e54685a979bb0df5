import type { Span } from "../span.js";
import type { Severity } from "./severity.js";

/** A place related to a finding: a workflow line, or a value in a trust policy. */
export interface RelatedLocation {
  /** A workflow path, or a policy file / role ARN. */
  file: string;
  line: number | null;
  column: number | null;
  /** JSON pointer into a policy, when the related place is in a policy. */
  pointer?: string;
  message: string;
}

/** A finding, as every output reads it (the JSON v1 `findings[]` item). */
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
  /** The role's current trust policy minimally edited to admit what the workflows need. */
  suggestedPolicy?: SuggestedPolicy;
  /**
   * The typed cause, for grouping (never output): findings of one rule and role with the same cause
   * key are one finding that lists every occurrence (runs, steps, tag filters). Set by the rule.
   */
  cause?: FindingCause;
}

/** What a finding is caused by, and what this occurrence adds to the list. */
export interface FindingCause {
  /** Same rule, role and key: same cause. Built from typed facts (a job, a subject, a statement), never from messages. */
  key: string;
  /** This occurrence, as listed in the grouped finding: "push to refs/tags/v1* (`repo:o/r:ref:refs/tags/v1*`)". */
  occurrence: string;
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

/** Something the scan could not check: the scan is incomplete while there is one. */
export interface IncompleteItem {
  /** What could not be read: a file, a role ARN, an expression. */
  subject: string;
  reason: string;
  rule: string;
}

/** A place in a trust policy. */
export interface PolicyLocation {
  pointer: string;
  span: Span;
}

/** A finding about a trust policy alone. */
export interface PolicyFinding {
  rule: string;
  severity: Severity;
  message: string;
  location: PolicyLocation;
  fix: string;
}

/** A located problem in a configuration file (`.github/rolecall.yml`, `--role-map`, `--roles`). */
export interface ConfigProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}
