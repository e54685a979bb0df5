// A pool worker for the pool's own tests: tasks that echo, spin, sleep, allocate or throw.
import { threadId } from "node:worker_threads";
import { serveTask } from "../../src/worker/serve.js";

export type TestTask =
  | { kind: "echo"; value: unknown }
  | { kind: "spin"; ms: number }
  | { kind: "sleep"; ms: number }
  | { kind: "alloc" }
  | { kind: "throw"; message: string };

serveTask((t: TestTask, progress) => {
  switch (t.kind) {
    case "echo":
      return { threadId, value: t.value };
    case "spin": {
      progress("spinning");
      const end = performance.now() + t.ms;
      let n = 0;
      while (performance.now() < end) n++;
      return { threadId, value: n };
    }
    case "sleep":
      // Blocks the thread without using CPU.
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, t.ms);
      return { threadId, value: null };
    case "alloc": {
      progress("allocating");
      const hold: number[][] = [];
      for (;;) hold.push(new Array(100_000).fill(hold.length));
    }
    case "throw":
      throw new Error(t.message);
  }
});
