import { readFileSync } from "node:fs";
import { pathToFileURL } from "node:url";
import { corpusDir } from "../../src/bench/corpus-dir.js";

/**
 * The real-world corpus in the repository (`test/corpus/`, see its README): the one place tests
 * and the bench learn where it is.
 */
export const CORPUS_DIR = corpusDir(import.meta.url);
export const CORPUS = pathToFileURL(CORPUS_DIR);
export const CORPUS_WORKFLOWS = new URL("workflows/", CORPUS);
export const CORPUS_POLICIES = new URL("policies/", CORPUS);

/** One manifest entry: where a corpus file came from (the fields the tests read). */
export interface CorpusEntry {
  kind: "workflow" | "policy";
  /** Path inside the corpus, e.g. `workflows/<owner>__<repo>__<path>`. */
  file: string;
  repo: string;
  path: string;
  /** The source commit; null only for a source that is not a repository (then `url` names it). */
  commit: string | null;
  /** `github:<owner>/<repo>/<path>`, or the https address of a source outside GitHub repositories. */
  url: string;
  notes: string;
}

export function corpusManifest(): CorpusEntry[] {
  return JSON.parse(readFileSync(new URL("manifest.json", CORPUS), "utf8")) as CorpusEntry[];
}
