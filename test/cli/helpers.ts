import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const BIN = fileURLToPath(new URL("../../dist/cli/main.js", import.meta.url));

/** Runs the built `rolecall` binary with a scrubbed environment (no AWS, GitHub or colour variables). */
export function rolecall(args: string[], opts: { input?: string; env?: Record<string, string> } = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: ROOT,
    input: opts.input,
    encoding: "utf8",
    env: { PATH: process.env.PATH ?? "", HOME: "/nonexistent", ...opts.env },
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}
