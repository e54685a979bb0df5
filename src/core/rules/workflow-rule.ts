import { findingFingerprint } from "../engine/fingerprint.js";
import type { Finding, RelatedLocation } from "../engine/scan-types.js";
import type { RoleFacts } from "../iam/policy-model.js";
import type { Node, Span } from "../workflow/index.js";
import type { Workflow } from "../workflow/workflow.js";
import type { RuleMeta } from "./rule.js";

/** What a workflow rule sees: one parsed workflow, and what is known of the roles it names. */
export interface WorkflowRuleInput {
  /** Repository-relative path of the workflow. */
  file: string;
  workflow: Workflow;
  /** Facts of a role by ARN (MaxSessionDuration), when the role was read; null otherwise. */
  roleFacts(arn: string): RoleFacts | null;
}

/** A rule that needs only one workflow (and role facts). */
export interface WorkflowRule {
  meta: RuleMeta;
  checkWorkflow(input: WorkflowRuleInput): Finding[];
}

/** Builds a finding at a workflow location (a model node or a span with a route). */
export function workflowFinding(
  meta: RuleMeta,
  at: { file: string; span: Span; route: string },
  details: {
    message: string;
    job?: string | null;
    role?: string | null;
    fix?: string | null;
    related?: RelatedLocation[];
    discriminator?: string;
  },
): Finding {
  return {
    rule: meta.id,
    severity: meta.severity,
    message: details.message,
    file: at.file,
    line: at.span.start.line,
    column: at.span.start.column,
    endLine: at.span.end.line,
    endColumn: at.span.end.column,
    job: details.job ?? null,
    role: details.role ?? null,
    fingerprint: findingFingerprint({
      rule: meta.id,
      file: at.file,
      route: at.route,
      role: details.role,
      discriminator: details.discriminator,
    }),
    related: details.related ?? [],
    fix: details.fix === undefined ? meta.fix : details.fix,
  };
}

/** The location of a model node in `file`. */
export function nodeAt(
  file: string,
  node: Node<unknown> | { span: Span; route: string },
): { file: string; span: Span; route: string } {
  return { file, span: node.span, route: node.route };
}
