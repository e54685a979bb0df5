import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { rolecall } from "./helpers.js";

const EXAMPLE = "examples/roles/octo-repo-deploy.json";
const SUB = (ctx: string) => `sub=repo:octo-org/octo-repo:${ctx}`;

function tmp(name: string, text: string): string {
  const dir = mkdtempSync(join(tmpdir(), "rolecall-"));
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

describe("rolecall explain (built binary)", () => {
  it("explains a denied environment deploy: exit 1, the failing condition, both sides and the fix", () => {
    const r = rolecall([
      "explain",
      "--policy",
      EXAMPLE,
      "--claim",
      SUB("environment:production"),
      "--claim",
      "aud=sts.amazonaws.com",
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("Decision: DENY (implicit)");
    expect(r.stdout).toMatch(
      /✗ StringLike token\.actions\.githubusercontent\.com:sub {2}examples\/roles\/octo-repo-deploy\.json:23:29/,
    );
    expect(r.stdout).toContain('token:  "repo:octo-org/octo-repo:environment:production"');
    expect(r.stdout).toContain(
      'to admit this token, add "repo:octo-org/octo-repo:environment:production" to these values',
    );
    expect(r.stdout).not.toContain("\u001b["); // no colour when not a terminal
  });

  it("allows push to main: exit 0", () => {
    const r = rolecall([
      "explain",
      "--policy",
      EXAMPLE,
      "--claim",
      SUB("ref:refs/heads/main"),
      "--claim",
      "aud=sts.amazonaws.com",
    ]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("Decision: ALLOW");
  });

  it("JSON output follows the v1 contract", () => {
    const r = rolecall([
      "explain",
      "--policy",
      EXAMPLE,
      "--claim",
      SUB("pull_request"),
      "--claim",
      "aud=sts.amazonaws.com",
      "--format",
      "json",
    ]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.version).toBe(1);
    expect(doc.decision).toBe("allow");
    expect(doc.explicitDeny).toBe(false);
    expect(doc.statements[0]).toMatchObject({
      index: 0,
      sid: "GitHubActionsDeploy",
      effect: "Allow",
      applies: true,
    });
    expect(doc.statements[0].conditions[1]).toMatchObject({
      operator: "StringLike",
      key: "token.actions.githubusercontent.com:sub",
      claim: { name: "sub", state: "value", value: "repo:octo-org/octo-repo:pull_request" },
      outcome: true,
      matchedValue: "repo:octo-org/octo-repo:pull_request",
    });
    const rules = doc.findings.map((f: { rule: string }) => f.rule);
    expect(rules).toContain("trust-pull-request");
    const pr = doc.findings.find((f: { rule: string }) => f.rule === "trust-pull-request");
    expect(pr).toMatchObject({
      severity: "high",
      pointer: "/Statement/0/Condition/StringLike/token.actions.githubusercontent.com:sub/1",
      line: 25,
    });
  });

  it("a missing aud gets the action's default, sts.amazonaws.com, and says so; other absent claims stay absent", () => {
    const args = ["explain", "--policy", EXAMPLE, "--claim", SUB("ref:refs/heads/main")];
    const json = rolecall([...args, "--format", "json"]);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(doc.statements[0].conditions[0]).toMatchObject({
      claim: { name: "aud", state: "value", value: "sts.amazonaws.com" },
      outcome: true,
    });
    expect(doc.claims.environment).toBeUndefined();
    expect(doc.notes.join("\n")).toContain("aud not given: using sts.amazonaws.com");
    const text = rolecall(args);
    expect(text.stdout).toMatch(
      /note: aud not given: using sts\.amazonaws\.com, the audience aws-actions\/configure-aws-credentials asks for by default/,
    );
    // A different audience given explicitly is evaluated as given.
    const other = rolecall([...args, "--claim", "aud=other", "--format", "json"]);
    expect(other.code).toBe(1);
    expect(JSON.parse(other.stdout).notes).toEqual([]);
  });

  it("reads the URL-encoded document IAM returns, from stdin", () => {
    const policy = JSON.stringify({
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: {
            Federated: "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
          },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: { StringLike: { "token.actions.githubusercontent.com:sub": "repo:octo-org/*" } },
        },
      ],
    });
    const r = rolecall(
      ["explain", "--policy", "-", "--claim", "sub=repo:octo-org/other:pull_request", "--format", "json"],
      {
        input: encodeURIComponent(policy),
      },
    );
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.policy.origin).toBe("url-encoded");
    expect(doc.findings.map((f: { rule: string }) => f.rule)).toEqual(
      expect.arrayContaining(["trust-org-wide", "trust-missing-aud"]),
    );
  });

  it("a pattern claim says none/some/all with examples each way", () => {
    const r = rolecall([
      "explain",
      "--policy",
      EXAMPLE,
      "--claim",
      "sub~=repo:octo-org/octo-repo:ref:refs/heads/ma**",
      "--claim",
      "ref~=refs/heads/ma**",
      "--claim",
      "aud=sts.amazonaws.com",
      "--format",
      "json",
    ]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.pattern).toMatchObject({
      of: "refs/heads/ma**",
      coverage: "some",
      admittedExample: "refs/heads/main",
    });
    expect(doc.pattern.deniedExample).toMatch(/^refs\/heads\/ma/);
    expect(doc.pattern.deniedExample).not.toBe("refs/heads/main");
  });

  it("an indeterminate answer exits 3 and says why", () => {
    const p = tmp(
      "p.json",
      JSON.stringify({
        Version: "2012-10-17",
        Statement: {
          Effect: "Allow",
          Principal: {
            Federated: "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com",
          },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: { "token.actions.githubusercontent.com:sub": "repo:o/r:ref:refs/heads/main" },
            IpAddress: { "aws:SourceIp": "203.0.113.0/24" },
          },
        },
      }),
    );
    const r = rolecall(["explain", "--policy", p, "--claim", "sub=repo:o/r:ref:refs/heads/main"]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("INDETERMINATE");
    expect(r.stdout).toContain("aws:SourceIp");
  });

  it("invalid JSON: exit 2 with file, line and column, no stack trace", () => {
    const p = tmp(
      "bad.json",
      '{\n  "Version": "2012-10-17",\n  "Statement": [\n    {"Effect": "Allow",}\n  ]\n}\n',
    );
    const r = rolecall(["explain", "--policy", p, "--claim", "sub=x"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.json:4:24: error: Invalid JSON at line 4, column 24/);
    expect(r.stderr).not.toMatch(/at .*\.js:\d+/);
  });

  it("usage errors exit 2 and point at --help", () => {
    for (const args of [
      ["explain"],
      ["explain", "--policy", EXAMPLE, "--claim", "nonsense"],
      ["explain", "--policy", EXAMPLE, "--format", "xml"],
      ["explain", "--policy", EXAMPLE, "--claim", "sub=a", "--claim", "sub=b"],
      ["explain", "--policy", "does-not-exist.json"],
      ["frobnicate"],
    ]) {
      const r = rolecall(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr.length, args.join(" ")).toBeGreaterThan(0);
    }
  });

  it("--help works with no set-up", () => {
    const r = rolecall(["--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("explain");
  });
});
