import { constants, type Dirent, type Stats } from "node:fs";
import { lstat, open, readdir, realpath } from "node:fs/promises";
import { join } from "node:path";
import type { ScanFile } from "../../core/engine/plan.js";
import { DEFAULT_MAX_BYTES } from "../../core/workflow/index.js";

const SKIP_DIRS = new Set([".git", "node_modules", "vendor", "dist", "build", "target", ".venv"]);
const MAX_ACTION_DEPTH = 6;
const MAX_FILES = 2_000;

/** Largest `.github/rolecall.yml` read (bytes); a larger one is reported, not parsed. */
export const CONFIG_MAX_BYTES = 1024 * 1024;
/** Largest git metadata file (`.git/config`, `origin/HEAD`) read. */
const GIT_META_MAX_BYTES = 256 * 1024;

/** What was found in a checkout: workflows, local actions, and anything that could not be read. */
export interface CheckoutFiles {
  files: ScanFile[];
  problems: { path: string; message: string }[];
}

/** A file of the checkout read safely, or why it was not. */
export type TreeRead =
  | { kind: "file"; bytes: Uint8Array }
  | { kind: "absent" }
  | { kind: "refused"; message: string };

/** What kind of thing a non-regular directory entry is, for messages. */
function kindOf(s: Stats | Dirent): string {
  if (s.isSymbolicLink()) return "a symbolic link (not followed)";
  if (s.isDirectory()) return "a folder";
  if (s.isFIFO()) return "a named pipe (FIFO), not a regular file (not read)";
  if (s.isCharacterDevice() || s.isBlockDevice()) return "a device, not a regular file (not read)";
  if (s.isSocket()) return "a socket, not a regular file (not read)";
  return "not a regular file (not read)";
}

/**
 * Reads `rel` (a `/`-separated path inside `root`) without ever leaving the tree or blocking: every
 * component is checked with `lstat` and a symbolic link anywhere on the way is refused (git stores
 * links, so a pull request can plant one pointing at `/proc/self/environ`); only a regular file is
 * opened, with `O_NOFOLLOW | O_NONBLOCK`, checked again with `fstat` (same file, still regular), and
 * at most `limit` bytes are read. Never throws for file-system reasons.
 */
export async function readTreeFile(root: string, rel: string, limit: number): Promise<TreeRead> {
  const parts = rel.split("/");
  if (parts.some((p) => p === "" || p === "." || p === "..")) {
    return { kind: "refused", message: `${rel}: not a path inside the scanned folder` };
  }
  let path = root;
  let st: Stats | null = null;
  for (let i = 0; i < parts.length; i++) {
    path = join(path, parts[i]!);
    try {
      st = await lstat(path);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === "ENOENT" || code === "ENOTDIR") return { kind: "absent" };
      return { kind: "refused", message: (e as Error).message };
    }
    const sofar = parts.slice(0, i + 1).join("/");
    if (st.isSymbolicLink()) return { kind: "refused", message: `${sofar} is ${kindOf(st)}` };
    if (i < parts.length - 1 && !st.isDirectory()) return { kind: "absent" };
  }
  if (!st!.isFile()) return { kind: "refused", message: `${rel} is ${kindOf(st!)}` };
  if (st!.size > limit) return tooLarge(rel, st!.size, limit);
  let handle: import("node:fs/promises").FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ELOOP") return { kind: "refused", message: `${rel} is a symbolic link (not followed)` };
    if (code === "ENOENT") return { kind: "absent" };
    return { kind: "refused", message: `${rel}: ${(e as Error).message}` };
  }
  try {
    const now = await handle.stat();
    // Swapped between the check and the open: refuse rather than read something else.
    if (!now.isFile() || now.ino !== st!.ino || now.dev !== st!.dev)
      return { kind: "refused", message: `${rel} changed while it was being read (not read)` };
    if (now.size > limit) return tooLarge(rel, now.size, limit);
    const buf = Buffer.alloc(Math.min(now.size, limit) + 1);
    let filled = 0;
    for (;;) {
      const { bytesRead } = await handle.read(buf, filled, buf.length - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
      if (filled === buf.length) break;
    }
    if (filled > limit) return tooLarge(rel, filled, limit);
    return { kind: "file", bytes: new Uint8Array(buf.buffer, buf.byteOffset, filled) };
  } catch (e) {
    return { kind: "refused", message: `${rel}: ${(e as Error).message}` };
  } finally {
    await handle.close();
  }
}

function tooLarge(rel: string, size: number, limit: number): TreeRead {
  return {
    kind: "refused",
    message: `${rel} is too large (${size} bytes; the limit is ${limit} bytes): it was not read`,
  };
}

/**
 * Reads `.github/workflows/*.{yml,yaml}` and every local action manifest (`action.yml`/`action.yaml`,
 * a few levels deep, skipping `.git`, `node_modules` and build folders) of a checkout, as bytes: the
 * core decodes and reports non-UTF-8 files itself. Nothing outside `dir` is read: symbolic links
 * (files or folders) are not followed, and special files (FIFOs, devices) are not opened; each one
 * named like a workflow or an action manifest is reported as a problem.
 */
export async function readCheckout(dir: string): Promise<CheckoutFiles> {
  const files: ScanFile[] = [];
  const problems: CheckoutFiles["problems"] = [];
  let root = dir;
  try {
    root = await realpath(dir);
  } catch {
    // reported by the caller as "no workflow found"
  }
  const readInto = async (rel: string, limit: number): Promise<void> => {
    const r = await readTreeFile(root, rel, limit);
    if (r.kind === "file") files.push({ path: rel, text: r.bytes });
    else if (r.kind === "refused") problems.push({ path: rel, message: r.message });
    else problems.push({ path: rel, message: `${rel} disappeared while the checkout was read` });
  };

  // Workflows: `.github` and `.github/workflows` must be real folders of the checkout.
  let entries: Dirent[] = [];
  const wfRel = ".github/workflows";
  const linked = await linkOnPath(root, wfRel);
  if (linked) problems.push({ path: linked.path, message: `${linked.path} is ${kindOf(linked.stats)}` });
  else {
    try {
      entries = await readdir(join(root, ".github", "workflows"), { withFileTypes: true });
    } catch {
      // no workflows folder: reported by the caller as "no workflow found"
    }
  }
  for (const e of entries.filter((x) => /\.ya?ml$/.test(x.name)).sort(byName)) {
    const rel = `${wfRel}/${e.name}`;
    if (e.isDirectory()) continue; // a folder named x.yml is not a workflow
    if (!e.isFile()) {
      problems.push({ path: rel, message: `${rel} is ${kindOf(e)}` });
      continue;
    }
    // A workflow over the size limit is not read at all (the problem says so).
    await readInto(rel, DEFAULT_MAX_BYTES);
  }

  const walk = async (relDir: string, depth: number): Promise<void> => {
    if (depth > MAX_ACTION_DEPTH || files.length > MAX_FILES) return;
    let list: Dirent[];
    try {
      list = await readdir(relDir === "" ? root : join(root, relDir), { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of list.sort(byName)) {
      const rel = relDir === "" ? e.name : `${relDir}/${e.name}`;
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && rel !== wfRel) await walk(rel, depth + 1);
      } else if (/^action\.ya?ml$/.test(e.name)) {
        if (e.isFile()) await readInto(rel, DEFAULT_MAX_BYTES);
        else problems.push({ path: rel, message: `${rel} is ${kindOf(e)}` });
      } else if (
        e.isSymbolicLink() &&
        (rel === ".github" || rel.startsWith(".github/")) &&
        !problems.some((p) => p.path === rel)
      ) {
        // A linked folder under .github (where local actions live) is not followed: say so.
        problems.push({ path: rel, message: `${rel} is ${kindOf(e)}` });
      }
    }
  };
  await walk("", 0);
  return { files, problems };
}

/** The first component of `rel` under `root` that is a symbolic link, if any. */
async function linkOnPath(root: string, rel: string): Promise<{ path: string; stats: Stats } | null> {
  const parts = rel.split("/");
  for (let i = 1; i <= parts.length; i++) {
    const sofar = parts.slice(0, i).join("/");
    try {
      const st = await lstat(join(root, ...parts.slice(0, i)));
      if (st.isSymbolicLink()) return { path: sofar, stats: st };
    } catch {
      return null;
    }
  }
  return null;
}

const byName = (a: Dirent, b: Dirent) => a.name.localeCompare(b.name);

/**
 * The repository configuration, `.github/rolecall.yml` (or `.yaml`), read like the workflows: never
 * through a link, never from a special file, at most {@link CONFIG_MAX_BYTES}. `problem` is set
 * when a configuration exists but could not be read (the scan is then incomplete).
 */
export async function readRepoConfig(
  dir: string,
): Promise<{ path: string; text: string } | { path: string; problem: string } | null> {
  for (const path of [".github/rolecall.yml", ".github/rolecall.yaml"]) {
    const r = await readTreeFile(dir, path, CONFIG_MAX_BYTES);
    if (r.kind === "absent") continue;
    if (r.kind === "refused") return { path, problem: `the configuration could not be read: ${r.message}` };
    return { path, text: Buffer.from(r.bytes).toString("utf8") };
  }
  return null;
}

/** `owner/name` of the checkout's `origin` remote on GitHub (or a GHES host), if it has one. */
export async function gitRemoteRepo(dir: string): Promise<{ fullName: string; host: string } | null> {
  const r = await readTreeFile(dir, ".git/config", GIT_META_MAX_BYTES);
  if (r.kind !== "file") return null;
  const config = Buffer.from(r.bytes).toString("utf8");
  const origin = /\[remote "origin"\][^[]*?url\s*=\s*(\S+)/.exec(config)?.[1];
  if (!origin) return null;
  const m =
    /^(?:https?:\/\/(?:[^@/]+@)?|ssh:\/\/(?:[^@/]+@)?|[^@/]+@)([^/:]+)(?::\d+)?[:/]([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(
      origin,
    );
  return m ? { host: m[1]!, fullName: `${m[2]}/${m[3]}` } : null;
}

/** The default branch as the checkout's `origin/HEAD` names it, if known. */
export async function gitDefaultBranch(dir: string): Promise<string | null> {
  const r = await readTreeFile(dir, ".git/refs/remotes/origin/HEAD", GIT_META_MAX_BYTES);
  if (r.kind !== "file") return null;
  const head = Buffer.from(r.bytes).toString("utf8");
  return /^ref: refs\/remotes\/origin\/(.+)$/m.exec(head.trim())?.[1] ?? null;
}
