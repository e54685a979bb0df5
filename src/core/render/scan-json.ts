import type {
  Assumption,
  Finding,
  RelatedLocation,
  RunContextResult,
  ScanResult,
} from "../engine/scan-types.js";

import { compareFindings, compareIncomplete, compareText } from "../findings/compare.js";

export { compareFindings };

function compareAssumptions(a: Assumption, b: Assumption): number {
  return (
    compareText(a.file, b.file) ||
    a.line - b.line ||
    a.column - b.column ||
    compareText(a.job, b.job) ||
    compareText(a.role ?? "", b.role ?? "")
  );
}

function contextJson(c: RunContextResult): RunContextResult {
  // A single candidate is a plain string: an array always means the sources disagree.
  const sub =
    Array.isArray(c.sub) && c.sub.length === 1 ? c.sub[0]! : Array.isArray(c.sub) ? [...c.sub] : c.sub;
  return {
    event: c.event,
    ref: c.ref,
    environment: c.environment,
    fork: c.fork,
    sub,
    decision: c.decision,
    reason: c.reason,
    ...(c.caller !== undefined ? { caller: c.caller } : {}),
    ...(c.guard ? { guard: true } : {}),
    ...(c.conditional !== undefined ? { conditional: c.conditional } : {}),
  };
}

function relatedJson(r: RelatedLocation): RelatedLocation {
  return {
    file: r.file,
    line: r.line,
    column: r.column,
    ...(r.pointer !== undefined ? { pointer: r.pointer } : {}),
    message: r.message,
  };
}

function findingJson(f: Finding): Finding {
  return {
    rule: f.rule,
    severity: f.severity,
    message: f.message,
    file: f.file,
    line: f.line,
    column: f.column,
    endLine: f.endLine,
    endColumn: f.endColumn,
    job: f.job,
    role: f.role,
    fingerprint: f.fingerprint,
    related: f.related.map(relatedJson),
    fix: f.fix,
    ...(f.conditional !== undefined ? { conditional: f.conditional } : {}),
    ...(f.suggestedPolicy !== undefined
      ? {
          suggestedPolicy: {
            json: f.suggestedPolicy.json,
            terraform: f.suggestedPolicy.terraform,
            ...(f.suggestedPolicy.diff != null ? { diff: f.suggestedPolicy.diff } : {}),
            ...(f.suggestedPolicy.minimal !== undefined ? { minimal: f.suggestedPolicy.minimal } : {}),
            ...(f.suggestedPolicy.notes?.length ? { notes: f.suggestedPolicy.notes } : {}),
          },
        }
      : {}),
  };
}

/**
 * The `rolecall scan --format json` document (v1, `schemas/scan-result.v1.schema.json`): a copy of
 * the result with a fixed key order, findings sorted by file, line, column and rule, assumptions by
 * file and line, incomplete items by subject; optional keys are omitted rather than `null`. Pure:
 * serialise with `JSON.stringify(doc, null, 2)`.
 */
export function renderScanJson(result: ScanResult): ScanResult {
  return {
    version: 1,
    complete: result.complete,
    repository: {
      fullName: result.repository.fullName,
      defaultBranch: result.repository.defaultBranch,
      subPrefix: result.repository.subPrefix,
      subTemplate: result.repository.subTemplate === null ? null : [...result.repository.subTemplate],
      issuer: result.repository.issuer,
    },
    assumptions: [...result.assumptions].sort(compareAssumptions).map((a) => ({
      file: a.file,
      job: a.job,
      role: a.role,
      line: a.line,
      column: a.column,
      contexts: a.contexts.map(contextJson),
    })),
    findings: [...result.findings].sort(compareFindings).map(findingJson),
    incomplete: [...result.incomplete]
      .sort(compareIncomplete)
      .map((i) => ({ subject: i.subject, reason: i.reason, rule: i.rule })),
    ...(result.skipped?.length
      ? { skipped: result.skipped.map((s) => ({ rule: s.rule, reason: s.reason })) }
      : {}),
  };
}
