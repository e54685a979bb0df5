import { foldCodePoint } from "./case-fold.js";

/**
 * One token of an IAM `StringLike` pattern: literal text, `*` (any run of characters, including
 * empty, `/` and `:`) or `?` (exactly one character). The policy evaluator produces these after
 * resolving `${*}`, `${?}`, `${$}` to literal text, so a literal token may contain `*` or `?`.
 */
export type GlobToken = { kind: "lit"; text: string } | { kind: "star" } | { kind: "one" };

/** Options for {@link matchGlob}. */
export interface MatchGlobOptions {
  /** Compare per code point after `toLowerCase()`. Default `false` (IAM `StringLike` is case-sensitive). */
  readonly ignoreCase?: boolean;
}

/**
 * Tokenise a plain pattern: `*` → star, `?` → one, every other character literal (adjacent literal
 * characters merge into one token). Policy variables (`${…}`) are not interpreted here.
 */
export function tokenizeIamGlob(pattern: string): GlobToken[] {
  const out: GlobToken[] = [];
  let lit = "";
  for (const ch of pattern) {
    if (ch === "*" || ch === "?") {
      if (lit !== "") out.push({ kind: "lit", text: lit });
      lit = "";
      out.push(ch === "*" ? { kind: "star" } : { kind: "one" });
    } else {
      lit += ch;
    }
  }
  if (lit !== "") out.push({ kind: "lit", text: lit });
  return out;
}

const STAR = -2;
const ONE = -1;

/** A compiled pattern: code points (folded when case-insensitive), `ONE`, `STAR` (runs collapsed). */
interface Compiled {
  readonly units: Int32Array;
  /** Number of non-star units: the minimum value length. */
  readonly minLength: number;
  readonly hasStar: boolean;
}

const cacheSensitive = new WeakMap<readonly GlobToken[], Compiled>();
const cacheInsensitive = new WeakMap<readonly GlobToken[], Compiled>();

function compile(tokens: readonly GlobToken[], ignoreCase: boolean): Compiled {
  const units: number[] = [];
  for (const t of tokens) {
    if (t.kind === "star") {
      if (units[units.length - 1] !== STAR) units.push(STAR);
    } else if (t.kind === "one") {
      units.push(ONE);
    } else {
      for (const ch of t.text) {
        const cp = ch.codePointAt(0)!;
        units.push(ignoreCase ? foldCodePoint(cp) : cp);
      }
    }
  }
  const hasStar = units.includes(STAR);
  return {
    units: Int32Array.from(units),
    minLength: units.length - (hasStar ? count(units, STAR) : 0),
    hasStar,
  };
}

function count(xs: readonly number[], x: number): number {
  let n = 0;
  for (const y of xs) if (y === x) n++;
  return n;
}

function compiled(tokens: readonly GlobToken[], ignoreCase: boolean): Compiled {
  const cache = ignoreCase ? cacheInsensitive : cacheSensitive;
  let c = cache.get(tokens);
  if (c === undefined) {
    c = compile(tokens, ignoreCase);
    cache.set(tokens, c);
  }
  return c;
}

const SURROGATE = /[\uD800-\uDFFF]/;

/**
 * Whether the whole of `value` matches the IAM glob `tokens` (anchored at both ends).
 *
 * Uses the greedy two-pointer wildcard algorithm: O(|value| · |pattern|) worst case, no
 * exponential backtracking, no RegExp per call. The compiled form is cached per token array
 * (by identity, in a `WeakMap`), so token arrays must not be mutated after first use.
 * Characters are code points, so `?` matches one astral character such as an emoji.
 */
export function matchGlob(tokens: readonly GlobToken[], value: string, opts?: MatchGlobOptions): boolean {
  const ignoreCase = opts?.ignoreCase === true;
  const c = compiled(tokens, ignoreCase);
  if (SURROGATE.test(value)) {
    const cps: number[] = [];
    for (const ch of value) {
      const cp = ch.codePointAt(0)!;
      cps.push(ignoreCase ? foldCodePoint(cp) : cp);
    }
    return wildcard(c, cps.length, (i) => cps[i]!);
  }
  if (value.length < c.minLength || (!c.hasStar && value.length !== c.minLength)) return false;
  if (ignoreCase) return wildcard(c, value.length, (i) => foldCodePoint(value.charCodeAt(i)));
  return wildcard(c, value.length, (i) => value.charCodeAt(i));
}

function wildcard(c: Compiled, n: number, at: (i: number) => number): boolean {
  const p = c.units;
  const m = p.length;
  let pi = 0;
  let vi = 0;
  let starP = -1;
  let starV = 0;
  while (vi < n) {
    const u = pi < m ? p[pi]! : STAR - 1;
    if (u === ONE || (u >= 0 && u === at(vi))) {
      pi++;
      vi++;
    } else if (u === STAR) {
      starP = pi++;
      starV = vi;
    } else if (starP >= 0) {
      pi = starP + 1;
      vi = ++starV;
    } else {
      return false;
    }
  }
  while (pi < m && p[pi] === STAR) pi++;
  return pi === m;
}
