import { parentPort } from "node:worker_threads";
import { ownThreadCpu } from "./thread-cpu.js";

/** Messages from a pool worker to the pool. */
export type FromWorker =
  | { type: "ready"; tid: number | null; cpuMs: number | null }
  | { type: "progress"; id: number; stage: string }
  /** `taskMs`: the task's own time inside the worker (the rest of the round trip is the hop). */
  | { type: "done"; id: number; value: unknown; cpuMs: number | null; taskMs: number }
  | { type: "failed"; id: number; message: string; cpuMs: number | null };

/** A message from the pool to a worker: one task. */
export interface ToWorker {
  id: number;
  input: unknown;
}

/**
 * The body of a pool worker: runs `task` on every input the pool sends, one at a time, and posts
 * the result back (structured clone: plain data only). `progress` tells the pool what the task is
 * doing, for the message shown when the budget stops it.
 */
export function serveTask<I, O>(task: (input: I, progress: (stage: string) => void) => O | Promise<O>): void {
  const port = parentPort;
  if (!port) throw new Error("serveTask runs inside a worker thread");
  const post = (m: FromWorker) => port.postMessage(m);
  const self = ownThreadCpu();
  post({ type: "ready", tid: self?.tid ?? null, cpuMs: self?.cpuMs ?? null });
  port.on("message", async (m: ToWorker) => {
    const t0 = performance.now();
    try {
      const value = await task(m.input as I, (stage) => post({ type: "progress", id: m.id, stage }));
      const taskMs = performance.now() - t0;
      post({ type: "done", id: m.id, value, cpuMs: ownThreadCpu()?.cpuMs ?? null, taskMs });
    } catch (e) {
      post({
        type: "failed",
        id: m.id,
        message: e instanceof Error ? e.message : String(e),
        cpuMs: ownThreadCpu()?.cpuMs ?? null,
      });
    }
  });
}
