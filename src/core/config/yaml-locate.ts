import { isMap, isSeq, type parseDocument } from "yaml";

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
