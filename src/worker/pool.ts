import { Worker } from "node:worker_threads";
import type { FromWorker, ToWorker } from "./serve.js";
import { threadCpuMs } from "./thread-cpu.js";

/** What one task may spend before its worker is stopped. */
export interface Budget {
  /** CPU time of the worker's thread, in ms (wall-clock time where the thread's CPU cannot be read). */
  cpuMs: number;
  /** The worker's V8 heap (`resourceLimits.maxOldGenerationSizeMb`); null: Node's default. */
  memoryMb: number | null;
  /**
   * Wall-clock time a task may take, in ms. Default: a backstop of three times the CPU budget, at
   * least one minute more than it (a scan starved of CPU on a busy machine is not stopped for that).
   */
  wallMs?: number;
}

export interface PoolOptions {
  /** The worker module: see `workerEntryUrl`. */
  entry: URL;
  /** How many workers run at once. */
  size: number;
  budget: Budget;
  /** Tasks waiting beyond this are refused (`overloaded`) rather than queued without end. */
  maxQueue: number;
  /** How often a running task's CPU time is read, in ms (default: a tenth of the budget, 25–250). */
  pollMs?: number;
  workerData?: unknown;
}

/** Why a task was stopped: its CPU time, its memory, or its wall-clock time. */
export type BudgetKind = "cpu" | "memory" | "wall";

export type TaskOutcome<O> =
  | {
      ok: true;
      value: O;
      /** CPU time of the task in its worker (null without `/proc`). */
      cpuMs: number | null;
      /** From dispatch to result, and the part of it the task itself ran in the worker. */
      wallMs: number;
      taskMs: number;
      /** Time spent in the queue before a worker took it. */
      waitedMs: number;
    }
  | {
      ok: false;
      kind: "budget";
      exceeded: BudgetKind;
      /** The last stage the task reported (`progress`), or null. */
      stage: string | null;
      cpuMs: number | null;
      wallMs: number;
    }
  | { ok: false; kind: "overloaded"; queued: number };

export interface RunOptions {
  /** Whose task this is: the queue takes turns between tenants, and one tenant never holds every worker. */
  tenant?: string;
  /** CPU budget of this task (default the pool's): a scan of several rounds passes what is left. */
  cpuMs?: number;
  /** Wall-clock limit of this task (default the pool's). */
  wallMs?: number;
}

/** The wall-clock limit that goes with a CPU budget when none is given. */
export const defaultWallMs = (cpuMs: number) => Math.max(3 * cpuMs, cpuMs + 60_000);

export interface PoolStats {
  size: number;
  busy: number;
  queued: number;
  completed: number;
  /** Workers stopped by the budget (and replaced). */
  stopped: number;
}

interface Pending {
  input: unknown;
  tenant: string;
  cpuMs: number;
  wallMs: number;
  enqueuedAt: number;
  resolve: (o: TaskOutcome<unknown>) => void;
  reject: (e: Error) => void;
}

interface Running extends Pending {
  id: number;
  startedAt: number;
  stage: string | null;
  /** The thread's CPU time when the task started (null: unknown, wall time is used). */
  baseCpuMs: number | null;
  checking: boolean;
}

interface Slot {
  worker: Worker;
  tid: number | null;
  cpuMs: number | null;
  ready: boolean;
  dead: boolean;
  job: Running | null;
}

/** An error of the task itself, or a worker that died: the caller's internal-error path. */
export class WorkerTaskError extends Error {}

/**
 * A bounded pool of worker threads (node:worker_threads), reused across tasks, with a queue in
 * front. Each task runs on one worker, alone; past its CPU or memory budget the worker is
 * terminated (`Worker.terminate` stops even a tight synchronous loop) and replaced, and the task
 * resolves with `{ ok: false, kind: "budget" }`: the caller's event loop never waits on it.
 */
export class WorkerPool<I, O> {
  readonly #opts: Required<Omit<PoolOptions, "workerData">> & { workerData: unknown };
  readonly #slots = new Set<Slot>();
  /** Waiting tasks by tenant, and the order tenants take turns in. */
  readonly #queues = new Map<string, Pending[]>();
  #turn = 0;
  #queued = 0;
  #nextId = 1;
  #completed = 0;
  #stopped = 0;
  #timer: NodeJS.Timeout | null = null;
  #closed = false;
  /** Workers in a row that died before they were ready: past 3 the entry is broken, stop respawning. */
  #startFailures = 0;
  #broken: string | null = null;

  constructor(options: PoolOptions) {
    if (!(options.size >= 1)) throw new Error("a worker pool needs at least one worker");
    this.#opts = {
      pollMs: Math.min(
        250,
        Math.max(25, Math.round(Math.min(options.budget.cpuMs, options.budget.wallMs ?? Infinity) / 10)),
      ),
      workerData: null,
      ...options,
    };
    for (let i = 0; i < options.size; i++) this.#spawn();
  }

  /** Runs `input` on a worker; resolves with its result or why it was stopped, rejects on a task error. */
  run(input: I, options: RunOptions = {}): Promise<TaskOutcome<O>> {
    if (this.#closed) return Promise.reject(new WorkerTaskError("the analysis pool is closed"));
    if (this.#broken) return Promise.reject(new WorkerTaskError(this.#broken));
    if (this.#queued >= this.#opts.maxQueue)
      return Promise.resolve({ ok: false, kind: "overloaded", queued: this.#queued });
    return new Promise((resolve, reject) => {
      const tenant = options.tenant ?? "";
      const cpuMs = options.cpuMs ?? this.#opts.budget.cpuMs;
      const p: Pending = {
        input,
        tenant,
        cpuMs,
        wallMs: options.wallMs ?? this.#opts.budget.wallMs ?? defaultWallMs(cpuMs),
        enqueuedAt: performance.now(),
        resolve: resolve as (o: TaskOutcome<unknown>) => void,
        reject,
      };
      const q = this.#queues.get(tenant);
      if (q) q.push(p);
      else this.#queues.set(tenant, [p]);
      this.#queued++;
      this.#dispatch();
    });
  }

  /** The budget each task gets unless told otherwise. */
  get budget(): Budget {
    return this.#opts.budget;
  }

  stats(): PoolStats {
    let busy = 0;
    for (const s of this.#slots) if (s.job) busy++;
    return {
      size: this.#opts.size,
      busy,
      queued: this.#queued,
      completed: this.#completed,
      stopped: this.#stopped,
    };
  }

  /** Resolves once every worker has started (and loaded its modules). */
  async warm(): Promise<void> {
    while (!this.#closed && [...this.#slots].some((s) => !s.ready))
      await new Promise((r) => setTimeout(r, 5));
  }

  /** Stops every worker; waiting and running tasks reject. */
  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    for (const q of this.#queues.values())
      for (const p of q) p.reject(new WorkerTaskError("the analysis pool is closed"));
    this.#queues.clear();
    this.#queued = 0;
    const slots = [...this.#slots];
    this.#slots.clear();
    for (const s of slots) {
      s.dead = true;
      s.job?.reject(new WorkerTaskError("the analysis pool is closed"));
      s.job = null;
    }
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }

  #spawn(): void {
    const { memoryMb } = this.#opts.budget;
    const worker = new Worker(this.#opts.entry, {
      workerData: this.#opts.workerData,
      ...(memoryMb !== null ? { resourceLimits: { maxOldGenerationSizeMb: memoryMb } } : {}),
    });
    worker.unref();
    const slot: Slot = { worker, tid: null, cpuMs: null, ready: false, dead: false, job: null };
    this.#slots.add(slot);
    worker.on("message", (m: FromWorker) => this.#onMessage(slot, m));
    worker.on("error", (e: Error & { code?: string }) => {
      if (slot.dead) return;
      if (e.code === "ERR_WORKER_OUT_OF_MEMORY" && slot.job) this.#stop(slot, "memory");
      else this.#lose(slot, `the analysis worker failed: ${e.message}`);
    });
    worker.on("exit", () => {
      if (!slot.dead) this.#lose(slot, "the analysis worker exited");
    });
  }

  #onMessage(slot: Slot, m: FromWorker): void {
    if (slot.dead) return;
    if (m.type === "ready") {
      slot.ready = true;
      this.#startFailures = 0;
      slot.tid = m.tid;
      slot.cpuMs = m.cpuMs;
      this.#dispatch();
      return;
    }
    const job = slot.job;
    if (!job || job.id !== m.id) return;
    if (m.type === "progress") {
      job.stage = m.stage;
      return;
    }
    slot.job = null;
    slot.worker.unref();
    const now = performance.now();
    const cpuMs = m.cpuMs !== null && job.baseCpuMs !== null ? m.cpuMs - job.baseCpuMs : null;
    slot.cpuMs = m.cpuMs;
    this.#completed++;
    if (m.type === "done")
      job.resolve({
        ok: true,
        value: m.value,
        cpuMs,
        wallMs: now - job.startedAt,
        taskMs: m.taskMs,
        waitedMs: job.startedAt - job.enqueuedAt,
      });
    else job.reject(new WorkerTaskError(m.message));
    this.#dispatch();
  }

  /** The next waiting task, taking turns between tenants; a tenant holds at most size−1 workers. */
  #next(): Pending | null {
    const tenants = [...this.#queues.keys()];
    if (tenants.length === 0) return null;
    const cap = Math.max(1, this.#opts.size - 1);
    const running = new Map<string, number>();
    for (const s of this.#slots) if (s.job) running.set(s.job.tenant, (running.get(s.job.tenant) ?? 0) + 1);
    for (let i = 0; i < tenants.length; i++) {
      const tenant = tenants[(this.#turn + i) % tenants.length]!;
      if ((running.get(tenant) ?? 0) >= cap) continue;
      const q = this.#queues.get(tenant)!;
      const p = q.shift()!;
      if (q.length === 0) this.#queues.delete(tenant);
      this.#turn = (this.#turn + i + 1) % Math.max(1, tenants.length);
      this.#queued--;
      return p;
    }
    return null;
  }

  #dispatch(): void {
    for (const slot of this.#slots) {
      if (!slot.ready || slot.dead || slot.job) continue;
      const p = this.#next();
      if (!p) break;
      const job: Running = {
        ...p,
        id: this.#nextId++,
        startedAt: performance.now(),
        stage: null,
        baseCpuMs: slot.cpuMs,
        checking: false,
      };
      slot.job = job;
      slot.worker.ref(); // a running task keeps the process alive (the CLI awaits it)
      slot.worker.postMessage({ id: job.id, input: p.input } satisfies ToWorker);
    }
    this.#watch();
  }

  /** Reads each running task's CPU time every `pollMs` while anything runs. */
  #watch(): void {
    const anyRunning = [...this.#slots].some((s) => s.job);
    if (anyRunning && !this.#timer) {
      this.#timer = setInterval(() => this.#check(), this.#opts.pollMs);
      this.#timer.unref();
    } else if (!anyRunning && this.#timer) {
      clearInterval(this.#timer);
      this.#timer = null;
    }
  }

  #check(): void {
    const now = performance.now();
    for (const slot of this.#slots) {
      const job = slot.job;
      if (!job || job.checking) continue;
      const wall = now - job.startedAt;
      if (wall > job.wallMs) {
        this.#stop(slot, "wall");
        continue;
      }
      if (slot.tid === null || job.baseCpuMs === null) {
        if (wall > job.cpuMs) this.#stop(slot, "cpu");
        continue;
      }
      job.checking = true;
      void threadCpuMs(slot.tid).then((cpu) => {
        job.checking = false;
        if (slot.job !== job || slot.dead) return;
        const used = cpu === null ? wall : cpu - (job.baseCpuMs ?? 0);
        if (used > job.cpuMs) this.#stop(slot, "cpu", cpu === null ? null : used);
      });
    }
  }

  /** The budget stops the running task: its worker is terminated and replaced. */
  #stop(slot: Slot, exceeded: BudgetKind, cpuMs: number | null = null): void {
    const job = slot.job;
    this.#retire(slot);
    this.#stopped++;
    if (job)
      job.resolve({
        ok: false,
        kind: "budget",
        exceeded,
        stage: job.stage,
        cpuMs,
        wallMs: performance.now() - job.startedAt,
      });
    this.#dispatch();
  }

  /** A worker died on its own: its task (if any) rejects, and a new worker takes its place. */
  #lose(slot: Slot, message: string): void {
    const job = slot.job;
    if (!slot.ready && ++this.#startFailures >= 3) {
      // The entry cannot start (a missing file, a syntax error): fail every task rather than loop.
      this.#broken = `the analysis workers cannot start: ${message}`;
      slot.dead = true;
      this.#slots.delete(slot);
      for (const q of this.#queues.values()) for (const p of q) p.reject(new WorkerTaskError(this.#broken));
      this.#queues.clear();
      this.#queued = 0;
      return;
    }
    this.#retire(slot);
    job?.reject(new WorkerTaskError(message));
    this.#dispatch();
  }

  #retire(slot: Slot): void {
    slot.dead = true;
    slot.job = null;
    this.#slots.delete(slot);
    void slot.worker.terminate();
    if (!this.#closed) this.#spawn();
  }
}
