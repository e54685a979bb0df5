import type { RoleSource } from "../core/engine/analysis-types.js";
import { createAnalysisPool, runAnalysis } from "../worker/analysis.js";
import { type AnalysisInput, analyse, type BranchFact } from "../worker/analysis-task.js";
import { corpusRepoFacts, loadCorpus } from "./workflow-bench.js";

export interface WorkerBenchResult {
  repos: number;
  rounds: number;
  /** A worker from spawn to ready (its modules loaded), in ms. */
  startMs: number;
  /** Per scan (one repository, every fact at hand: one call), medians and p95 over all scans. */
  inThread: { p50: number; p95: number };
  roundTrip: { p50: number; p95: number };
  /** The task's own time inside the worker. */
  inWorker: { p50: number; p95: number };
  /** Round trip minus the task's own time in the worker: structured clone both ways + messaging. */
  hop: { p50: number; p95: number; max: number };
  /** The App's path: runAnalysis with the facts answered at once (up to three rounds, each re-planning). */
  appPath: { p50: number; p95: number };
  /** Sums over all scans of one pass: the hop's share of the analysis. */
  hopShare: number;
}

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))] ?? 0;
};

/**
 * The cost of running a scan's analysis in the App's worker pool instead of on the calling thread:
 * every corpus repository analysed in thread, then through a one-worker pool, interleaved, in
 * `rounds` rounds after a warm-up pass (both sides warm: the worker is reused).
 */
export async function benchWorkerHop(corpusDir: string, rounds = 2): Promise<WorkerBenchResult> {
  const corpus = loadCorpus(corpusDir);
  // Inputs with every fact the analysis asks for, so that one call finishes it.
  const inputs: AnalysisInput[] = [];
  const factsOf = new Map<
    AnalysisInput,
    { roles: Map<string, RoleSource>; branches: Map<string, BranchFact> }
  >();
  for (const repo of corpus.repos) {
    const lookup = corpus.roles(repo.fullName);
    let input: AnalysisInput = {
      files: repo.files.map((f) => ({ path: f.path, text: f.text })),
      repo: corpusRepoFacts(repo.fullName),
      config: {},
      configProblems: [],
      incomplete: [],
      subject: repo.fullName,
      roles: null,
      environments: [],
      branches: null,
    };
    for (;;) {
      const out = analyse(input);
      if (out.kind === "done") break;
      if (out.kind === "needs-roles") {
        const roles = new Map<string, RoleSource>();
        for (const arn of out.roleArns) {
          const s = lookup(arn);
          roles.set(arn, s ?? { kind: "unreadable", arn, code: "not-found", reason: "not in the corpus" });
        }
        input = { ...input, roles };
      } else input = { ...input, branches: new Map(out.branches.map((b) => [b, { protected: true }])) };
    }
    const roles = input.roles ?? new Map<string, RoleSource>();
    const branches = input.branches ?? new Map<string, BranchFact>();
    inputs.push({ ...input, roles, branches });
    factsOf.set(input, { roles, branches });
  }

  const t0 = performance.now();
  const pool = createAnalysisPool({ workers: 1, cpuMs: 60_000, memoryMb: 1024, maxQueue: 10 });
  await pool.warm();
  const startMs = performance.now() - t0;
  const local: number[] = [];
  const trip: number[] = [];
  const task: number[] = [];
  const hop: number[] = [];
  const app: number[] = [];
  let localSum = 0;
  let hopSum = 0;
  try {
    for (let round = 0; round <= rounds; round++) {
      for (const input of inputs) {
        // Alternate which side runs first, so neither always finds the CPU caches warm.
        const inThread = () => {
          const a = performance.now();
          analyse(input);
          return performance.now() - a;
        };
        let inThreadMs = round % 2 === 0 ? inThread() : 0;
        const out = await pool.run(input);
        if (round % 2 === 1) inThreadMs = inThread();
        if (!out.ok) throw new Error(`bench scan of ${input.subject} stopped: ${JSON.stringify(out)}`);
        const fresh = { ...input, roles: null, branches: null };
        const b = performance.now();
        const run = await runAnalysis(
          pool,
          fresh,
          {
            roles: async () => input.roles ?? new Map(),
            branches: async () => input.branches ?? new Map(),
          },
          { tenant: input.subject },
        );
        const appMs = performance.now() - b;
        if (!run.ok) throw new Error(`bench scan of ${input.subject} stopped: ${run.reason}`);
        if (round === 0) continue; // warm-up
        local.push(inThreadMs);
        trip.push(out.wallMs);
        task.push(out.taskMs);
        hop.push(Math.max(0, out.wallMs - out.taskMs));
        app.push(appMs);
        localSum += inThreadMs;
        hopSum += Math.max(0, out.wallMs - out.taskMs);
      }
    }
  } finally {
    await pool.close();
  }
  return {
    repos: inputs.length,
    rounds,
    startMs,
    inThread: { p50: quantile(local, 0.5), p95: quantile(local, 0.95) },
    roundTrip: { p50: quantile(trip, 0.5), p95: quantile(trip, 0.95) },
    inWorker: { p50: quantile(task, 0.5), p95: quantile(task, 0.95) },
    hop: { p50: quantile(hop, 0.5), p95: quantile(hop, 0.95), max: Math.max(...hop) },
    appPath: { p50: quantile(app, 0.5), p95: quantile(app, 0.95) },
    hopShare: localSum > 0 ? hopSum / localSum : 0,
  };
}
