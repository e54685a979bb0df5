/**
 * A set of Unicode code points that is either finite (`negated: false`: exactly `chars`) or
 * co-finite (`negated: true`: every code point except `chars`). Both kinds are needed to build
 * automata over an unknown alphabet: `*` in a GitHub filter is "anything but `/`".
 */
export interface CharSet {
  readonly negated: boolean;
  readonly chars: ReadonlySet<number>;
}

/** The finite set of the given code points. */
export function charsOf(chars: Iterable<number>): CharSet {
  return { negated: false, chars: new Set(chars) };
}

/** Every code point except the given ones. */
export function charsExcept(chars: Iterable<number>): CharSet {
  return { negated: true, chars: new Set(chars) };
}

/** Every code point. */
export const ANY_CHAR: CharSet = charsExcept([]);

/** Whether `set` contains the code point `cp`. */
export function charSetHas(set: CharSet, cp: number): boolean {
  return set.chars.has(cp) !== set.negated;
}

/** Code points of a string (not UTF-16 units), e.g. `codePoints("a😀")` is `[0x61, 0x1f600]`. */
export function codePoints(s: string): number[] {
  const out: number[] = [];
  for (const ch of s) out.push(ch.codePointAt(0)!);
  return out;
}
