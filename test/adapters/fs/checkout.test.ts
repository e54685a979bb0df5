import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  CONFIG_MAX_BYTES,
  gitRemoteRepo,
  readCheckout,
  readRepoConfig,
  readTreeFile,
} from "../../../src/adapters/fs/checkout.js";

/** Issue 7 §7: a checkout can hold links and special files; nothing outside it is read, nothing hangs. */
let base: string;
let repo: string;
let outside: string;
const SECRET = "AWS_SECRET_ACCESS_KEY=hunter2-do-not-print";
const WORKFLOW = "on: push\njobs:\n  a:\n    runs-on: x\n    steps:\n      - run: echo\n";

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), "rolecall-checkout-"));
  repo = join(base, "repo");
  outside = join(base, "outside");
  mkdirSync(join(repo, ".github", "workflows"), { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, "secret.yml"), `${SECRET}\n`);
  writeFileSync(join(repo, ".github", "workflows", "ok.yml"), WORKFLOW);
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

const text = (f: { text: string | Uint8Array }) =>
  typeof f.text === "string" ? f.text : Buffer.from(f.text).toString("utf8");
const mkfifo = (p: string) => execFileSync("mkfifo", [p]);

describe("readCheckout never reads outside the scanned folder", () => {
  it.each([
    ["a file outside", () => join(outside, "secret.yml")],
    ["/proc/self/environ", () => "/proc/self/environ"],
    ["a relative link out", () => "../../../outside/secret.yml"],
    ["a file inside the checkout", () => "ok.yml"],
  ])("a workflow that is a symbolic link to %s is reported, not read", async (_, target) => {
    symlinkSync(target(), join(repo, ".github", "workflows", "linked.yml"));
    const c = await readCheckout(repo);
    expect(c.files.map((f) => f.path)).toEqual([".github/workflows/ok.yml"]);
    expect(c.files.every((f) => !text(f).includes("hunter2"))).toBe(true);
    expect(c.problems).toEqual([
      {
        path: ".github/workflows/linked.yml",
        message: expect.stringMatching(/symbolic link \(not followed\)/),
      },
    ]);
  });

  it("a workflows folder that is a link to a folder outside is reported and nothing in it is read", async () => {
    rmSync(join(repo, ".github", "workflows"), { recursive: true });
    symlinkSync(outside, join(repo, ".github", "workflows"));
    const c = await readCheckout(repo);
    expect(c.files).toEqual([]);
    expect(c.problems).toEqual([
      { path: ".github/workflows", message: ".github/workflows is a symbolic link (not followed)" },
    ]);
  });

  it("a local action manifest or action folder that is a link is reported, not read", async () => {
    mkdirSync(join(repo, ".github", "actions", "real"), { recursive: true });
    symlinkSync(join(outside, "secret.yml"), join(repo, ".github", "actions", "real", "action.yml"));
    symlinkSync(outside, join(repo, ".github", "actions", "linked"));
    const c = await readCheckout(repo);
    expect(c.files.map((f) => f.path)).toEqual([".github/workflows/ok.yml"]);
    expect(c.problems.map((p) => p.path).sort()).toEqual([
      ".github/actions/linked",
      ".github/actions/real/action.yml",
    ]);
  });

  it("a FIFO or a device named like a workflow is reported without being opened (no hang)", async () => {
    mkfifo(join(repo, ".github", "workflows", "pipe.yml"));
    symlinkSync("/dev/urandom", join(repo, ".github", "workflows", "random.yml"));
    const c = await readCheckout(repo);
    expect(c.files.map((f) => f.path)).toEqual([".github/workflows/ok.yml"]);
    expect(c.problems).toEqual([
      { path: ".github/workflows/pipe.yml", message: expect.stringMatching(/named pipe \(FIFO\)/) },
      { path: ".github/workflows/random.yml", message: expect.stringMatching(/symbolic link/) },
    ]);
  }, 10_000);

  it("a workflow over the size limit is reported without being read", async () => {
    writeFileSync(join(repo, ".github", "workflows", "big.yml"), `# ${"x".repeat(2 * 1024 * 1024)}\n`);
    const c = await readCheckout(repo);
    expect(c.files.map((f) => f.path)).toEqual([".github/workflows/ok.yml"]);
    expect(c.problems[0]!.message).toMatch(/too large \(\d+ bytes; the limit is 1048576 bytes\)/);
  });
});

describe("readRepoConfig", () => {
  const cfg = () => join(repo, ".github", "rolecall.yml");
  it("reads a regular configuration", async () => {
    writeFileSync(cfg(), "fail-on: low\n");
    expect(await readRepoConfig(repo)).toEqual({ path: ".github/rolecall.yml", text: "fail-on: low\n" });
  });

  it("is absent when there is none", async () => {
    expect(await readRepoConfig(repo)).toBeNull();
  });

  it.each([
    ["a FIFO", () => mkfifo(cfg()), /named pipe/],
    ["a link to /dev/zero", () => symlinkSync("/dev/zero", cfg()), /symbolic link/],
    ["a link to /dev/stdin", () => symlinkSync("/dev/stdin", cfg()), /symbolic link/],
    ["a link to a file outside", () => symlinkSync(join(outside, "secret.yml"), cfg()), /symbolic link/],
    ["a folder", () => mkdirSync(cfg()), /a folder/],
    ["larger than the limit", () => writeFileSync(cfg(), `# ${"x".repeat(CONFIG_MAX_BYTES)}\n`), /too large/],
  ])(
    "a configuration that is %s is a problem (the scan is then incomplete), never a hang",
    async (_, make, why) => {
      make();
      const r = await readRepoConfig(repo);
      expect(r).toEqual({ path: ".github/rolecall.yml", problem: expect.stringMatching(why) });
      expect(JSON.stringify(r)).not.toContain("hunter2");
    },
    10_000,
  );
});

describe("readTreeFile", () => {
  it("refuses paths that leave the tree", async () => {
    expect((await readTreeFile(repo, "../outside/secret.yml", 100)).kind).toBe("refused");
  });

  it("refuses a link anywhere on the path, not only at the end", async () => {
    symlinkSync(outside, join(repo, "lib"));
    expect(await readTreeFile(repo, "lib/secret.yml", 100)).toEqual({
      kind: "refused",
      message: "lib is a symbolic link (not followed)",
    });
  });

  it("git metadata that is a FIFO does not hang the scan", async () => {
    mkdirSync(join(repo, ".git"));
    mkfifo(join(repo, ".git", "config"));
    expect(await gitRemoteRepo(repo)).toBeNull();
  }, 10_000);
});
