import { describe, expect, it } from "vitest";
import type { ScanResult } from "../../../src/core/engine/scan-types.js";
import { renderCheckRun } from "../../../src/core/render/check-run.js";
import { TABLE_CELL_MAX } from "../../../src/core/render/check-run-contexts.js";
import { allRuleMeta } from "../../../src/core/rules/index.js";
import { markdownTables, markdownTokens } from "../../support/github-markdown.js";
import { acmeScanResult, cleanScanResult } from "./scan-fixture.js";

/**
 * The check-run summary as a reader sees it on GitHub's checks page (about 700 px wide), checked
 * on the Markdown's structure as a GFM parser reads it: no browser needed (the pictures are
 * `npm run screenshot:check-run`).
 */
const rules = allRuleMeta();
const MAX_COLUMNS = 5;
const summaryOf = (result: ScanResult) =>
  renderCheckRun(result, { failOn: "high", headSha: "946c35c0d1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6", rules })
    .summary;

/** Every job × role (× caller of a reusable workflow) of a scan: what a reader wants a verdict on. */
function jobsOf(result: ScanResult): { job: string; role: string; caller: string | undefined }[] {
  return result.assumptions.flatMap((a) => {
    const callers = [...new Set(a.contexts.map((c) => c.caller))];
    const role = a.role === null ? "role unresolved" : a.role.replace(/^.*:role\//, "");
    return (callers.length > 0 ? callers : [undefined]).map((caller) => ({ job: a.job, role, caller }));
  });
}

/** A scan of many jobs, each with long values: the layout must hold at any size. */
function wide(): ScanResult {
  const base = acmeScanResult();
  const long =
    "repo:acme/payments:environment:production:job_workflow_ref:acme/payments/.github/workflows/deploy.yml@refs/heads/main";
  const assumptions = Array.from({ length: 40 }, (_, i) => ({
    ...base.assumptions[i % base.assumptions.length]!,
    job: `job-${i}`,
    contexts: base.assumptions[i % base.assumptions.length]!.contexts.map((c) => ({
      ...c,
      sub: i % 3 === 0 ? [long, `${long}-${"x".repeat(300)}`] : i % 3 === 1 ? long : c.sub,
      reason: `${c.reason}\nand a second line | with a pipe`,
    })),
  }));
  return { ...base, assumptions };
}

describe("check-run summary layout at GitHub's checks-page width", () => {
  for (const [name, result] of [
    ["acme", acmeScanResult()],
    ["clean", cleanScanResult()],
    ["forty wide jobs", wide()],
  ] as const) {
    it(`${name}: every job's verdict line comes before any table and before the details`, () => {
      const summary = summaryOf(result);
      const firstTable = summary.split("\n").findIndex((l) => l.startsWith("|"));
      const details = summary.indexOf("### What breaks, and the fix");
      const before = summary
        .split("\n")
        .slice(0, firstTable)
        .join("\n")
        .slice(0, details >= 0 ? details : undefined);
      const verdicts = before.split("\n").filter((l) => /^- (❌|⚠️|➖|✅) \*\*`/.test(l));
      for (const { job, role, caller } of jobsOf(result)) {
        const line = verdicts.find(
          (l) =>
            l.includes(`**\`${job}\`**`) &&
            l.includes(role) &&
            (caller === undefined
              ? !l.includes(" via ")
              : l.includes(caller.replace(".github/workflows/", ""))),
        );
        expect(line, `${job} → ${role}${caller ? ` via ${caller}` : ""}`).toBeDefined();
      }
      expect(verdicts).toHaveLength(jobsOf(result).length);
    });

    it(`${name}: no table is wider than ${MAX_COLUMNS} columns, the decision comes first, every cell is one short line`, () => {
      const summary = summaryOf(result);
      const tables = markdownTables(summary);
      expect(tables.length).toBeGreaterThan(0);
      for (const t of tables) {
        expect(t.header.length).toBeLessThanOrEqual(MAX_COLUMNS);
        expect(t.header[0]!.text).toBe("Decision");
        for (const row of t.rows) {
          // A ragged row would be text the table swallowed (a note without a blank line before it).
          expect(row).toHaveLength(t.header.length);
          for (const c of row) {
            expect(c.text, c.text).not.toMatch(/\n|<br/i);
            expect(c.text.length, c.text).toBeLessThanOrEqual(TABLE_CELL_MAX);
          }
        }
      }
    });
  }

  it("puts each reason in a numbered note under its table, not in a cell", () => {
    const tokens = markdownTokens(summaryOf(acmeScanResult()));
    const noted = new Set<number>();
    tokens.forEach((t, i) => {
      if (t.type !== "table") return;
      const numbers = (t.raw.match(/<sup>(\d+)<\/sup>/g) ?? []).map((m) => Number(/\d+/.exec(m)![0]));
      if (numbers.length === 0) return;
      const list = tokens.slice(i + 1).find((x) => x.type !== "space")!;
      expect(list.type).toBe("list");
      const first = Number((list as { start: number | "" }).start);
      const items = (list as { items: unknown[] }).items.length;
      for (const n of numbers) {
        expect(n).toBeGreaterThanOrEqual(first);
        expect(n).toBeLessThan(first + items);
        noted.add(n);
      }
    });
    // Every context that is not allowed has its reason noted: 8 of the 13, 7 distinct reasons.
    expect(noted.size).toBe(7);
  });
});
