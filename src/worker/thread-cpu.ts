import { readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";

/**
 * CPU time of one thread, from Linux's `/proc/.../stat` (`utime` + `stime`, in clock ticks of
 * 10 ms: `USER_HZ` is 100 on every Linux Node supports). Node 20 has no per-thread CPU clock
 * (`process.cpuUsage()` is the whole process; `process.threadCpuUsage` arrived in Node 23.9), so a
 * worker reports its own thread id and the pool reads that thread's counters while it runs.
 * Elsewhere (no `/proc`), null: the pool then falls back to wall-clock time.
 */
const TICK_MS = 10;

function parseStat(stat: string): { tid: number; cpuMs: number } | null {
  // `tid (comm) state ppid …`: comm may hold spaces and parentheses, so split after the last ')'.
  const close = stat.lastIndexOf(")");
  const tid = Number.parseInt(stat, 10);
  if (close < 0 || !Number.isFinite(tid)) return null;
  const fields = stat.slice(close + 2).split(" ");
  // After the comm: fields[0] is `state` (field 3), so utime (field 14) is fields[11], stime fields[12].
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) return null;
  return { tid, cpuMs: (utime + stime) * TICK_MS };
}

/** This thread's id and CPU time so far (called inside the worker), or null without `/proc`. */
export function ownThreadCpu(): { tid: number; cpuMs: number } | null {
  try {
    return parseStat(readFileSync("/proc/thread-self/stat", "utf8"));
  } catch {
    return null;
  }
}

/** The CPU time so far of thread `tid` of this process (called by the pool), or null. */
export async function threadCpuMs(tid: number): Promise<number | null> {
  try {
    return parseStat(await readFile(`/proc/self/task/${tid}/stat`, "utf8"))?.cpuMs ?? null;
  } catch {
    return null;
  }
}
