import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  createHistoryCache,
  type HistoryRequest,
  jobMatches,
  readActionsHistory,
} from "../../../src/adapters/github/actions-history.js";
import { API, JSON_HEADERS, makeOctokit, OWNER, REPO, REPO_ID, TOKEN } from "./github-wire.js";

const R = `/repos/${OWNER}/${REPO}`;
const NOW = Date.parse("2026-12-08T00:00:00Z");
const REQ: HistoryRequest = {
  workflowFile: ".github/workflows/deploy.yml",
  jobId: "deploy",
  jobName: null,
  branches: ["main"],
};

/** A workflow run as GET …/actions/workflows/{id}/runs lists it (the fields rolecall reads, and some it does not). */
function workflowRun(id: number, startedAt: string, conclusion = "success") {
  return {
    id,
    name: "Deploy",
    node_id: `WFR_${id}`,
    head_branch: "main",
    head_sha: "ce587453ced02b1526dfb4cb910479d431683101",
    path: ".github/workflows/deploy.yml",
    run_number: id - 100,
    event: "push",
    status: "completed",
    conclusion,
    workflow_id: 161335,
    check_suite_id: 414944374 + id,
    url: `${API}${R}/actions/runs/${id}`,
    html_url: `https://github.com/${OWNER}/${REPO}/actions/runs/${id}`,
    created_at: startedAt,
    updated_at: startedAt,
    run_attempt: 1,
    run_started_at: startedAt,
  };
}

const at = (base: string, minutes: number) =>
  new Date(Date.parse(base) + minutes * 60_000).toISOString().replace(".000", "");

/** A job as GET …/actions/runs/{run_id}/jobs lists it, with `steps[]`. */
function job(
  id: number,
  runId: number,
  name: string,
  start: string,
  minutes: number,
  conclusion = "success",
  steps = true,
) {
  return {
    id,
    run_id: runId,
    run_url: `${API}${R}/actions/runs/${runId}`,
    node_id: `CR_${id}`,
    head_sha: "ce587453ced02b1526dfb4cb910479d431683101",
    url: `${API}${R}/actions/jobs/${id}`,
    html_url: `https://github.com/${OWNER}/${REPO}/actions/runs/${runId}/job/${id}`,
    status: "completed",
    conclusion,
    started_at: start,
    completed_at: at(start, minutes),
    name,
    check_run_url: `${API}${R}/check-runs/${id}`,
    labels: ["ubuntu-latest"],
    runner_id: 1,
    runner_name: "GitHub Actions 1",
    workflow_name: "Deploy",
    head_branch: "main",
    steps: steps
      ? [
          {
            name: "Set up job",
            status: "completed",
            conclusion: "success",
            number: 1,
            started_at: start,
            completed_at: at(start, 0),
          },
          {
            name: "Configure AWS credentials",
            status: "completed",
            conclusion: "success",
            number: 2,
            started_at: at(start, 1),
            completed_at: at(start, 1),
          },
          {
            name: "Run ./deploy.sh",
            status: "completed",
            conclusion,
            number: 3,
            started_at: at(start, 1),
            completed_at: at(start, minutes),
          },
          {
            name: "Complete job",
            status: "completed",
            conclusion: "success",
            number: 4,
            started_at: at(start, minutes),
            completed_at: at(start, minutes),
          },
        ]
      : [],
  };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe("readActionsHistory", () => {
  it("reads the completed runs on the job's branch, their jobs (paginated) and the expiries of failed ones", async () => {
    const t1 = "2026-11-01T03:00:00Z";
    const t2 = "2026-11-02T03:00:00Z";
    const scope = nock(API)
      .matchHeader("authorization", `token ${TOKEN}`)
      .get(`${R}/actions/workflows/deploy.yml/runs`)
      .query({ status: "completed", branch: "main", created: ">=2026-09-09", per_page: 30 })
      .reply(
        200,
        { total_count: 2, workflow_runs: [workflowRun(102, t2, "failure"), workflowRun(101, t1)] },
        { ...JSON_HEADERS, etag: 'W/"runs-1"' },
      )
      .get(`${R}/actions/runs/101/jobs`)
      .query({ per_page: 100 })
      .reply(
        200,
        { total_count: 2, jobs: [job(501, 101, "build", t1, 3)] },
        {
          ...JSON_HEADERS,
          link: `<${API}/repositories/${REPO_ID}/actions/runs/101/jobs?per_page=100&page=2>; rel="next", <${API}/repositories/${REPO_ID}/actions/runs/101/jobs?per_page=100&page=2>; rel="last"`,
        },
      )
      .get(`/repositories/${REPO_ID}/actions/runs/101/jobs`)
      .query({ per_page: 100, page: 2 })
      .reply(200, { total_count: 2, jobs: [job(502, 101, "deploy", t1, 41)] }, JSON_HEADERS)
      .get(`${R}/actions/runs/102/jobs`)
      .query({ per_page: 100 })
      .reply(200, { total_count: 1, jobs: [job(503, 102, "deploy", t2, 61, "failure", false)] }, JSON_HEADERS)
      .get(`${R}/check-runs/503/annotations`)
      .query({ per_page: 100 })
      .reply(
        200,
        [
          {
            path: ".github",
            blob_href: "",
            start_line: 1,
            start_column: null,
            end_line: 1,
            end_column: null,
            annotation_level: "failure",
            title: "",
            message:
              "upload failed: ./site/big.bin to s3://octo-site/big.bin An error occurred (ExpiredToken) when calling the UploadPart operation: The provided token has expired.",
            raw_details: "",
          },
        ],
        JSON_HEADERS,
      );
    const [r] = await readActionsHistory(makeOctokit(), { owner: OWNER, repo: REPO }, [REQ], { now: NOW });
    expect(scope.isDone()).toBe(true);
    expect(r!.ok).toBe(true);
    if (!r!.ok) return;
    expect(r!.history.branches).toEqual(["main"]);
    const runs = r!.history.runs;
    expect(
      runs.map((x) => [x.runId, x.conclusion, x.expired, (x.completedAt - x.startedAt) / 60_000]),
    ).toEqual([
      [102, "failure", true, 61],
      [101, "success", false, 41],
    ]);
    // Missing step timings (an empty steps[]) reach the core as null: it then measures the whole job.
    expect(runs[0]!.steps).toBeNull();
    expect(runs[1]!.steps!.map((s) => s.name)).toEqual([
      "Set up job",
      "Configure AWS credentials",
      "Run ./deploy.sh",
      "Complete job",
    ]);
    expect(runs[1]!.url).toBe(`https://github.com/${OWNER}/${REPO}/actions/runs/101/job/502`);
  });

  it("asks again with If-None-Match and answers a 304 from the cache, without re-reading a completed run's jobs", async () => {
    const t1 = "2026-11-01T03:00:00Z";
    const cache = createHistoryCache();
    nock(API)
      .get(`${R}/actions/workflows/deploy.yml/runs`)
      .query(true)
      .reply(
        200,
        { total_count: 1, workflow_runs: [workflowRun(101, t1)] },
        { ...JSON_HEADERS, etag: 'W/"runs-1"' },
      )
      .get(`${R}/actions/runs/101/jobs`)
      .query(true)
      .reply(200, { total_count: 1, jobs: [job(502, 101, "deploy", t1, 41)] }, JSON_HEADERS);
    const first = await readActionsHistory(
      makeOctokit(),
      { owner: OWNER, repo: REPO },
      [REQ],
      { now: NOW },
      cache,
    );
    const again = nock(API)
      .matchHeader("if-none-match", 'W/"runs-1"')
      .get(`${R}/actions/workflows/deploy.yml/runs`)
      .query(true)
      .reply(304, "", { etag: 'W/"runs-1"' });
    const second = await readActionsHistory(
      makeOctokit(),
      { owner: OWNER, repo: REPO },
      [REQ],
      { now: NOW },
      cache,
    );
    expect(again.isDone()).toBe(true);
    expect(second).toEqual(first);
  });

  it("returns a failure naming Actions: read when GitHub refuses, and never throws", async () => {
    nock(API).get(`${R}/actions/workflows/deploy.yml/runs`).query(true).reply(
      403,
      {
        message: "Resource not accessible by integration",
        documentation_url: "https://docs.github.com/rest",
      },
      JSON_HEADERS,
    );
    const [r] = await readActionsHistory(makeOctokit(), { owner: OWNER, repo: REPO }, [REQ], { now: NOW });
    expect(r).toMatchObject({ ok: false, status: 403, permission: "Actions: read", request: REQ });
  });

  it("matches the job by its display name, matrix legs included", () => {
    expect(jobMatches("deploy", { jobId: "deploy", jobName: null })).toBe(true);
    expect(jobMatches("Deploy site (eu-west-1)", { jobId: "deploy", jobName: "Deploy site" })).toBe(true);
    expect(jobMatches("deploy-docs", { jobId: "deploy", jobName: null })).toBe(false);
  });
});
