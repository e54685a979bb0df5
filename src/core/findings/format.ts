import type { Finding, PolicyFinding } from "./finding.js";

/**
 * The canonical one-line form of a finding, `line:column rule severity message`: the golden format
 * of every rule fixture (policy rules and workflow rules alike).
 */
export function formatFindingLine(f: Finding | PolicyFinding): string {
  const { line, column } = "location" in f ? f.location.span.start : f;
  return `${line}:${column} ${f.rule} ${f.severity} ${f.message}`;
}
