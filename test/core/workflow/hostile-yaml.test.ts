import { describe, expect, it } from "vitest";
import { parseConfig } from "../../../src/core/config/config.js";
import { parseWorkflow } from "../../../src/core/workflow/index.js";
import { contexts, ROLE, scan } from "../engine/scan-harness.js";

/** Issue 7 §7: odd but legal input read right; large input found in one pass. */
const WORKFLOW = "on: push\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo hi\n";

describe("line ends", () => {
  it.each([
    ["LF", "\n"],
    ["CRLF", "\r\n"],
    ["CR only (a YAML 1.2 line break)", "\r"],
  ])("a workflow with %s line ends has its jobs, at the same lines", (_, eol) => {
    const { workflow, diagnostics } = parseWorkflow(WORKFLOW.replace(/\n/g, eol), "w.yml");
    expect(diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(workflow!.jobs.map((j) => j.id.value)).toEqual(["deploy"]);
    expect(workflow!.jobs[0]!.id.span.start.line).toBe(3);
  });
});

describe("duplicate keys are still found, in one pass", () => {
  it("in a workflow with many keys: every duplicate located, the first kept", () => {
    const keys = Array.from({ length: 20_000 }, (_, i) => `  K${i}: v${i}\n`).join("");
    const text = `on: push\nenv:\n${keys}  K7: again\n  K19999: again\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n`;
    const { workflow, diagnostics } = parseWorkflow(text, "w.yml");
    const dups = diagnostics.filter((d) => d.code === "duplicate-key");
    expect(dups.map((d) => [d.route, d.span.start.line])).toEqual([
      ["env.K7", 20_003],
      ["env.K19999", 20_004],
    ]);
    expect(workflow!.env?.entries.find((e) => e.key.value === "K7")?.value.value).toBe("v7");
  });

  it("in the configuration: a repeated key is a located problem, anywhere in the tree", () => {
    const { problems } = parseConfig(
      "fail-on: low\nignore:\n  rules: [a]\n  rules: [b]\nfail-on: high\n",
      "c.yml",
    );
    expect(problems.map((p) => [p.line, p.column, p.message])).toEqual([
      [4, 3, "Map keys must be unique"],
      [5, 1, "Map keys must be unique"],
    ]);
  });
});

describe("matrices", () => {
  const step = `      - uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502
        with:
          role-to-assume: \${{ matrix.role }}
          aws-region: eu-west-1
`;
  const matrixJob = (a: number, b: number) => `on:
  push:
    branches: [main]
permissions:
  id-token: write
jobs:
  deploy:
    runs-on: ubuntu-latest
    strategy:
      matrix:
        role: [${Array.from({ length: a }, (_, i) => `'${ROLE}${i}'`).join(", ")}]
        region: [${Array.from({ length: b }, (_, i) => `r${i}`).join(", ")}]
    steps:
${step}`;

  it("a static matrix of 256 combinations (GitHub's limit) is expanded", () => {
    const { result } = scan({ files: { ".github/workflows/m.yml": matrixJob(16, 16) } });
    expect(new Set(result.assumptions.map((a) => a.role)).size).toBe(16);
    expect(result.incomplete.filter((i) => i.rule === "role-unresolved")).toEqual([]);
  });

  it("a static matrix over the limit is reported as too large, not as computed at run time", () => {
    const { result } = scan({ files: { ".github/workflows/m.yml": matrixJob(16, 17) } });
    const reasons = result.incomplete.map((i) => i.reason).join("\n");
    expect(reasons).toMatch(
      /the matrix has 272 combinations, more than the 256 jobs GitHub runs for one matrix/,
    );
    expect(reasons).not.toMatch(/run time/);
    expect(result.complete).toBe(false);
    expect(contexts(result)).toBeDefined();
  });
});
