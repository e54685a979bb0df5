/**
 * The worker pool: tasks run on other threads, reused; the budget stops a task by its CPU time (not
 * its wall time) or its memory and replaces the worker; the queue is bounded and takes turns
 * between tenants.
 */
import { threadId } from "node:worker_threads";
import { afterEach, describe, expect, it } from "vitest";
import { workerEntryUrl } from "../../src/worker/entry-url.js";
import { type PoolOptions, WorkerPool, WorkerTaskError } from "../../src/worker/pool.js";
import type { TestTask } from "./test-entry.js";

type Out = { threadId: number; value: unknown };
const pools: WorkerPool<TestTask, Out>[] = [];
function pool(options: Partial<PoolOptions> = {}) {
  const p = new WorkerPool<TestTask, Out>({
    entry: workerEntryUrl("test-entry", import.meta.url),
    size: 1,
    budget: { cpuMs: 10_000, memoryMb: 256 },
    maxQueue: 100,
    ...options,
  });
  pools.push(p);
  return p;
}
afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

const value = <T>(o: { ok: boolean } & Partial<{ value: T }>): T => {
  if (!o.ok) throw new Error(`task did not finish: ${JSON.stringify(o)}`);
  return o.value as T;
};

describe("worker pool", () => {
  it("runs tasks on another thread, and reuses the worker across tasks", async () => {
    const p = pool();
    const a = value(await p.run({ kind: "echo", value: { nested: [1, "two", new Map([["k", 3]])] } }));
    const b = value(await p.run({ kind: "echo", value: null }));
    expect(threadId).toBe(0);
    expect(a.threadId).toBeGreaterThan(0);
    expect(b.threadId).toBe(a.threadId);
    expect(a.value).toEqual({ nested: [1, "two", new Map([["k", 3]])] });
    expect(p.stats()).toMatchObject({ size: 1, busy: 0, queued: 0, completed: 2, stopped: 0 });
  });

  it("keeps the calling event loop free while a task spins for a second", async () => {
    const p = pool();
    await p.warm();
    let worstGap = 0;
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      worstGap = Math.max(worstGap, now - last);
      last = now;
    }, 10);
    const out = await p.run({ kind: "spin", ms: 1_000 });
    clearInterval(timer);
    expect(out.ok).toBe(true);
    // A blocked loop would show a gap of about 1,000 ms.
    expect(worstGap).toBeLessThan(400);
  });

  it("stops a task past its CPU budget, replaces the worker and goes on", async () => {
    const p = pool({ budget: { cpuMs: 300, memoryMb: 256 } });
    const before = value(await p.run({ kind: "echo", value: 1 }));
    const t0 = performance.now();
    const out = await p.run({ kind: "spin", ms: Number.POSITIVE_INFINITY });
    expect(out).toMatchObject({ ok: false, kind: "budget", exceeded: "cpu", stage: "spinning" });
    expect(performance.now() - t0).toBeLessThan(900 + 500);
    const after = value(await p.run({ kind: "echo", value: 2 }));
    expect(after.threadId).not.toBe(before.threadId);
    expect(p.stats()).toMatchObject({ stopped: 1, busy: 0 });
  });

  it("counts CPU time, not wall time: a task that sleeps longer than its CPU budget finishes", async () => {
    const p = pool({ budget: { cpuMs: 400, memoryMb: 256 } });
    await p.warm();
    const out = await p.run({ kind: "sleep", ms: 800 });
    expect(out.ok).toBe(true);
    if (out.ok) {
      expect(out.wallMs).toBeGreaterThan(750);
      expect(out.cpuMs).not.toBeNull();
      expect(out.cpuMs!).toBeLessThan(400);
    }
  });

  it("takes a task's own CPU budget: what a multi-round scan has left", async () => {
    const p = pool({ budget: { cpuMs: 10_000, memoryMb: 256 } });
    const out = await p.run({ kind: "spin", ms: Number.POSITIVE_INFINITY }, { cpuMs: 200 });
    expect(out).toMatchObject({ ok: false, kind: "budget", exceeded: "cpu" });
  });

  it("stops a task past its memory budget and replaces the worker", async () => {
    const p = pool({ budget: { cpuMs: 20_000, memoryMb: 64 } });
    const out = await p.run({ kind: "alloc" });
    expect(out).toMatchObject({ ok: false, kind: "budget", exceeded: "memory", stage: "allocating" });
    expect(value(await p.run({ kind: "echo", value: "still here" })).value).toBe("still here");
  });

  it("rejects on a task's own error and keeps the worker", async () => {
    const p = pool();
    const a = value(await p.run({ kind: "echo", value: 0 }));
    await expect(p.run({ kind: "throw", message: "bad input" })).rejects.toThrow(WorkerTaskError);
    expect(value(await p.run({ kind: "echo", value: 0 })).threadId).toBe(a.threadId);
  });

  it("refuses tasks past the queue's bound instead of queueing without end", async () => {
    const p = pool({ maxQueue: 2 });
    await p.warm();
    const running = p.run({ kind: "spin", ms: 300 });
    await new Promise((r) => setTimeout(r, 20)); // the first task is now on the worker
    const queued = [p.run({ kind: "echo", value: 1 }), p.run({ kind: "echo", value: 2 })];
    expect(await p.run({ kind: "echo", value: 3 })).toEqual({ ok: false, kind: "overloaded", queued: 2 });
    expect((await running).ok).toBe(true);
    for (const q of await Promise.all(queued)) expect(q.ok).toBe(true);
  });

  it("takes turns between tenants: one tenant's backlog never holds every worker", async () => {
    const p = pool({ size: 2 });
    await p.warm();
    const flood = Array.from({ length: 4 }, () => p.run({ kind: "spin", ms: 400 }, { tenant: "a" }));
    const other = await p.run({ kind: "echo", value: "b" }, { tenant: "b" });
    expect(other.ok).toBe(true);
    // Tenant a holds at most one of the two workers, so b starts at once, not after a's backlog.
    if (other.ok) expect(other.waitedMs).toBeLessThan(200);
    await Promise.all(flood);
  });
});
