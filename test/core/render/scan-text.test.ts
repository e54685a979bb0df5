// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${{ }}` is literal GitHub expression syntax here.
import { describe, expect, it } from "vitest";
import { renderScanText, subText } from "../../../src/core/render/scan-text.js";
import { colorStyle, plainStyle } from "../../../src/core/render/style.js";
import { acmeScanResult, acmeSource, cleanScanResult } from "./scan-fixture.js";

const render = (result = acmeScanResult(), source: (file: string) => string | null = acmeSource) =>
  renderScanText(result, { style: plainStyle, source });

/** The lines of the report from `start` (a line that contains it) to the next blank line. */
function block(text: string, start: string): string[] {
  const lines = text.split("\n");
  const i = lines.findIndex((l) => l.includes(start));
  expect(i, `no line contains ${start}`).toBeGreaterThanOrEqual(0);
  const end = lines.indexOf("", i);
  return lines.slice(i, end === -1 ? undefined : end);
}

describe("renderScanText", () => {
  it("matches the reviewed report", async () => {
    await expect(render()).toMatchFileSnapshot("__snapshots__/acme-payments.txt");
    await expect(render(cleanScanResult())).toMatchFileSnapshot("__snapshots__/clean.txt");
  });

  it("gives the engineer whose production deploy failed the exact sub, the failing condition and the fix", () => {
    const text = render();
    const deploy = block(text, "job deploy assumes arn:aws:iam::123456789012:role/payments-deploy");
    const row = deploy.find((l) => l.includes("production"))!;
    expect(row).toMatch(
      /push\s+refs\/heads\/main\s+production\s+no\s+repo:acme\/payments:environment:production\s+deny$/,
    );
    const why = deploy[deploy.indexOf(row) + 1]!;
    expect(why).toContain("↳ deny: implicit deny");
    expect(why).toContain("`StringLike token.actions.githubusercontent.com:sub`");
    expect(why).toContain("roles/payments-deploy.json:16:11");

    const finding = block(text, "high sub-not-trusted .github/workflows/deploy.yml:23:27");
    expect(finding.join("\n")).toContain(
      "related: roles/payments-deploy.json:16:11 (/Statement/0/Condition/StringLike/token.actions.githubusercontent.com:sub)",
    );
    expect(finding.find((l) => l.trimStart().startsWith("fix:"))).toContain(
      "Add `repo:acme/payments:environment:production` to the `token.actions.githubusercontent.com:sub` values",
    );
  });

  it("shows the source line with carets exactly under the finding's columns", () => {
    const finding = block(render(), "high sub-not-trusted .github/workflows/deploy.yml:23:27");
    const src = finding.findIndex((l) => l.includes("23 |"));
    const line = finding[src]!;
    const carets = finding[src + 1]!;
    const value = "arn:aws:iam::123456789012:role/payments-deploy";
    expect(line).toContain(`role-to-assume: ${value}`);
    expect(carets.indexOf("^")).toBe(line.indexOf(value));
    expect(carets.trimEnd().length - carets.indexOf("^")).toBe(value.length);
  });

  it("prints a suggested policy as indented JSON a person can paste", () => {
    const finding = block(render(), "medium static-aws-keys .github/workflows/legacy-sync.yml:12:30");
    const start = finding.findIndex((l) => l.includes("suggested trust policy"));
    const json = finding.slice(start + 1);
    expect(json.every((l) => l.startsWith("        "))).toBe(true);
    const policy = JSON.parse(json.join("\n"));
    expect(policy.Statement[0].Condition.StringEquals["token.actions.githubusercontent.com:sub"]).toBe(
      "repo:acme/payments:ref:refs/heads/main",
    );
  });

  it("shows disputed subjects as alternatives, and the caller of a reusable workflow", () => {
    const text = render();
    expect(text).toContain(
      "repo:acme/payments:pull_request | repo:acme/payments:ref:refs/pull/*/merge (docs disagree)",
    );
    const apply = block(text, "job apply assumes");
    expect(apply[1]).toMatch(/caller$/);
    expect(apply.some((l) => /no-token\s+\.github\/workflows\/infra\.yml#apply-dev$/.test(l))).toBe(true);
    expect(subText(["a"])).toBe("a");
    expect(subText("a")).toBe("a");
  });

  it("ends with the severity counts and says which items could not be read", () => {
    const lines = render().trimEnd().split("\n");
    expect(lines.at(-2)).toBe(
      "Summary: 0 critical, 5 high, 3 medium, 1 low, 1 info · INCOMPLETE (1 item could not be read)",
    );
    expect(lines.at(-1)).toBe(
      "  - ${{ secrets.DRIFT_ROLE_ARN }} (.github/workflows/nightly.yml#drift): the role is a secret, which rolecall cannot read; map it under `roles` in .github/rolecall.yml [role-unresolved]",
    );
    expect(lines.at(-3)).toBe(
      "6 role assumptions, 13 run contexts: 5 allow, 2 deny, 1 indeterminate, 3 no-token, 1 not-oidc, 1 unknown-role",
    );
    expect(render(cleanScanResult()).trimEnd().split("\n").at(-1)).toBe(
      "Summary: 0 critical, 0 high, 0 medium, 0 low, 0 info · complete",
    );
  });

  it("states the subject format the repository mints", () => {
    expect(render()).toContain(
      "subject format  repo:acme/payments:<context>  (default format, owner and repository names)",
    );
    expect(render(cleanScanResult())).toContain(
      "subject format  repo:octo-org@1342004/octo-repo@892834123:<context>  (default format, immutable owner and repository ids)",
    );
    const custom = cleanScanResult();
    custom.repository.subTemplate = ["repo", "context", "job_workflow_ref"];
    expect(render(custom)).toContain(
      "repo:octo-org@1342004/octo-repo@892834123:<context>:job_workflow_ref:<job_workflow_ref>  (custom template: repo, context, job_workflow_ref;",
    );
  });

  it("works without sources and with sources that do not match (no excerpt, no crash)", () => {
    const none = render(acmeScanResult(), () => null);
    expect(none).not.toMatch(/^\s+\d+ \|/m);
    expect(none).toContain("fix: Add `repo:acme/payments:environment:production`");
    const short = render(acmeScanResult(), () => "name: x\n");
    expect(short).not.toMatch(/^\s+\d+ \|/m);
  });

  it("colours only through the style: decisions and severities stand out on a terminal, nothing leaks into plain text", () => {
    const plain = render();
    expect(plain).not.toContain(`${String.fromCharCode(27)}[`);
    const color = renderScanText(acmeScanResult(), { style: colorStyle, source: acmeSource });
    expect(color).toContain(colorStyle.red(colorStyle.bold("deny")));
    expect(color).toContain(colorStyle.green("allow"));
    const ESC = String.fromCharCode(27);
    expect(color.replaceAll(new RegExp(`${ESC}\\[\\d+m`, "g"), "")).toBe(plain);
  });

  it("is deterministic whatever order the engine produced", () => {
    const r = acmeScanResult();
    const shuffled = { ...r, findings: [...r.findings].reverse(), assumptions: [...r.assumptions].reverse() };
    expect(render(shuffled)).toBe(render(r));
  });

  it("says plainly when no job assumes a role", () => {
    const empty = { ...cleanScanResult(), assumptions: [] };
    expect(render(empty)).toContain("No job assumes an AWS role through OIDC.");
  });
});
