import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { corpusDir, packageRoot } from "../src/bench/corpus-dir.js";
import { CORPUS, CORPUS_DIR, corpusManifest } from "./support/corpus.js";

/** Files of the corpus that describe it rather than being data. */
const ABOUT = new Set(["README.md", "SHA256SUMS", "licences.json"]);

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(dir, join(d.parentPath, d.name)).split("\\").join("/"))
    .sort();
}

function recordedSums(): Map<string, string> {
  const sums = new Map<string, string>();
  for (const line of readFileSync(new URL("SHA256SUMS", CORPUS), "utf8").split("\n")) {
    if (line === "") continue;
    const m = /^([0-9a-f]{64}) {2}(.+)$/.exec(line);
    if (!m) throw new Error(`test/corpus/SHA256SUMS: unreadable line ${JSON.stringify(line)}`);
    sums.set(m[2]!, m[1]!);
  }
  return sums;
}

describe("the corpus in test/corpus", () => {
  it("is found from the package root, from the sources and from the built bench alike", () => {
    const root = packageRoot(import.meta.url);
    expect(CORPUS_DIR).toBe(`${join(root, "test", "corpus")}/`);
    // dist/bench/main.js need not exist: the walk goes by the file's directories.
    expect(corpusDir(new URL("../dist/bench/main.js", import.meta.url))).toBe(CORPUS_DIR);
    expect(corpusDir(new URL("../src/bench/main.ts", import.meta.url))).toBe(CORPUS_DIR);
    expect(() => corpusDir("/nonexistent/rolecall/dist/bench/main.js")).toThrow(/no rolecall package\.json/);
  });

  it("holds every file byte for byte as recorded in SHA256SUMS (nothing reformatted, nothing unrecorded)", () => {
    const sums = recordedSums();
    const onDisk = filesUnder(CORPUS_DIR).filter((f) => !ABOUT.has(f));
    expect(onDisk).toEqual([...sums.keys()].sort());
    const changed = onDisk.filter(
      (f) =>
        createHash("sha256")
          .update(readFileSync(join(CORPUS_DIR, f)))
          .digest("hex") !== sums.get(f),
    );
    expect(changed).toEqual([]);
    expect(onDisk.length).toBe(548);
  });

  it("is all the repository needs: no file outside test/corpus refers to the folder beside the repository", () => {
    const root = packageRoot(import.meta.url);
    const skip = new Set(["node_modules", "dist", ".git", "coverage", ".tools"]);
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const d of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, d.name);
        if (d.isDirectory()) {
          if (!skip.has(d.name) && path !== join(root, "test", "corpus")) walk(path);
        } else if (d.isFile() && /\.\.\/shared\//.test(readFileSync(path, "latin1"))) {
          offenders.push(relative(root, path));
        }
      }
    };
    walk(root);
    expect(offenders).toEqual([]);
  });

  it("has a manifest entry with its source for every data file, and a file for every entry", () => {
    const manifest = corpusManifest();
    const data = filesUnder(CORPUS_DIR).filter((f) => !ABOUT.has(f) && f !== "manifest.json");
    expect(manifest.map((e) => e.file).sort()).toEqual(data);
    const unsourced = manifest.filter(
      (e) => !e.repo || !e.path || !(/^[0-9a-f]{40}$/.test(e.commit ?? "") || /^https:\/\//.test(e.url)),
    );
    expect(unsourced).toEqual([]);
  });
});
