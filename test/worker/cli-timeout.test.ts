/**
 * `rolecall scan --timeout`: the CLI's analysis budget. Past it the scan is stopped and reported
 * incomplete (exit 3) with the reason; within it the output is exactly the scan's. Run through the
 * built binary (the worker entry under dist/) and in process from the sources.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../../src/cli/run.js";
import { ROOT, rolecall } from "../cli/helpers.js";
import { largeDeployWorkflow } from "../support/large-workflow.js";

let slowDir: string;
beforeAll(() => {
  // Seconds of linear analysis: past a budget of a second.
  slowDir = mkdtempSync(join(tmpdir(), "rolecall-timeout-"));
  mkdirSync(join(slowDir, ".github/workflows"), { recursive: true });
  writeFileSync(join(slowDir, ".github/workflows/deploy.yml"), largeDeployWorkflow());
});
afterAll(() => rmSync(slowDir, { recursive: true, force: true }));

const EXAMPLE = ["examples/octo-repo", "--roles", "examples/roles", "--repo", "octo-org/octo-repo"];

describe("rolecall scan --timeout", () => {
  it("stops a scan past the timeout and reports it incomplete (exit 3) with the reason", () => {
    const t0 = performance.now();
    const r = rolecall(["scan", slowDir, "--repo", "o/r", "--timeout", "1", "--format", "json"]);
    const wall = performance.now() - t0;
    expect(r.code).toBe(3);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ version: 1, complete: false, findings: [], assumptions: [] });
    expect(doc.repository.fullName).toBe("o/r");
    expect(doc.incomplete).toEqual([
      {
        subject: slowDir,
        reason: `rolecall stopped analysing ${slowDir}: it exceeded the analysis budget (more than 1 s, set by --timeout)`,
        rule: "workflow-invalid",
      },
    ]);
    expect(r.stderr).toContain(
      "it exceeded the analysis budget (more than 1 s, set by --timeout); nothing was verified.",
    );
    // The scan alone takes minutes; stopped, the command ends soon after its second.
    expect(wall).toBeLessThan(30_000);
  });

  it("the text report says the scan is incomplete and why", () => {
    const r = rolecall(["scan", slowDir, "--repo", "o/r", "--timeout", "0.5"]);
    expect(r.code).toBe(3);
    expect(r.stdout).toContain("INCOMPLETE");
    expect(r.stdout).toContain("it exceeded the analysis budget (more than 0.5 s, set by --timeout)");
  });

  it("within the timeout, prints exactly what the scan prints without it, with the same exit code", () => {
    const plain = rolecall(["scan", ...EXAMPLE, "--format", "json"]);
    const timed = rolecall(["scan", ...EXAMPLE, "--format", "json", "--timeout", "60"]);
    expect(timed).toEqual(plain);
    expect(plain.code).toBe(1);
  });

  it("runs the same way in process, from the TypeScript sources", async () => {
    let out = "";
    let err = "";
    const io = {
      stdout: { write: (s: string) => (out += s) },
      stderr: { write: (s: string) => (err += s) },
      env: {},
      cwd: ROOT,
      readFile: async () => "",
      readStdin: async () => "",
    };
    const code = await runCli(
      ["scan", slowDir, "--repo", "o/r", "--timeout", "1", "--format", "json"],
      io,
      "0.0.0",
    );
    expect(code).toBe(3);
    expect(JSON.parse(out).incomplete[0].reason).toContain("exceeded the analysis budget");
    expect(err).toContain("nothing was verified");
  });

  it("refuses a timeout that is not a positive number of seconds", () => {
    for (const bad of ["0", "-3", "soon"]) {
      const r = rolecall(["scan", ...EXAMPLE, `--timeout=${bad}`]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("--timeout must be a number of seconds");
    }
  });
});
