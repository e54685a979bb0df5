import type { Finding, IncompleteItem } from "../findings/finding.js";

export type {
  Finding,
  IncompleteItem,
  RelatedLocation,
  SuggestedPolicy,
} from "../findings/finding.js";

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
  /** Rules that did not run, and why (the facts they need were not given). */
  skipped?: SkippedRule[];
}

/** A rule the scan did not run: the facts it needs were not given (e.g. the CLI has no GitHub API). */
export interface SkippedRule {
  rule: string;
  reason: string;
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
