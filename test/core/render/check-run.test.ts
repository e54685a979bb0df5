import { describe, expect, it } from "vitest";
import type { Finding, ScanResult } from "../../../src/core/engine/scan-types.js";
import {
  ANNOTATION_TITLE_LIMIT,
  CHECK_OUTPUT_LIMIT,
  renderCheckRun,
  renderNoChanges,
  renderScanError,
} from "../../../src/core/render/check-run.js";
import { allRuleMeta, type RuleMeta, SEVERITIES, type Severity } from "../../../src/core/rules/index.js";
import { acmeScanResult, cleanScanResult } from "./scan-fixture.js";

const rules = allRuleMeta();
const HEAD = "946c35c0d1b2a3f4e5d6c7b8a9f0e1d2c3b4a5f6";
const render = (result: ScanResult, failOn: Severity = "high", notes?: string[]) =>
  renderCheckRun(result, { failOn, headSha: HEAD, rules, ...(notes ? { notes } : {}) });

const bytes = (s: string) => Buffer.byteLength(s, "utf8");

/** Markdown a truncation could have broken: unbalanced fences or `<details>`, a cut table. */
function expectValidMarkdown(md: string): void {
  const fences = md.split("\n").filter((l) => /^\s*```/.test(l));
  expect(fences.length % 2, "an open code fence").toBe(0);
  expect(md.match(/<details>/g)?.length ?? 0).toBe(md.match(/<\/details>/g)?.length ?? 0);
  expect(md.match(/<summary>/g)?.length ?? 0).toBe(md.match(/<\/summary>/g)?.length ?? 0);
  for (const line of md.split("\n")) {
    if (line.startsWith("|")) expect(line.endsWith("|"), line).toBe(true);
  }
}

function finding(overrides: Partial<Finding>): Finding {
  return {
    rule: "trust-repo-wide",
    severity: "high",
    message: "The trust policy of `deploy` admits `repo:acme/payments:*`, every branch, tag and environment.",
    file: ".github/workflows/deploy.yml",
    line: 20,
    column: 27,
    endLine: 20,
    endColumn: 73,
    job: "deploy",
    role: "arn:aws:iam::123456789012:role/deploy",
    fingerprint: "0000000000000000",
    related: [],
    fix: "Trust only `repo:acme/payments:environment:production`.",
    ...overrides,
  };
}

function withFindings(findings: Finding[], complete = true): ScanResult {
  return { ...cleanScanResult(), complete, findings };
}

describe("renderCheckRun: conclusion", () => {
  it("fails at or above the threshold, even on an incomplete scan", () => {
    expect(render(acmeScanResult(), "high").conclusion).toBe("failure");
    expect(render(withFindings([finding({ severity: "medium" })]), "medium").conclusion).toBe("failure");
  });

  it("fails (neutral only when configured), never success, when the scan is incomplete and nothing reaches the threshold", () => {
    // GitHub counts neutral as passing a required check: incomplete fails closed by default.
    expect(render(acmeScanResult(), "critical").conclusion).toBe("failure");
    expect(render({ ...cleanScanResult(), complete: false }, "info").conclusion).toBe("failure");
    const optedIn = renderCheckRun(acmeScanResult(), {
      failOn: "critical",
      headSha: HEAD,
      rules,
      onIncomplete: "neutral",
    });
    expect(optedIn.conclusion).toBe("neutral");
    expect(optedIn.summary).toContain("configured `on-incomplete: neutral`");
    for (const failOn of SEVERITIES) {
      for (const severity of SEVERITIES) {
        const r = render(withFindings([finding({ severity })], false), failOn);
        expect(r.conclusion, `${severity} / fail-on ${failOn}`).not.toBe("success");
      }
    }
  });

  it("succeeds only on a complete scan with nothing at or above the threshold", () => {
    const clean = render(cleanScanResult());
    expect(clean).toMatchObject({ conclusion: "success", title: "Passed: no findings" });
    const low = render(withFindings([finding({ severity: "low" })]), "high");
    expect(low).toMatchObject({ conclusion: "success", title: "Passed: 1 finding below high" });
    expect(low.summary).toContain("1 finding below it is listed for information.");
  });

  it("titles say what decided the conclusion", () => {
    expect(render(acmeScanResult(), "high").title).toBe("5 findings at or above high");
    expect(render(acmeScanResult(), "critical").title).toBe(
      "Incomplete: 1 item could not be checked; fix access and re-run",
    );
  });
});

describe("renderCheckRun: summary", () => {
  it("matches the reviewed check run", async () => {
    const acme = render(acmeScanResult(), "high", [
      "PR has more than 3000 files; only the first 3000 were read",
    ]);
    await expect(`${acme.summary}\n\n${acme.text}\n`).toMatchFileSnapshot(
      "__snapshots__/acme-payments.check-run.md",
    );
    await expect(`${render(cleanScanResult()).summary}\n`).toMatchFileSnapshot(
      "__snapshots__/clean.check-run.md",
    );
  });

  it("shows each run context with its exact sub and decision, per job, the reason in a numbered note", () => {
    const { summary } = render(acmeScanResult());
    const deploy = summary.slice(
      summary.indexOf("**`deploy`** → `payments-deploy` · `.github/workflows/deploy.yml:23`"),
    );
    const nbsp = "\u00a0";
    const table = [
      "| Decision | Run | `sub` |",
      "|---|---|---|",
      `| ✅${nbsp}allow | \`push\` \`refs/heads/main\` env \`staging\` | \`repo:acme/payments:environment:staging\` |`,
      `| ❌${nbsp}deny${nbsp}<sup>2</sup> | \`push\` \`refs/heads/main\` env \`production\` | \`repo:acme/payments:environment:production\` |`,
      "",
      '2. implicit deny: statement 0 "GitHubDeploy" does not apply:',
    ].join("\n");
    expect(deploy.split("\n").slice(2).join("\n")).toContain(table);
    // Disputed subjects: both candidates in one line, and `|` never splits the row.
    expect(summary).toContain(
      "| `pull_request_review` `refs/pull/*/merge` | `repo:acme/payments:pull_request` or `repo:acme/payments:ref:refs/pull/*/merge` (sources disagree) |",
    );
    expect(summary).toContain("`pull_request` `refs/pull/*/merge` from a fork");
    // One reason, one note: both fork rows of `plan` point at the same number.
    const fork = [...summary.matchAll(/⛔\u00a0no\u00a0token\u00a0<sup>(\d+)<\/sup> \| `pull_request/g)].map(
      (m) => m[1],
    );
    expect(fork).toHaveLength(2);
    expect(fork[0]).toBe(fork[1]);
    expect(summary).toContain("**`apply`** via `infra.yml#apply-dev` → `payments-terraform`");
    expectValidMarkdown(summary);
  });

  it("groups findings by severity with the rule linked to its docs, the location and the fix", () => {
    const { summary } = render(acmeScanResult());
    const high = summary.indexOf("#### 🟠 High (5)");
    const medium = summary.indexOf("#### 🟡 Medium (3)");
    expect(high).toBeGreaterThan(0);
    expect(medium).toBeGreaterThan(high);
    expect(summary).toContain(
      "- [`sub-not-trusted`](docs/rules.md#sub-not-trusted) `.github/workflows/deploy.yml:23` (job `deploy`): The trust policy of `payments-deploy` does not admit",
    );
    expect(summary).toContain("**Fix:** Add `repo:acme/payments:environment:production`");
  });

  it("lists what could not be checked, and why", () => {
    const { summary } = render(acmeScanResult());
    expect(summary).toContain("### What could not be checked, and why");
    expect(summary).toContain(
      "the role is a secret, which rolecall cannot read; map it under `roles` in .github/rolecall.yml ([`role-unresolved`](docs/rules.md#role-unresolved))",
    );
  });

  it("puts each role's suggested trust policy in the text once, as JSON and Terraform", () => {
    const base = acmeScanResult();
    const deploy = base.findings.find((f) => f.rule === "sub-not-trusted" && f.file.endsWith("deploy.yml"))!;
    // A second finding on the same role with the same suggestion.
    const twice = {
      ...base,
      findings: [...base.findings, { ...deploy, fingerprint: "1111111111111111", line: 24 }],
    };
    const { text } = render(twice);
    expect(text).not.toBeNull();
    expect(text!.match(/Suggested trust policy for <code>payments-deploy<\/code>/g)).toHaveLength(1);
    expect(text!.match(/Suggested trust policy for <code>legacy-sync<\/code>/g)).toHaveLength(1);
    expect(text).toContain('```json\n{\n  "Version": "2012-10-17",');
    expect(text).toContain('```hcl\ndata "aws_iam_policy_document" "payments_deploy_trust" {');
    expectValidMarkdown(text!);
    expect(render(cleanScanResult()).text).toBeNull();
  });
});

describe("renderCheckRun: limits", () => {
  function manyFindings(n: number, withPolicies: boolean): ScanResult {
    const base = acmeScanResult();
    const policy = base.findings.find((f) => f.suggestedPolicy !== undefined)!.suggestedPolicy!;
    const findings = Array.from({ length: n }, (_, i) =>
      finding({
        rule: i % 2 === 0 ? "sub-not-trusted" : "trust-ref-prefix",
        severity: i % 2 === 0 ? "high" : "medium",
        file: `.github/workflows/deploy-${String(i).padStart(4, "0")}.yml`,
        role: `arn:aws:iam::123456789012:role/deploy-${i}`,
        fingerprint: i.toString(16).padStart(16, "0"),
        related: [
          {
            file: `arn:aws:iam::123456789012:role/deploy-${i}`,
            line: 16,
            column: 11,
            pointer: "/Statement/0/Condition/StringLike/token.actions.githubusercontent.com:sub",
            message: "the pattern that almost matched",
          },
        ],
        fix: "Pin the action:\n\n```yaml\n- uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502 # v4.0.2\n```",
        ...(withPolicies ? { suggestedPolicy: policy } : {}),
      }),
    );
    const assumptions = findings.map((f) => ({
      file: f.file,
      job: "deploy",
      role: f.role,
      line: 20,
      column: 27,
      contexts: base.assumptions[0]!.contexts,
    }));
    return { ...base, assumptions, findings };
  }

  it("keeps 3,000 findings within the Checks API limit, with valid Markdown and a note of what was left out", () => {
    const out = render(manyFindings(3000, true));
    expect(bytes(out.summary)).toBeLessThanOrEqual(CHECK_OUTPUT_LIMIT);
    expect(bytes(out.text!)).toBeLessThanOrEqual(CHECK_OUTPUT_LIMIT);
    expectValidMarkdown(out.summary);
    expectValidMarkdown(out.text!);

    const more =
      /_… (\d+) more findings; see the annotations, or run `rolecall scan` locally for the full report\._/.exec(
        out.summary,
      );
    expect(more).not.toBeNull();
    const shown = out.summary
      .split("\n")
      .filter((l) => l.startsWith("- [`sub-not-trusted`]") || l.startsWith("- [`trust-ref-prefix`]")).length;
    // The room is shared with the verdict per job and its details, which come first.
    expect(shown).toBeGreaterThan(25);
    expect(shown + Number(more![1])).toBe(3000);
    // Most severe first: every high shown before any medium is cut.
    expect(out.summary).toContain("#### 🟠 High (1500)");
    expect(out.summary).toMatch(/_… \d+ more jobs not shown; run `rolecall scan` locally for all of them\._/);
    expect(out.text).toMatch(
      /_… \d+ more suggested policies; run `rolecall scan --format json` locally to get them\._/,
    );
    // Every finding on a file is still annotated.
    expect(out.annotations).toHaveLength(3000);
  });

  it("never exceeds the limit whatever the size of one value", () => {
    const huge = "x".repeat(200_000);
    const out = render(
      withFindings(
        [
          finding({
            message: huge,
            fix: `\`\`\`yaml\n${huge}\n\`\`\``,
            related: [{ file: huge, line: 1, column: 1, message: huge }],
          }),
        ],
        false,
      ),
      "high",
      [huge],
    );
    expect(bytes(out.summary)).toBeLessThanOrEqual(CHECK_OUTPUT_LIMIT);
    expectValidMarkdown(out.summary);
    const [a] = out.annotations;
    expect(bytes(a!.message)).toBeLessThanOrEqual(65_535);
    expect(bytes(a!.raw_details!)).toBeLessThanOrEqual(65_535);
  });
});

describe("renderCheckRun: annotations", () => {
  it("annotates each finding on a repository file at its level, in file order", () => {
    const { annotations } = render(acmeScanResult());
    expect(annotations).toHaveLength(10);
    const levels = Object.fromEntries(annotations.map((a) => [a.title.split(":")[0], a.annotation_level]));
    expect(levels).toMatchObject({
      "sub-not-trusted": "failure",
      "fork-pr-no-token": "warning",
      "unpinned-credentials-action": "notice",
      "role-unresolved": "notice",
    });
    expect(annotations.map((a) => a.path)).toEqual([...annotations.map((a) => a.path)].sort());
  });

  it("gives the exact shape: title `rule-id: title`, message with the fix, related places in raw details", () => {
    const { annotations } = render(acmeScanResult());
    const deploy = annotations.find((a) => a.path === ".github/workflows/deploy.yml" && a.start_line === 23)!;
    expect(deploy).toEqual({
      path: ".github/workflows/deploy.yml",
      start_line: 23,
      end_line: 23,
      start_column: 27,
      end_column: 72,
      annotation_level: "failure",
      title: "sub-not-trusted: The trust policy does not admit the subject this run presents",
      message: expect.stringMatching(
        /^The trust policy of `payments-deploy` does not admit .*\n\nFix: Add `repo:acme\/payments:environment:production`/s,
      ),
      raw_details:
        'roles/payments-deploy.json:16:11 /Statement/0/Condition/StringLike/token.actions.githubusercontent.com:sub: statement 0 "GitHubDeploy": `StringLike` on `sub` accepts only `repo:acme/payments:ref:refs/heads/main` and `repo:acme/payments:environment:staging`',
    });
    const fork = annotations.find((a) => a.title.startsWith("fork-pr-no-token"))!;
    expect(fork.raw_details).toBeUndefined();
  });

  it("sends columns only when the finding is on one line", () => {
    const { annotations } = render(
      withFindings([
        finding({ line: 10, endLine: 14, column: 5, endColumn: 3, fingerprint: "a" }),
        finding({ line: 30, endLine: 30, column: 9, endColumn: 9, fingerprint: "b" }),
      ]),
    );
    expect(annotations[0]).toMatchObject({ start_line: 10, end_line: 14 });
    expect(annotations[0]).not.toHaveProperty("start_column");
    expect(annotations[0]).not.toHaveProperty("end_column");
    expect(annotations[1]).toMatchObject({ start_line: 30, end_line: 30, start_column: 9, end_column: 9 });
  });

  it("does not annotate a finding about a role, and keeps titles within 255 characters", () => {
    const longTitle: RuleMeta[] = rules.map((r) =>
      r.id === "trust-repo-wide" ? { ...r, title: "t".repeat(400) } : r,
    );
    const out = renderCheckRun(
      withFindings([
        finding({ fingerprint: "a" }),
        finding({
          fingerprint: "b",
          file: "arn:aws:iam::123456789012:role/deploy",
          line: 0,
          column: 0,
          endLine: 0,
          endColumn: 0,
        }),
      ]),
      { failOn: "high", headSha: HEAD, rules: longTitle },
    );
    expect(out.annotations).toHaveLength(1);
    expect(out.annotations[0]!.title.length).toBeLessThanOrEqual(ANNOTATION_TITLE_LIMIT);
    expect(out.annotations[0]!.title.startsWith("trust-repo-wide: ttt")).toBe(true);
    expect(out.summary).toContain("`arn:aws:iam::123456789012:role/deploy` (job `deploy`)");
  });
});

describe("renderNoChanges / renderScanError", () => {
  it("passes a pull request that changes no deploy configuration", () => {
    expect(renderNoChanges()).toMatchObject({
      conclusion: "success",
      title: "No deploy configuration changed",
    });
  });

  it("completes a failed scan as failure (neutral only when configured), in plain words, without a stack trace", () => {
    const err = new Error("GitHub answered 502 three times while reading the workflow files");
    const out = renderScanError(`${err.message}\n${err.stack}`);
    expect(out.conclusion).toBe("failure");
    expect(out.title).toMatch(/^Incomplete: /);
    expect(renderScanError("x", "neutral").conclusion).toBe("neutral");
    expect(out.summary).toContain("GitHub answered 502 three times while reading the workflow files");
    expect(out.summary).not.toMatch(/\n\s+at /);
    expect(out.summary).toContain("/rolecall rescan");
  });
});
