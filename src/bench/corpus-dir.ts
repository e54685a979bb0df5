import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The root of the rolecall package that holds `from`: the nearest directory at or above it whose
 * `package.json` names `rolecall`. Found from the file, never from the working directory, so it
 * holds from `src/` (tests) and `dist/` (the built bench) in any clone.
 */
export function packageRoot(from: string | URL): string {
  let dir = dirname(typeof from === "string" && !from.startsWith("file:") ? from : fileURLToPath(from));
  for (;;) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest) && isRolecall(manifest)) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no rolecall package.json at or above ${String(from)}`);
    dir = parent;
  }
}

function isRolecall(manifest: string): boolean {
  try {
    return (JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown }).name === "rolecall";
  } catch {
    return false;
  }
}

/**
 * The real-world corpus (workflows and trust policies written by others, with `manifest.json`):
 * `test/corpus/` in the repository, with a trailing separator. Only a checkout has it; the
 * published package does not.
 */
export function corpusDir(from: string | URL = import.meta.url): string {
  return `${join(packageRoot(from), "test", "corpus")}/`;
}
