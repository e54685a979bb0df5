import type { Finding, ScanResult } from "../engine/scan-types.js";
import { atLeast, type RuleMeta, SEVERITIES, type Severity } from "../rules/rule.js";
import { annotation, type CheckAnnotation } from "./check-run-annotations.js";
import { contextBlocks } from "./check-run-contexts.js";
import { findingBlock, incompleteBlock, policyBlock, policyKey } from "./check-run-findings.js";
import {
  DECISION_LABEL,
  DECISIONS,
  isQuiet,
  jobDetailBlock,
  jobUnits,
  rankJobs,
  roleLabeller,
  verdictLine,
} from "./check-run-jobs.js";
import { INLINE_MAX, isRepositoryPath, roleName, severityLabel } from "./finding-parts.js";
import { byteLength, clipBytes, clipMarkdown, code, plural } from "./markdown.js";
import { packDocument, packSection, type Section } from "./pack.js";
import { renderScanJson } from "./scan-json.js";

// The check run is split by concern: markdown.ts (Markdown pieces), pack.ts (budgeted packing),
// finding-parts.ts (how a finding reads), check-run-jobs.ts (verdict per job), check-run-contexts.ts
// (run-context tables), check-run-findings.ts (findings, policies), check-run-annotations.ts. This
// file decides the conclusion and lays the sections out. The names below were imported from here
// by other modules (review.ts); new code imports them from their own files.
export {
  ANNOTATION_TEXT_LIMIT,
  ANNOTATION_TITLE_LIMIT,
  type CheckAnnotation,
} from "./check-run-annotations.js";
export { findingLocation, fixMarkdown, isRepositoryPath, ruleLink, severityLabel } from "./finding-parts.js";
export { byteLength, clipBytes, clipMarkdown, code, fenced } from "./markdown.js";

/** The Checks API cap on `output.summary` and `output.text`. */
export const CHECK_OUTPUT_LIMIT = 65_535;

export type CheckConclusion = "success" | "failure" | "neutral";

/**
 * What an incomplete scan concludes (configuration `on-incomplete`). GitHub counts `neutral` as
 * passing for a required check, so the default is `failure`: a check that could not verify never
 * passes unless an organisation opts into `neutral`.
 */
export type IncompleteConclusion = "failure" | "neutral";

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
// The check run

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
  const decisions = DECISIONS.map(
    (d) => [d, contexts.filter((c) => c.decision === d && !c.guard).length] as const,
  )
    .filter(([, n]) => n > 0)
    .map(([d, n]) => `${n} ${DECISION_LABEL[d]}`);
  const guarded = contexts.filter((c) => c.guard).length;
  if (guarded > 0) decisions.push(`${guarded} guarded by the trust policy`);
  const parts = [
    counts.length > 0 ? `Findings: ${counts.join(", ")}` : "No findings",
    contexts.length > 0
      ? `${plural(contexts.length, "run context")}: ${decisions.join(", ")}`
      : "no job assumes an AWS role through OIDC",
    `commit ${code(headSha.slice(0, 7))}`,
  ];
  return parts.join(" · ");
}

/**
 * The `rolecall` check run for a scanned head commit. The conclusion is `failure` when a finding
 * is at or above `failOn`, else `opts.onIncomplete` (default `failure`) when the scan is incomplete
 * (never `success` on a partial scan), else `success`. The summary (Markdown, read about 700 px wide
 * on GitHub) gives the verdict, the notes, then the verdict per job (what breaks, where, why, the
 * fix) in prose, what could not be checked, a narrow run-contexts table per job with each exact
 * `sub` and decision (reasons as numbered notes below it), and the findings by severity; the text
 * holds the suggested trust policies, once per role. Both stay within the
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
      .map((n) => `> ℹ️ ${clipMarkdown(n.replace(/\r?\n/g, " "), INLINE_MAX)}`),
  ].join("\n\n");

  const units = jobUnits(doc.assumptions, doc.findings);
  const roleLabel = roleLabeller(doc.assumptions);
  const loose = doc.findings.filter((f) => !units.some((u) => u.findings.includes(f))).length;
  const ranked = rankJobs(units, opts.failOn);
  const jobs: Section = {
    head: "### Verdict per job\n",
    blocks: [
      ...ranked.map((u) => `- ${verdictLine(u, opts.failOn, roleLabel)}`),
      ...(loose > 0 ? [`- ${plural(loose, "finding")} not about one job: see Findings below.`] : []),
    ],
    omitted: (n) => `- _… ${plural(n, "more job")}; run \`rolecall scan\` locally for all of them._`,
    weight: 1,
  };
  const details: Section = {
    head: "### What breaks, and the fix\n",
    blocks: ranked
      .filter((u) => !isQuiet(u, opts.failOn))
      .map((u) => jobDetailBlock(u, opts.failOn, rules, roleLabel)),
    omitted: (n) => `_… ${plural(n, "more job")}; see Findings below, or run \`rolecall scan\` locally._`,
    weight: 3,
  };
  const incomplete: Section = {
    head: "### What could not be checked, and why\n",
    blocks: doc.incomplete.map((i) => incompleteBlock(i, rules)),
    omitted: (n) => `- _… ${n} more; run \`rolecall scan\` locally for the full list._`,
    weight: 1,
  };
  const table: Section = {
    head: "### Run contexts\n\nEvery way each job runs, the exact `sub` GitHub mints for it, and the decision; numbered notes say why.\n",
    blocks: contextBlocks(units, roleLabel),
    omitted: (n) => `_… ${plural(n, "more job")} not shown; run \`rolecall scan\` locally for all of them._`,
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
    weight: 2,
  };
  let summary = packDocument(head, [jobs, details, incomplete, table, findings], CHECK_OUTPUT_LIMIT);
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
