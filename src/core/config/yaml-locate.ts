import { isMap, isSeq, LineCounter, parseDocument } from "yaml";
import type { ConfigProblem } from "../findings/finding.js";

/** Offset of the deepest node that exists along `path` (the key when the issue is an unknown key). */
export function locate(doc: ReturnType<typeof parseDocument>, path: (string | number)[]): number {
  let node: unknown = doc.contents;
  let offset = 0;
  for (const step of path) {
    if (isMap(node)) {
      const pair = node.items.find((it) => String((it.key as { value?: unknown })?.value) === String(step));
      if (!pair) break;
      offset = (pair.key as { range?: [number, number] }).range?.[0] ?? offset;
      node = pair.value;
      const r = (node as { range?: [number, number] } | null)?.range;
      if (r && typeof step === "number") offset = r[0];
    } else if (isSeq(node) && typeof step === "number") {
      node = node.items[step];
      offset = (node as { range?: [number, number] } | null)?.range?.[0] ?? offset;
    } else break;
  }
  return offset;
}

/** A configuration-like YAML file read for validation: its document, a position function, and its data. */
export interface ConfigDocument {
  doc: ReturnType<typeof parseDocument>;
  /** 1-based line and column of an offset. */
  at(offset: number): { line: number; col: number };
  /** The plain data, or undefined when the YAML could not be read (the problems say why). */
  data: unknown;
  problems: ConfigProblem[];
}

/**
 * Parses a YAML configuration file (duplicate keys reported, aliases bounded) into plain data, with
 * every YAML problem located. Shared by `.github/rolecall.yml` and `--role-map`. Never throws.
 */
export function readConfigDocument(text: string, file: string): ConfigDocument {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true });
  const at = (offset: number) => lc.linePos(offset);
  const problems: ConfigProblem[] = doc.errors.map((e) => {
    const p = at(e.pos[0]);
    return { file, line: p.line, column: p.col, message: e.message.split("\n")[0]! };
  });
  if (problems.length > 0) return { doc, at, data: undefined, problems };
  try {
    return { doc, at, data: doc.toJS({ maxAliasCount: 100 }) as unknown, problems };
  } catch (e) {
    problems.push({ file, line: 1, column: 1, message: (e as Error).message });
    return { doc, at, data: undefined, problems };
  }
}
