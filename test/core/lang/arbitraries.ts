import fc from "fast-check";
import type { GlobToken } from "../../../src/core/lang/index.js";

/** Joins an array arbitrary of characters into a string arbitrary. */
export const stringOver = (chars: readonly string[], maxLength = 8): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom(...chars), { maxLength }).map((a) => a.join(""));

/** Random IAM glob token arrays whose literals use `chars`. */
export const globOver = (chars: readonly string[], maxTokens = 5): fc.Arbitrary<GlobToken[]> =>
  fc.array(
    fc.oneof(
      stringOver(chars, 3)
        .filter((s) => s !== "")
        .map((text): GlobToken => ({ kind: "lit", text })),
      fc.constant<GlobToken>({ kind: "star" }),
      fc.constant<GlobToken>({ kind: "one" }),
    ),
    { maxLength: maxTokens },
  );

/** Reference IAM matcher: direct recursion over code points, exponential but obviously right. */
export function naiveGlobMatch(tokens: readonly GlobToken[], value: string, ignoreCase = false): boolean {
  const norm = (cp: number): number => {
    if (!ignoreCase) return cp;
    const lower = String.fromCodePoint(cp).toLowerCase();
    return [...lower].length === 1 ? lower.codePointAt(0)! : cp;
  };
  const units: (number | "star" | "one")[] = [];
  for (const t of tokens) {
    if (t.kind === "lit") for (const ch of t.text) units.push(norm(ch.codePointAt(0)!));
    else units.push(t.kind);
  }
  const v = [...value].map((ch) => norm(ch.codePointAt(0)!));
  const go = (pi: number, vi: number): boolean => {
    if (pi === units.length) return vi === v.length;
    const u = units[pi]!;
    if (u === "star") return go(pi + 1, vi) || (vi < v.length && go(pi, vi + 1));
    if (vi === v.length) return false;
    return (u === "one" || u === v[vi]) && go(pi + 1, vi + 1);
  };
  return go(0, 0);
}
