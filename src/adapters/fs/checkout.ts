import { readdir, readFile, stat } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import type { ScanFile } from "../../core/engine/plan.js";

const SKIP_DIRS = new Set([".git", "node_modules", "vendor", "dist", "build", "target", ".venv"]);
const MAX_ACTION_DEPTH = 6;
const MAX_FILES = 2_000;

/** What was found in a checkout: workflows, local actions, and anything that could not be read. */
export interface CheckoutFiles {
  files: ScanFile[];
  problems: { path: string; message: string }[];
}

/**
 * Reads `.github/workflows/*.{yml,yaml}` and every local action manifest (`action.yml`/`action.yaml`,
 * a few levels deep, skipping `.git`, `node_modules` and build folders) of a checkout, as bytes: the
 * core decodes and reports non-UTF-8 files itself.
 */
export async function readCheckout(dir: string): Promise<CheckoutFiles> {
  const files: ScanFile[] = [];
  const problems: CheckoutFiles["problems"] = [];
  const rel = (p: string) => relative(dir, p).split(sep).join("/");
  const wfDir = join(dir, ".github", "workflows");
  let names: string[] = [];
  try {
    names = (await readdir(wfDir)).filter((n) => /\.ya?ml$/.test(n)).sort();
  } catch {
    // no workflows folder: reported by the caller as "no workflow found"
  }
  for (const n of names) {
    const p = join(wfDir, n);
    try {
      if (!(await stat(p)).isFile()) continue;
      files.push({ path: rel(p), text: await readFile(p) });
    } catch (e) {
      problems.push({ path: rel(p), message: (e as Error).message });
    }
  }
  const walk = async (d: string, depth: number): Promise<void> => {
    if (depth > MAX_ACTION_DEPTH || files.length > MAX_FILES) return;
    let entries: import("node:fs").Dirent[];
    try {
      entries = await readdir(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !(e.name === "workflows" && rel(d) === ".github"))
          await walk(p, depth + 1);
      } else if (e.isFile() && /^action\.ya?ml$/.test(e.name)) {
        try {
          files.push({ path: rel(p), text: await readFile(p) });
        } catch (err) {
          problems.push({ path: rel(p), message: (err as Error).message });
        }
      }
    }
  };
  await walk(dir, 0);
  return { files, problems };
}

/** `owner/name` of the checkout's `origin` remote on GitHub (or a GHES host), if it has one. */
export async function gitRemoteRepo(dir: string): Promise<{ fullName: string; host: string } | null> {
  try {
    const config = await readFile(join(dir, ".git", "config"), "utf8");
    const origin = /\[remote "origin"\][^[]*?url\s*=\s*(\S+)/.exec(config)?.[1];
    if (!origin) return null;
    const m =
      /^(?:https?:\/\/(?:[^@/]+@)?|ssh:\/\/(?:[^@/]+@)?|[^@/]+@)([^/:]+)(?::\d+)?[:/]([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(
        origin,
      );
    return m ? { host: m[1]!, fullName: `${m[2]}/${m[3]}` } : null;
  } catch {
    return null;
  }
}

/** The default branch as the checkout's `origin/HEAD` names it, if known. */
export async function gitDefaultBranch(dir: string): Promise<string | null> {
  try {
    const head = await readFile(join(dir, ".git", "refs", "remotes", "origin", "HEAD"), "utf8");
    return /^ref: refs\/remotes\/origin\/(.+)$/m.exec(head.trim())?.[1] ?? null;
  } catch {
    return null;
  }
}
