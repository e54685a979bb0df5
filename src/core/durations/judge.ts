import type { HistoryOptions, JobRun } from "./history.js";
import { type CoveredSpan, coveredSpan, type StepRef } from "./session.js";
import { crossing, median, type Trend, theilSen } from "./trend.js";

const DAY = 86_400_000;

/** One run's span against the session (a point of the chart). */
export interface Sample {
  runId: number;
  url: string | null;
  /** When the run started (epoch ms). */
  at: number;
  seconds: number;
  basis: CoveredSpan["basis"];
  expired: boolean;
}

/** Why the history is worth a finding. */
export type Reason = "expired" | "margin" | "trend";

/** What the history says of one credentials step's session. */
export interface Judgement {
  session: number;
  /** Successful runs measured (the samples of the trend), and the expiries among failed runs. */
  seen: number;
  needed: number;
  samples: Sample[];
  expiries: Sample[];
  /** False when fewer than `needed` runs were seen: no margin or trend finding then. */
  enough: boolean;
  /** First and last run (epoch ms); null with no run. */
  from: number | null;
  to: number | null;
  min: number | null;
  max: number | null;
  median: number | null;
  /** Runs measured from the credentials step, and from the whole job (step timings missing). */
  fromStep: number;
  fromJob: number;
  /** The fit over days since `from`, when it could be made. */
  trend: Trend | null;
  /** Seconds per 30 days, from the fit. */
  growthPerMonth: number | null;
  /** When the fitted line reaches the session (epoch ms), when that falls before now + horizon. */
  crossingAt: number | null;
  reasons: Reason[];
}

/**
 * Judges one credentials step against its runs: the span its session must cover in every
 * successful run, the expiries among the failed ones, the longest span against `margin` of the
 * session, and a Theil–Sen trend projected `horizonDays` past `now`. Pure: `now` is passed in.
 */
export function judgeRuns(
  runs: readonly JobRun[],
  step: StepRef,
  next: StepRef | null,
  session: number,
  now: number,
  options: HistoryOptions,
): Judgement {
  const samples: Sample[] = [];
  const expiries: Sample[] = [];
  for (const run of [...runs].sort((a, b) => a.startedAt - b.startedAt || a.runId - b.runId)) {
    const span = coveredSpan(run, step, next);
    if (!span) continue;
    const sample: Sample = {
      runId: run.runId,
      url: run.url,
      at: run.startedAt,
      seconds: span.seconds,
      basis: span.basis,
      expired: run.expired,
    };
    if (run.expired) expiries.push(sample);
    else if (run.conclusion === "success") samples.push(sample);
  }
  const all = [...samples, ...expiries].sort((a, b) => a.at - b.at);
  const seconds = samples.map((s) => s.seconds);
  const from = all[0]?.at ?? null;
  const enough = samples.length >= options.minRuns;
  const trend =
    from === null ? null : theilSen(samples.map((s) => ({ t: (s.at - from) / DAY, y: s.seconds })));
  let crossingAt: number | null = null;
  if (trend && from !== null) {
    const nowDays = (now - from) / DAY;
    const c = crossing(trend, session, nowDays);
    if (c !== null && c <= nowDays + options.horizonDays) crossingAt = from + c * DAY;
  }
  const max = seconds.length > 0 ? Math.max(...seconds) : null;
  const reasons: Reason[] = [];
  if (expiries.length > 0) reasons.push("expired");
  if (enough && max !== null && max > options.margin * session) reasons.push("margin");
  if (enough && crossingAt !== null) reasons.push("trend");
  return {
    session,
    seen: samples.length,
    needed: options.minRuns,
    samples,
    expiries,
    enough,
    from,
    to: all.at(-1)?.at ?? null,
    min: seconds.length > 0 ? Math.min(...seconds) : null,
    max,
    median: seconds.length > 0 ? median(seconds) : null,
    fromStep: all.filter((s) => s.basis === "step").length,
    fromJob: all.filter((s) => s.basis === "job").length,
    trend,
    growthPerMonth: trend ? trend.slope * 30 : null,
    crossingAt,
    reasons,
  };
}
