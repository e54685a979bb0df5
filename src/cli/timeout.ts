import { relative } from "node:path";
import type { ScanResult } from "../core/engine/scan-types.js";
import { renderSarif } from "../core/render/sarif.js";
import { renderScanJson } from "../core/render/scan-json.js";
import { renderScanText } from "../core/render/scan-text.js";
import { colorStyle, plainStyle } from "../core/render/style.js";
import { allRuleMeta } from "../core/rules/index.js";
import { workerEntryUrl } from "../worker/entry-url.js";
import { WorkerPool } from "../worker/pool.js";
import type { CliIo } from "./io.js";
import { useColor } from "./io.js";

export interface CliScanInput {
  argv: string[];
  cwd: string;
  env: Record<string, string | undefined>;
  isTTY: boolean;
  version: string;
}

export interface CliScanOutput {
  code: number;
  stdout: string;
  stderr: string;
}

/** What the incomplete report says about the repository when the scan was stopped. */
export interface StoppedScan {
  dir: string;
  format: "text" | "json" | "sarif";
  repository: ScanResult["repository"];
}

const EXIT_INCOMPLETE = 3;

/**
 * `rolecall scan --timeout S`: the same analysis budget as the App's, for the CLI. The whole scan
 * runs in a worker thread; past S seconds (wall clock, which bounds its CPU time too: the CLI's
 * user waits on the clock, and reads from AWS count) the worker is terminated and the scan is
 * reported incomplete (exit 3) with the reason, in the format asked for.
 */
export async function scanWithTimeout(
  argv: string[],
  io: CliIo,
  version: string,
  timeoutMs: number,
  stopped: StoppedScan,
): Promise<number> {
  const pool = new WorkerPool<CliScanInput, CliScanOutput>({
    entry: workerEntryUrl("timeout-entry", import.meta.url),
    size: 1,
    budget: { cpuMs: timeoutMs, memoryMb: null, wallMs: timeoutMs },
    maxQueue: 1,
  });
  try {
    const env: Record<string, string | undefined> = { ...io.env };
    const out = await pool.run({ argv, cwd: io.cwd, env, isTTY: io.stdout.isTTY === true, version });
    if (out.ok) {
      io.stdout.write(out.value.stdout);
      io.stderr.write(out.value.stderr);
      return out.value.code;
    }
    const rel = relative(io.cwd, stopped.dir);
    const shown = rel === "" ? "." : rel.startsWith("..") ? stopped.dir : rel;
    const seconds = Number((timeoutMs / 1000).toFixed(1));
    const reason =
      out.kind === "budget" && out.exceeded === "memory"
        ? `rolecall stopped analysing ${shown}: it ran out of memory`
        : `rolecall stopped analysing ${shown}: it exceeded the analysis budget (more than ${seconds} s, set by --timeout)`;
    const result: ScanResult = {
      version: 1,
      complete: false,
      repository: stopped.repository,
      assumptions: [],
      findings: [],
      incomplete: [{ subject: shown, reason, rule: "workflow-invalid" }],
    };
    if (stopped.format === "json") io.stdout.write(`${JSON.stringify(renderScanJson(result), null, 2)}\n`);
    else if (stopped.format === "sarif")
      io.stdout.write(
        `${JSON.stringify(renderSarif(result, allRuleMeta(), { toolVersion: version }), null, 2)}\n`,
      );
    else
      io.stdout.write(
        renderScanText(result, { style: useColor(io) ? colorStyle : plainStyle, source: () => null }),
      );
    io.stderr.write(`${reason}; nothing was verified.\n`);
    return EXIT_INCOMPLETE;
  } finally {
    await pool.close();
  }
}
