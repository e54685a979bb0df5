/**
 * The App's analysis in the pool: inputs and result cross the thread boundary as plain data and
 * the result is exactly what the same analysis gives on the calling thread; the analysis asks for
 * the roles and the branch protection it needs, round by round; the budget's message says what was
 * being analysed; the settings are checked.
 */
import { readdirSync, readFileSync } from "node:fs";
import { afterAll, describe, expect, it } from "vitest";
import { readRoleFiles } from "../../src/adapters/fs/roles-dir.js";
import type { RoleSource } from "../../src/core/engine/analysis-types.js";
import {
  type AnalysisFacts,
  createAnalysisPool,
  describeAnalysis,
  readAnalysisSettings,
  runAnalysis,
} from "../../src/worker/analysis.js";
import { type AnalysisInput, analyse, type BranchFact } from "../../src/worker/analysis-task.js";
import { largeDeployWorkflow } from "../support/large-workflow.js";

const EXAMPLE = new URL("../../examples/octo-repo/.github/workflows/", import.meta.url);
/** A push to main outside any environment, with a role that trusts main: the branch's protection matters. */
const SHIP = `name: Ship
on:
  push:
    branches: [main]
permissions:
  id-token: write
  contents: read
jobs:
  ship:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502 # v4.0.2
        with:
          role-to-assume: arn:aws:iam::111122223333:role/octo-repo-deploy
          aws-region: eu-west-1
`;
const files = [
  ...readdirSync(EXAMPLE).map((name) => ({
    path: `.github/workflows/${name}`,
    text: readFileSync(new URL(name, EXAMPLE), "utf8"),
  })),
  { path: ".github/workflows/ship.yml", text: SHIP },
];

const input = (over: Partial<AnalysisInput> = {}): AnalysisInput => ({
  files,
  repo: {
    fullName: "octo-org/octo-repo",
    defaultBranch: "main",
    subPrefix: null,
    subTemplate: null,
    issuer: "token.actions.githubusercontent.com",
    repositoryId: "2002",
  },
  config: { "fail-on": "high" },
  configProblems: [],
  incomplete: [],
  subject: "octo-org/octo-repo",
  roles: null,
  environments: [{ name: "production", protected: true }],
  branches: null,
  ...over,
});

/** The facts the App would read, recording what the analysis asked for. */
async function facts() {
  const { lookup } = await readRoleFiles([new URL("../../examples/roles/", import.meta.url).pathname]);
  const asked: { roles: string[][]; branches: string[][] } = { roles: [], branches: [] };
  const f: AnalysisFacts = {
    roles: async (arns) => {
      asked.roles.push(arns);
      const m = new Map<string, RoleSource>();
      for (const arn of arns) {
        const s = lookup(arn);
        if (s) m.set(arn, s);
      }
      return m;
    },
    branches: async (names) => {
      asked.branches.push(names);
      return new Map<string, BranchFact>(names.map((b) => [b, { protected: false }]));
    },
  };
  return { f, asked };
}

/** The same rounds on this thread, calling the task directly. */
async function inThread(i: AnalysisInput, f: AnalysisFacts) {
  let current = i;
  for (;;) {
    const out = analyse(current);
    if (out.kind === "done") return out.result;
    if (out.kind === "needs-roles") current = { ...current, roles: await f.roles(out.roleArns) };
    else current = { ...current, branches: await f.branches(out.branches) };
  }
}

const pool = createAnalysisPool({ workers: 1, cpuMs: 30_000, memoryMb: 512, maxQueue: 10 });
afterAll(() => pool.close());

describe("analysis in the pool", () => {
  it("gives exactly the result the same analysis gives on this thread, asking for roles then branches", async () => {
    const threaded = await facts();
    const run = await runAnalysis(pool, input(), threaded.f, { tenant: "octo-org" });
    const local = await facts();
    const expected = await inThread(input(), local.f);
    expect(run.ok).toBe(true);
    if (!run.ok) return;
    expect(run.rounds).toBe(3);
    expect(run.result).toEqual(expected);
    expect(threaded.asked).toEqual(local.asked);
    expect(threaded.asked.roles).toEqual([
      [
        "arn:aws:iam::111122223333:role/octo-repo-deploy",
        "arn:aws:iam::111122223333:role/octo-repo-plan",
        "arn:aws:iam::111122223333:role/octo-repo-release",
        "arn:aws:iam::111122223333:role/octo-repo-terraform",
      ],
    ]);
    expect(threaded.asked.branches).toEqual([["main"]]);
    // The unprotected main branch the roles trust is reported: the branch round reached the rules.
    expect(run.result.findings.map((f) => f.rule)).toContain("trust-unprotected-ref");
  });

  it("reads that failed make the result incomplete, naming them; ignores apply", async () => {
    const { f } = await facts();
    const run = await runAnalysis(
      pool,
      input({
        incomplete: [
          'The repository\'s OIDC subject format could not be read: grant the App the "actions" permission',
        ],
        config: { ignore: { rules: ["trust-unprotected-ref"] } },
      }),
      f,
      { tenant: "octo-org" },
    );
    expect(run.ok).toBe(true);
    if (!run.ok) return;
    expect(run.result.complete).toBe(false);
    expect(run.result.incomplete).toContainEqual({
      subject: "octo-org/octo-repo",
      reason:
        'The repository\'s OIDC subject format could not be read: grant the App the "actions" permission',
      rule: "config-invalid",
    });
    expect(run.result.findings.map((x) => x.rule)).not.toContain("trust-unprotected-ref");
  });

  it("stopped by the budget, says what was being analysed", async () => {
    const small = createAnalysisPool({ workers: 1, cpuMs: 300, memoryMb: 256, maxQueue: 10 });
    try {
      const slow = largeDeployWorkflow();
      const { f } = await facts();
      const run = await runAnalysis(small, input({ files: [{ path: files[0]!.path, text: slow }] }), f, {
        tenant: "octo-org",
      });
      // The phase named is wherever the input is slow today (it moves as the analysis gets faster).
      expect(run).toMatchObject({ ok: false, kind: "budget", exceeded: "cpu" });
      if (run.ok || run.kind !== "budget") return;
      expect(run.reason).toMatch(
        /^rolecall stopped analysing this pull request: it exceeded the analysis budget \(more than 0\.3 s of CPU time while [a-z' ]+, in 1 file of octo-org\/octo-repo, \d+ KB: `[^`]+`\)$/,
      );
      expect(run.reason).toContain(`${Math.ceil(slow.length / 1024)} KB: \`${files[0]!.path}\``);
    } finally {
      await small.close();
    }
  });
});

describe("analysis settings", () => {
  it("default to the machine's parallelism, 20 s of CPU and 512 MB per scan", () => {
    const s = readAnalysisSettings({});
    expect(s).toMatchObject({ cpuMs: 20_000, memoryMb: 512, maxQueue: 1000 });
    expect(s.workers).toBeGreaterThanOrEqual(1);
  });

  it("read ROLECALL_ANALYSIS_* and refuse values that are not numbers in range, naming the variable", () => {
    expect(
      readAnalysisSettings({
        ROLECALL_ANALYSIS_WORKERS: "3",
        ROLECALL_ANALYSIS_CPU_SECONDS: "2.5",
        ROLECALL_ANALYSIS_MEMORY_MB: "1024",
        ROLECALL_ANALYSIS_QUEUE: "50",
      }),
    ).toEqual({ workers: 3, cpuMs: 2_500, memoryMb: 1024, maxQueue: 50 });
    expect(() => readAnalysisSettings({ ROLECALL_ANALYSIS_CPU_SECONDS: "lots" })).toThrow(
      'ROLECALL_ANALYSIS_CPU_SECONDS must be a number from 0.1 to 3600, not "lots"',
    );
    expect(() => readAnalysisSettings({ ROLECALL_ANALYSIS_WORKERS: "0" })).toThrow(
      "ROLECALL_ANALYSIS_WORKERS",
    );
    expect(() => readAnalysisSettings({ ROLECALL_ANALYSIS_MEMORY_MB: "16" })).toThrow(
      "ROLECALL_ANALYSIS_MEMORY_MB",
    );
  });
});

describe("the budget message", () => {
  it("shows the pull request's paths in code spans, with control characters replaced", () => {
    const text = describeAnalysis(
      input({ files: [{ path: ".github/workflows/a\u001b[31m`x`.yml", text: "on: push\n" }] }),
      "planning",
    );
    expect(text).toBe(
      "reading the workflows and working out their runs, in 1 file of octo-org/octo-repo, 1 KB: `` .github/workflows/a\ufffd[31m`x`.yml ``",
    );
  });
});
