/**
 * Run history of a job, as the adapter hands it to the core: plain data, times in epoch
 * milliseconds. Nothing here reads the network or the clock.
 */

/** One step of a job run, as the Actions API lists it (`steps[]`); times null when absent. */
export interface StepTiming {
  /** The step's display name (`name:`, or `Run <uses>` / `Run <first line of run>`). */
  name: string;
  /** GitHub's 1-based step number (`Set up job` is 1). */
  number: number;
  startedAt: number | null;
  completedAt: number | null;
}

/** One completed run of one job. */
export interface JobRun {
  runId: number;
  /** The job run's page, for the finding. */
  url: string | null;
  branch: string | null;
  startedAt: number;
  completedAt: number;
  /** `success`, `failure`, `cancelled`, … */
  conclusion: string | null;
  /** The job's steps with their timings; null when the API gave none. */
  steps: StepTiming[] | null;
  /** The run failed and its annotations or log lines show `ExpiredToken`. */
  expired: boolean;
}

/** The recent completed runs of one job of one workflow. */
export interface JobHistory {
  runs: JobRun[];
  /** The branches the runs were read on (null: every branch). */
  branches: string[] | null;
}

/** How the history is judged. */
export interface HistoryOptions {
  /** A finding when the longest span uses more than this share of the session (0.8). */
  margin: number;
  /** A finding when the trend crosses the session within this many days (90). */
  horizonDays: number;
  /** Never a margin or trend finding from fewer runs than this (5). */
  minRuns: number;
}

export const DEFAULT_HISTORY_OPTIONS: HistoryOptions = { margin: 0.8, horizonDays: 90, minRuns: 5 };

/** The history facts the `runs-outgrow-session` rule needs (the CLI with a token, the App). */
export interface HistoryFacts {
  /** The time of the scan (epoch ms), passed in: the core reads no clock. */
  now: number;
  options: HistoryOptions;
  /**
   * The runs of a job, by the workflow's path and the job's id and display name; null when none
   * were read (then the rule is silent for the job).
   */
  job(workflowFile: string, jobId: string): JobHistory | null;
}

/** `ExpiredToken` as STS and every AWS service word it, in an annotation or a log line. */
export function isExpiryMessage(text: string): boolean {
  return /\bExpiredToken|The security token included in the request is expired/i.test(text);
}
