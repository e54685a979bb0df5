import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_HISTORY_OPTIONS,
  type HistoryFacts,
  type JobRun,
} from "../../../src/core/durations/index.js";
import type { RoleSource } from "../../../src/core/engine/analysis-types.js";
import { planScan } from "../../../src/core/engine/plan.js";
import { parseTrustPolicy } from "../../../src/core/iam/index.js";
import { analyzeScan, report } from "../../../src/core/report/index.js";
import { runsOutgrowSession } from "../../../src/core/rules/runs-outgrow-session.js";
import { MAIN_SUB, OCTO_REPO, subEquals } from "../engine/scan-harness.js";

const FIXTURES = new URL("../../fixtures/history/runs-outgrow-session/", import.meta.url);
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 9, 1, 3, 0, 0);
const NOW = T0 + 29 * DAY;

/** A run on day `d`: set up, checkout (1 min), then one step per credentials step, the job ending `span` s after the first. */
function run(d: number, span: number, extra: Partial<JobRun> = {}): JobRun {
  const startedAt = T0 + d * DAY;
  const cred = startedAt + 60_000;
  const completedAt = cred + span * 1000;
  const step = (name: string, number: number, s: number, e: number) => ({
    name,
    number,
    startedAt: s,
    completedAt: e,
  });
  return {
    runId: 9000 + d,
    url: null,
    branch: "main",
    startedAt,
    completedAt,
    conclusion: "success",
    steps: [
      step("Set up job", 1, startedAt, startedAt + 2000),
      step("Run actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683", 2, startedAt + 2000, cred),
      step("Configure AWS credentials", 3, cred, cred + 2000),
      step("Chain into the target role", 4, cred + 2000, cred + 4000),
      step("Run aws s3 sync ./site s3://octo-site", 5, cred + 4000, completedAt),
      step("Complete job", 6, completedAt, completedAt),
    ],
    expired: false,
    ...extra,
  };
}

const SERIES: Record<string, JobRun[]> = {
  growing: Array.from({ length: 30 }, (_, d) => run(d, 2460 + 20 * d)),
  expired: [run(0, 3000), run(1, 3300), run(2, 3605, { conclusion: "failure", expired: true })],
  flat: Array.from({ length: 10 }, (_, d) => run(d, 1800)),
  few: Array.from({ length: 4 }, (_, d) => run(d, 3420)),
};

const MAX: Record<string, number> = {
  "arn:aws:iam::123456789012:role/deploy": 14400,
  "arn:aws:iam::123456789012:role/one-hour": 3600,
  "arn:aws:iam::123456789012:role/four-hours": 14400,
  "arn:aws:iam::210987654321:role/target": 43200,
};

function roles(arn: string): RoleSource | undefined {
  const max = MAX[arn];
  if (max === undefined) return undefined;
  const policy = parseTrustPolicy(subEquals(MAIN_SUB)).policy!;
  return { kind: "found", arn, policy, file: `roles/${arn.split("/").pop()}.json`, maxSessionDuration: max };
}

function history(series: JobRun[]): HistoryFacts {
  return {
    now: NOW,
    options: DEFAULT_HISTORY_OPTIONS,
    job: (_file, jobId) => (jobId === "deploy" ? { runs: series, branches: ["main"] } : null),
  };
}

function findings(name: string) {
  const text = readFileSync(new URL(name, FIXTURES), "utf8");
  const series = SERIES[/^# history: (\w+)/.exec(text)![1]!]!;
  const file = `.github/workflows/${name}`;
  const plan = planScan({ files: [{ path: file, text }], repo: OCTO_REPO, roleMap: null });
  const result = report(analyzeScan(plan, roles), { history: history(series), rules: [runsOutgrowSession] });
  const marked = text
    .split("\n")
    .flatMap((l, i) => (/# NOT OK: runs-outgrow-session/.test(l) ? [i + 1] : []));
  return { result, marked };
}

const files = readdirSync(FIXTURES).sort();

describe("runs-outgrow-session fixtures", () => {
  it.each(files.filter((f) => f.startsWith("bad-")))("fires at the marked credentials step of %s", (name) => {
    const { result, marked } = findings(name);
    expect(result.findings.map((f) => f.line)).toEqual(marked);
    expect(result.findings.every((f) => f.rule === "runs-outgrow-session")).toBe(true);
  });

  it.each(files.filter((f) => f.startsWith("ok-")))("stays silent on %s", (name) => {
    expect(findings(name).result.findings).toEqual([]);
  });
});

describe("runs-outgrow-session advice", () => {
  it("gives the figures, the date range, the projected crossing and the fixes in order", () => {
    const [f] = findings("bad-growing.yml").result.findings;
    expect(f!.severity).toBe("medium");
    expect(f!.message).toBe(
      "Job `deploy`'s credentials for `arn:aws:iam::123456789012:role/deploy` expire after 60 minutes (the action's default). Its last 30 successful runs on `main` (2026-10-01 to 2026-10-30) held them 41–51 minutes (median 46 minutes, 84 % of the session at most), measured from the credentials step to the job's end. They grow about 10 minutes a month (Theil–Sen fit over 30 runs). At that rate they outlive the session around 2026-11-27, in about 4 weeks. Runs: ▆▆▆▆▆▆▆▆▆▆▆▆▆▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇▇ (█ = 60 minutes).",
    );
    expect(f!.fix).toBe(
      "1. Split the job so that no part holds the credentials this long, or assume the role again (a second credentials step) before the long-running steps: each starts a new session. 2. Set `role-duration-seconds: 6300` (the role allows up to 14400).",
    );
  });

  it("reports an expiry as high, with the aws iam update-role line when the role caps the session", () => {
    const [f] = findings("bad-expired.yml").result.findings;
    expect(f!.severity).toBe("high");
    expect(f!.message).toContain("1 run already failed with `ExpiredToken` (run 9002 on 2026-10-03).");
    expect(f!.fix).toContain(
      "2. Set `role-duration-seconds: 5400`, after raising the role's maximum: `aws iam update-role --role-name one-hour --max-session-duration 5400`.",
    );
  });

  it("tells a chained role to avoid chaining, measuring from the second credentials step", () => {
    const [f] = findings("bad-chaining.yml").result.findings;
    expect(f!.message).toContain(
      "expire after 60 minutes (`role-duration-seconds: 7200`, capped at one hour by role chaining)",
    );
    expect(f!.fix).toContain("2. Avoid role chaining");
  });

  it("is listed as skipped, with its reason, when no history was read", () => {
    const text = readFileSync(new URL("bad-growing.yml", FIXTURES), "utf8");
    const plan = planScan({
      files: [{ path: ".github/workflows/d.yml", text }],
      repo: OCTO_REPO,
      roleMap: null,
    });
    const result = report(analyzeScan(plan, roles), { rules: [runsOutgrowSession] });
    expect(result.findings).toEqual([]);
    expect(result.skipped).toEqual([
      {
        rule: "runs-outgrow-session",
        reason:
          "needs the jobs' run history from the GitHub Actions API (rolecall scan --github-token, or GITHUB_TOKEN)",
      },
    ]);
  });
});
