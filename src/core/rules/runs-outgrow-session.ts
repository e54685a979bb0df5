import { sparkline } from "../durations/chart.js";
import { DEFAULT_HISTORY_OPTIONS, type HistoryFacts, type Judgement, judgeRuns } from "../durations/index.js";
import { type StepRef, sessionFor } from "../durations/session.js";
import type { ScanModel } from "../engine/analysis-types.js";
import type { PlannedStep } from "../engine/plan.js";
import type { Finding } from "../engine/scan-types.js";
import type { Step } from "../workflow/index.js";
import { defineRule } from "./define-rule.js";
import { docsUrl } from "./rule.js";
import { assumingPath, roleDurationSeconds } from "./session-duration-exceeds-max.js";
import { nodeAt, workflowFinding } from "./workflow-rule.js";

const id = "runs-outgrow-session";
const DAY = 86_400_000;
const LARGEST_MAX_SESSION = 43200;

/** What GitHub shows for a step in the run's job: its `name:`, else `Run <uses>`. */
export function stepRef(step: Step): StepRef {
  const name = step.name?.value;
  return { name: name ?? `Run ${step.uses?.node.value ?? ""}`, index: step.index };
}

const minutes = (s: number) => `${Math.round(s / 60)} minutes`;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

function inAbout(ms: number): string {
  const days = Math.max(0, Math.round(ms / DAY));
  if (days === 0) return "now";
  if (days < 14) return `in about ${days} day${days === 1 ? "" : "s"}`;
  return `in about ${Math.round(days / 7)} weeks`;
}

/** The session that would cover the history with the margin: whole quarter hours, at most 43200. */
export function neededSession(j: Judgement, now: number, margin: number, horizonDays: number): number {
  let longest = Math.max(j.max ?? 0, ...j.expiries.map((e) => e.seconds));
  if (j.enough && j.trend && j.from !== null)
    longest = Math.max(longest, j.trend.intercept + j.trend.slope * ((now - j.from) / DAY + horizonDays));
  return Math.min(LARGEST_MAX_SESSION, Math.max(j.session + 900, Math.ceil(longest / margin / 900) * 900));
}

const roleName = (arn: string) => /:role\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1] ?? arn;

/**
 * `runs-outgrow-session`: the job's recent runs hold the credentials for nearly as long as the
 * session lasts, already outlived it (`ExpiredToken`), or grow towards it. Needs the run history
 * (the GitHub API): the CLI with a token, the App.
 */
export const runsOutgrowSession = defineRule({
  meta: {
    id,
    severity: "medium",
    category: "will-fail",
    title: "The job's runs are outgrowing its AWS session",
    explanation:
      "The credentials configure-aws-credentials exports last one session (`role-duration-seconds`, else one hour; at most the role's `MaxSessionDuration`, and one hour when chaining roles) and are not refreshed, so a deploy that grows past it fails halfway with `ExpiredToken: The security token included in the request is expired`. From the job's recent completed runs (the last 30 within 90 days, read from the GitHub Actions API), rolecall measures the span the session must cover: from the credentials step to the job's end (or to the next credentials step, which restarts the session), or the whole job when the step timings are missing. It reports a run that already failed with `ExpiredToken`, the longest span above 80 % of the session, and a Theil–Sen trend (robust to outliers) that reaches the session within 90 days. Margin and trend need at least 5 successful runs; the finding names the runs, the dates and the figures it rests on.",
    fix: "Split the job so that no part holds the credentials that long (or assume the role again before the long steps); raise `role-duration-seconds` (up to the role's `MaxSessionDuration`, raised with `aws iam update-role --role-name <name> --max-session-duration <seconds>`, at most 43200); avoid role chaining, which caps the session at one hour.",
    docs: docsUrl(id),
  },
  needs: ["history"],
  onAnalysis(model, facts, { plan }) {
    return checkRunHistory(plan.steps, model, facts.history, this.meta);
  },
});

/** The findings of {@link runsOutgrowSession} over the planned credentials steps. */
export function checkRunHistory(
  steps: readonly PlannedStep[],
  model: ScanModel,
  history: HistoryFacts,
  meta: typeof runsOutgrowSession.meta,
): Finding[] {
  const out: Finding[] = [];
  const options = { ...DEFAULT_HISTORY_OPTIONS, ...history.options };
  const byJob = new Map<string, PlannedStep[]>();
  for (const s of steps) {
    const key = `${s.workflowFile}\n${s.job.id.value}`;
    byJob.set(key, [...(byJob.get(key) ?? []), s]);
  }
  const maxOf = (arn: string): number | null => {
    for (const a of model.assumptions)
      if (a.role === arn && a.roleSource?.kind === "found") return a.roleSource.maxSessionDuration;
    return null;
  };
  for (const jobSteps of byJob.values()) {
    const first = jobSteps[0]!;
    const runs = history.job(first.workflowFile, first.job.id.value);
    if (!runs || runs.runs.length === 0) continue;
    const assuming = jobSteps.filter((s) => assumingPath(s.view));
    const refs = assuming.map((s) => stepRef(s.via ?? s.view.step));
    assuming.forEach((s, i) => {
      const role = s.view.inputs["role-to-assume"]!;
      const requested = roleDurationSeconds(s.view.inputs["role-duration-seconds"]);
      if (requested === undefined) return; // an expression: the session is unknown
      const explicit = s.view.inputs["role-duration-seconds"] !== undefined;
      const chaining = assumingPath(s.view) === "role-chaining";
      const arn = role.isExpression ? null : role.value.trim();
      const max = arn ? maxOf(arn) : null;
      const session = sessionFor({
        requested: explicit ? requested : undefined,
        chaining,
        maxSessionDuration: max,
      });
      const j = judgeRuns(runs.runs, refs[i]!, refs[i + 1] ?? null, session.seconds, history.now, options);
      if (j.reasons.length === 0) return;
      const job = s.job.id.value;
      const on =
        runs.branches && runs.branches.length > 0
          ? ` on ${runs.branches.map((b) => `\`${b}\``).join(", ")}`
          : "";
      const parts: string[] = [];
      const capped =
        session.cappedBy === "max-session-duration"
          ? `, capped by the role's \`MaxSessionDuration\``
          : session.cappedBy === "role-chaining"
            ? ", capped at one hour by role chaining"
            : "";
      parts.push(
        `Job \`${job}\`'s credentials for \`${role.value}\` expire after ${minutes(session.seconds)} (${session.source}${capped}).`,
      );
      if (j.seen > 0)
        parts.push(
          `Its last ${j.seen} successful run${j.seen === 1 ? "" : "s"}${on} (${day(j.from!)} to ${day(j.to!)}) held them ${minutes(j.min!).replace(" minutes", "")}–${minutes(j.max!)} (median ${minutes(j.median!)}, ${Math.round((j.max! / session.seconds) * 100)} % of the session at most), measured ${j.fromJob === 0 ? "from the credentials step to the job's end" : j.fromStep === 0 ? "over the whole job (the runs have no step timings)" : `from the credentials step (${j.fromJob} run${j.fromJob === 1 ? "" : "s"} without step timings over the whole job)`}.`,
        );
      if (j.growthPerMonth !== null && j.enough && Math.abs(j.growthPerMonth) >= 30)
        parts.push(
          `They ${j.growthPerMonth > 0 ? "grow" : "shrink"} about ${minutes(Math.abs(j.growthPerMonth))} a month (Theil–Sen fit over ${j.seen} runs).`,
        );
      if (j.reasons.includes("trend") && j.crossingAt !== null)
        parts.push(
          j.crossingAt <= history.now
            ? "The trend has already reached the session."
            : `At that rate they outlive the session around ${day(j.crossingAt)}, ${inAbout(j.crossingAt - history.now)}.`,
        );
      if (j.expiries.length > 0)
        parts.push(
          `${j.expiries.length} run${j.expiries.length === 1 ? "" : "s"} already failed with \`ExpiredToken\` (${j.expiries
            .slice(-3)
            .map((e) => `run ${e.runId} on ${day(e.at)}`)
            .join(", ")}).`,
        );
      parts.push(`Runs: ${sparkline(j)} (█ = ${minutes(Math.max(session.seconds, j.max ?? 0))}).`);

      const target = neededSession(j, history.now, options.margin, options.horizonDays);
      const fixes: string[] = [
        "Split the job so that no part holds the credentials this long, or assume the role again (a second credentials step) before the long-running steps: each starts a new session.",
      ];
      if (chaining)
        fixes.push(
          "Avoid role chaining: chained sessions are capped at one hour; assume the target role directly through OIDC, then raise its session.",
        );
      else if (max !== null && max >= target)
        fixes.push(`Set \`role-duration-seconds: ${target}\` (the role allows up to ${max}).`);
      else if (arn)
        fixes.push(
          `Set \`role-duration-seconds: ${target}\`${max === null ? " and, if the role's `MaxSessionDuration` is lower," : ", after"} raising the role's maximum: \`aws iam update-role --role-name ${roleName(arn)} --max-session-duration ${target}\`.`,
        );
      else fixes.push(`Set \`role-duration-seconds: ${target}\` (up to the role's \`MaxSessionDuration\`).`);
      const at = s.via ? nodeAt(s.workflowFile, s.via) : nodeAt(s.file, s.view.step);
      out.push(
        workflowFinding({ ...meta, severity: j.expiries.length > 0 ? "high" : meta.severity }, at, {
          message: parts.join(" "),
          job,
          role: role.value,
          fix: fixes.map((f, k) => `${k + 1}. ${f}`).join(" "),
        }),
      );
    });
  }
  return out;
}

/** One job whose history {@link runsOutgrowSession} reads: plain data for the adapter. */
export interface HistoryNeed {
  workflowFile: string;
  jobId: string;
  jobName: string | null;
  /** The branches its runs assume the role on (push, schedule, dispatch); null when none is known. */
  branches: string[] | null;
}

/**
 * The jobs whose history the rule reads: every job that assumes a role in a workflow of its own
 * (a reusable workflow's runs are listed under its callers, which are read instead), with the
 * branches the analysis found it runs on.
 */
export function historyNeeds(steps: readonly PlannedStep[], model: ScanModel): HistoryNeed[] {
  const out = new Map<string, HistoryNeed>();
  for (const s of steps) {
    if (!assumingPath(s.view) || s.workflow.triggers.every((t) => t.event === "workflow_call")) continue;
    const key = `${s.workflowFile}\n${s.job.id.value}`;
    if (out.has(key)) continue;
    const branches = new Set<string>();
    for (const a of model.assumptions) {
      if (a.file !== s.workflowFile || a.job.id.value !== s.job.id.value) continue;
      for (const c of a.contexts)
        if (c.trigger.ref.kind === "value" && c.trigger.ref.value.startsWith("refs/heads/"))
          branches.add(c.trigger.ref.value.slice("refs/heads/".length));
    }
    const name = s.job.name?.value;
    out.set(key, {
      workflowFile: s.workflowFile,
      jobId: s.job.id.value,
      jobName: name && !name.includes("${{") ? name : null,
      branches: branches.size > 0 ? [...branches].sort() : null,
    });
  }
  return [...out.values()];
}
