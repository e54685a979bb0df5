/**
 * Case folding used by every case-insensitive operation in this library.
 *
 * Two code points are equal ignoring case when their per-code-point `toLowerCase()` is the same
 * single code point (a code point whose lowercase is several code points, e.g. U+0130, only equals
 * itself). `matchGlob` and the automata use this same definition so they always agree.
 */

/** Fold one code point to its case-insensitive key. */
export function foldCodePoint(cp: number): number {
  if (cp < 0x80) {
    return cp >= 0x41 && cp <= 0x5a ? cp + 0x20 : cp;
  }
  const lower = String.fromCodePoint(cp).toLowerCase();
  const first = lower.codePointAt(0)!;
  return lower.length === String.fromCodePoint(first).length ? first : cp;
}

/** Highest code point scanned for case variants: all cased scripts lie below U+20000. */
const SCAN_LIMIT = 0x20000;

let variantsByKey: Map<number, number[]> | undefined;

function variantTable(): Map<number, number[]> {
  if (variantsByKey === undefined) {
    const table = new Map<number, number[]>();
    for (let cp = 0; cp < SCAN_LIMIT; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const key = foldCodePoint(cp);
      if (key === cp) continue;
      let list = table.get(key);
      if (list === undefined) {
        list = [];
        table.set(key, list);
      }
      list.push(cp);
    }
    variantsByKey = table;
  }
  return variantsByKey;
}

/** Every code point equal to `cp` ignoring case (always includes `cp`), ascending. */
export function caseVariants(cp: number): readonly number[] {
  const key = foldCodePoint(cp);
  const out = new Set<number>([cp]);
  if (foldCodePoint(key) === key) out.add(key);

  for (const v of variantTable().get(key) ?? []) out.add(v);
  return [...out].sort((a, b) => a - b);
}
