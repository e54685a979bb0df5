import type { JobRun, StepTiming } from "./history.js";

/** The action's default session, and the cap on a chained role's session (seconds). */
export const DEFAULT_SESSION = 3600;
export const CHAINING_CAP = 3600;

/** What decides the session a credentials step gets. */
export interface SessionInput {
  /** `role-duration-seconds` as the action reads it; undefined when not set. */
  requested: number | undefined;
  /** `role-chaining: true`: the session is at most one hour. */
  chaining: boolean;
  /** The role's `MaxSessionDuration`, when it was read. */
  maxSessionDuration: number | null;
}

/** The session a run gets, and why. */
export interface Session {
  seconds: number;
  /** Plain words for the message: "role-duration-seconds: 7200", "the action's default". */
  source: string;
  /** What capped it below what was asked, if anything. */
  cappedBy: "max-session-duration" | "role-chaining" | null;
}

/**
 * The session of one credentials step: `role-duration-seconds`, else the action's default (one
 * hour); capped by the role's `MaxSessionDuration` and by one hour when chaining. (STS rejects a
 * request above the cap, which `session-duration-exceeds-max` reports; the run then gets no
 * session at all, so the cap is the most it could get.)
 */
export function sessionFor(input: SessionInput): Session {
  let seconds = input.requested ?? DEFAULT_SESSION;
  const source =
    input.requested === undefined ? "the action's default" : `\`role-duration-seconds: ${input.requested}\``;
  let cappedBy: Session["cappedBy"] = null;
  if (input.chaining && seconds > CHAINING_CAP) {
    seconds = CHAINING_CAP;
    cappedBy = "role-chaining";
  }
  if (input.maxSessionDuration !== null && seconds > input.maxSessionDuration) {
    seconds = input.maxSessionDuration;
    cappedBy = "max-session-duration";
  }
  return { seconds, source, cappedBy };
}

/** A workflow step as the history must find it: its display name and its position in the job. */
export interface StepRef {
  /** What GitHub shows: `name:`, else `Run <uses>`. */
  name: string;
  /** 0-based index among the job's steps. */
  index: number;
}

/** GitHub's own steps around the workflow's: not counted when steps are matched by position. */
function isRunnerStep(name: string): boolean {
  return (
    name === "Set up job" ||
    name === "Complete job" ||
    name === "Initialize containers" ||
    name === "Stop containers" ||
    name.startsWith("Post ") ||
    name.startsWith("Pre ")
  );
}

/**
 * The API step of a workflow step: the one with its display name (the first not yet used when
 * names repeat and one is at its position), else the one at its position. Null when neither fits.
 */
export function locateStep(steps: readonly StepTiming[], ref: StepRef): StepTiming | null {
  const own = steps.filter((s) => !isRunnerStep(s.name));
  const byPosition = own[ref.index];
  if (byPosition && byPosition.name === ref.name) return byPosition;
  const named = own.filter((s) => s.name === ref.name);
  if (named.length === 1) return named[0]!;
  // A name GitHub rendered differently (an expression in `name:`): trust the position.
  return named.length === 0 ? (byPosition ?? null) : null;
}

/** The time a session must cover in one run, and what it was measured from. */
export interface CoveredSpan {
  seconds: number;
  /** `step`: from the credentials step to the next one or the job's end; `job`: the whole job. */
  basis: "step" | "job";
}

/**
 * The span a credentials step's session must cover in one run: from the step's start to the
 * start of the next credentials step (which replaces the credentials), else to the job's end
 * (every later step, post steps included, holds them). The whole job when the step timings are
 * missing or the step cannot be found; null when the step is listed but never started (skipped:
 * no session to cover).
 */
export function coveredSpan(run: JobRun, step: StepRef, next: StepRef | null): CoveredSpan | null {
  const whole: CoveredSpan = { seconds: Math.max(0, (run.completedAt - run.startedAt) / 1000), basis: "job" };
  if (!run.steps) return whole;
  const found = locateStep(run.steps, step);
  if (!found) return whole;
  if (found.startedAt === null) return null;
  const start = found.startedAt;
  let end = run.completedAt;
  if (next) {
    const n = locateStep(run.steps, next)?.startedAt ?? null;
    if (n !== null) end = n;
  }
  return { seconds: Math.max(0, (end - start) / 1000), basis: "step" };
}
