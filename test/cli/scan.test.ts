import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run.js";
import { errorsOf, sarifValidator, scanResultValidator } from "../core/render/validators.js";
import { rolecall } from "./helpers.js";

const DEMO = [
  "scan",
  "examples/octo-repo",
  "--roles",
  "examples/roles",
  "--repo",
  "octo-org/octo-repo",
  "--repo-id",
  "2002",
  "--default-branch",
  "main",
];

/** A scratch repository with the given workflow files (path → text). */
function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "rolecall-scan-"));
  for (const [p, text] of Object.entries(files)) {
    const full = join(dir, p);
    mkdirSync(join(full, ".."), { recursive: true });
    writeFileSync(full, text);
  }
  return dir;
}

const PROVIDER = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
const policy = (sub: string) =>
  JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: PROVIDER },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            "token.actions.githubusercontent.com:sub": sub,
          },
        },
      },
    ],
  });

const deployWorkflow = (env: string | null, role = "arn:aws:iam::111122223333:role/deploy") => `name: Deploy
on:
  push:
    branches: [main]
permissions:
  id-token: write
  contents: read
jobs:
  deploy:
    runs-on: ubuntu-latest
${env ? `    environment: ${env}\n` : ""}    steps:
      - uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502 # v4.0.2
        with:
          role-to-assume: ${role}
          aws-region: eu-west-1
`;

describe("rolecall scan (built binary)", () => {
  it("the demo: exit 1 with the denied environment deploys, the exact sub and the fix", () => {
    const r = rolecall(DEMO);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("repo:octo-org/octo-repo:environment:production");
    expect(r.stdout).toMatch(/high sub-not-trusted \.github\/workflows\/deploy\.yml:21:18/);
    expect(r.stdout).toContain("high session-duration-exceeds-max");
    expect(r.stdout).toContain("high missing-id-token-permission");
    expect(r.stdout).toContain("medium static-aws-keys");
    expect(r.stdout).toContain("high trust-repo-wide");
    expect(r.stdout).toContain("medium trust-ref-prefix");
    expect(r.stdout).toMatch(/· complete$/m);
  });

  it("JSON output validates against the committed schema and carries every assumption", () => {
    const r = rolecall([...DEMO, "--format", "json"]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    const validate = scanResultValidator();
    expect(validate(doc), errorsOf(validate)).toBe(true);
    expect(doc.complete).toBe(true);
    const jobs = doc.assumptions.map((a: { file: string; job: string }) => `${a.file}#${a.job}`);
    expect(jobs).toEqual(
      expect.arrayContaining([
        ".github/workflows/deploy.yml#deploy-staging",
        ".github/workflows/deploy.yml#deploy-production",
        ".github/workflows/terraform.yml#apply",
        ".github/workflows/plan.yml#plan",
        ".github/workflows/release.yml#publish",
      ]),
    );
    const apply = doc.assumptions.find((a: { job: string }) => a.job === "apply");
    expect(apply.contexts[0]).toMatchObject({
      event: "push",
      ref: "refs/heads/main",
      environment: "production",
      sub: "repo:octo-org/octo-repo:environment:production",
      decision: "allow",
      caller: ".github/workflows/deploy.yml#infrastructure",
    });
    const rules = new Set(doc.findings.map((f: { rule: string }) => f.rule));
    expect(rules.size).toBeGreaterThanOrEqual(6);
  });

  it("SARIF output validates against the SARIF 2.1.0 schema", () => {
    const r = rolecall([...DEMO, "--format", "sarif"]);
    const log = JSON.parse(r.stdout);
    const validate = sarifValidator();
    expect(validate(log), errorsOf(validate)).toBe(true);
    expect(log.runs[0].results.length).toBeGreaterThan(5);
  });

  it("a clean repository exits 0", () => {
    const dir = repo({
      ".github/workflows/deploy.yml": deployWorkflow("production"),
      "roles/deploy.json": policy("repo:o/r:environment:production"),
    });
    const r = rolecall(["scan", dir, "--roles", join(dir, "roles"), "--repo", "o/r", "--fail-on", "medium"]);
    expect(r.stdout).toContain("allow");
    expect(r.code).toBe(0);
  });

  it("an unresolvable role makes the scan incomplete: exit 3, and says what to map", () => {
    const dir = repo({
      // A GitHub expression, not a JavaScript template.
      ".github/workflows/deploy.yml": deployWorkflow(
        "production",
        ["$", "{{ secrets.DEPLOY_ROLE }}"].join(""),
      ),
    });
    const r = rolecall(["scan", dir, "--repo", "o/r", "--fail-on", "critical", "--format", "json"]);
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout);
    expect(doc.complete).toBe(false);
    expect(doc.incomplete[0]).toMatchObject({ rule: "role-unresolved" });
    expect(doc.findings.some((f: { rule: string }) => f.rule === "role-unresolved")).toBe(true);
    // …and a role map resolves it.
    writeFileSync(
      join(dir, "map.yml"),
      "roles:\n  secrets.DEPLOY_ROLE:\n    production: arn:aws:iam::111122223333:role/deploy\n",
    );
    writeFileSync(join(dir, "deploy.json"), policy("repo:o/r:environment:production"));
    const mapped = rolecall([
      "scan",
      dir,
      "--repo",
      "o/r",
      "--role-map",
      join(dir, "map.yml"),
      "--roles",
      join(dir, "deploy.json"),
      "--format",
      "json",
      "--fail-on",
      "critical",
    ]);
    const m = JSON.parse(mapped.stdout);
    expect(m.assumptions[0].role).toBe("arn:aws:iam::111122223333:role/deploy");
    expect(m.assumptions[0].contexts[0].decision).toBe("allow");
    expect(mapped.code).toBe(0);
  });

  it("no workflow at all: exit 3", () => {
    const dir = mkdtempSync(join(tmpdir(), "rolecall-empty-"));
    const r = rolecall(["scan", dir, "--repo", "o/r"]);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(/INCOMPLETE/);
  });

  it("a broken workflow is a located workflow-invalid finding and the rest of the scan goes on", () => {
    const dir = repo({
      ".github/workflows/broken.yml": "on: push\njobs:\n  a: [unclosed\n",
      ".github/workflows/deploy.yml": deployWorkflow("production"),
      "roles/deploy.json": policy("repo:o/r:environment:production"),
    });
    const r = rolecall(["scan", dir, "--roles", join(dir, "roles"), "--repo", "o/r", "--format", "json"]);
    const doc = JSON.parse(r.stdout);
    const invalid = doc.findings.find((f: { rule: string }) => f.rule === "workflow-invalid");
    expect(invalid).toMatchObject({ file: ".github/workflows/broken.yml" });
    expect(invalid.line).toBeGreaterThanOrEqual(3);
    expect(doc.assumptions[0].contexts[0].decision).toBe("allow");
    expect(doc.complete).toBe(false);
    expect(r.code).toBe(3);
  });

  it(".github/rolecall.yml: fail-on and ignore apply; an invalid key is a located config-invalid finding", () => {
    const dir = repo({
      ".github/workflows/deploy.yml": deployWorkflow(null),
      "roles/deploy.json": policy("repo:o/r:environment:production"),
      ".github/rolecall.yml":
        "fail-on: critical\nignore:\n  rules: [trust-name-based-subject]\nreveiw: comments\n",
    });
    const r = rolecall(["scan", dir, "--roles", join(dir, "roles"), "--repo", "o/r", "--format", "json"]);
    const doc = JSON.parse(r.stdout);
    const rules = doc.findings.map((f: { rule: string }) => f.rule);
    expect(rules).toContain("sub-not-trusted");
    expect(rules).not.toContain("trust-name-based-subject");
    expect(doc.findings.find((f: { rule: string }) => f.rule === "config-invalid")).toMatchObject({
      file: ".github/rolecall.yml",
      line: 4,
    });
    expect(doc.complete).toBe(false);
    expect(r.code).toBe(3); // nothing critical, but the configuration could not be read whole
  });

  it("an inline `# rolecall: ignore[rule]` comment suppresses that finding only", () => {
    const wf = deployWorkflow("production").replace(
      "    environment: production",
      "    environment: production # rolecall: ignore[sub-not-trusted]",
    );
    const dir = repo({
      ".github/workflows/deploy.yml": wf,
      "roles/deploy.json": policy("repo:o/r:ref:refs/heads/main"),
    });
    const r = rolecall(["scan", dir, "--roles", join(dir, "roles"), "--repo", "o/r", "--format", "json"]);
    const doc = JSON.parse(r.stdout);
    expect(doc.assumptions[0].contexts[0].decision).toBe("deny");
    expect(doc.findings.map((f: { rule: string }) => f.rule)).not.toContain("sub-not-trusted");
  });
});

describe("rolecall scan --aws (in process, IAM faked with nock)", () => {
  beforeAll(() => nock.disableNetConnect());
  afterEach(() => nock.cleanAll());

  it("reads the role from IAM's XML GetRole answer and evaluates it", async () => {
    const dir = repo({ ".github/workflows/deploy.yml": deployWorkflow("production") });
    const doc = encodeURIComponent(policy("repo:o/r:environment:production"));
    const scope = nock("https://iam.amazonaws.com")
      .post("/", (body: Record<string, string>) => body.Action === "GetRole" && body.RoleName === "deploy")
      .reply(
        200,
        `<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><GetRoleResult><Role><Path>/</Path><AssumeRolePolicyDocument>${doc}</AssumeRolePolicyDocument><MaxSessionDuration>3600</MaxSessionDuration><RoleId>AROAEXAMPLE</RoleId><RoleName>deploy</RoleName><Arn>arn:aws:iam::111122223333:role/deploy</Arn><CreateDate>2025-01-01T00:00:00Z</CreateDate></Role></GetRoleResult><ResponseMetadata><RequestId>1</RequestId></ResponseMetadata></GetRoleResponse>`,
        { "content-type": "text/xml" },
      );
    let out = "";
    const saved = { ...process.env };
    Object.assign(process.env, {
      AWS_ACCESS_KEY_ID: "AKIDEXAMPLE",
      AWS_SECRET_ACCESS_KEY: "secret",
      AWS_REGION: "us-east-1",
    });
    try {
      const code = await runCli(
        ["scan", dir, "--aws", "--repo", "o/r", "--format", "json"],
        {
          stdout: { write: (s: string) => (out += s) },
          stderr: { write: () => true },
          env: process.env,
          cwd: dir,
          readFile: async () => "",
          readStdin: async () => "",
        },
        "test",
      );
      const result = JSON.parse(out);
      expect(result.assumptions[0].contexts[0].decision).toBe("allow");
      expect(code).toBe(0);
      expect(scope.isDone()).toBe(true);
    } finally {
      process.env = saved;
    }
  });
});
