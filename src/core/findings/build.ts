import type { Span } from "../span.js";
import type { Finding, RelatedLocation } from "./finding.js";
import { findingFingerprint } from "./fingerprint.js";
import type { RuleMeta } from "./rule-meta.js";

/** A primary location in the repository: a file, a span and the YAML route (for the fingerprint). */
export interface At {
  file: string;
  span: Span;
  route: string;
}

/** Builds a finding at a workflow location (a model node or a span with a route). */
export function workflowFinding(
  meta: Pick<RuleMeta, "id" | "severity" | "fix">,
  at: At,
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

/** The location of a model node (anything with a span and a route) in `file`. */
export function nodeAt(file: string, node: { span: Span; route: string }): At {
  return { file, span: node.span, route: node.route };
}
