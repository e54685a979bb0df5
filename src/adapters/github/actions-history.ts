/**
 * The run history of the jobs that assume a role, from the GitHub Actions API: the recent
 * completed runs of each workflow (bounded by count and age), the jobs of each run with their
 * step timings, and, for failed jobs, the check-run annotations that show `ExpiredToken`.
 * Conditional requests (ETag / If-None-Match) and a cache per workflow keep a rescan cheap: a
 * completed run's jobs and annotations never change, so they are read once. Never throws.
 */
import {
  isExpiryMessage,
  type JobHistory,
  type JobRun,
  type StepTiming,
} from "../../core/durations/history.js";
import { type GitHubClient, paginate, type RepoRef } from "./client.js";
import { failureFromError, type GhFailure, type GhResult } from "./result.js";

/** One job the history is read for. */
export interface HistoryRequest {
  /** The workflow's path (`.github/workflows/deploy.yml`). */
  workflowFile: string;
  /** The job's id and display name (`name:`), as the runs list it. */
  jobId: string;
  jobName: string | null;
  /** The branches the job assumes its role on; null for every branch. */
  branches: string[] | null;
}

/** How far back to read. */
export interface HistoryBounds {
  /** The scan's time (epoch ms): passed in, the adapter reads no clock either. */
  now: number;
  /** At most this many runs per workflow (30). */
  maxRuns?: number;
  /** No run older than this (90 days). */
  maxDays?: number;
}

interface CachedList {
  etag: string | null;
  data: unknown;
}

/** What a rescan reuses: the runs lists by URL (with their ETags), a run's jobs and a job's expiry. */
export interface HistoryCache {
  lists: Map<string, CachedList>;
  jobs: Map<number, ApiJob[]>;
  expired: Map<number, boolean>;
}

export function createHistoryCache(): HistoryCache {
  return { lists: new Map(), jobs: new Map(), expired: new Map() };
}

/** The history of one job, or why it could not be read. */
export type JobHistoryResult =
  | { ok: true; request: HistoryRequest; history: JobHistory }
  | (GhFailure & { request: HistoryRequest });

interface ApiRun {
  id: number;
  head_branch: string | null;
  conclusion: string | null;
  created_at: string;
  run_started_at?: string;
}

interface ApiStep {
  name: string;
  number: number;
  started_at?: string | null;
  completed_at?: string | null;
}

interface ApiJob {
  id: number;
  name: string;
  conclusion: string | null;
  started_at: string;
  completed_at: string | null;
  html_url: string | null;
  steps?: ApiStep[];
}

const PERMISSION = { permission: "Actions: read", on404: true };
const DAY = 86_400_000;
const time = (s: string | null | undefined): number | null => {
  if (!s) return null;
  const t = Date.parse(s);
  return Number.isNaN(t) ? null : t;
};

function listOf<T>(key: string) {
  return (data: unknown): T[] => {
    const list = (data as Record<string, unknown> | null)?.[key];
    if (!Array.isArray(list)) throw new Error(`expected a list of ${key}`);
    return list as T[];
  };
}

/** A job of the runs matches a workflow job: by display name, matrix `name (a, b)` included. */
export function jobMatches(apiName: string, req: Pick<HistoryRequest, "jobId" | "jobName">): boolean {
  const name = req.jobName ?? req.jobId;
  return apiName === name || apiName.startsWith(`${name} (`);
}

/** A GET with If-None-Match from the cache; a 304 (Octokit throws it) answers from the cache. */
async function conditionalGet(
  client: GitHubClient,
  cache: HistoryCache,
  route: string,
  params: Record<string, unknown>,
): Promise<unknown> {
  const key = `${route} ${JSON.stringify(params)}`;
  const cached = cache.lists.get(key);
  try {
    const res = await client.request(route, {
      ...params,
      ...(cached?.etag ? { headers: { "if-none-match": cached.etag } } : {}),
    });
    const etag = typeof res.headers.etag === "string" ? res.headers.etag : null;
    cache.lists.set(key, { etag, data: res.data });
    return res.data;
  } catch (e) {
    if (cached && (e as { status?: unknown }).status === 304) return cached.data;
    throw e;
  }
}

/**
 * Reads the history of every requested job: the workflow's runs once per workflow and branch
 * set, each run's jobs once. Every job gets its own result (a failure says what and which
 * permission).
 */
export async function readActionsHistory(
  client: GitHubClient,
  repo: RepoRef,
  requests: readonly HistoryRequest[],
  bounds: HistoryBounds,
  cache: HistoryCache = createHistoryCache(),
): Promise<JobHistoryResult[]> {
  const maxRuns = bounds.maxRuns ?? 30;
  const since = new Date(bounds.now - (bounds.maxDays ?? 90) * DAY).toISOString().slice(0, 10);
  const out: JobHistoryResult[] = [];
  const runsByWorkflow = new Map<string, GhResult<ApiRun[]>>();
  for (const req of requests) {
    const workflowId = req.workflowFile.split("/").pop()!;
    const branches = req.branches && req.branches.length > 0 ? [...req.branches].sort() : null;
    const key = `${workflowId}|${branches?.join(",") ?? ""}`;
    let runs = runsByWorkflow.get(key);
    if (!runs) {
      runs = await readRuns(client, repo, cache, workflowId, branches, since, maxRuns);
      runsByWorkflow.set(key, runs);
    }
    if (!runs.ok) {
      out.push({ ...runs, request: req });
      continue;
    }
    const jobRuns: JobRun[] = [];
    let failure: GhFailure | null = null;
    for (const run of runs.data) {
      const jobs = await readJobs(client, repo, cache, run.id);
      if (!jobs.ok) {
        failure = jobs;
        break;
      }
      for (const job of jobs.data) {
        if (!jobMatches(job.name, req)) continue;
        const startedAt = time(job.started_at);
        const completedAt = time(job.completed_at);
        if (startedAt === null || completedAt === null) continue;
        let expired = false;
        if (job.conclusion === "failure") {
          const e = await readExpired(client, repo, cache, job.id);
          if (!e.ok) {
            failure = e;
            break;
          }
          expired = e.data;
        }
        jobRuns.push({
          runId: run.id,
          url: job.html_url,
          branch: run.head_branch,
          startedAt,
          completedAt,
          conclusion: job.conclusion,
          steps: stepsOf(job),
          expired,
        });
      }
      if (failure) break;
    }
    if (failure) out.push({ ...failure, request: req });
    else out.push({ ok: true, request: req, history: { runs: jobRuns, branches } });
  }
  return out;
}

function stepsOf(job: ApiJob): StepTiming[] | null {
  if (!Array.isArray(job.steps) || job.steps.length === 0) return null;
  return job.steps.map((s) => ({
    name: s.name,
    number: s.number,
    startedAt: time(s.started_at),
    completedAt: time(s.completed_at),
  }));
}

async function readRuns(
  client: GitHubClient,
  repo: RepoRef,
  cache: HistoryCache,
  workflowId: string,
  branches: string[] | null,
  since: string,
  maxRuns: number,
): Promise<GhResult<ApiRun[]>> {
  const route = "GET /repos/{owner}/{repo}/actions/workflows/{workflow_id}/runs";
  const what = `the runs of ${workflowId}`;
  try {
    // One branch: GitHub filters. Several: read each (the API takes one branch at a time).
    const lists = await Promise.all(
      (branches ?? [null]).map(async (branch) => {
        const data = await conditionalGet(client, cache, route, {
          owner: repo.owner,
          repo: repo.repo,
          workflow_id: workflowId,
          status: "completed",
          created: `>=${since}`,
          per_page: maxRuns,
          ...(branch ? { branch } : {}),
        });
        return listOf<ApiRun>("workflow_runs")(data);
      }),
    );
    const runs = lists
      .flat()
      .sort(
        (a, b) =>
          (time(b.run_started_at ?? b.created_at) ?? 0) - (time(a.run_started_at ?? a.created_at) ?? 0),
      )
      .slice(0, maxRuns);
    return { ok: true, data: runs };
  } catch (e) {
    return failureFromError(e, what, PERMISSION);
  }
}

async function readJobs(
  client: GitHubClient,
  repo: RepoRef,
  cache: HistoryCache,
  runId: number,
): Promise<GhResult<ApiJob[]>> {
  const hit = cache.jobs.get(runId);
  if (hit) return { ok: true, data: hit };
  try {
    const { items } = await paginate(
      client,
      "GET /repos/{owner}/{repo}/actions/runs/{run_id}/jobs",
      { owner: repo.owner, repo: repo.repo, run_id: runId, per_page: 100 },
      { items: listOf<ApiJob>("jobs") },
    );
    cache.jobs.set(runId, items);
    return { ok: true, data: items };
  } catch (e) {
    return failureFromError(e, `the jobs of run ${runId}`, PERMISSION);
  }
}

/** Whether a failed job's check-run annotations show an expired token (the job id is its check run's). */
async function readExpired(
  client: GitHubClient,
  repo: RepoRef,
  cache: HistoryCache,
  jobId: number,
): Promise<GhResult<boolean>> {
  const hit = cache.expired.get(jobId);
  if (hit !== undefined) return { ok: true, data: hit };
  try {
    const { items } = await paginate(
      client,
      "GET /repos/{owner}/{repo}/check-runs/{check_run_id}/annotations",
      { owner: repo.owner, repo: repo.repo, check_run_id: jobId, per_page: 100 },
      {
        items: (data) => {
          if (!Array.isArray(data)) throw new Error("expected a list of annotations");
          return data as { message?: string | null; title?: string | null; raw_details?: string | null }[];
        },
      },
    );
    const expired = items.some((a) =>
      isExpiryMessage(`${a.title ?? ""}\n${a.message ?? ""}\n${a.raw_details ?? ""}`),
    );
    cache.expired.set(jobId, expired);
    return { ok: true, data: expired };
  } catch (e) {
    return failureFromError(e, `the annotations of job ${jobId}`, { permission: "Checks: read" });
  }
}
