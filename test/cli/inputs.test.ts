import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readRegularFile } from "../../src/adapters/fs/roles-dir.js";
import { runCli } from "../../src/cli/run.js";
import { ROOT, rolecall } from "./helpers.js";

/** Runs the CLI in this process (the same entry function the binary calls). */
async function cli(args: string[], opts: { cwd?: string; stdin?: string } = {}) {
  let stdout = "";
  let stderr = "";
  const code = await runCli(
    args,
    {
      stdout: { write: (s: string) => (stdout += s) },
      stderr: { write: (s: string) => (stderr += s) },
      env: {},
      cwd: opts.cwd ?? ROOT,
      readFile: (p) => readRegularFile(p),
      readStdin: async () => opts.stdin ?? "",
    },
    "test",
  );
  return { code, stdout, stderr };
}

function repo(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "rolecall-inputs-"));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, ".."), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

const PROVIDER = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
const policy = (sub: string, extra: Record<string, string> = {}) =>
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
            ...extra,
          },
        },
      },
    ],
  });

const workflow = (role: string, env = "production") => `on:
  push:
    branches: [main]
permissions:
  id-token: write
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: ${env}
    steps:
      - uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502 # v4.0.2
        with:
          role-to-assume: ${role}
          aws-region: eu-west-1
`;
const ROLE = "arn:aws:iam::111122223333:role/deploy";
const EXAMPLE = "examples/roles/octo-repo-deploy.json";

describe("scan: mistakes in how it is called are usage errors (exit 2) before anything runs", () => {
  it("names the mistake, and the nearest option for an unknown one", async () => {
    const file = join(repo({ "a.txt": "x" }), "a.txt");
    const cases: [string[], RegExp][] = [
      [["scan", "--role", "examples/roles"], /unknown option --role; did you mean --roles\?/],
      [["scan", "--fromat", "json"], /unknown option --fromat; did you mean --format\?/],
      [["scan", "/does/not/exist"], /DIR \/does\/not\/exist: no such folder/],
      [["scan", file], /not a folder/],
      [["scan", "examples/octo-repo", "--roles", "nope.json"], /--roles nope\.json: no such file or folder/],
      [["scan", "examples/octo-repo", "--issuer", ""], /--issuer is empty/],
      [["scan", "examples/octo-repo", "--issuer", "https://"], /--issuer is empty/],
      [
        ["scan", "examples/octo-repo", "--default-branch", ""],
        /--default-branch is not a branch name: it is empty/,
      ],
      [
        ["scan", "examples/octo-repo", "--default-branch", "a b*[~^:"],
        /--default-branch is not a branch name/,
      ],
      [
        ["scan", "examples/octo-repo", "--sub-template", "repo,bogus"],
        /"bogus" is not a claim GitHub can put in the subject/,
      ],
      [["scan", "examples/octo-repo", "--sub-template", "repo,enviroment"], /did you mean environment\?/],
      [
        ["scan", "examples/octo-repo", "--format", "json", "--format", "sarif"],
        /--format is given more than once/,
      ],
      [
        ["scan", "examples/octo-repo", "--repo-id", "-5"],
        /--repo-id: a value that starts with a dash must be written --repo-id=VALUE/,
      ],
      [["scan", "examples/octo-repo", "--summary", "--format", "json"], /--summary shapes the text output/],
      [["explain", "--policy", EXAMPLE, "--policy", EXAMPLE], /--policy is given more than once/],
      [["explain", "--polcy", EXAMPLE], /unknown option --polcy; did you mean --policy\?/],
    ];
    for (const [args, message] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr, args.join(" ")).toMatch(message);
      expect(r.stdout, args.join(" ")).toBe("");
    }
  });

  it("a 100,000-character --default-branch is refused at once", async () => {
    const r = await cli(["scan", "examples/octo-repo", "--default-branch", "a".repeat(100_000)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/it is 100000 characters long; rolecall accepts at most 255/);
    expect(r.stderr.length).toBeLessThan(1_000); // the value is not echoed
  });

  it("a usage error never echoes control characters from the arguments", async () => {
    const r = await cli(["scan", "examples/octo-repo", "--repo", "o/\u001b[2Jr"]);
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain("\u001b");
    expect(r.stderr).toContain("\\x1b[2J");
  });
});

describe("scan: inputs", () => {
  it("every --roles file is used or reported by name with why; Terraform gets a hint", async () => {
    const dir = repo({
      ".github/workflows/deploy.yml": workflow(ROLE),
      "roles/all.json": JSON.stringify(
        [
          {
            Role: {
              Arn: ROLE,
              RoleName: "deploy",
              AssumeRolePolicyDocument: JSON.parse(policy("repo:o/r:environment:production")),
            },
          },
          {
            Role: {
              Arn: "arn:aws:iam::111122223333:role/unused",
              RoleName: "unused",
              AssumeRolePolicyDocument: JSON.parse(policy("x")),
            },
          },
        ],
        null,
        2,
      ),
      "roles/legacy.tf": 'resource "aws_iam_role" "legacy" {}\n',
      "roles/notes.txt": "hello",
    });
    const r = await cli(["scan", dir, "--roles", join(dir, "roles"), "--repo", "o/r"]);
    expect(r.stdout).toMatch(/allow/);
    // The unused role is named with the line and column where its document starts in the file.
    const lines = readFileSync(join(dir, "roles/all.json"), "utf8").split("\n");
    const second = lines.findIndex((l, i) => l === "  {" && i > 1) + 1;
    expect(r.stderr).toContain(
      `--roles ${join(dir, "roles/all.json")}:${second}:3: not used: no job in the scan assumes arn:aws:iam::111122223333:role/unused`,
    );
    expect(r.stderr).toContain(`--roles ${join(dir, "roles/notes.txt")}: not read: only *.json files`);
    expect(r.stderr).toContain("--roles: 1 of 2 role documents used");
    expect(r.stdout).toMatch(/config-invalid .*legacy\.tf:1:1/);
    expect(r.stdout).toContain("rolecall does not read trust policies from Terraform yet");
  });

  it("a role not in --roles says what was looked for, not that --roles was not given", async () => {
    const dir = repo({
      ".github/workflows/deploy.yml": workflow(ROLE),
      "roles/other.json": policy("repo:o/r:environment:production"),
    });
    const r = await cli(["scan", dir, "--roles", join(dir, "roles"), "--repo", "o/r", "--format", "json"]);
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout);
    expect(doc.incomplete[0].reason).toBe(
      "not in --roles: no document there has this ARN and no bare policy is named deploy.json (1 file read)",
    );
    expect(r.stderr).toMatch(/other\.json: not used: no job in the scan assumes a role named other/);
  });

  it("a FIFO among the --roles paths is reported, never waited on", async () => {
    const dir = repo({ ".github/workflows/deploy.yml": workflow(ROLE) });
    execFileSync("mkfifo", [join(dir, "deploy.json")]);
    const r = await cli(["scan", dir, "--roles", join(dir, "deploy.json"), "--repo", "o/r", "--summary"]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("it is a named pipe (FIFO), not a file; it was not read");
  }, 10_000);

  it("scanning .github/ or a subfolder by mistake points at the repository root", async () => {
    const dir = repo({
      ".github/workflows/deploy.yml": workflow(ROLE),
      ".git/HEAD": "ref: refs/heads/main\n",
    });
    const r = await cli(["scan", ".github"], { cwd: dir });
    expect(r.stderr).toContain(
      "rolecall: .github has no .github/workflows, but . above it has; GitHub runs only the workflows at the repository root: run rolecall scan .",
    );
  });

  it("a non-GitHub origin remote is not taken as the repository", async () => {
    const dir = repo({
      ".github/workflows/deploy.yml": workflow(ROLE),
      ".git/config": '[remote "origin"]\n\turl = git@gitlab.com:org/app.git\n',
      "roles/deploy.json": policy("repo:org/app:environment:production"),
    });
    const r = await cli(["scan", dir, "--roles", join(dir, "roles")]);
    expect(r.stderr).toContain(
      "the origin remote is on gitlab.com, not GitHub; its name is not used as the repository (pass --repo OWNER/NAME)",
    );
    expect(r.stdout).toContain("rolecall scan: (repository unknown)");
    const gh = repo({
      ".github/workflows/deploy.yml": workflow(ROLE),
      ".git/config": '[remote "origin"]\n\turl = https://github.com/org/app.git\n',
      "roles/deploy.json": policy("repo:org/app:environment:production"),
    });
    const ok = await cli(["scan", gh, "--roles", join(gh, "roles")]);
    expect(ok.stdout).toContain("rolecall scan: org/app");
    expect(ok.code).toBe(0);
  });
});

describe("scan: text output", () => {
  it("--summary prints the findings one line each, most severe first, then the summary", async () => {
    const r = await cli([
      "scan",
      "examples/octo-repo",
      "--roles",
      "examples/roles",
      "--repo",
      "octo-org/octo-repo",
      "--default-branch",
      "main",
      "--summary",
    ]);
    expect(r.code).toBe(1);
    const lines = r.stdout.trimEnd().split("\n");
    const findings = lines.slice(0, lines.indexOf(""));
    expect(findings.length).toBeGreaterThan(5);
    for (const l of findings) expect(l).toMatch(/^(critical|high|medium|low|info) [a-z-]+ \S+:\d+:\d+ \S/);
    const order = ["critical", "high", "medium", "low", "info"];
    const ranks = findings.map((l) => order.indexOf(l.split(" ")[0]!));
    expect([...ranks].sort((a, b) => a - b)).toEqual(ranks);
    expect(r.stdout).not.toContain("event  ref"); // no tables
    expect(r.stdout).not.toMatch(/^\s+\d+ \|/m); // no excerpts
    expect(lines.at(-1)).toMatch(/^Summary: .* · complete$/);
  });

  it("code fences in fixes are not printed raw: the code is indented instead", async () => {
    const r = await cli([
      "scan",
      "examples/octo-repo",
      "--roles",
      "examples/roles",
      "--repo",
      "octo-org/octo-repo",
    ]);
    expect(r.stdout).toContain("missing-id-token-permission");
    expect(r.stdout).not.toContain("```");
    expect(r.stdout).toMatch(/fix: Grant the token on the job:\n\n {12}permissions:\n {14}id-token: write/);
  });

  it("control characters and escapes from the repository are shown escaped, never written raw", async () => {
    const esc = "\u001b";
    const dir = repo({
      ".github/workflows/deploy.yml": workflow(
        ROLE,
        `"prod${esc}[2K${esc}[1A${esc}[32mALL GOOD${esc}[0m"`,
      ).replace("permissions:", `# ${esc}]0;owned\u0007 ${esc}[8m hidden\npermissions:`),
      "roles/deploy.json": policy("repo:o/r:environment:production"),
    });
    writeFileSync(
      join(dir, ".github/workflows", "x\nhigh sub-not-trusted forged.yml"),
      "on: push\njobs: {}\n",
    );
    const r = await cli(["scan", dir, "--roles", join(dir, "roles"), "--repo", "o/r"]);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the bytes that must not appear
    expect(r.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f]/);
    expect(r.stdout).toContain("prod\\x1b[2K\\x1b[1A\\x1b[32mALL GOOD\\x1b[0m");
    expect(r.stdout).not.toMatch(/^\s*high sub-not-trusted forged\.yml/m);
  });

  it("the excerpt of a very long line is cut around the columns, so output grows linearly", async () => {
    const flow = (n: number) =>
      `{on: push, jobs: {d: {runs-on: x, env: {${Array.from({ length: n }, (_, i) => `k${i}: [1]`).join(", ")}}}}}\n`;
    const size = async (n: number) => {
      const dir = repo({ ".github/workflows/w.yml": flow(n) });
      const r = await cli(["scan", dir, "--repo", "o/r"]);
      return { out: r.stdout, findings: (r.stdout.match(/^ {4}\S+ [a-z-]+ \S+:\d+:\d+$/gm) ?? []).length };
    };
    const small = await size(250);
    const big = await size(2_000);
    expect(big.findings).toBeGreaterThan(small.findings);
    // Each excerpt line is at most the window plus the gutter and the "…" marks.
    for (const l of big.out.split("\n")) if (/^ {6}1 \|/.test(l)) expect(l.length).toBeLessThan(200);
    const perFinding = (s: { out: string; findings: number }) => s.out.length / Math.max(1, s.findings);
    expect(perFinding(big)).toBeLessThan(perFinding(small) * 1.5);
  }, 60_000);
});

describe("explain: inputs", () => {
  it("derives the claims GitHub mints from a run description (the core's claim builder)", async () => {
    const r = await cli([
      "explain",
      "--policy",
      EXAMPLE,
      "--event",
      "push",
      "--ref",
      "main",
      "--environment",
      "production",
      "--repo",
      "octo-org/octo-repo",
      "--format",
      "json",
    ]);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc.claims).toMatchObject({
      sub: "repo:octo-org/octo-repo:environment:production",
      environment: "production",
      ref: "refs/heads/main",
      repository: "octo-org/octo-repo",
      aud: "sts.amazonaws.com",
    });
    const pr = await cli([
      "explain",
      "--policy",
      EXAMPLE,
      "--event",
      "pull_request",
      "--repo",
      "octo-org/octo-repo",
    ]);
    expect(pr.code).toBe(0);
    expect(pr.stdout).toContain("sub = repo:octo-org/octo-repo:pull_request");
    const immutable = await cli([
      "explain",
      "--policy",
      EXAMPLE,
      "--event",
      "push",
      "--ref",
      "refs/tags/v1",
      "--repo",
      "octo-org/octo-repo",
      "--sub-prefix",
      "repo:octo-org@1001/octo-repo@2002",
    ]);
    expect(immutable.stdout).toContain("sub = repo:octo-org@1001/octo-repo@2002:ref:refs/tags/v1");
    const none = await cli([
      "explain",
      "--policy",
      EXAMPLE,
      "--event",
      "push",
      "--ref",
      "main",
      "--repo",
      "o/r",
      "--sub-template",
      "repo,environment",
    ]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain("GitHub mints no OIDC token for this run");
    const badArn = await cli(["explain", "--policy", EXAMPLE, "--role-arn", "not-an-arn"]);
    expect(badArn.code).toBe(2);
    expect(badArn.stderr).toContain("--role-arn must be a role ARN");
    const missing = await cli(["explain", "--policy", EXAMPLE, "--environment", "production"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("give --event too");
  });

  it("warns when the given claims cannot come from one token", async () => {
    const r = await cli([
      "explain",
      "--policy",
      "examples/roles/octo-repo-deploy.json",
      "--claim",
      "sub=repo:octo-org/octo-repo:ref:refs/heads/main",
      "--claim",
      "environment=production",
    ]);
    expect(r.stdout).toContain(
      "warning: this claim set cannot come from one token: the sub names a ref (refs/heads/main) but an environment claim is given; with an environment, GitHub's default subject is repo:octo-org/octo-repo:environment:production",
    );
    const env = await cli([
      "explain",
      "--policy",
      EXAMPLE,
      "--claim",
      "sub=repo:octo-org/octo-repo:environment:production",
      "--format",
      "json",
    ]);
    expect(JSON.parse(env.stdout).warnings).toEqual([
      "this claim set cannot come from one token: the sub names environment production but no environment claim is given; add --claim environment=production",
    ]);
    const typo = await cli(["explain", "--policy", EXAMPLE, "--claim", "sbu=repo:o/r:pull_request"]);
    expect(typo.stdout).toContain(
      "--claim sbu: AWS exposes no `sbu` condition key for GitHub tokens; did you mean `sub`?",
    );
    const unexposed = await cli(["explain", "--policy", EXAMPLE, "--claim", "event_name=push"]);
    expect(unexposed.stdout).toContain(
      "--claim event_name: GitHub's token has this claim, but AWS exposes no `event_name` condition key for it",
    );
  });

  it("immutable against name-based subjects: says the two forms never match, and how to check", async () => {
    const dir = repo({ "p.json": policy("repo:octo-org@1001/octo-repo@2002:ref:refs/heads/main") });
    const r = await cli([
      "explain",
      "--policy",
      join(dir, "p.json"),
      "--claim",
      "sub=repo:octo-org/octo-repo:ref:refs/heads/main",
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "warning: the policy trusts immutable subjects (e.g. repo:octo-org@1001/octo-repo@2002:ref:refs/heads/main), but this sub is in the name form; the two never match.",
    );
    const reverse = await cli([
      "explain",
      "--policy",
      EXAMPLE,
      "--event",
      "push",
      "--ref",
      "main",
      "--repo",
      "octo-org/octo-repo",
      "--sub-prefix",
      "repo:octo-org@1001/octo-repo@2002",
    ]);
    expect(reverse.stdout).toContain(
      "warning: the sub is an immutable subject (repo:OWNER@ID/NAME@ID:…), but the policy trusts only the name form",
    );
  });

  it("a mistyped condition key in the policy gets 'did you mean'", async () => {
    const dir = repo({
      "p.json": policy("repo:o/r:ref:refs/heads/main").replace(
        "githubusercontent.com:sub",
        "githubusercontent.com:sbu",
      ),
    });
    const r = await cli([
      "explain",
      "--policy",
      join(dir, "p.json"),
      "--claim",
      "sub=repo:o/r:ref:refs/heads/main",
    ]);
    expect(r.stdout).toMatch(
      /warning: statement 0, line 1: the condition key `token\.actions\.githubusercontent\.com:sbu` names no claim AWS exposes for GitHub tokens, so IAM sees it as absent; did you mean `token\.actions\.githubusercontent\.com:sub`\?/,
    );
  });

  it("a pattern too complex to compile, or a 10,000-character literal, gets a clear answer, never an internal error", async () => {
    for (const pattern of [`repo:o/r:ref:refs/heads/${"**a[ab]".repeat(14)}`, "x".repeat(10_000)]) {
      const r = await cli(["explain", "--policy", EXAMPLE, "--claim", `sub~=${pattern}`]);
      expect(r.stderr).not.toContain("internal error");
      expect([0, 1, 3]).toContain(r.code);
      expect(r.stdout).toMatch(/^Decision: /m);
      expect(r.stdout.length).toBeLessThan(20_000);
    }
  }, 60_000);

  it("a file of several roles: pick one with --role-arn, located in the file's own lines", async () => {
    const docs = ["octo-repo-deploy", "octo-repo-plan"].map((n) =>
      JSON.parse(readFileSync(join(ROOT, "examples/roles", `${n}.json`), "utf8")),
    );
    const dir = repo({ "two.json": JSON.stringify(docs, null, 2) });
    const file = join(dir, "two.json");
    const list = await cli(["explain", "--policy", file, "--claim", "sub=x"]);
    expect(list.code).toBe(2);
    expect(list.stderr).toContain(
      "holds 2 roles; choose one with --role-arn: arn:aws:iam::111122223333:role/octo-repo-deploy, arn:aws:iam::111122223333:role/octo-repo-plan",
    );
    const r = await cli([
      "explain",
      "--policy",
      file,
      "--role-arn",
      "arn:aws:iam::111122223333:role/octo-repo-plan",
      "--claim",
      "sub=repo:octo-org/octo-repo:pull_request",
      "--format",
      "json",
    ]);
    expect(r.code).toBe(0);
    const text = readFileSync(file, "utf8").split("\n");
    const sidLine = text.findIndex(
      (l, i) => i > text.findIndex((x) => x.includes("octo-repo-plan")) && l.includes('"Sid"'),
    );
    expect(JSON.parse(r.stdout).statements[0].line).toBe(sidLine); // the statement's "{" is the line above its Sid
  });

  it("a FIFO as --policy is refused at once; a broken embedded document is located in the file", async () => {
    const dir = repo({
      "g.json": [
        "{",
        '  "Role": {',
        '    "Arn": "arn:aws:iam::111122223333:role/x",',
        '    "AssumeRolePolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A"',
        "  }",
        "}",
      ].join("\n"),
    });
    execFileSync("mkfifo", [join(dir, "pipe.json")]);
    const fifo = await cli(["explain", "--policy", join(dir, "pipe.json"), "--claim", "sub=x"]);
    expect(fifo.code).toBe(2);
    expect(fifo.stderr).toContain("it is a named pipe (FIFO), not a file");
    const g = await cli(["explain", "--policy", join(dir, "g.json"), "--claim", "sub=x"]);
    expect(g.code).toBe(2);
    expect(g.stderr).toMatch(/g\.json:4:33: error: In the AssumeRolePolicyDocument string \(decoded/);
  }, 10_000);

  it("a huge Sid or value is cut in the text trace, so the output stays small", async () => {
    const big = "S".repeat(1_000_000);
    const dir = repo({
      "p.json": policy("repo:o/r:ref:refs/heads/main").replace('"Effect"', `"Sid": "${big}", "Effect"`),
    });
    const r = await cli([
      "explain",
      "--policy",
      join(dir, "p.json"),
      "--claim",
      `sub=${"v".repeat(100_000)}`,
    ]);
    expect(r.code).toBe(1);
    expect(r.stdout.length).toBeLessThan(20_000);
    expect(r.stdout).toContain("(1000000 characters)");
    const esc = repo({
      "p.json": policy("repo:o/r:ref:refs/heads/main").replace(
        '"Effect"',
        '"Sid": "a\\u001b]0;owned\\u0007b\\u202e", "Effect"',
      ),
    });
    const e = await cli(["explain", "--policy", join(esc, "p.json"), "--claim", "sub=x\u001b[2J"]);
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the bytes that must not appear
    expect(e.stdout).not.toMatch(/[\u0000-\u0008\u000b-\u001f\u007f\u202e]/);
    expect(e.stdout).toContain("\\x1b[2J");
    expect(e.stdout).toContain("\\x1b]0;owned\\x07b\\u202e");
  });
});

describe("the built binary", () => {
  it("suggests the nearest option and refuses a missing DIR with exit 2", () => {
    const r = rolecall(["scan", "--role", "examples/roles"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("did you mean --roles?");
    const d = rolecall(["scan", "does-not-exist"]);
    expect(d.code).toBe(2);
    expect(d.stderr).toContain("DIR does-not-exist: no such folder");
  });
});
