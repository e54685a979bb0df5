import { availableParallelism } from "node:os";
import type { RolecallConfig } from "../core/config/config.js";
import type { RoleSource } from "../core/engine/analysis-types.js";
import type { ScanResult } from "../core/engine/scan-types.js";
import { code } from "../core/render/check-run.js";
import type { AnalysisInput, AnalysisOutput, BranchFact } from "./analysis-task.js";
import { workerEntryUrl } from "./entry-url.js";
import { type BudgetKind, defaultWallMs, type PoolStats, WorkerPool } from "./pool.js";

/** How the App's analysis pool is sized and what each scan may spend. */
export interface AnalysisSettings {
  /** Worker threads (default: the machine's available parallelism). */
  workers: number;
  /** CPU time one scan's analysis may use, in ms (default 20 s). */
  cpuMs: number;
  /** Heap one analysis worker may use, in MB (default 512). */
  memoryMb: number;
  /** Scans that may wait for a worker; past it a scan fails at once as overloaded (default 1000). */
  maxQueue: number;
}

export const DEFAULT_CPU_SECONDS = 20;
export const DEFAULT_MEMORY_MB = 512;

/** The settings from the environment: ROLECALL_ANALYSIS_{WORKERS,CPU_SECONDS,MEMORY_MB,QUEUE}. Throws on a bad value. */
export function readAnalysisSettings(env: Readonly<Record<string, string | undefined>>): AnalysisSettings {
  const num = (name: string, fallback: number, min: number, max: number): number => {
    const raw = env[name];
    if (raw === undefined || raw.trim() === "") return fallback;
    const n = Number(raw);
    if (!Number.isFinite(n) || n < min || n > max)
      throw new Error(`${name} must be a number from ${min} to ${max}, not ${JSON.stringify(raw)}`);
    return n;
  };
  return {
    workers: Math.round(num("ROLECALL_ANALYSIS_WORKERS", availableParallelism(), 1, 256)),
    cpuMs: Math.round(num("ROLECALL_ANALYSIS_CPU_SECONDS", DEFAULT_CPU_SECONDS, 0.1, 3600) * 1000),
    memoryMb: Math.round(num("ROLECALL_ANALYSIS_MEMORY_MB", DEFAULT_MEMORY_MB, 64, 65536)),
    maxQueue: Math.round(num("ROLECALL_ANALYSIS_QUEUE", 1000, 1, 1_000_000)),
  };
}

export type AnalysisPool = WorkerPool<AnalysisInput, AnalysisOutput>;

export function createAnalysisPool(settings: AnalysisSettings): AnalysisPool {
  return new WorkerPool<AnalysisInput, AnalysisOutput>({
    entry: workerEntryUrl("analysis-entry"),
    size: settings.workers,
    budget: { cpuMs: settings.cpuMs, memoryMb: settings.memoryMb },
    maxQueue: settings.maxQueue,
  });
}

let shared: AnalysisPool | null = null;

/** The process's analysis pool, started on first use from the environment's settings (or `settings`). */
export function sharedAnalysisPool(settings?: AnalysisSettings): AnalysisPool {
  shared ??= createAnalysisPool(settings ?? readAnalysisSettings(process.env));
  return shared;
}

/** Stops the shared pool (tests; a new one starts on next use, with `settings` if given then). */
export async function closeSharedAnalysisPool(): Promise<void> {
  const p = shared;
  shared = null;
  await p?.close();
}

export function sharedAnalysisStats(): PoolStats | null {
  return shared?.stats() ?? null;
}

/** The I/O the analysis may ask for between rounds (the front door's adapters). */
export interface AnalysisFacts {
  roles(arns: string[]): Promise<Map<string, RoleSource>>;
  branches(names: string[]): Promise<Map<string, BranchFact>>;
}

export type AnalysisRun =
  | { ok: true; result: ScanResult; config: RolecallConfig; cpuMs: number | null; rounds: number }
  | {
      ok: false;
      kind: "budget" | "overloaded";
      /** Plain language, for the check run: what stopped, and what was being analysed. */
      reason: string;
      exceeded?: BudgetKind;
    };

const STAGES: Record<string, string> = {
  configuration: "reading rolecall's configuration",
  planning: "reading the workflows and working out their runs",
  analysing: "evaluating the roles' trust policies for every run",
  checking: "checking branch and environment protection",
};

/** A path from the pull request as Markdown: control characters replaced, in a code span. */
const shownPath = (p: string) =>
  code(
    [...p]
      .map((c) => {
        const n = c.codePointAt(0)!;
        return n < 0x20 || (n >= 0x7f && n <= 0x9f) ? "\ufffd" : c;
      })
      .join(""),
  );

/** What was being analysed, for the budget message (Markdown): the stage and the files. */
export function describeAnalysis(input: AnalysisInput, stage: string | null): string {
  const configs = [input.configFiles?.inForce, input.configFiles?.changed].filter((c) => !!c);
  const read = stage === "configuration" && configs.length > 0 ? configs : input.files;
  const paths = read.map((f) => shownPath(f.path));
  const shown = paths.slice(0, 5).join(", ") + (paths.length > 5 ? `, and ${paths.length - 5} more` : "");
  const kb = Math.ceil(read.reduce((n, f) => n + f.text.length, 0) / 1024);
  const doing = (stage && STAGES[stage]) ?? "analysing";
  return `${doing}, in ${paths.length} file${paths.length === 1 ? "" : "s"} of ${input.subject}, ${kb} KB: ${shown}`;
}

const seconds = (ms: number) => `${Number((ms / 1000).toFixed(1))} s`;

/**
 * Runs one scan's analysis in the pool, round by round (roles, then branch protection, read on this
 * thread between rounds), within one budget for the whole scan. The calling event loop only sends
 * data and waits.
 */
export async function runAnalysis(
  pool: AnalysisPool,
  input: AnalysisInput,
  facts: AnalysisFacts,
  options: { tenant: string; cpuMs?: number },
): Promise<AnalysisRun> {
  const budgetMs = options.cpuMs ?? pool.budget.cpuMs;
  let spent = 0;
  let current = input;
  // At most three rounds: plan (roles needed) → analyse (branches needed) → finish.
  for (let round = 1; round <= 4; round++) {
    const out = await pool.run(current, { tenant: options.tenant, cpuMs: Math.max(1, budgetMs - spent) });
    if (!out.ok) {
      if (out.kind === "overloaded")
        return {
          ok: false,
          kind: "overloaded",
          reason: `rolecall is overloaded: ${out.queued} scans are already waiting for an analysis worker. Nothing was verified; re-run this check in a few minutes`,
        };
      const used =
        out.exceeded === "memory"
          ? `more than ${pool.budget.memoryMb ?? "the allowed"} MB of memory`
          : out.exceeded === "wall"
            ? `more than ${seconds(pool.budget.wallMs ?? defaultWallMs(budgetMs))} of wall-clock time`
            : `more than ${seconds(budgetMs)} of CPU time`;
      return {
        ok: false,
        kind: "budget",
        exceeded: out.exceeded,
        reason: `rolecall stopped analysing this pull request: it exceeded the analysis budget (${used} while ${describeAnalysis(current, out.stage)})`,
      };
    }
    spent += out.cpuMs ?? out.taskMs;
    const v = out.value;
    if (v.kind === "done")
      return { ok: true, result: v.result, config: v.config, cpuMs: spent, rounds: round };
    if (v.kind === "needs-roles") {
      const read = await facts.roles(v.roleArns);
      const roles = new Map<string, RoleSource>();
      for (const arn of v.roleArns)
        roles.set(
          arn,
          read.get(arn) ?? { kind: "unreadable", arn, code: "error", reason: "the role was not read" },
        );
      current = { ...current, roles };
    } else {
      const read = await facts.branches(v.branches);
      const branches = new Map(current.branches ?? []);
      for (const b of v.branches)
        branches.set(b, read.get(b) ?? { unreadable: `Protection of branch ${b} could not be read` });
      current = { ...current, branches };
    }
  }
  throw new Error("the analysis did not finish in the expected rounds");
}
