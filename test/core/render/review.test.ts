import { describe, expect, it } from "vitest";
import type { Finding, ScanResult } from "../../../src/core/engine/scan-types.js";
import {
  MAX_COMMENTS,
  marker,
  parseMarker,
  parseMarkers,
  planReview,
  type ReviewOptions,
} from "../../../src/core/render/review.js";
import { checkWorkflowFiles } from "../../../src/core/report/index.js";
import { allRuleMeta } from "../../../src/core/rules/index.js";
import { missingIdTokenPermission } from "../../../src/core/rules/missing-id-token-permission.js";
import { unpinnedCredentialsAction } from "../../../src/core/rules/unpinned-credentials-action.js";
import type { WorkflowRule } from "../../../src/core/rules/workflow-rule.js";
import { parseWorkflow } from "../../../src/core/workflow/index.js";
import { acmeScanResult, acmeSource, cleanScanResult } from "./scan-fixture.js";

const rules = allRuleMeta();
const RELEASE = ".github/workflows/release.yml";
const DEPLOY = ".github/workflows/deploy.yml";

/** The diff of a pull request that edits the release workflow and the deploy job's role line. */
const acmeDiff = (): Map<string, Set<number>> =>
  new Map([
    [RELEASE, new Set([14, 15, 16, 17, 18, 19, 20])],
    [DEPLOY, new Set([21, 22, 23, 24])],
  ]);

const plan = (result: ScanResult, overrides: Partial<ReviewOptions> = {}) =>
  planReview(result, { commentable: acmeDiff(), existing: [], source: acmeSource, rules, ...overrides });

/** What the App would collect from the comments and the review it posted. */
function postedMarkers(p: ReturnType<typeof plan>): { fingerprint: string; id: number }[] {
  return [
    ...p.comments.map((c, i) => ({ fingerprint: parseMarker(c.body)!, id: 1000 + i })),
    ...(p.body !== null ? parseMarkers(p.body).map((fingerprint) => ({ fingerprint, id: 1 })) : []),
  ];
}

/** Findings of one real workflow rule on a workflow text. */
function ruleFindings(rule: WorkflowRule, file: string, text: string): Finding[] {
  const { workflow } = parseWorkflow(text, file);
  expect(workflow).not.toBeNull();
  return checkWorkflowFiles([rule], [{ path: file, text }]);
}

/** Plans the review of one workflow added by the pull request (every line in the diff). */
function reviewWorkflow(rule: WorkflowRule, text: string) {
  const file = ".github/workflows/deploy.yml";
  const findings = ruleFindings(rule, file, text);
  expect(findings).toHaveLength(1);
  const lines = new Set(text.split("\n").map((_, i) => i + 1));
  const p = planReview(
    { ...cleanScanResult(), findings },
    { commentable: new Map([[file, lines]]), existing: [], source: () => text, rules },
  );
  expect(p.comments).toHaveLength(1);
  return { finding: findings[0]!, comment: p.comments[0]! };
}

const suggestion = (body: string) => /```suggestion\n([\s\S]*?)\n```/.exec(body)?.[1] ?? null;

describe("planReview", () => {
  it("matches the reviewed review", async () => {
    const p = plan(acmeScanResult());
    const comments = p.comments.map(
      (c) => `---- comment on ${c.path}:${c.line} (${c.side}) ----\n\n${c.body}`,
    );
    await expect(`---- review body ----\n\n${p.body}\n\n${comments.join("\n\n")}\n`).toMatchFileSnapshot(
      "__snapshots__/acme-payments.review.md",
    );
  });

  it("comments inline only on lines of the diff, and lists the rest briefly in the body", () => {
    const p = plan(acmeScanResult());
    expect(p.comments.map((c) => `${c.path}:${c.line}`)).toEqual([
      `${DEPLOY}:23`,
      `${RELEASE}:17`,
      `${RELEASE}:19`,
      `${RELEASE}:19`,
    ]);
    expect(p.comments.every((c) => c.side === "RIGHT")).toBe(true);
    // deploy.yml:25 is outside the diff, plan.yml is not in the pull request at all.
    expect(p.body).toContain(
      "**rolecall** found 4 findings on lines this pull request changes (see the comments) and 6 elsewhere.",
    );
    expect(p.body).toContain("`.github/workflows/deploy.yml:25`");
    expect(p.body).toContain("the **rolecall** check run");
    expect(p.fixed).toEqual([]);
  });

  it("links the check run when its address is known, and lists at most ten findings", () => {
    const base = acmeScanResult();
    const many = Array.from({ length: 14 }, (_, i) => ({
      ...base.findings[0]!,
      file: `.github/workflows/w${i}.yml`,
      fingerprint: `f${i}`,
    }));
    const p = plan({ ...base, findings: many }, { checkRunUrl: "https://github.com/acme/payments/runs/42" });
    expect(p.body).toContain("[the rolecall check run](https://github.com/acme/payments/runs/42)");
    expect(p.body).toContain("**rolecall** found 14 findings, none on a line this pull request changes.");
    expect(p.body).toContain("- … and 4 more");
    expect(parseMarkers(p.body!)).toHaveLength(14);
  });

  it("comments inline on at most 50 findings, the most severe, and lists the others", () => {
    const base = acmeScanResult().findings[0]!;
    const findings = Array.from({ length: 60 }, (_, i) => ({
      ...base,
      severity: i % 3 === 0 ? ("high" as const) : ("low" as const),
      line: i + 1,
      fingerprint: `f${i}`,
    }));
    const p = plan(
      { ...acmeScanResult(), findings },
      { commentable: new Map([[DEPLOY, new Set(findings.map((f) => f.line))]]) },
    );
    expect(p.comments).toHaveLength(MAX_COMMENTS);
    expect(p.comments.filter((c) => c.body.startsWith("**🟠 High**"))).toHaveLength(20);
    expect(p.comments.map((c) => c.line)).toEqual([...p.comments.map((c) => c.line)].sort((a, b) => a - b));
    expect(parseMarkers(p.body!)).toHaveLength(10);
  });

  it("ends every comment with a marker that round-trips to its fingerprint", () => {
    const result = acmeScanResult();
    const p = plan(result);
    for (const c of p.comments) {
      expect(c.body.endsWith(marker(c.fingerprint))).toBe(true);
      expect(parseMarker(c.body)).toBe(c.fingerprint);
      expect(parseMarkers(c.body)).toEqual([c.fingerprint]);
    }
    const inline = new Set(p.comments.map((c) => c.fingerprint));
    expect(new Set(parseMarkers(p.body!))).toEqual(
      new Set(result.findings.map((f) => f.fingerprint).filter((fp) => !inline.has(fp))),
    );
  });

  it("reads no marker from other comments, nor one quoted in the middle of a text", () => {
    expect(parseMarker("LGTM")).toBeNull();
    expect(parseMarkers("LGTM")).toEqual([]);
    expect(parseMarker(`see ${marker("abc")} above, please`)).toBeNull();
    expect(parseMarker(`${marker("abc")}\n`)).toBe("abc");
  });

  it("never posts a finding twice across re-scans, and has nothing to say when nothing changed", () => {
    const first = plan(acmeScanResult());
    const second = plan(acmeScanResult(), { existing: postedMarkers(first) });
    expect(second).toEqual({ comments: [], body: null, fixed: [] });
  });

  it("posts only what is new on a re-scan, and says what is still open", () => {
    const result = acmeScanResult();
    const first = plan({
      ...result,
      findings: result.findings.filter((f) => f.rule !== "unpinned-credentials-action"),
    });
    const second = plan(result, { existing: postedMarkers(first) });
    expect(second.comments.map((c) => c.body.split("\n")[0])).toEqual([
      "**🔵 Low** · [`unpinned-credentials-action`](docs/rules.md#unpinned-credentials-action) · configure-aws-credentials is not pinned to a commit, or is an outdated major",
    ]);
    expect(second.body).toContain(
      "**rolecall** found 1 new finding on lines this pull request changes (see the comments).",
    );
    expect(second.body).toContain("9 findings from earlier reviews are still open.");
  });

  it("reports what a complete re-scan no longer finds as fixed", () => {
    const before = { ...acmeScanResult(), complete: true };
    const first = plan(before);
    const after = {
      ...before,
      findings: before.findings.filter(
        (f) => f.rule !== "sub-not-trusted" && f.rule !== "unpinned-credentials-action",
      ),
    };
    const gone = before.findings.filter((f) => !after.findings.includes(f)).map((f) => f.fingerprint);
    const second = plan(after, { existing: postedMarkers(first) });
    expect(second.comments).toEqual([]);
    expect(new Set(second.fixed)).toEqual(new Set(gone));
    expect(second.fixed).toHaveLength(3);
    expect(second.body).toContain("✅ **Fixed:** 3 findings from an earlier review are no longer reported.");
    expect(second.body).toContain("7 findings from earlier reviews are still open.");
  });

  it("marks nothing fixed after an incomplete scan, where a finding may only be unchecked", () => {
    const before = acmeScanResult();
    const first = plan(before);
    const after = { ...before, findings: before.findings.filter((f) => f.rule !== "sub-not-trusted") };
    expect(plan(after, { existing: postedMarkers(first) })).toEqual({ comments: [], body: null, fixed: [] });

    const withNew = {
      ...after,
      findings: [
        ...after.findings,
        { ...before.findings[0]!, rule: "trust-repo-wide", fingerprint: "feedfacefeedface" },
      ],
    };
    const second = plan(withNew, { existing: postedMarkers(first) });
    expect(second.fixed).toEqual([]);
    expect(second.body).toContain(
      "2 earlier findings are not in this scan, but it was incomplete, so they are not marked fixed.",
    );
  });

  it("has nothing to say about a clean scan", () => {
    expect(plan(cleanScanResult())).toEqual({ comments: [], body: null, fixed: [] });
  });
});

describe("planReview: suggestions", () => {
  it("pins configure-aws-credentials to the SHA named in the fix, keeping the step's indentation", () => {
    const c = plan(acmeScanResult()).comments.find((x) => x.line === 17)!;
    expect(suggestion(c.body)).toBe(
      "      - uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502 # v4.0.2",
    );
  });

  it("pins with the rule's own fix text", () => {
    const text = [
      "on: push",
      "permissions:",
      "  id-token: write",
      "jobs:",
      "  deploy:",
      "    runs-on: ubuntu-latest",
      "    steps:",
      "      - name: AWS",
      "        uses: aws-actions/configure-aws-credentials@v4 # latest",
      "        with:",
      "          role-to-assume: arn:aws:iam::123456789012:role/deploy",
      "          aws-region: eu-west-1",
    ].join("\n");
    const { finding, comment } = reviewWorkflow(unpinnedCredentialsAction, text);
    expect(finding.line).toBe(9);
    const sha = /configure-aws-credentials@([0-9a-f]{40}) # (v[\d.]+)/.exec(finding.fix!)!;
    expect(suggestion(comment.body)).toBe(
      `        uses: aws-actions/configure-aws-credentials@${sha[1]} # ${sha[2]}`,
    );
  });

  it("gives no pin suggestion when the fix names no SHA or the file is not at hand", () => {
    const result = acmeScanResult();
    const noSha = result.findings.map((f) =>
      f.rule === "unpinned-credentials-action" ? { ...f, fix: "Pin the action to a full commit SHA." } : f,
    );
    const a = plan({ ...result, findings: noSha }).comments.find((c) => c.line === 17)!;
    expect(a.body).not.toContain("```suggestion");
    const b = plan(result, { source: () => null }).comments.find((c) => c.line === 17)!;
    expect(b.body).not.toContain("```suggestion");
  });

  it("adds `id-token: write` to the job's permissions block, keeping its indentation", () => {
    const text = [
      "name: deploy",
      "on: push",
      "permissions:",
      "  id-token: write",
      "  contents: read",
      "jobs:",
      "  deploy:",
      "    runs-on: ubuntu-latest",
      "    permissions:",
      "      contents: read",
      "    steps:",
      "      - uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3",
      "        with:",
      "          role-to-assume: arn:aws:iam::123456789012:role/deploy",
      "          aws-region: eu-west-1",
    ].join("\n");
    const { finding, comment } = reviewWorkflow(missingIdTokenPermission, text);
    expect(finding.line).toBe(10);
    expect(suggestion(comment.body)).toBe("      id-token: write\n      contents: read");
  });

  it("rewrites a one-line permissions mapping", () => {
    const job = (permissions: string) =>
      [
        "on: push",
        "jobs:",
        "  deploy:",
        "    runs-on: ubuntu-latest",
        `    permissions: ${permissions}`,
        "    steps:",
        "      - uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3",
        "        with:",
        "          role-to-assume: arn:aws:iam::123456789012:role/deploy",
        "          aws-region: eu-west-1",
      ].join("\n");
    const read = reviewWorkflow(missingIdTokenPermission, job("{ id-token: read, contents: read }"));
    expect(suggestion(read.comment.body)).toBe("    permissions: { id-token: write, contents: read }");
    const other = reviewWorkflow(missingIdTokenPermission, job("{ contents: read }"));
    expect(suggestion(other.comment.body)).toBe("    permissions: { id-token: write, contents: read }");
    const none = reviewWorkflow(missingIdTokenPermission, job("{}"));
    expect(suggestion(none.comment.body)).toBe("    permissions: { id-token: write }");
  });

  it("sets the `id-token` entry to write when the finding is on it", () => {
    const text = [
      "on: push",
      "jobs:",
      "  deploy:",
      "    runs-on: ubuntu-latest",
      "    permissions:",
      "      id-token: read # keep it tight",
      "      contents: read",
      "    steps:",
      "      - uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3",
      "        with:",
      "          role-to-assume: arn:aws:iam::123456789012:role/deploy",
      "          aws-region: eu-west-1",
    ].join("\n");
    const { finding, comment } = reviewWorkflow(missingIdTokenPermission, text);
    expect(finding.line).toBe(6);
    expect(suggestion(comment.body)).toBe("      id-token: write");
  });

  it("suggests nothing when a one-line edit cannot be right", () => {
    const steps = [
      "    steps:",
      "      - uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3",
      "        with:",
      "          role-to-assume: arn:aws:iam::123456789012:role/deploy",
      "          aws-region: eu-west-1",
    ];
    // No permissions block: the finding is on the job's key, and adding a block is more than one line.
    const noBlock = reviewWorkflow(
      missingIdTokenPermission,
      ["on: push", "jobs:", "  deploy:", "    runs-on: ubuntu-latest", ...steps].join("\n"),
    );
    expect(noBlock.comment.line).toBe(3);
    expect(noBlock.comment.body).not.toContain("```suggestion");
    // `id-token: read` further down the block: inserting another key would duplicate it.
    const later = reviewWorkflow(
      missingIdTokenPermission,
      [
        "on: push",
        "jobs:",
        "  deploy:",
        "    runs-on: ubuntu-latest",
        "    permissions:",
        "      contents: read",
        "      id-token: read",
        ...steps,
      ].join("\n"),
    );
    expect(later.comment.body).not.toContain("```suggestion");
    // Other rules never carry one.
    expect(plan(acmeScanResult()).comments.filter((c) => c.body.includes("```suggestion"))).toHaveLength(1);
  });
});
