import type { Assumption, ContextDecision, Finding, RunContextResult } from "../engine/scan-types.js";
import { atLeast, compareSeverity, type RuleMeta, type Severity } from "../rules/rule.js";
import { findingLocation, isRepositoryPath, roleName, ruleLink, severityIcon } from "./finding-parts.js";
import { clipInline, code, plural } from "./markdown.js";

/**
 * The check run's "Verdict per job": one short block per job and role (and, for a job inside a
 * reusable workflow, per caller) saying what breaks, where, why and the fix, in prose that wraps
 * at any width (no table), worst job first.
 */

export const DECISION_LABEL: Readonly<Record<ContextDecision, string>> = {
  allow: "✅ allow",
  deny: "❌ deny",
  indeterminate: "⚠️ indeterminate",
  "no-token": "⛔ no token",
  "not-oidc": "➖ not OIDC",
  "unknown-role": "❔ role unknown",
};

export const DECISIONS = Object.keys(DECISION_LABEL) as ContextDecision[];

/** A job × role as it runs: one assumption, or its runs started by one caller of a reusable workflow. */
export interface JobUnit {
  assumption: Assumption;
  caller: string | undefined;
  contexts: RunContextResult[];
  /** The findings about this job (and role), most severe first. */
  findings: Finding[];
}

/** The assumptions split by caller, in scan order, with the findings that concern each. */
export function jobUnits(assumptions: readonly Assumption[], findings: readonly Finding[]): JobUnit[] {
  const units: JobUnit[] = [];
  for (const a of assumptions) {
    const callers = [...new Set(a.contexts.map((c) => c.caller))];
    if (callers.length === 0) callers.push(undefined);
    for (const caller of callers) {
      const mine = findings
        .filter((f) => concerns(f, a, caller))
        .sort((x, y) => compareSeverity(x.severity, y.severity));
      units.push({
        assumption: a,
        caller,
        contexts: a.contexts.filter((c) => c.caller === caller),
        findings: mine,
      });
    }
  }
  return units;
}

/** A finding concerns a job when it is on the job (or on the caller's job), or on its role from the job. */
function concerns(f: Finding, a: Assumption, caller: string | undefined): boolean {
  if (f.job === null) return false;
  if (f.file === a.file && f.job === a.job) return true;
  if (caller !== undefined && `${f.file}#${f.job}` === caller) return true;
  return f.role !== null && f.role === a.role && f.job === a.job && !isRepositoryPath(f.file);
}

/** The job as a reader knows it: `` **`apply`** via `infra.yml#apply-dev` → `payments-terraform` ``. */
export function unitTitle(u: JobUnit, roleLabel: (role: string | null) => string): string {
  const via = u.caller !== undefined ? ` via ${code(shortPath(u.caller))}` : "";
  return `**${code(u.assumption.job)}**${via} → ${roleLabel(u.assumption.role)}`;
}

/** Role names alone, unless two roles of one name live in different accounts. */
export function roleLabeller(assumptions: readonly Assumption[]): (role: string | null) => string {
  const byName = new Map<string, Set<string>>();
  for (const a of assumptions) {
    if (a.role === null) continue;
    const name = roleName(a.role);
    byName.set(name, (byName.get(name) ?? new Set()).add(a.role));
  }
  return (role) => {
    if (role === null) return "_role unresolved_";
    const name = roleName(role);
    return code((byName.get(name)?.size ?? 1) > 1 ? role : name);
  };
}

/** A run in words: `` `push` on `refs/heads/main`, environment `production` ``, `from a fork`. */
export function runWords(c: RunContextResult): string {
  const ref = c.ref !== null ? ` on ${code(c.ref)}` : "";
  const env = c.environment !== null ? `, environment ${code(c.environment)}` : "";
  return `${code(c.event)}${ref}${env}${c.fork ? " from a fork" : ""}`;
}

const DECISION_WORDS: Readonly<Record<ContextDecision, string>> = {
  allow: "allowed",
  deny: "denied",
  indeterminate: "indeterminate",
  "no-token": "no token",
  "not-oidc": "not OIDC",
  "unknown-role": "role unknown",
};

/** Order of concern: what breaks first, then what could not be decided. */
const CONCERN: readonly ContextDecision[] = ["deny", "no-token", "unknown-role", "indeterminate", "not-oidc"];

type Mark = "❌" | "⚠️" | "➖" | "✅";
const MARK_ORDER: readonly Mark[] = ["❌", "⚠️", "➖", "✅"];

function mark(u: JobUnit, failOn: Severity): Mark {
  const has = (d: ContextDecision) => u.contexts.some((c) => c.decision === d);
  if (has("deny") || has("no-token") || u.findings.some((f) => atLeast(f.severity, failOn))) return "❌";
  if (has("indeterminate") || has("unknown-role")) return "⚠️";
  if (u.contexts.length === 0 || has("not-oidc")) return "➖";
  return "✅";
}

/** `denied in 1 of 2 runs`, `no token in 2 of 4 runs, indeterminate in 1`, `allowed in all 3 runs`. */
function outcome(u: JobUnit, failOn: Severity): string {
  const n = u.contexts.length;
  if (n === 0) return "no run context reaches this job";
  const parts: string[] = [];
  for (const d of CONCERN) {
    const k = u.contexts.filter((c) => c.decision === d).length;
    if (k === 0) continue;
    const word = DECISION_WORDS[d];
    if (parts.length > 0) parts.push(`${word} in ${k}`);
    else parts.push(k === n ? (n === 1 ? word : `${word} in all ${n} runs`) : `${word} in ${k} of ${n} runs`);
  }
  if (parts.length === 0) parts.push(n === 1 ? "allowed" : `allowed in all ${n} runs`);
  const failing = u.findings.filter((f) => atLeast(f.severity, failOn)).length;
  const below = u.findings.length - failing;
  const extra =
    failing > 0
      ? `; ${plural(failing, "finding")} at or above ${code(failOn)}`
      : below > 0
        ? `; ${plural(below, "finding")} below ${code(failOn)}`
        : "";
  return parts.join(", ") + extra;
}

/** Caps of the verdict block: it is the part everyone reads, so it stays short. */
const WHY_MAX = 300;
const FIX_MAX = 280;
const BROKEN_MAX = 3;
const FINDINGS_MAX = 2;

/**
 * Why runs break: the runs with one decision and reason, together. The reason is `c.reason`.
 * (Place for the advice data: when a context carries its real cause, or the condition under which
 * it breaks, say that here instead of, or before, the evaluator's reason.)
 */
function brokenLines(u: JobUnit): string[] {
  const groups = new Map<string, RunContextResult[]>();
  for (const d of CONCERN) {
    for (const c of u.contexts.filter((x) => x.decision === d)) {
      const key = `${c.decision}\u0000${c.reason}`;
      groups.set(key, [...(groups.get(key) ?? []), c]);
    }
  }
  const lines = [...groups.values()].slice(0, BROKEN_MAX).map((cs) => {
    const first = cs[0]!;
    const runs = cs.map(runWords).join("; ");
    const why = first.reason !== "" ? `: ${clipInline(first.reason, WHY_MAX)}` : "";
    return `${DECISION_LABEL[first.decision]} — ${runs}${why}`;
  });
  if (groups.size > BROKEN_MAX)
    lines.push(`… and ${groups.size - BROKEN_MAX} more; see the run contexts below`);
  return lines;
}

/** The first paragraph of a fix as one line, or null when it opens with a code block. */
function fixLine(fix: string | null): string | null {
  if (fix === null || fix.trim() === "") return null;
  const first = fix.trim().split(/\n\s*\n/)[0]!;
  if (/^(```|~~~)/.test(first)) return null;
  return clipInline(first, FIX_MAX);
}

function findingLines(u: JobUnit, rules: readonly RuleMeta[]): string[] {
  const lines = u.findings.slice(0, FINDINGS_MAX).map((f) => {
    const fix = fixLine(f.fix);
    const what = fix !== null ? `**Fix:** ${fix}` : `${clipInline(f.message, FIX_MAX)} (fix under Findings)`;
    return `${severityIcon(f.severity)} ${ruleLink(f.rule, rules)} at ${code(findingLocation(f))}: ${what}`;
  });
  if (u.findings.length > FINDINGS_MAX) {
    lines.push(`… and ${plural(u.findings.length - FINDINGS_MAX, "more finding")}; see Findings below`);
  }
  return lines;
}

/** A workflow path as a reader says it: without the `.github/workflows/` every workflow shares. */
function shortPath(file: string): string {
  return file.startsWith(".github/workflows/") ? file.slice(".github/workflows/".length) : file;
}

/** The verdict line of one job: mark, job (and caller) → role, and how its runs end. One short line. */
export function verdictLine(
  u: JobUnit,
  failOn: Severity,
  roleLabel: (role: string | null) => string,
): string {
  return `${mark(u, failOn)} ${unitTitle(u, roleLabel)}: ${outcome(u, failOn)}`;
}

/** Jobs worst first (what breaks, then what could not be decided, then the rest), else in scan order. */
export function rankJobs(units: readonly JobUnit[], failOn: Severity): JobUnit[] {
  return units
    .map((u, i) => ({ u, i, m: MARK_ORDER.indexOf(mark(u, failOn)) }))
    .sort((x, y) => x.m - y.m || x.i - y.i)
    .map(({ u }) => u);
}

/** True when a job has nothing to say beyond its verdict line: every run allowed, no finding. */
export function isQuiet(u: JobUnit, failOn: Severity): boolean {
  return mark(u, failOn) === "✅" && u.findings.length === 0;
}

/**
 * The detail of one job that is not quiet: where the role is named, then one line per way its runs
 * break (why) and per finding (where, and the fix).
 */
export function jobDetailBlock(
  u: JobUnit,
  failOn: Severity,
  rules: readonly RuleMeta[],
  roleLabel: (role: string | null) => string,
): string {
  const a = u.assumption;
  const where = code(a.line > 0 ? `${a.file}:${a.line}` : a.file);
  const items = [...brokenLines(u), ...findingLines(u, rules)].map((l) => `- ${l}`);
  const head = `${mark(u, failOn)} ${unitTitle(u, roleLabel)} · ${where}`;
  return items.length > 0 ? `${head}\n\n${items.join("\n")}\n` : `${head}\n`;
}
