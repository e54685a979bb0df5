import type { Span } from "./node.js";

/** What kind of problem a {@link WorkflowDiagnostic} reports. */
export type WorkflowDiagnosticCode =
  /** The file is not valid YAML (or holds more than one document). */
  | "yaml-syntax"
  /** A mapping repeats a key; GitHub rejects the workflow. The first occurrence is modelled. */
  | "duplicate-key"
  /** YAML aliases expand past the budget (alias bomb) or refer to themselves; expansion stopped. */
  | "alias-limit"
  /** The file is larger than the configured limit; it was not parsed. */
  | "too-large"
  /** The file is not valid UTF-8; it was not parsed. */
  | "not-utf8"
  /** A value has the wrong shape for its place (e.g. `jobs` is a list); that part is skipped. */
  | "invalid-shape"
  /** A `<<` merge key: applied for analysis, but GitHub Actions does not support merge keys. */
  | "unsupported-merge-key"
  /** A `${{ }}` expression cannot be parsed. */
  | "invalid-expression"
  /** rolecall itself failed on this file (a bug); the rest of the scan goes on. */
  | "internal-error";

/** A located problem in a workflow or action file. */
export interface WorkflowDiagnostic {
  code: WorkflowDiagnosticCode;
  /**
   * `error`: GitHub would reject the file, or rolecall could not model part of it;
   * `warning`: accepted by the YAML parser but likely not what the author meant.
   */
  severity: "error" | "warning";
  /** What is wrong and what to do, in one or two sentences. */
  message: string;
  /** The file the diagnostic is about, as given to the parser. */
  file: string;
  span: Span;
  /** Route of the value concerned, when there is one (e.g. `jobs.deploy.steps[0]`). */
  route?: string;
}

/** A diagnostic for an unexpected failure of rolecall itself (a bug), so the scan goes on. */
export function internalError(file: string, error: unknown): WorkflowDiagnostic {
  const at = { line: 1, column: 1, offset: 0 };
  return {
    code: "internal-error",
    severity: "error",
    message: `rolecall could not analyse this file (${error instanceof Error ? error.message : String(error)}); please report it.`,
    file,
    span: { start: at, end: at },
  };
}

/**
 * Sorts diagnostics by position, then code, and drops repeats of the same problem at the same
 * place (a value reached through several YAML aliases is checked once per use).
 */
export function sortDiagnostics(diagnostics: WorkflowDiagnostic[]): WorkflowDiagnostic[] {
  const seen = new Set<string>();
  return diagnostics
    .filter((d) => {
      const key = `${d.code}\u0000${d.span.start.offset}\u0000${d.span.end.offset}\u0000${d.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => a.span.start.offset - b.span.start.offset || a.code.localeCompare(b.code));
}
