import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run.js";

/** Issue 7 §7 end to end: links and special files in a checkout are reported; the scan goes on, incomplete. */
let base: string;
let repo: string;
const WORKFLOW = `on: push
jobs:
  deploy:
    runs-on: ubuntu-latest
    steps:
      - uses: aws-actions/configure-aws-credentials@v4
        with:
          role-to-assume: arn:aws:iam::111122223333:role/deploy
          aws-region: eu-west-1
`;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), "rolecall-hostile-"));
  repo = join(base, "repo");
  mkdirSync(join(repo, ".github", "workflows"), { recursive: true });
  writeFileSync(join(repo, ".github", "workflows", "deploy.yml"), WORKFLOW);
  writeFileSync(join(base, "secret.txt"), "AWS_SECRET_ACCESS_KEY=hunter2-do-not-print\n");
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

async function scanText(...extra: string[]): Promise<{ code: number; out: string }> {
  let out = "";
  const code = await runCli(
    ["scan", repo, "--repo", "o/r", "--default-branch", "main", ...extra],
    {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (out += s) },
      env: {},
      cwd: base,
      readFile: async () => "",
      readStdin: async () => "",
    },
    "test",
  );
  return { code, out };
}

describe("rolecall scan on a checkout with links and special files", () => {
  it("a workflow linked to a secret file outside: reported, the secret never printed, the rest scanned", async () => {
    symlinkSync(join(base, "secret.txt"), join(repo, ".github", "workflows", "environ.yml"));
    const { code, out } = await scanText();
    expect(out).not.toContain("hunter2");
    expect(out).toContain(".github/workflows/environ.yml");
    expect(out).toContain("symbolic link (not followed)");
    // The job without id-token: write is still found.
    expect(out).toContain("missing-id-token-permission");
    expect(code).toBe(1);
  });

  it.each([
    ["a FIFO", (p: string) => execFileSync("mkfifo", [p])],
    ["a link to /dev/zero", (p: string) => symlinkSync("/dev/zero", p)],
    ["a link outside", (p: string) => symlinkSync(join(base, "secret.txt"), p)],
    ["too large", (p: string) => writeFileSync(p, `# ${"x".repeat(1024 * 1024 + 1)}\n`)],
  ])(
    "a .github/rolecall.yml that is %s makes the scan incomplete (exit 3), never a hang or a pass",
    async (_, make) => {
      make(join(repo, ".github", "rolecall.yml"));
      const { code, out } = await scanText("--fail-on", "critical", "--format", "json");
      const result = JSON.parse(out);
      expect(result.complete).toBe(false);
      expect(result.incomplete).toContainEqual({
        subject: ".github/rolecall.yml",
        reason: expect.stringMatching(/^the configuration could not be read: /),
        rule: "config-invalid",
      });
      expect(out).not.toContain("hunter2");
      expect(code).toBe(3);
    },
    10_000,
  );
});
