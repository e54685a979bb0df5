import type { Finding, IncompleteItem } from "./finding.js";

/** Code-unit order: the same on every machine and locale (unlike `localeCompare`). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** The order of findings in every output: file, line, column, rule (then the rest, so ties are stable). */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    compareText(a.file, b.file) ||
    a.line - b.line ||
    a.column - b.column ||
    compareText(a.rule, b.rule) ||
    a.endLine - b.endLine ||
    a.endColumn - b.endColumn ||
    compareText(a.fingerprint, b.fingerprint) ||
    compareText(a.message, b.message)
  );
}

/** The order of incomplete items: subject, rule, reason. */
export function compareIncomplete(a: IncompleteItem, b: IncompleteItem): number {
  return compareText(a.subject, b.subject) || compareText(a.rule, b.rule) || compareText(a.reason, b.reason);
}
