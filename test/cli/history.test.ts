import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run.js";

const ROLE = "arn:aws:iam::123456789012:role/deploy";
const NOW = Date.parse("2026-10-30T12:00:00Z");
const DAY = 86_400_000;
const WORKFLOW = `name: Deploy
on:
  push:
    branches: [main]
permissions:
  id-token: write
  contents: read
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - name: Configure AWS credentials
        uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3
        with:
          role-to-assume: ${ROLE}
          aws-region: eu-west-1
      - run: aws s3 sync ./site s3://octo-site
`;

function repoDir(): string {
  const dir = mkdtempSync(join(tmpdir(), "rolecall-history-"));
  mkdirSync(join(dir, ".github/workflows"), { recursive: true });
  writeFileSync(join(dir, ".github/workflows/deploy.yml"), WORKFLOW);
  return dir;
}

const iso = (ms: number) => new Date(ms).toISOString().replace(".000", "");

/** 10 daily runs from 2026-10-20, 50 minutes growing 30 s a day: 54.5 minutes on the last, 60 on 2026-11-09. */
function apiFor(host: string, prefix: string) {
  const runs = Array.from({ length: 10 }, (_, d) => {
    const start = Date.parse("2026-10-20T03:00:00Z") + d * DAY;
    return { id: 700 + d, start, minutes: 50 + d / 2 };
  });
  const scope = nock(host)
    .matchHeader("authorization", "token ghp_testtoken0000000000000000000000000000")
    .get(`${prefix}/repos/octo-org/octo-repo/actions/workflows/deploy.yml/runs`)
    .query({ status: "completed", branch: "main", created: ">=2026-08-01", per_page: 30 })
    .reply(200, {
      total_count: runs.length,
      workflow_runs: runs.map((r) => ({
        id: r.id,
        head_branch: "main",
        event: "push",
        status: "completed",
        conclusion: "success",
        created_at: iso(r.start),
        run_started_at: iso(r.start),
        html_url: `https://github.com/octo-org/octo-repo/actions/runs/${r.id}`,
      })),
    });
  for (const r of runs) {
    const end = r.start + 60_000 + r.minutes * 60_000;
    scope
      .get(`${prefix}/repos/octo-org/octo-repo/actions/runs/${r.id}/jobs`)
      .query({ per_page: 100 })
      .reply(200, {
        total_count: 1,
        jobs: [
          {
            id: r.id * 10,
            run_id: r.id,
            name: "deploy",
            status: "completed",
            conclusion: "success",
            started_at: iso(r.start),
            completed_at: iso(end),
            html_url: `https://github.com/octo-org/octo-repo/actions/runs/${r.id}/job/${r.id * 10}`,
            steps: [
              {
                name: "Set up job",
                status: "completed",
                conclusion: "success",
                number: 1,
                started_at: iso(r.start),
                completed_at: iso(r.start),
              },
              {
                name: "Configure AWS credentials",
                status: "completed",
                conclusion: "success",
                number: 2,
                started_at: iso(r.start + 60_000),
                completed_at: iso(r.start + 62_000),
              },
              {
                name: "Run aws s3 sync ./site s3://octo-site",
                status: "completed",
                conclusion: "success",
                number: 3,
                started_at: iso(r.start + 62_000),
                completed_at: iso(end),
              },
              {
                name: "Complete job",
                status: "completed",
                conclusion: "success",
                number: 4,
                started_at: iso(end),
                completed_at: iso(end),
              },
            ],
          },
        ],
      });
  }
  return scope;
}

async function scan(args: string[], env: Record<string, string> = {}) {
  let out = "";
  let err = "";
  const dir = repoDir();
  const code = await runCli(
    ["scan", dir, "--repo", "octo-org/octo-repo", "--format", "json", ...args],
    {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      env,
      cwd: dir,
      readFile: async () => "",
      readStdin: async () => "",
      now: () => NOW,
    },
    "test",
  );
  return { code, json: JSON.parse(out), err };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());
afterAll(() => nock.enableNetConnect());

describe("rolecall scan with the run history", () => {
  it("reads the runs with --github-token and reports the job outgrowing its session at the credentials step", async () => {
    const api = apiFor("https://api.github.com", "");
    const { code, json } = await scan(["--github-token", "ghp_testtoken0000000000000000000000000000"]);
    expect(api.isDone()).toBe(true);
    const f = json.findings.filter((x: { rule: string }) => x.rule === "runs-outgrow-session");
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ file: ".github/workflows/deploy.yml", line: 12, job: "deploy", role: ROLE });
    expect(f[0].message).toContain(
      "Its last 10 successful runs on `main` (2026-10-20 to 2026-10-29) held them 50–55 minutes",
    );
    expect(f[0].message).toContain("They grow about 15 minutes a month");
    expect(f[0].message).toContain(
      "At that rate they outlive the session around 2026-11-09, in about 10 days.",
    );
    expect(json.skipped ?? []).not.toContainEqual(expect.objectContaining({ rule: "runs-outgrow-session" }));
    expect(code).toBe(3); // no roles were given: incomplete, as before
  });

  it("takes GITHUB_TOKEN from the environment and --github-api for GHES", async () => {
    const api = apiFor("https://ghes.example.com", "/api/v3");
    const { json } = await scan(["--github-api", "https://ghes.example.com/api/v3/"], {
      GITHUB_TOKEN: "ghp_testtoken0000000000000000000000000000",
    });
    expect(api.isDone()).toBe(true);
    expect(json.findings.map((x: { rule: string }) => x.rule)).toContain("runs-outgrow-session");
  });

  it("lists the rule as skipped, with its reason, without a token, and reads nothing", async () => {
    const { json } = await scan([]);
    expect(json.skipped).toContainEqual({
      rule: "runs-outgrow-session",
      reason:
        "needs the jobs' run history from the GitHub Actions API (rolecall scan --github-token, or GITHUB_TOKEN)",
    });
  });

  it("makes the scan incomplete, naming the permission, when GitHub refuses the runs", async () => {
    nock("https://api.github.com")
      .get("/repos/octo-org/octo-repo/actions/workflows/deploy.yml/runs")
      .query(true)
      .reply(403, { message: "Resource not accessible by personal access token" });
    const { json } = await scan(["--github-token", "ghp_testtoken0000000000000000000000000000"]);
    expect(json.complete).toBe(false);
    const item = json.incomplete.find((i: { rule: string }) => i.rule === "runs-outgrow-session");
    expect(item.reason).toContain("Actions: read");
    expect(JSON.stringify(json)).not.toContain("ghp_testtoken");
  });

  it("refuses a margin outside 0–100 % with a usage error", async () => {
    let err = "";
    const code = await runCli(
      ["scan", repoDir(), "--history-margin", "150"],
      {
        stdout: { write: () => true },
        stderr: { write: (s: string) => (err += s) },
        env: {},
        cwd: "/",
        readFile: async () => "",
        readStdin: async () => "",
      },
      "test",
    );
    expect(code).toBe(2);
    expect(err).toContain("--history-margin must be a number above 0 and at most 100, not 150");
  });

  it("says how many runs it saw when they are too few to judge", async () => {
    apiFor("https://api.github.com", "");
    const { json, err } = await scan([
      "--github-token",
      "ghp_testtoken0000000000000000000000000000",
      "--history-min-runs",
      "11",
    ]);
    expect(json.findings.map((x: { rule: string }) => x.rule)).not.toContain("runs-outgrow-session");
    expect(err).toContain(
      "runs-outgrow-session: job deploy of .github/workflows/deploy.yml: 10 successful runs seen, 11 needed",
    );
  });
});
