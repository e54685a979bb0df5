import { describe, expect, it } from "vitest";
import {
  coveredSpan,
  crossing,
  DEFAULT_HISTORY_OPTIONS,
  isExpiryMessage,
  type JobRun,
  judgeRuns,
  sessionFor,
  sparkline,
  svgChart,
  theilSen,
} from "../../../src/core/durations/index.js";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 9, 1, 3, 0, 0); // 2026-10-01T03:00Z
const STEP = { name: "Configure AWS credentials", index: 1 };

/** A successful run on day `d` whose credentials step starts a minute in and whose job ends `span` seconds later. */
function run(d: number, span: number, extra: Partial<JobRun> = {}): JobRun {
  const startedAt = T0 + d * DAY;
  const credAt = startedAt + 60_000;
  const completedAt = credAt + span * 1000;
  return {
    runId: 1000 + d,
    url: `https://github.com/octo-org/octo-repo/actions/runs/${1000 + d}/job/${5000 + d}`,
    branch: "main",
    startedAt,
    completedAt,
    conclusion: "success",
    steps: [
      { name: "Set up job", number: 1, startedAt, completedAt: startedAt + 5000 },
      { name: "Run actions/checkout@v4", number: 2, startedAt: startedAt + 5000, completedAt: credAt },
      { name: "Configure AWS credentials", number: 3, startedAt: credAt, completedAt: credAt + 2000 },
      { name: "Run aws s3 sync", number: 4, startedAt: credAt + 2000, completedAt: completedAt - 1000 },
      { name: "Post Configure AWS credentials", number: 6, startedAt: completedAt - 1000, completedAt },
      { name: "Complete job", number: 7, startedAt: completedAt, completedAt },
    ],
    expired: false,
    ...extra,
  };
}

describe("Theil–Sen trend", () => {
  it("fits a flat series exactly: slope 0, intercept the value, never crosses", () => {
    const t = theilSen([0, 1, 2, 3, 4].map((d) => ({ t: d, y: 2400 })))!;
    expect(t).toEqual({ slope: 0, intercept: 2400, points: 5 });
    expect(crossing(t, 3600, 4)).toBeNull();
  });

  it("fits a growing series exactly and projects its crossing", () => {
    // 40 minutes growing one minute a day: reaches 60 minutes on day 20.
    const t = theilSen([0, 2, 4, 6, 8].map((d) => ({ t: d, y: 2400 + 60 * d })))!;
    expect(t.slope).toBe(60);
    expect(t.intercept).toBe(2400);
    expect(crossing(t, 3600, 8)).toBe(20);
  });

  it("ignores outliers that would drag a least-squares fit", () => {
    const pts = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9].map((d) => ({ t: d, y: 3000 + 10 * d }));
    pts[3] = { t: 3, y: 100 }; // a run that failed fast
    pts[7] = { t: 7, y: 9000 }; // a stuck runner
    const t = theilSen(pts)!;
    expect(t.slope).toBe(10);
    expect(t.intercept).toBe(3000);
  });

  it("fits a noisy series to its median slope", () => {
    // ±15 s alternating: 6 pair slopes below 30, 6 above, 9 exactly 30; residuals 1785 ×4, 1815 ×3.
    const t = theilSen([0, 1, 2, 3, 4, 5, 6].map((d) => ({ t: d, y: 1800 + 30 * d + (d % 2 ? 15 : -15) })))!;
    expect(t.slope).toBe(30);
    expect(t.intercept).toBe(1785);
  });

  it("gives no fit with fewer than two distinct times", () => {
    expect(theilSen([])).toBeNull();
    expect(theilSen([{ t: 1, y: 5 }])).toBeNull();
    expect(
      theilSen([
        { t: 1, y: 5 },
        { t: 1, y: 9 },
      ]),
    ).toBeNull();
  });

  it("says the crossing is now when the line is already above the session", () => {
    expect(crossing({ slope: -1, intercept: 4000, points: 2 }, 3600, 0)).toBe(0);
  });
});

describe("the session each run gets", () => {
  it("is role-duration-seconds, else the action's one hour, capped by MaxSessionDuration and by chaining", () => {
    expect(sessionFor({ requested: undefined, chaining: false, maxSessionDuration: null })).toEqual({
      seconds: 3600,
      source: "the action's default",
      cappedBy: null,
    });
    expect(sessionFor({ requested: 7200, chaining: false, maxSessionDuration: 14400 }).seconds).toBe(7200);
    expect(sessionFor({ requested: 7200, chaining: false, maxSessionDuration: 3600 })).toMatchObject({
      seconds: 3600,
      cappedBy: "max-session-duration",
    });
    expect(sessionFor({ requested: 7200, chaining: true, maxSessionDuration: 43200 })).toMatchObject({
      seconds: 3600,
      cappedBy: "role-chaining",
    });
  });
});

describe("the span the session must cover", () => {
  it("runs from the credentials step to the job's end when step timings exist", () => {
    expect(coveredSpan(run(0, 2400), STEP, null)).toEqual({ seconds: 2400, basis: "step" });
  });

  it("ends at the next credentials step, which restarts the session", () => {
    const r = run(0, 2400);
    const next = { name: "Run aws s3 sync", index: 2 };
    expect(coveredSpan(r, STEP, next)).toEqual({ seconds: 2, basis: "step" });
  });

  it("is the whole job when the steps are missing, and says so", () => {
    expect(coveredSpan(run(0, 2400, { steps: null }), STEP, null)).toEqual({ seconds: 2460, basis: "job" });
  });

  it("finds a step by position when names differ, and is null for a step that never started", () => {
    const r = run(0, 2400);
    expect(coveredSpan(r, { name: "Assume the deploy role", index: 1 }, null)).toEqual({
      seconds: 2400,
      basis: "step",
    });
    r.steps![2]!.startedAt = null;
    expect(coveredSpan(r, STEP, null)).toBeNull();
  });
});

describe("the judgement", () => {
  const now = T0 + 29 * DAY;

  it("projects a growing deploy's crossing within the horizon, with the figures it rests on", () => {
    // 30 daily runs from 41 minutes, +20 s a day (10 min a month): 60 min on day 57.
    const runs = Array.from({ length: 30 }, (_, d) => run(d, 2460 + 20 * d));
    const j = judgeRuns(runs, STEP, null, 3600, now, DEFAULT_HISTORY_OPTIONS);
    expect(j.seen).toBe(30);
    expect(j.min).toBe(2460);
    expect(j.max).toBe(3040);
    expect(j.trend).toEqual({ slope: 20, intercept: 2460, points: 30 });
    expect(j.growthPerMonth).toBe(600);
    expect(j.crossingAt).toBe(T0 + 57 * DAY);
    expect(j.reasons).toEqual(["margin", "trend"]);
    expect(j.fromStep).toBe(30);
  });

  it("is silent for a flat deploy well inside its session", () => {
    const runs = Array.from({ length: 10 }, (_, d) => run(d, 1800 + (d % 2) * 30));
    const j = judgeRuns(runs, STEP, null, 3600, now, DEFAULT_HISTORY_OPTIONS);
    expect(j.reasons).toEqual([]);
    expect(j.crossingAt).toBeNull();
  });

  it("does not project past the horizon", () => {
    const runs = Array.from({ length: 10 }, (_, d) => run(d, 1200 + d));
    const j = judgeRuns(runs, STEP, null, 3600, now, DEFAULT_HISTORY_OPTIONS);
    expect(j.crossingAt).toBeNull();
    const far = judgeRuns(runs, STEP, null, 3600, now, { ...DEFAULT_HISTORY_OPTIONS, horizonDays: 3000 });
    expect(far.crossingAt).toBe(T0 + 2400 * DAY);
  });

  it("never judges margin or trend from too few runs, and says how many it saw", () => {
    const runs = Array.from({ length: 4 }, (_, d) => run(d, 3400 + 30 * d));
    const j = judgeRuns(runs, STEP, null, 3600, now, DEFAULT_HISTORY_OPTIONS);
    expect(j).toMatchObject({ seen: 4, needed: 5, enough: false, reasons: [] });
  });

  it("counts expired failed runs, even among few, and leaves other failures out of the fit", () => {
    const runs = [
      run(0, 2000),
      run(1, 3610, { conclusion: "failure", expired: true }),
      run(2, 300, { conclusion: "failure" }),
    ];
    const j = judgeRuns(runs, STEP, null, 3600, now, DEFAULT_HISTORY_OPTIONS);
    expect(j.seen).toBe(1);
    expect(j.expiries.map((e) => e.runId)).toEqual([1001]);
    expect(j.reasons).toEqual(["expired"]);
  });

  it("recognises the expiry messages AWS prints", () => {
    expect(isExpiryMessage("An error occurred (ExpiredToken) when calling the PutObject operation")).toBe(
      true,
    );
    expect(
      isExpiryMessage("ExpiredTokenException: The security token included in the request is expired"),
    ).toBe(true);
    expect(isExpiryMessage("AccessDenied: not authorized")).toBe(false);
  });
});

describe("the chart", () => {
  const runs = [
    run(0, 1800),
    run(1, 2700),
    run(2, 3600),
    run(3, 3700, { conclusion: "failure", expired: true }),
  ];
  const j = judgeRuns(runs, STEP, null, 3600, T0 + 3 * DAY, { ...DEFAULT_HISTORY_OPTIONS, minRuns: 2 });

  it("renders a sparkline where █ is the session and ✕ an expiry", () => {
    expect(sparkline(j)).toBe("▄▆█✕");
    expect(sparkline(judgeRuns([], STEP, null, 3600, T0, DEFAULT_HISTORY_OPTIONS))).toBe("");
  });

  it("renders the same SVG for the same numbers", () => {
    expect(svgChart(j)).toMatchInlineSnapshot(`
      "<svg xmlns="http://www.w3.org/2000/svg" width="360" height="120" viewBox="0 0 360 120" role="img">
      <title>Job span against its 60-minute session</title>
      <line x1="10" y1="21.5" x2="350" y2="21.5" stroke="#cf222e" stroke-dasharray="4 3"/>
      <line x1="10.0" y1="65.8" x2="350.0" y2="-0.6" stroke="#8c959f" stroke-dasharray="2 2"/>
      <polyline fill="none" stroke="#0969da" points="10.0,65.8 123.3,43.7 236.7,21.5"/>
      <circle cx="10.0" cy="65.8" r="2" fill="#0969da"/>
      <circle cx="123.3" cy="43.7" r="2" fill="#0969da"/>
      <circle cx="236.7" cy="21.5" r="2" fill="#0969da"/>
      <path d="M347.0 16.1L353.0 22.1M347.0 22.1L353.0 16.1" stroke="#cf222e"/>
      </svg>"
    `);
  });
});
