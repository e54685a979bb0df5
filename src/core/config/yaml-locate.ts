import { isMap, isScalar, isSeq, LineCounter, parseDocument } from "yaml";
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
  // Duplicate keys are found in one pass below: the library's own check is quadratic per mapping.
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: false });
  const at = (offset: number) => lc.linePos(offset);
  const problems: ConfigProblem[] = doc.errors.map((e) => {
    const p = at(e.pos[0]);
    return { file, line: p.line, column: p.col, message: e.message.split("\n")[0]! };
  });
  if (problems.length === 0) problems.push(...duplicateKeys(doc.contents, at, file));
  if (problems.length > 0) return { doc, at, data: undefined, problems };
  try {
    return { doc, at, data: doc.toJS({ maxAliasCount: 100 }) as unknown, problems };
  } catch (e) {
    problems.push({ file, line: 1, column: 1, message: (e as Error).message });
    return { doc, at, data: undefined, problems };
  }
}

/** Every repeated key of every mapping (iteratively, in linear time), located at the repeat. */
function duplicateKeys(
  root: unknown,
  at: (offset: number) => { line: number; col: number },
  file: string,
): ConfigProblem[] {
  const out: ConfigProblem[] = [];
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (isSeq(node)) for (const item of node.items) stack.push(item);
    else if (isMap(node)) {
      const seen = new Set<string>();
      for (const pair of node.items) {
        const key = pair.key as { value?: unknown; range?: [number, number, number] } | null;
        const name = isScalar(key) ? String(key.value) : null;
        if (name !== null && seen.has(name)) {
          const p = at(key?.range?.[0] ?? 0);
          out.push({ file, line: p.line, column: p.col, message: "Map keys must be unique" });
        } else if (name !== null) seen.add(name);
        stack.push(pair.value);
      }
    }
  }
  return out.sort((a, b) => a.line - b.line || a.column - b.column);
}
