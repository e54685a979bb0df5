import type { Finding } from "../engine/scan-types.js";
import type { RuleMeta, Severity } from "../rules/rule.js";
import { relatedText } from "./finding-parts.js";
import { clipBytes } from "./markdown.js";

/** The Checks API cap on an annotation's `message` and `raw_details` (64 KB). */
export const ANNOTATION_TEXT_LIMIT = 65_535;
/** The Checks API cap on an annotation's `title`. */
export const ANNOTATION_TITLE_LIMIT = 255;

/** One annotation, in the shape of the Checks API `output.annotations[]`. */
export interface CheckAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  /** Only when `start_line === end_line` (the API refuses columns across lines). */
  start_column?: number;
  end_column?: number;
  annotation_level: "notice" | "warning" | "failure";
  title: string;
  message: string;
  raw_details?: string;
}

function annotationLevel(s: Severity): CheckAnnotation["annotation_level"] {
  return s === "critical" || s === "high" ? "failure" : s === "medium" ? "warning" : "notice";
}

/** The annotation of a finding on a repository file: its level, `rule-id: title`, the message and fix. */
export function annotation(f: Finding, rules: readonly RuleMeta[]): CheckAnnotation {
  const start = Math.max(1, Math.trunc(f.line));
  const end = Math.max(start, Math.trunc(f.endLine));
  const meta = rules.find((r) => r.id === f.rule);
  const a: CheckAnnotation = {
    path: f.file,
    start_line: start,
    end_line: end,
    annotation_level: annotationLevel(f.severity),
    title: clipBytes(meta ? `${f.rule}: ${meta.title}` : f.rule, ANNOTATION_TITLE_LIMIT),
    message: clipBytes(
      f.fix !== null && f.fix !== "" ? `${f.message}\n\nFix: ${f.fix}` : f.message,
      ANNOTATION_TEXT_LIMIT,
    ),
  };
  if (start === end && f.column >= 1) {
    a.start_column = Math.trunc(f.column);
    // Our end column is exclusive; GitHub's is the last column marked.
    a.end_column = Math.max(a.start_column, Math.trunc(f.endColumn) - 1);
  }
  if (f.related.length > 0) {
    a.raw_details = clipBytes(f.related.map(relatedText).join("\n"), ANNOTATION_TEXT_LIMIT);
  }
  return a;
}
