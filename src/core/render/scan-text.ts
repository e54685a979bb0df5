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
import { renderScanJson } from "./scan-json.js";
import type { Style } from "./style.js";

/** Options of {@link renderScanText}. */
export interface ScanTextOptions {
  /** Colours: `colorStyle` on a terminal, `plainStyle` otherwise. */
  style: Style;
  /** The text of a repository file, or null when it is not at hand (then no excerpt is shown). */
  source(file: string): string | null;
}

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
  const role = a.role !== null ? st.bold(a.role) : st.yellow("a role rolecall could not resolve");
  out.push(`  job ${st.bold(a.job)} assumes ${role}  ${st.dim(`(line ${a.line}:${a.column})`)}`);
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
    c.event,
    c.ref ?? "-",
    c.environment ?? "-",
    c.fork ? "yes" : "no",
    subText(c.sub),
    c.decision,
    ...(withCaller ? [c.caller ?? "-"] : []),
  ];
  const decisionCol = 5;
  const t = table(header, a.contexts.map(cells), (row, col, s) =>
    col === decisionCol ? paintDecision(a.contexts[row]!.decision, s, st) : s,
  );
  out.push(`    ${st.dim(t.header)}`);
  a.contexts.forEach((c, i) => {
    out.push(`    ${t.rows[i]}`);
    if (c.decision !== "allow" && c.reason !== "")
      out.push(`      ↳ ${paintDecision(c.decision, c.decision, st)}: ${c.reason}`);
  });
}

/** The source line with a caret run under the finding's columns. */
function excerpt(f: Finding, text: string, st: Style): string[] {
  const lines = text.split("\n");
  const raw = lines[f.line - 1];
  if (raw === undefined) return [];
  const src = raw.replace(/\r$/, "");
  const start = Math.max(1, f.column);
  if (start > src.length + 1) return [];
  const end =
    f.endLine === f.line && f.endColumn > start ? Math.min(f.endColumn, src.length + 1) : src.length + 1;
  const width = Math.max(1, end - start);
  // Keep tabs so the caret lines up however the terminal expands them.
  const lead = src.slice(0, start - 1).replace(/[^\t]/g, " ");
  const gutter = String(f.line);
  return [
    `      ${st.dim(`${gutter} |`)} ${src}`,
    `      ${st.dim(`${" ".repeat(gutter.length)} |`)} ${lead}${paintSeverity(f.severity, "^".repeat(width), st)}`,
  ];
}

function relatedText(r: RelatedLocation): string {
  let where = r.file;
  if (r.line !== null) where += `:${r.line}${r.column !== null ? `:${r.column}` : ""}`;
  if (r.pointer !== undefined && r.pointer !== "") where += ` (${r.pointer})`;
  return r.message !== "" ? `${where}: ${r.message}` : where;
}

/** A suggested policy as indented, pretty JSON (as given when it is not valid JSON). */
function policyLines(json: string): string[] {
  let pretty = json;
  try {
    pretty = JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    // shown as given
  }
  return pretty.split("\n").map((l) => `        ${l}`);
}

function renderFinding(f: Finding, opts: ScanTextOptions, out: string[], shownPolicies: Set<string>): void {
  const st = opts.style;
  out.push(
    `    ${paintSeverity(f.severity, f.severity, st)} ${st.cyan(f.rule)} ${st.bold(`${f.file}:${f.line}:${f.column}`)}`,
  );
  out.push(`      ${f.message}`);
  const text = opts.source(f.file);
  if (text !== null) out.push(...excerpt(f, text, st));
  for (const r of f.related) out.push(`      related: ${relatedText(r)}`);
  if (f.fix !== null) out.push(`      ${st.green("fix:")} ${f.fix}`);
  if (f.suggestedPolicy !== undefined) {
    // The same suggestion for a role is printed once; later findings point back at it.
    const key = `${f.role ?? ""}\n${f.suggestedPolicy.json}`;
    if (shownPolicies.has(key)) {
      out.push(`      suggested trust policy for ${f.role ?? "this role"}: as above`);
    } else {
      shownPolicies.add(key);
      const sp = f.suggestedPolicy;
      for (const n of sp.notes ?? []) out.push(`      ${st.dim("note:")} ${n}`);
      if (sp.diff) {
        out.push(`      suggested change to the current trust policy:`);
        out.push(...sp.diff.split("\n").map((l) => `        ${l}`));
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

  out.push(`${st.bold("rolecall scan")}: ${repo.fullName ?? "(repository unknown)"}`);
  out.push(`  default branch  ${repo.defaultBranch}`);
  out.push(`  subject format  ${subjectFormat(repo)}`);
  out.push(`  issuer          ${repo.issuer}`);
  out.push("");

  const groups = groupByFileAndJob(doc);
  const shownPolicies = new Set<string>();
  if (doc.assumptions.length === 0) {
    out.push("No job assumes an AWS role through OIDC.");
    out.push("");
  }
  for (const [file, jobs] of groups) {
    out.push(st.bold(file));
    for (const g of jobs) {
      for (const a of g.assumptions) renderAssumption(a, st, out);
      if (g.assumptions.length === 0) {
        out.push(g.job !== null ? `  job ${st.bold(g.job)}` : `  ${st.dim("not tied to a job")}`);
      }
      g.findings.forEach((f, i) => {
        if (i > 0 || g.assumptions.length > 0) out.push("");
        renderFinding(f, opts, out, shownPolicies);
      });
      out.push("");
    }
  }

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
    out.push(`  - ${item.subject}: ${item.reason} ${st.dim(`[${item.rule}]`)}`);
  }
  return `${out.join("\n")}\n`;
}
