import type {
  Assumption,
  ContextDecision,
  Finding,
  IncompleteItem,
  RelatedLocation,
  RunContextResult,
  ScanResult,
} from "../engine/scan-types.js";
import { atLeast, type RuleMeta, SEVERITIES, type Severity } from "../rules/rule.js";
import { renderScanJson } from "./scan-json.js";

/** The Checks API cap on `output.summary` and `output.text`. */
export const CHECK_OUTPUT_LIMIT = 65_535;
/** The Checks API cap on an annotation's `message` and `raw_details` (64 KB). */
export const ANNOTATION_TEXT_LIMIT = 65_535;
/** The Checks API cap on an annotation's `title`. */
export const ANNOTATION_TITLE_LIMIT = 255;

export type CheckConclusion = "success" | "failure" | "neutral";

/**
 * What an incomplete scan concludes (configuration `on-incomplete`). GitHub counts `neutral` as
 * passing for a required check, so the default is `failure`: a check that could not verify never
 * passes unless an organisation opts into `neutral`.
 */
export type IncompleteConclusion = "failure" | "neutral";

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

/** What {@link renderCheckRun} needs besides the result. */
export interface CheckRunOptions {
  /** The configured threshold (`fail-on`): a finding at or above it fails the check. */
  failOn: Severity;
  /** The commit the check run is attached to. */
  headSha: string;
  /** Limits of the scan worth saying, e.g. "PR has more than 3000 files; only the first 3000 were read". */
  notes?: string[];
  /** Rule metadata (title, docs link): pass absolute `docs` links for them to work on GitHub. */
  rules: RuleMeta[];
  /** The conclusion of an incomplete scan with nothing at or above `failOn` (default `failure`). */
  onIncomplete?: IncompleteConclusion;
}

/** The conclusion and output of the `rolecall` check run; annotations go out 50 per request. */
export interface CheckRunOutput {
  conclusion: CheckConclusion;
  title: string;
  /** GitHub Markdown, at most {@link CHECK_OUTPUT_LIMIT} UTF-8 bytes. */
  summary: string;
  /** The suggested trust policies, or null when there are none. Same limit as the summary. */
  text: string | null;
  annotations: CheckAnnotation[];
}

// ---------------------------------------------------------------------------------------------
// Markdown helpers (shared with the review renderer)

/** UTF-8 size: GitHub's limits are counted in characters; bytes are never fewer, so always safe. */
export function byteLength(s: string): number {
  return Buffer.byteLength(s, "utf8");
}

/** `s` cut to at most `max` UTF-8 bytes (including `suffix`), on a code point boundary. */
export function clipBytes(s: string, max: number, suffix = "…"): string {
  if (byteLength(s) <= max) return s;
  const room = max - byteLength(suffix);
  let out = "";
  let size = 0;
  for (const ch of s) {
    const n = byteLength(ch);
    if (size + n > room) break;
    out += ch;
    size += n;
  }
  return out + suffix;
}

/** Markdown cut to at most `max` characters, closing a code fence the cut left open. */
export function clipMarkdown(s: string, max: number): string {
  if (s.length <= max) return s;
  const cut = `${[...s].slice(0, max).join("")}…`;
  const open = cut.split("\n").filter((l) => /^\s*(`{3,}|~{3,})/.test(l)).length % 2 === 1;
  return open ? `${cut}\n\`\`\`` : cut;
}

/** An inline code span that survives backticks and newlines in `s`. */
export function code(s: string): string {
  const flat = s.replace(/\r?\n/g, " ");
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const ticks = "`".repeat(longest + 1);
  const pad = longest > 0 || flat.startsWith(" ") || flat.endsWith(" ") ? " " : "";
  return `${ticks}${pad}${flat}${pad}${ticks}`;
}

/** A fenced block whose fence is longer than any backtick run inside. */
export function fenced(lang: string, body: string): string {
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${body.replace(/\n+$/, "")}\n${fence}`;
}

/** Text for a table cell: `|` escaped (even inside code spans), line breaks as `<br>`. */
function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\r?\n/g, "<br>");
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Continuation lines of a list item, indented to stay inside it. */
function indent(s: string, by = "  "): string {
  return s
    .split("\n")
    .map((l) => (l === "" ? "" : `${by}${l}`))
    .join("\n");
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** The rule id linked to its docs, e.g. [`sub-not-trusted`](docs/rules.md#sub-not-trusted). */
export function ruleLink(id: string, rules: readonly RuleMeta[]): string {
  const meta = rules.find((r) => r.id === id);
  return meta ? `[${code(id)}](${meta.docs})` : code(id);
}

/** Severity with a coloured marker, e.g. `🟠 High`. */
export function severityLabel(s: Severity): string {
  const icon: Record<Severity, string> = {
    critical: "🔴",
    high: "🟠",
    medium: "🟡",
    low: "🔵",
    info: "⚪",
  };
  return `${icon[s]} ${s[0]!.toUpperCase()}${s.slice(1)}`;
}

/** True when a finding's `file` is a path in the repository (not a role ARN or a URL). */
export function isRepositoryPath(file: string): boolean {
  return file !== "" && !file.startsWith("arn:") && !file.includes("://") && !file.startsWith("/");
}

/** `file:line`, or the ARN alone for a finding about a role rather than a file. */
export function findingLocation(f: Pick<Finding, "file" | "line">): string {
  return isRepositoryPath(f.file) && f.line > 0 ? `${f.file}:${f.line}` : f.file;
}

/** `file:line:column` of a related place (as much of it as is known). */
function relatedWhere(r: RelatedLocation): string {
  if (r.line === null) return r.file;
  return `${r.file}:${r.line}${r.column !== null ? `:${r.column}` : ""}`;
}

/** `roles/x.json:16:11 /Statement/0/...: message`, for plain-text annotation details. */
function relatedText(r: RelatedLocation): string {
  const pointer = r.pointer !== undefined && r.pointer !== "" ? ` ${r.pointer}` : "";
  return `${relatedWhere(r)}${pointer}${r.message !== "" ? `: ${r.message}` : ""}`;
}

/** A related place for Markdown: the location in code, then what it says. */
function relatedMarkdown(r: RelatedLocation): string {
  const parts = [code(clipMarkdown(relatedWhere(r), CELL_MAX))];
  if (r.pointer !== undefined && r.pointer !== "") parts.push(code(clipMarkdown(r.pointer, CELL_MAX)));
  const message = r.message !== "" ? `: ${clipMarkdown(r.message, CELL_MAX)}` : "";
  return `${parts.join(" ")}${message}`;
}

/** `**Fix:** text`, starting a new paragraph when the fix opens with a code block. */
export function fixMarkdown(fix: string, max: number): string {
  const text = clipMarkdown(fix, max);
  return /^\s*(```|~~~)/.test(text) ? `**Fix:**\n\n${text}` : `**Fix:** ${text}`;
}

/** The part of a role ARN after `role/` (path included), or the value as given. */
function roleName(arn: string): string {
  const m = /^arn:[^:]*:iam::\d*:role\/(.+)$/.exec(arn);
  return m ? m[1]! : arn;
}

// ---------------------------------------------------------------------------------------------
// Budgeted packing: every block is valid Markdown on its own, so cutting between blocks keeps the
// document valid.

interface Section {
  blocks: string[];
  /** Joined before the blocks when there is at least one. */
  head?: string;
  /** The note that replaces the blocks left out. */
  omitted(n: number): string;
  /** Share of the room when sections compete for it. */
  weight: number;
}

function sectionSize(s: Section): number {
  if (s.blocks.length === 0) return 0;
  return byteLength(s.head ?? "") + s.blocks.reduce((n, b) => n + byteLength(b) + 1, 0);
}

/** Lays out a section within `budget` bytes, cutting at a block boundary with a note. */
function packSection(s: Section, budget: number): string {
  if (s.blocks.length === 0) return "";
  const full = [s.head, ...s.blocks].filter((x) => x !== undefined).join("\n");
  if (byteLength(full) <= budget) return full;
  const out: string[] = s.head !== undefined ? [s.head] : [];
  let size = byteLength(s.head ?? "");
  for (let i = 0; i < s.blocks.length; i++) {
    const block = s.blocks[i]!;
    const note = s.omitted(s.blocks.length - i - 1);
    const needed = byteLength(block) + 1 + (i < s.blocks.length - 1 ? byteLength(note) + 1 : 0);
    if (size + needed > budget) {
      out.push(s.omitted(s.blocks.length - i));
      return out.join("\n");
    }
    out.push(block);
    size += byteLength(block) + 1;
  }
  return out.join("\n");
}

/**
 * Joins the fixed head and the sections with blank lines, within `limit` bytes. When everything
 * does not fit, the room is shared by weight; a section needing less than its share gives the rest
 * to the others.
 */
function packDocument(head: string, sections: Section[], limit: number): string {
  const present = sections.filter((s) => s.blocks.length > 0);
  const separators = present.length * 2;
  let left = limit - byteLength(head) - separators;
  const budgets = new Map<Section, number>(present.map((s) => [s, sectionSize(s)]));
  let open = [...present];
  // Water-filling: satisfy the small sections, share what is left among the others.
  for (;;) {
    const weight = open.reduce((n, s) => n + s.weight, 0);
    const fits = open.filter((s) => sectionSize(s) <= (left * s.weight) / weight);
    if (fits.length === 0) {
      for (const s of open) budgets.set(s, Math.floor((left * s.weight) / weight));
      break;
    }
    for (const s of fits) left -= sectionSize(s);
    open = open.filter((s) => !fits.includes(s));
    if (open.length === 0) break;
  }
  return [head, ...present.map((s) => packSection(s, budgets.get(s)!))].join("\n\n");
}

// ---------------------------------------------------------------------------------------------
// The check run

const DECISION_LABEL: Readonly<Record<ContextDecision, string>> = {
  allow: "✅ allow",
  deny: "❌ deny",
  indeterminate: "⚠️ indeterminate",
  "no-token": "⛔ no token",
  "not-oidc": "➖ not OIDC",
  "unknown-role": "❔ role unknown",
};

const DECISIONS = Object.keys(DECISION_LABEL) as ContextDecision[];

/** Per-cell and per-finding caps, so one huge value cannot crowd out the rest. */
const CELL_MAX = 600;
const MESSAGE_MAX = 2_000;
const FIX_MAX = 3_000;
const RELATED_MAX = 5;
const POLICY_MAX = 20_000;
const MAX_NOTES = 10;

/** `failure` at or above the threshold, else `onIncomplete` (default `failure`) when incomplete, else `success`. */
export function checkConclusion(
  result: ScanResult,
  failOn: Severity,
  onIncomplete: IncompleteConclusion = "failure",
): CheckConclusion {
  if (result.findings.some((f) => atLeast(f.severity, failOn))) return "failure";
  return result.complete ? "success" : onIncomplete;
}

/** Whether the scan failed for findings (not merely for being incomplete). */
function failsOnFindings(result: ScanResult, failOn: Severity): boolean {
  return result.findings.some((f) => atLeast(f.severity, failOn));
}

const INCOMPLETE_TODO =
  "Grant what the reasons below name (or fix the file), then re-run the check from the Checks tab or comment `/rolecall rescan`.";

function subCell(sub: string | string[]): string {
  const subs = Array.isArray(sub) ? sub : [sub];
  if (subs.length === 1) return code(clipMarkdown(subs[0]!, CELL_MAX));
  return `${subs.map((s) => code(clipMarkdown(s, CELL_MAX))).join("<br>")}<br>(docs disagree)`;
}

function contextRows(assumptions: Assumption[]): string[] {
  // Role names alone, unless two roles of one name live in different accounts.
  const byName = new Map<string, Set<string>>();
  for (const a of assumptions) {
    if (a.role === null) continue;
    const name = roleName(a.role);
    byName.set(name, (byName.get(name) ?? new Set()).add(a.role));
  }
  const roleCell = (role: string | null) => {
    if (role === null) return "_unresolved_";
    const name = roleName(role);
    return code(byName.get(name)!.size > 1 ? role : name);
  };
  const rows: string[] = [];
  for (const a of assumptions) {
    const where = [code(a.file), code(a.job), roleCell(a.role)];
    if (a.contexts.length === 0) {
      rows.push(`| ${where.join(" | ")} | — | — | — | — | — | no run context reaches this job |`);
      continue;
    }
    a.contexts.forEach((c: RunContextResult, i) => {
      const job = c.caller !== undefined ? `${code(a.job)}<br>called by ${code(c.caller)}` : code(a.job);
      const first = i === 0 || a.contexts[i - 1]!.caller !== c.caller;
      const lead = i === 0 ? [code(a.file), job, roleCell(a.role)] : ["", first ? job : "", ""];
      const decision =
        c.decision !== "allow" && c.reason !== ""
          ? `${DECISION_LABEL[c.decision]}<br><sub>${clipMarkdown(c.reason, CELL_MAX)}</sub>`
          : DECISION_LABEL[c.decision];
      const cells = [
        ...lead,
        code(c.event),
        c.ref !== null ? code(c.ref) : "—",
        c.environment !== null ? code(c.environment) : "—",
        c.fork ? "yes" : "no",
        subCell(c.sub),
        decision,
      ];
      rows.push(`| ${cells.map(cell).join(" | ")} |`);
    });
  }
  return rows;
}

/** Joins the parts of a list item: a hard line break between one-line parts, a blank line around others. */
function listItem(parts: string[]): string {
  let out = `- ${parts[0]}`;
  for (let i = 1; i < parts.length; i++) {
    const loose = parts[i - 1]!.includes("\n") || parts[i]!.includes("\n");
    out += loose ? `\n\n${indent(parts[i]!)}` : `  \n${indent(parts[i]!)}`;
  }
  return out;
}

function findingBlock(f: Finding, rules: readonly RuleMeta[], policyRoles: Map<string, string>): string {
  const job = f.job !== null ? ` (job ${code(f.job)})` : "";
  const parts = [
    `${ruleLink(f.rule, rules)} ${code(findingLocation(f))}${job}: ${clipMarkdown(f.message, MESSAGE_MAX)}`,
  ];
  for (const r of f.related.slice(0, RELATED_MAX)) parts.push(`↳ ${relatedMarkdown(r)}`);
  if (f.related.length > RELATED_MAX) parts.push(`↳ and ${f.related.length - RELATED_MAX} more places`);
  if (f.fix !== null && f.fix !== "") parts.push(fixMarkdown(f.fix, FIX_MAX));
  if (f.suggestedPolicy !== undefined) {
    const label = policyRoles.get(policyKey(f));
    if (label !== undefined) parts.push(`A suggested trust policy for ${label} is below.`);
  }
  return listItem(parts);
}

function policyKey(f: Finding): string {
  return f.role ?? f.suggestedPolicy?.json ?? "";
}

function prettyJson(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}

function policyBlock(f: Finding): string {
  const p = f.suggestedPolicy!;
  const who =
    f.role !== null
      ? `<code>${escapeHtml(roleName(f.role))}</code>`
      : `job <code>${escapeHtml(f.job ?? "?")}</code>`;
  const arn = f.role !== null && roleName(f.role) !== f.role ? ` (<code>${escapeHtml(f.role)}</code>)` : "";
  const json = prettyJson(p.json);
  const body: string[] = [
    "<details>",
    `<summary>Suggested trust policy for ${who}${arn}, from ${escapeHtml(f.rule)}</summary>`,
    "",
  ];
  if (byteLength(json) + byteLength(p.terraform) > POLICY_MAX) {
    body.push("Too large to show here: run `rolecall scan --format json` locally to get it.");
  } else {
    body.push(
      "Trust policy JSON:",
      "",
      fenced("json", json),
      "",
      "Terraform:",
      "",
      fenced("hcl", p.terraform),
    );
  }
  body.push("", "</details>");
  return body.join("\n");
}

function incompleteBlock(item: IncompleteItem, rules: readonly RuleMeta[]): string {
  return `- ${code(clipMarkdown(item.subject, CELL_MAX))}: ${clipMarkdown(item.reason, MESSAGE_MAX)} (${ruleLink(item.rule, rules)})`;
}

function verdict(result: ScanResult, conclusion: CheckConclusion, failOn: Severity): string {
  const failing = result.findings.filter((f) => atLeast(f.severity, failOn)).length;
  const below = result.findings.length - failing;
  const unread = plural(result.incomplete.length, "item");
  const lower =
    below > 0
      ? ` ${plural(below, "finding")} below it ${below === 1 ? "is" : "are"} listed for information.`
      : "";
  if (conclusion === "failure" && !failsOnFindings(result, failOn))
    return `❌ **Incomplete: ${unread} could not be checked**, so this check fails: rolecall does not pass what it could not verify. No finding reaches ${code(failOn)}.${lower} ${INCOMPLETE_TODO}`;
  switch (conclusion) {
    case "failure":
      return `❌ **${plural(failing, "finding")} at or above ${code(failOn)}**, the configured \`fail-on\`.${
        result.complete ? "" : ` The scan is also incomplete: ${unread} could not be checked.`
      }`;
    case "neutral":
      return `⚠️ **Incomplete: ${unread} could not be checked.** This organisation configured \`on-incomplete: neutral\`, so the check does not fail, and GitHub counts it as passing. No finding reaches ${code(failOn)}.${lower} ${INCOMPLETE_TODO}`;
    case "success":
      return `✅ **Passed**: nothing at or above ${code(failOn)}, and every workflow and role involved was read.${lower}`;
  }
}

function title(result: ScanResult, conclusion: CheckConclusion, failOn: Severity): string {
  const failing = result.findings.filter((f) => atLeast(f.severity, failOn)).length;
  if (conclusion === "failure" && failing === 0)
    return `Incomplete: ${plural(result.incomplete.length, "item")} could not be checked; fix access and re-run`;
  switch (conclusion) {
    case "failure":
      return `${plural(failing, "finding")} at or above ${failOn}`;
    case "neutral":
      return `Incomplete: ${plural(result.incomplete.length, "item")} could not be checked`;
    case "success":
      return result.findings.length > 0
        ? `Passed: ${plural(result.findings.length, "finding")} below ${failOn}`
        : "Passed: no findings";
  }
}

function stats(result: ScanResult, headSha: string): string {
  const counts = SEVERITIES.map((s) => [s, result.findings.filter((f) => f.severity === s).length] as const)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${n} ${s}`);
  const contexts = result.assumptions.flatMap((a) => a.contexts);
  const decisions = DECISIONS.map((d) => [d, contexts.filter((c) => c.decision === d).length] as const)
    .filter(([, n]) => n > 0)
    .map(([d, n]) => `${n} ${DECISION_LABEL[d]}`);
  const parts = [
    counts.length > 0 ? `Findings: ${counts.join(", ")}` : "No findings",
    contexts.length > 0
      ? `${plural(contexts.length, "run context")}: ${decisions.join(", ")}`
      : "no job assumes an AWS role through OIDC",
    `commit ${code(headSha.slice(0, 7))}`,
  ];
  return parts.join(" · ");
}

function annotationLevel(s: Severity): CheckAnnotation["annotation_level"] {
  return s === "critical" || s === "high" ? "failure" : s === "medium" ? "warning" : "notice";
}

function annotation(f: Finding, rules: readonly RuleMeta[]): CheckAnnotation {
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

/**
 * The `rolecall` check run for a scanned head commit. The conclusion is `failure` when a finding
 * is at or above `failOn`, else `opts.onIncomplete` (default `failure`) when the scan is incomplete
 * (never `success` on a partial scan), else `success`. The summary (Markdown) gives the verdict, the notes, what could not be
 * checked, the jobs × run contexts table with each exact `sub` and decision, and the findings by
 * severity; the text holds the suggested trust policies, once per role. Both stay within the
 * Checks API limit, cut between whole blocks with a note saying how much was left out. One
 * annotation per finding on a repository file (findings about a role ARN are in the summary only).
 */
export function renderCheckRun(result: ScanResult, opts: CheckRunOptions): CheckRunOutput {
  const doc = renderScanJson(result);
  const rules = opts.rules;
  const conclusion = checkConclusion(doc, opts.failOn, opts.onIncomplete);

  // Suggested policies, once per role, in finding order (most severe first).
  const bySeverity = SEVERITIES.flatMap((s) => doc.findings.filter((f) => f.severity === s));
  const policies = new Map<string, Finding>();
  for (const f of bySeverity) {
    if (f.suggestedPolicy !== undefined && !policies.has(policyKey(f))) policies.set(policyKey(f), f);
  }
  const policyRoles = new Map(
    [...policies].map(([k, f]) => [k, f.role !== null ? code(roleName(f.role)) : "this job"]),
  );

  const head = [
    verdict(doc, conclusion, opts.failOn),
    stats(doc, opts.headSha),
    ...(opts.notes ?? [])
      .slice(0, MAX_NOTES)
      .map((n) => `> ℹ️ ${clipMarkdown(n.replace(/\r?\n/g, " "), CELL_MAX)}`),
  ].join("\n\n");

  const incomplete: Section = {
    head: "### What could not be checked, and why\n",
    blocks: doc.incomplete.map((i) => incompleteBlock(i, rules)),
    omitted: (n) => `- _… ${n} more; run \`rolecall scan\` locally for the full list._`,
    weight: 1,
  };
  const table: Section = {
    head: [
      "### Run contexts",
      "",
      "| Workflow | Job | Role | Event | Ref | Environment | Fork | `sub` | Decision |",
      "|---|---|---|---|---|---|---|---|---|",
    ].join("\n"),
    blocks: contextRows(doc.assumptions),
    omitted: (n) =>
      `\n_… ${plural(n, "more run context")} not shown; run \`rolecall scan\` locally for all of them._`,
    weight: 2,
  };
  const findingBlocks: string[] = [];
  for (const s of SEVERITIES) {
    const group = bySeverity.filter((f) => f.severity === s);
    group.forEach((f, i) => {
      const block = findingBlock(f, rules, policyRoles);
      findingBlocks.push(i === 0 ? `\n#### ${severityLabel(s)} (${group.length})\n\n${block}` : block);
    });
  }
  const findings: Section = {
    head: "### Findings",
    blocks: findingBlocks,
    omitted: (n) =>
      `\n_… ${plural(n, "more finding")}; see the annotations, or run \`rolecall scan\` locally for the full report._`,
    weight: 3,
  };
  let summary = packDocument(head, [incomplete, table, findings], CHECK_OUTPUT_LIMIT);
  if (byteLength(summary) > CHECK_OUTPUT_LIMIT) {
    // Only a head larger than the limit gets here; say so rather than send what GitHub refuses.
    const tooLarge = "\n\n_The report is too large to show here; run `rolecall scan` locally._";
    summary = clipBytes(head, CHECK_OUTPUT_LIMIT - byteLength(tooLarge)) + tooLarge;
  }

  const policySection: Section = {
    head: "### Suggested trust policies\n\nEach admits exactly the subjects this repository's workflows need.\n",
    blocks: [...policies.values()].map((f) => `${policyBlock(f)}\n`),
    omitted: (n) =>
      `_… ${plural(n, "more suggested policy", "more suggested policies")}; run \`rolecall scan --format json\` locally to get them._`,
    weight: 1,
  };
  const text = policies.size > 0 ? packSection(policySection, CHECK_OUTPUT_LIMIT) : null;

  return {
    conclusion,
    title: title(doc, conclusion, opts.failOn),
    summary,
    text,
    annotations: doc.findings.filter((f) => isRepositoryPath(f.file)).map((f) => annotation(f, rules)),
  };
}

/** The check run of a pull request that changes no deploy configuration. */
export function renderNoChanges(): { conclusion: "success"; title: string; summary: string } {
  return {
    conclusion: "success",
    title: "No deploy configuration changed",
    summary:
      "This pull request changes no workflow (`.github/workflows/*.yml`), no local action a workflow uses and no `.github/rolecall.yml`, so there was nothing for rolecall to check.",
  };
}

/**
 * The check run when the scan could not finish: `failure` by default (`neutral` only when the
 * organisation opted in with `on-incomplete: neutral`), with the reason in plain language and what
 * to do next. Only the first line of `plainReason` is kept, so a stack trace never shows.
 */
export function renderScanError(
  plainReason: string,
  onIncomplete: IncompleteConclusion = "failure",
): {
  conclusion: IncompleteConclusion;
  title: string;
  summary: string;
} {
  const reason = clipBytes(plainReason.split(/\r?\n/)[0]!.trim() || "an unexpected error", 1_000);
  return {
    conclusion: onIncomplete,
    title: "Incomplete: rolecall could not finish the scan; re-run it",
    summary: [
      `${onIncomplete === "failure" ? "❌" : "⚠️"} **rolecall could not finish this scan:** ${reason}`,
      "",
      onIncomplete === "failure"
        ? "Nothing was verified, so this check fails: rolecall does not pass what it could not verify. Fix what the reason names if it is yours to fix, then re-run the check from the Checks tab or comment `/rolecall rescan` on the pull request."
        : "Nothing was verified. This organisation configured `on-incomplete: neutral`, so the check does not fail, and GitHub counts it as passing. Re-run it from the Checks tab, or comment `/rolecall rescan` on the pull request.",
    ].join("\n"),
  };
}
