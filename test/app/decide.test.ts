/**
 * One decide phase: the App and the CLI finish a scan through the same `report()`, so the same
 * inputs give the same findings, the same suppression and the same completeness (issue 7 §2).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RoleReader } from "../../src/adapters/aws/index.js";
import type { RoleAccess } from "../../src/app/aws-access.js";
import { runScanCommand } from "../../src/cli/scan.js";
import type { ScanResult } from "../../src/core/engine/scan-types.js";
import {
  ACCOUNT,
  DEPLOY_PATH,
  DEPLOY_ROLE,
  DEPLOY_YML,
  deployPullFiles,
  expectDone,
  MASTER_ONLY_POLICY,
  mockScan,
  pullRequestEvent,
  type ScanMocks,
  worldOfPull,
} from "./flows.js";
import {
  type CheckRunBody,
  Clock,
  createApp,
  deliver,
  GitHubFake,
  IamFake,
  roleAccess,
  Unmatched,
} from "./harness.js";

const unmatched = new Unmatched();
let clock: Clock;
let roles: RoleAccess;
let reader: RoleReader;

beforeAll(() => nock.disableNetConnect());
beforeEach(() => {
  unmatched.start();
  clock = new Clock();
  ({ roles, reader } = roleAccess(`codertocat=${ACCOUNT}`, clock));
});
afterEach(() => {
  unmatched.stop();
  reader.destroy();
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

const ROLE_LINE_TEXT = `          role-to-assume: ${DEPLOY_ROLE}\n`;
/** deploy.yml without its environment: the job runs on pushes to master, which the policy admits. */
const MASTER_YML = DEPLOY_YML.replace("    environment: production\n", "");
const IGNORE_UNPROTECTED = MASTER_YML.replace(
  ROLE_LINE_TEXT,
  `          role-to-assume: ${DEPLOY_ROLE} # rolecall: ignore[trust-unprotected-ref]\n`,
);
/** A configuration whose only ignore pattern is not a valid GitHub filter. */
const BAD_IGNORE_CONFIG = 'ignore:\n  paths: ["["]\n';

/** The App scans the pull request with the given repository state and AWS answering `policy`. */
async function appScan(mocks: Partial<ScanMocks>, policy: string): Promise<CheckRunBody> {
  const payload = pullRequestEvent("opened");
  const world = worldOfPull(payload);
  const gh = new GitHubFake(world);
  const iam = new IamFake().getRole(DEPLOY_ROLE, policy);
  const app = await createApp({ roles, now: clock.now });
  mockScan(gh, { files: deployPullFiles(world), workflows: { [DEPLOY_PATH]: DEPLOY_YML }, ...mocks });
  await deliver(app.probot, "pull_request", payload);
  expectDone(gh, iam);
  expect(unmatched.seen).toEqual([]);
  return gh.completed();
}

/** The CLI scans a checkout holding the same files, with the role as `aws iam get-role` output. */
async function cliScan(
  files: Record<string, string>,
  policy: string,
): Promise<{ code: number; result: ScanResult }> {
  const payload = pullRequestEvent("opened");
  const world = worldOfPull(payload);
  const dir = mkdtempSync(join(tmpdir(), "rolecall-decide-"));
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  mkdirSync(join(dir, "roles"));
  writeFileSync(
    join(dir, "roles", "hello-deploy.json"),
    JSON.stringify({
      Role: {
        RoleName: "hello-deploy",
        Arn: DEPLOY_ROLE,
        MaxSessionDuration: 3600,
        AssumeRolePolicyDocument: JSON.parse(policy),
      },
    }),
  );
  let out = "";
  const code = await runScanCommand(
    [
      dir,
      "--roles",
      join(dir, "roles"),
      "--repo",
      `${world.owner}/${world.repo}`,
      "--repo-id",
      String(world.repoId),
      "--default-branch",
      world.defaultBranch,
      "--format",
      "json",
    ],
    {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: () => true },
      env: {},
      cwd: dir,
      readFile: async () => "",
      readStdin: async () => "",
    },
    "0.0.0-test",
  );
  return { code, result: JSON.parse(out) as ScanResult };
}

/** `file:line rule: message` of each annotation (what a user reads on the diff). */
function annotationLines(done: CheckRunBody): string[] {
  return (done.output?.annotations ?? [])
    .map(
      (a) => `${a.path}:${a.start_line} ${(a.title ?? "").split(":")[0]}: ${a.message.split("\n\nFix: ")[0]}`,
    )
    .sort();
}

describe("one decide phase for the App and the CLI", () => {
  it("without a comment, the App reports an unprotected trusted branch (trust-unprotected-ref)", async () => {
    const shown = await appScan(
      { workflows: { [DEPLOY_PATH]: MASTER_YML }, branches: { master: false }, review: true },
      MASTER_ONLY_POLICY,
    );
    expect(annotationLines(shown).some((l) => l.includes(" trust-unprotected-ref: "))).toBe(true);
  });

  it("`# rolecall: ignore[trust-unprotected-ref]` on the role line suppresses it in the App", async () => {
    const ignored = await appScan(
      { workflows: { [DEPLOY_PATH]: IGNORE_UNPROTECTED }, branches: { master: false }, review: true },
      MASTER_ONLY_POLICY,
    );
    expect(annotationLines(ignored).some((l) => l.includes("trust-unprotected-ref"))).toBe(false);
    expect(ignored.conclusion).toBe("success");
  });

  it("an invalid `ignore.paths` pattern makes the scan incomplete in both, with the same item", async () => {
    const app = await appScan(
      { defaultConfig: { ".github/rolecall.yml": BAD_IGNORE_CONFIG }, review: true },
      MASTER_ONLY_POLICY,
    );
    expect(app.conclusion).not.toBe("success");

    const cli = await cliScan(
      { [DEPLOY_PATH]: DEPLOY_YML, ".github/rolecall.yml": BAD_IGNORE_CONFIG },
      MASTER_ONLY_POLICY,
    );
    const item = cli.result.incomplete.find((i) => i.rule === "config-invalid");
    expect(item).toEqual({
      subject: ".github/rolecall.yml",
      reason: expect.stringContaining('ignore.paths: "["'),
      rule: "config-invalid",
    });
    expect(cli.result.complete).toBe(false);
    expect(app.output?.summary).toContain("ignore.paths");
  });

  it("the CLI and the App give the same findings for the same workflow, configuration and role", async () => {
    // A denied environment deploy (sub-not-trusted, with the policy's own breadth findings), a
    // session longer than the role allows, and an unpinned action: every family of rule.
    const yml = DEPLOY_YML.replace(
      "          aws-region: eu-west-1\n",
      "          aws-region: eu-west-1\n          role-duration-seconds: 7200\n",
    ).replace(/configure-aws-credentials@[0-9a-f]{40} # v4\.0\.2/, "configure-aws-credentials@v4");
    const config = "fail-on: medium\n";
    const app = await appScan(
      { workflows: { [DEPLOY_PATH]: yml }, defaultConfig: { ".github/rolecall.yml": config }, review: true },
      MASTER_ONLY_POLICY,
    );
    const cli = await cliScan({ [DEPLOY_PATH]: yml, ".github/rolecall.yml": config }, MASTER_ONLY_POLICY);
    const cliLines = cli.result.findings.map((f) => `${f.file}:${f.line} ${f.rule}: ${f.message}`).sort();
    expect(new Set(cliLines.map((l) => l.split(" ")[1]))).toEqual(
      new Set([
        "sub-not-trusted:",
        "session-duration-exceeds-max:",
        "unpinned-credentials-action:",
        "trust-name-based-subject:",
      ]),
    );
    expect(annotationLines(app)).toEqual(cliLines);
    expect(cli.code).toBe(1);
    expect(app.conclusion).toBe("failure");
    // The CLI cannot read protection: it says which rule it skipped and why; the App ran it. Without
    // a token the CLI also skips the run-history rule.
    expect(cli.result.skipped).toEqual([
      { rule: "trust-unprotected-ref", reason: expect.stringContaining("GitHub API") },
      { rule: "runs-outgrow-session", reason: expect.stringContaining("--github-token") },
    ]);
  });

  it("the CLI: a local action under vendor/ (not read) makes the scan incomplete with a located reason", async () => {
    const caller = DEPLOY_YML.replace(
      / {6}- uses: aws-actions\/configure-aws-credentials@[\s\S]*?aws-region: eu-west-1\n/,
      "      - uses: ./vendor/aws\n",
    );
    const action = `name: AWS\ndescription: d\nruns:\n  using: composite\n  steps:\n    - uses: aws-actions/configure-aws-credentials@v4\n      with:\n        role-to-assume: deploy\n        aws-region: eu-west-1\n`;
    const cli = await cliScan({ [DEPLOY_PATH]: caller, "vendor/aws/action.yml": action }, MASTER_ONLY_POLICY);
    expect(cli.code).toBe(3);
    expect(cli.result.incomplete).toEqual([
      {
        subject: DEPLOY_PATH,
        reason: expect.stringMatching(
          /^line 19: job `deploy` uses the local action `\.\/vendor\/aws`, but vendor\/aws\/action\.yml was not read/,
        ),
        rule: "workflow-invalid",
      },
    ]);
  });
});
