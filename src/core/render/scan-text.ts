import type {
  Assumption,
  ContextDecision,
  Finding,
  RelatedLocation,
  RepositoryInfo,
  RunContextResult,
  ScanResult,
} from "../engine/scan-types.js";
import { SEVERITIES, type Severity } from "../rules/rule.js";
import { LineIndex } from "../span.js";
import { renderScanJson } from "./scan-json.js";
import type { Style } from "./style.js";

/** Options of {@link renderScanText}. */
export interface ScanTextOptions {
  /** Colours: `colorStyle` on a terminal, `plainStyle` otherwise. */
  style: Style;
  /** The text of a repository file, or null when it is not at hand (then no excerpt is shown). */
  source(file: string): string | null;
  /** Findings only, one line each, then the summary (for CI logs); default false. */
  summary?: boolean;
}

/** C0 and C1 controls, DEL, and the invisible direction marks, overrides and separators. */
const CONTROL_CLASS = String.raw`\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069`;
const CONTROL = new RegExp(`[${CONTROL_CLASS}\\n]`, "g");
const CONTROL_KEEP_NEWLINE = new RegExp(`[${CONTROL_CLASS}]`, "g");

const escapeChar = (c: string): string => {
  const code = c.charCodeAt(0);
  if (c === "\n") return "\\n";
  if (c === "\r") return "\\r";
  return code < 0x100
    ? `\\x${code.toString(16).padStart(2, "0")}`
    : `\\u${code.toString(16).padStart(4, "0")}`;
};

/**
 * Text from a repository or a policy made safe for a terminal or CI log: control characters (C0 and
 * C1, DEL, ESC), line and paragraph separators and bidirectional overrides are written as visible
 * escapes (`\x1b`, `\n`, `\u202e`), so no input can move the cursor, recolour, retitle the terminal or
 * forge a line of the report. Tabs are kept. Linear.
 */
export function safeText(s: string): string {
  return s.replace(CONTROL, escapeChar);
}

/** Runs of more than this many non-space characters in prose are cut (a 1 MB Sid in a message). */
export const MAX_RUN = 200;

/**
 * Prose (a message, a reason) made safe and bounded: {@link safeText}, with every run of more than
 * {@link MAX_RUN} non-space characters cut to its start and its length. Linear.
 */
export function safeProse(s: string): string {
  return safeText(
    s.length <= MAX_RUN
      ? s
      : s.replace(/\S{201,}/g, (run) => `${run.slice(0, MAX_RUN)}… (${run.length} characters)`),
  );
}

/** {@link safeText} keeping line breaks, for text that is several lines by design (fixes). */
export function safeLines(s: string): string[] {
  const cut =
    s.length <= MAX_RUN
      ? s
      : s.replace(/\S{201,}/g, (run) => `${run.slice(0, MAX_RUN)}… (${run.length} characters)`);
  return cut.replace(CONTROL_KEEP_NEWLINE, escapeChar).split("\n");
}

/**
 * Markdown prose (a fix, a message) as terminal lines: fenced code blocks lose their fences and are
 * indented instead, so no ``` reaches the terminal; every line is {@link safeLines}-escaped.
 */
export function proseLines(text: string): string[] {
  const out: string[] = [];
  let inFence = false;
  for (const line of safeLines(text)) {
    if (/^\s*(```|~~~)/.test(line)) {
      inFence = !inFence;
      continue;
    }
    out.push(inFence ? `    ${line}` : line);
  }
  while (out.length > 0 && out[out.length - 1]!.trim() === "") out.pop();
  return out;
}

/** Characters of a source line shown around a finding's column (longer lines are cut with "…"). */
export const EXCERPT_WIDTH = 160;

const DECISIONS: readonly ContextDecision[] = [
  "allow",
  "deny",
  "indeterminate",
  "no-token",
  "not-oidc",
  "unknown-role",
];

function paintDecision(d: ContextDecision, text: string, st: Style): string {
  switch (d) {
    case "allow":
      return st.green(text);
    case "deny":
    case "no-token":
      return st.red(st.bold(text));
    case "indeterminate":
    case "not-oidc":
    case "unknown-role":
      return st.yellow(text);
  }
}

function paintSeverity(s: Severity, text: string, st: Style): string {
  switch (s) {
    case "critical":
    case "high":
      return st.red(st.bold(text));
    case "medium":
      return st.yellow(text);
    case "low":
      return st.cyan(text);
    case "info":
      return st.dim(text);
  }
}

/** `a | b (docs disagree)` for the candidates of an uncertain subject. */
export function subText(sub: string | string[]): string {
  if (!Array.isArray(sub)) return sub;
  if (sub.length === 1) return sub[0]!;
  return `${sub.join(" | ")} (docs disagree)`;
}

/** The shape of the subjects this repository mints, e.g. `repo:o/r:<context>`. */
function subjectFormat(repo: RepositoryInfo): string {
  const prefix = repo.subPrefix ?? `repo:${repo.fullName ?? "<owner>/<repo>"}`;
  const naming =
    repo.subPrefix !== null ? "immutable owner and repository ids" : "owner and repository names";
  if (repo.subTemplate === null) return `${prefix}:<context>  (default format, ${naming})`;
  const parts = repo.subTemplate.map((k) =>
    k === "repo" ? prefix : k === "context" ? "<context>" : `${k}:<${k}>`,
  );
  return `${parts.join(":")}  (custom template: ${repo.subTemplate.join(", ")}; ${naming})`;
}

function table(
  header: string[],
  rows: string[][],
  paint: (row: number, col: number, cell: string) => string,
) {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: string[], painter: (c: number, s: string) => string) =>
    cells
      .map((cell, c) => painter(c, c === cells.length - 1 ? cell : cell.padEnd(widths[c]!)))
      .join("  ")
      .trimEnd();
  return { header: line(header, (_c, s) => s), rows: rows.map((r, i) => line(r, (c, s) => paint(i, c, s))) };
}

function renderAssumption(a: Assumption, st: Style, out: string[]): void {
  const role = a.role !== null ? st.bold(safeText(a.role)) : st.yellow("a role rolecall could not resolve");
  out.push(`  job ${st.bold(safeText(a.job))} assumes ${role}  ${st.dim(`(line ${a.line}:${a.column})`)}`);
  if (a.contexts.length === 0) {
    out.push(`    ${st.dim("no run context reaches this job")}`);
    return;
  }
  const withCaller = a.contexts.some((c) => c.caller !== undefined);
  const header = [
    "event",
    "ref",
    "environment",
    "fork",
    "sub",
    "decision",
    ...(withCaller ? ["caller"] : []),
  ];
  const cells = (c: RunContextResult) => [
    safeText(c.event),
    safeText(c.ref ?? "-"),
    safeText(c.environment ?? "-"),
    c.fork ? "yes" : "no",
    safeText(subText(c.sub)),
    c.decision,
    ...(withCaller ? [safeText(c.caller ?? "-")] : []),
  ];
  const decisionCol = 5;
  const t = table(header, a.contexts.map(cells), (row, col, s) =>
    col === decisionCol ? paintDecision(a.contexts[row]!.decision, s, st) : s,
  );
  out.push(`    ${st.dim(t.header)}`);
  a.contexts.forEach((c, i) => {
    out.push(`    ${t.rows[i]}`);
    if (c.decision !== "allow" && c.reason !== "")
      out.push(`      ↳ ${paintDecision(c.decision, c.decision, st)}: ${safeProse(c.reason)}`);
  });
}

/**
 * The source line with a caret run under the finding's columns. A long line is cut to a window of
 * {@link EXCERPT_WIDTH} characters around the columns, so the output stays linear in the input.
 */
function excerpt(f: Finding, lines: LineIndex, st: Style): string[] {
  const src = lines.lineText(f.line);
  if (f.line < 1 || (src === "" && f.line > 1 && lines.position(lines.text.length).line < f.line)) return [];
  const start = Math.max(1, f.column);
  if (start > src.length + 1) return [];
  const end =
    f.endLine === f.line && f.endColumn > start ? Math.min(f.endColumn, src.length + 1) : src.length + 1;
  let from = 0;
  let to = src.length;
  if (src.length > EXCERPT_WIDTH) {
    from = Math.max(0, Math.min(start - 1 - 40, src.length - EXCERPT_WIDTH));
    to = Math.min(src.length, from + EXCERPT_WIDTH);
  }
  const before = safeText(src.slice(from, start - 1));
  const marked = safeText(src.slice(start - 1, Math.max(start - 1, Math.min(end - 1, to))));
  const after = safeText(src.slice(Math.max(start - 1, Math.min(end - 1, to)), to));
  const open = from > 0 ? "…" : "";
  const close = to < src.length ? "…" : "";
  // Keep tabs so the caret lines up however the terminal expands them.
  const lead = `${open}${before}`.replace(/[^\t]/g, " ");
  const width = Math.max(1, marked.length);
  const gutter = String(f.line);
  return [
    `      ${st.dim(`${gutter} |`)} ${open}${before}${marked}${after}${close}`,
    `      ${st.dim(`${" ".repeat(gutter.length)} |`)} ${lead}${paintSeverity(f.severity, "^".repeat(width), st)}`,
  ];
}

function relatedText(r: RelatedLocation): string {
  let where = safeText(r.file);
  if (r.line !== null) where += `:${r.line}${r.column !== null ? `:${r.column}` : ""}`;
  if (r.pointer !== undefined && r.pointer !== "") where += ` (${safeText(r.pointer)})`;
  return r.message !== "" ? `${where}: ${safeProse(r.message)}` : where;
}

/** A suggested policy as indented, pretty JSON (as given when it is not valid JSON). */
function policyLines(json: string): string[] {
  let pretty = json;
  try {
    pretty = JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    // shown as given
  }
  return safeLines(pretty).map((l) => `        ${l}`);
}

function renderFinding(
  f: Finding,
  opts: ScanTextOptions,
  out: string[],
  shownPolicies: Set<string>,
  lines: (file: string) => LineIndex | null,
): void {
  const st = opts.style;
  out.push(
    `    ${paintSeverity(f.severity, f.severity, st)} ${st.cyan(f.rule)} ${st.bold(`${safeText(f.file)}:${f.line}:${f.column}`)}`,
  );
  out.push(`      ${safeProse(f.message)}`);
  const index = lines(f.file);
  if (index !== null) out.push(...excerpt(f, index, st));
  for (const r of f.related) out.push(`      related: ${relatedText(r)}`);
  if (f.fix !== null) {
    const [first = "", ...rest] = proseLines(f.fix);
    out.push(`      ${st.green("fix:")} ${first}`);
    for (const l of rest) out.push(l === "" ? "" : `        ${l}`);
  }
  if (f.suggestedPolicy !== undefined) {
    // The same suggestion for a role is printed once; later findings point back at it.
    const key = `${f.role ?? ""}\n${f.suggestedPolicy.json}`;
    if (shownPolicies.has(key)) {
      out.push(`      suggested trust policy for ${safeText(f.role ?? "this role")}: as above`);
    } else {
      shownPolicies.add(key);
      const sp = f.suggestedPolicy;
      for (const n of sp.notes ?? []) out.push(`      ${st.dim("note:")} ${safeText(n)}`);
      if (sp.diff) {
        out.push(`      suggested change to the current trust policy:`);
        out.push(...sp.diff.split("\n").map((l) => `        ${safeText(l)}`));
      }
      out.push(`      suggested trust policy ${st.dim("(Terraform form in --format json)")}:`);
      out.push(...policyLines(sp.json));
    }
  }
}

/** Code-unit order: the same on every machine and locale. */
const compareText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

interface JobGroup {
  job: string | null;
  firstLine: number;
  assumptions: Assumption[];
  findings: Finding[];
}

function groupByFileAndJob(doc: ScanResult): Map<string, JobGroup[]> {
  const files = new Map<string, Map<string | null, JobGroup>>();
  const group = (file: string, job: string | null, line: number) => {
    let jobs = files.get(file);
    if (!jobs) {
      jobs = new Map();
      files.set(file, jobs);
    }
    let g = jobs.get(job);
    if (!g) {
      g = { job, firstLine: line, assumptions: [], findings: [] };
      jobs.set(job, g);
    }
    g.firstLine = Math.min(g.firstLine, line);
    return g;
  };
  for (const a of doc.assumptions) group(a.file, a.job, a.line).assumptions.push(a);
  for (const f of doc.findings) group(f.file, f.job, f.line).findings.push(f);
  const sorted = new Map<string, JobGroup[]>();
  for (const file of [...files.keys()].sort(compareText)) {
    const groups = [...files.get(file)!.values()].sort(
      (a, b) => a.firstLine - b.firstLine || compareText(a.job ?? "", b.job ?? ""),
    );
    sorted.set(file, groups);
  }
  return sorted;
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * The scan report for people: the repository and its subject format, then per workflow file and
 * job the run contexts (event, ref, environment, fork, the exact `sub`, the decision and, when not
 * allowed, why), then the findings with the source line, related policy locations, the fix and any
 * suggested trust policy; a summary at the end. Colour only through `opts.style`; deterministic.
 */
export function renderScanText(result: ScanResult, opts: ScanTextOptions): string {
  const st = opts.style;
  const doc = renderScanJson(result);
  const repo = doc.repository;
  const out: string[] = [];

  const indexes = new Map<string, LineIndex | null>();
  const lines = (file: string) => {
    let index = indexes.get(file);
    if (index === undefined) {
      const text = opts.source(file);
      index = text === null ? null : new LineIndex(text);
      indexes.set(file, index);
    }
    return index;
  };
  if (opts.summary) return summaryText(doc, st);

  out.push(`${st.bold("rolecall scan")}: ${safeText(repo.fullName ?? "(repository unknown)")}`);
  out.push(`  default branch  ${safeText(repo.defaultBranch)}`);
  out.push(`  subject format  ${safeText(subjectFormat(repo))}`);
  out.push(`  issuer          ${safeText(repo.issuer)}`);
  out.push("");

  const groups = groupByFileAndJob(doc);
  const shownPolicies = new Set<string>();
  if (doc.assumptions.length === 0) {
    out.push("No job assumes an AWS role through OIDC.");
    out.push("");
  }
  for (const [file, jobs] of groups) {
    out.push(st.bold(safeText(file)));
    for (const g of jobs) {
      for (const a of g.assumptions) renderAssumption(a, st, out);
      if (g.assumptions.length === 0) {
        out.push(g.job !== null ? `  job ${st.bold(safeText(g.job))}` : `  ${st.dim("not tied to a job")}`);
      }
      g.findings.forEach((f, i) => {
        if (i > 0 || g.assumptions.length > 0) out.push("");
        renderFinding(f, opts, out, shownPolicies, lines);
      });
      out.push("");
    }
  }

  out.push(...summaryLines(doc, st));
  return `${out.join("\n")}\n`;
}

/** The closing lines: decisions per run context, findings per severity, completeness and what is missing. */
function summaryLines(doc: ScanResult, st: Style): string[] {
  const out: string[] = [];
  const contexts = doc.assumptions.flatMap((a) => a.contexts);
  if (contexts.length > 0) {
    const byDecision = DECISIONS.map(
      (d) => [d, contexts.filter((c) => c.decision === d && !c.guard).length] as const,
    )
      .filter(([, n]) => n > 0)
      .map(([d, n]) => `${n} ${paintDecision(d, d, st)}`);
    const guarded = contexts.filter((c) => c.guard).length;
    if (guarded > 0) byDecision.push(`${guarded} guarded by the trust policy`);
    out.push(
      `${plural(doc.assumptions.length, "role assumption")}, ${plural(contexts.length, "run context")}: ${byDecision.join(", ")}`,
    );
  }
  const counts = SEVERITIES.map((s) => {
    const n = doc.findings.filter((f) => f.severity === s).length;
    return n > 0 ? paintSeverity(s, `${n} ${s}`, st) : `${n} ${s}`;
  });
  const state = doc.complete
    ? st.green("complete")
    : st.yellow(st.bold(`INCOMPLETE (${plural(doc.incomplete.length, "item")} could not be read)`));
  out.push(`Summary: ${counts.join(", ")} · ${state}`);
  for (const item of doc.incomplete) {
    out.push(`  - ${safeProse(item.subject)}: ${safeProse(item.reason)} ${st.dim(`[${item.rule}]`)}`);
  }
  return out;
}

/**
 * `--summary`: one line per finding (severity, rule, file:line:column, message), most severe
 * first, then the summary lines. No tables, excerpts or suggested policies: for CI logs.
 */
function summaryText(doc: ScanResult, st: Style): string {
  const out: string[] = [];
  const order = (s: Severity) => SEVERITIES.indexOf(s);
  const findings = doc.findings
    .map((f, i) => ({ f, i }))
    .sort((a, b) => order(a.f.severity) - order(b.f.severity) || a.i - b.i)
    .map(({ f }) => f);
  for (const f of findings)
    out.push(
      `${paintSeverity(f.severity, f.severity, st)} ${st.cyan(f.rule)} ${st.bold(`${safeText(f.file)}:${f.line}:${f.column}`)} ${safeProse(f.message)}`,
    );
  if (findings.length > 0) out.push("");
  out.push(...summaryLines(doc, st));
  return `${out.join("\n")}\n`;
}
