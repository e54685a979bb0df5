import { concatDfa, type Dfa, determinize, minimize, product, run, step } from "./automaton.js";
import { caseVariants } from "./case-fold.js";
import { ANY_CHAR, charsOf, codePoints } from "./char-set.js";
import { parseGithubFilter } from "./github-filter-parse.js";
import type { GlobToken } from "./iam-glob.js";
import { type Regex, reChars, regexToNfa, reSeq, reStar } from "./regex.js";

/** Options shared by the literal and glob constructors. */
export interface CaseOptions {
  /** Compare per code point after `toLowerCase()` (see `case-fold.ts`). Default `false`. */
  readonly ignoreCase?: boolean;
}

/** Preferred characters for examples, best first. */
const PREFERRED = codePoints("xyzabcdefghijklmnopqrstuvw0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-_.");

const PREFERRED_RANK = new Map(PREFERRED.map((cp, i) => [cp, i]));

/** Readability rank of a code point for examples: lower is better. */
function rank(cp: number): number {
  const r = PREFERRED_RANK.get(cp);
  if (r !== undefined) return r;
  if (cp > 0x20 && cp < 0x7f) return 1_000 + cp; // other printable ASCII
  if (cp >= 0xa0) return 0x1000 + cp; // non-ASCII
  return 0x200000 + cp; // controls and space
}

/** The best-ranked code point not in `explicit`, used to render a default edge. */
function defaultChar(explicit: ReadonlyMap<number, number>): number {
  for (const cp of PREFERRED) if (!explicit.has(cp)) return cp;
  for (let cp = 0x21; ; cp++) if (!explicit.has(cp)) return cp;
}

/**
 * An immutable regular language over Unicode strings (strings are read by code point), held as a
 * minimal complete DFA whose states have explicit edges for finitely many code points plus a
 * default edge for all others. Closed under every operation below without a fixed alphabet.
 *
 * All operations are methods returning new `Lang`s; none mutates. Any construction that would
 * need more than `MAX_STATES` (10 000) states throws {@link LangTooComplexError}; callers should
 * treat that as "indeterminate".
 */
export class Lang {
  private constructor(private readonly dfa: Dfa) {}

  private static of(d: Dfa): Lang {
    return new Lang(minimize(d));
  }

  /** The empty language ∅. */
  static empty(): Lang {
    return EMPTY;
  }

  /** The language of all strings (including the empty string). */
  static any(): Lang {
    return ANY;
  }

  /** The language `{ s }` (or every case variant of `s` when `ignoreCase`). */
  static literal(s: string, opts?: CaseOptions): Lang {
    const items = codePoints(s).map((cp) => reChars(charsOf(opts?.ignoreCase ? caseVariants(cp) : [cp])));
    return Lang.fromRegex(reSeq(...items));
  }

  /** The language of a regular-expression tree (see `regex.ts`). */
  static fromRegex(re: Regex, operation = "fromRegex"): Lang {
    return Lang.of(determinize(regexToNfa(re), operation));
  }

  /** The strings an IAM `StringLike` pattern matches (`*` any run, `?` one character). */
  static fromGlob(tokens: readonly GlobToken[], opts?: CaseOptions): Lang {
    const items: Regex[] = [];
    for (const t of tokens) {
      if (t.kind === "star") items.push(reStar(reChars(ANY_CHAR)));
      else if (t.kind === "one") items.push(reChars(ANY_CHAR));
      else {
        for (const cp of codePoints(t.text)) {
          items.push(reChars(charsOf(opts?.ignoreCase ? caseVariants(cp) : [cp])));
        }
      }
    }
    return Lang.fromRegex(reSeq(...items), "fromGlob");
  }

  /**
   * The bare names (e.g. `release/v1`) one GitHub Actions branch/tag filter pattern matches.
   * A leading `!` is rejected: negation only means something in a list (`compileFilterList`).
   * @throws GithubFilterParseError for malformed patterns.
   */
  static fromGithubFilter(pattern: string): Lang {
    const parsed = parseGithubFilter(pattern, { allowNegation: false });
    return Lang.fromRegex(parsed.body, "fromGithubFilter");
  }

  /** Number of states of the minimal DFA (including a dead state, if any). */
  get stateCount(): number {
    return this.dfa.accept.length;
  }

  /** Membership test: whether `s` is in this language. */
  has(s: string): boolean {
    return this.dfa.accept[run(this.dfa, this.dfa.start, s)]!;
  }

  /** `this ∩ other`. */
  intersect(other: Lang): Lang {
    // Shortcuts for the identities the evaluator meets constantly (x ∩ Σ* = x, x ∩ ∅ = ∅).
    if (other.isUniversal() || this.isEmpty()) return this;
    if (this.isUniversal() || other.isEmpty()) return other;
    return Lang.of(product(this.dfa, other.dfa, (x, y) => x && y, "intersect"));
  }

  /** `this ∪ other`. */
  union(other: Lang): Lang {
    if (other.isEmpty() || this.isUniversal()) return this;
    if (this.isEmpty() || other.isUniversal()) return other;
    return Lang.of(product(this.dfa, other.dfa, (x, y) => x || y, "union"));
  }

  /** `this \ other`. */
  difference(other: Lang): Lang {
    if (other.isEmpty() || this.isEmpty()) return this;
    if (other.isUniversal()) return EMPTY;
    return Lang.of(product(this.dfa, other.dfa, (x, y) => x && !y, "difference"));
  }

  /** All strings not in this language. */
  complement(): Lang {
    const d = this.dfa;
    return new Lang({ ...d, accept: d.accept.map((a) => !a) });
  }

  /** `{ xy : x ∈ this, y ∈ other }`. */
  concat(other: Lang): Lang {
    return Lang.of(concatDfa(this.dfa, other.dfa, "concat"));
  }

  /**
   * `{ x : prefix + x + suffix ∈ this }`. E.g. with `L` the language of an IAM `sub` pattern,
   * `L.quotient("repo:o/r:ref:refs/heads/", "")` is the set of branch names it admits.
   */
  quotient(prefix: string, suffix: string): Lang {
    const d = this.dfa;
    const start = run(d, d.start, prefix);
    const accept = d.accept.map((_, q) => d.accept[run(d, q, suffix)]!);
    return Lang.of({ start, accept, edges: d.edges, def: d.def });
  }

  /**
   * Whether the language has finitely many strings (no cycle, and no default edge, on a path that
   * can still accept). Linear in the automaton: liveness by one reverse breadth-first search, the
   * cycle check by an iterative depth-first search (a recursive one overflowed the stack, and a
   * fixpoint over all states took n passes on a chain).
   */
  isFinite(): boolean {
    const d = this.dfa;
    const n = d.accept.length;
    // States from which an accepting state is reachable.
    const preds: number[][] = Array.from({ length: n }, () => []);
    for (let q = 0; q < n; q++) {
      for (const t of d.edges[q]!.values()) preds[t]!.push(q);
      preds[d.def[q]!]!.push(q);
    }
    const live = new Array<boolean>(n).fill(false);
    const queue: number[] = [];
    for (let q = 0; q < n; q++) {
      if (d.accept[q]) {
        live[q] = true;
        queue.push(q);
      }
    }
    for (let head = 0; head < queue.length; head++) {
      for (const p of preds[queue[head]!]!) {
        if (!live[p]) {
          live[p] = true;
          queue.push(p);
        }
      }
    }
    if (!live[d.start]) return true;
    // A cycle among live states reachable from the start makes the language infinite, and so does
    // a live default edge (it stands for infinitely many characters).
    const colour = new Uint8Array(n); // 0 unseen, 1 on the stack, 2 done
    const stack: { q: number; next: number[]; i: number }[] = [];
    const enter = (q: number): boolean => {
      if (live[d.def[q]!]) return false;
      colour[q] = 1;
      stack.push({ q, next: [...d.edges[q]!.values()].filter((t) => live[t]), i: 0 });
      return true;
    };
    if (!enter(d.start)) return false;
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.i === top.next.length) {
        colour[top.q] = 2;
        stack.pop();
        continue;
      }
      const t = top.next[top.i++]!;
      if (colour[t] === 1) return false;
      if (colour[t] === 0 && !enter(t)) return false;
    }
    return true;
  }

  /** Whether the language has no strings. */
  isEmpty(): boolean {
    return this.dfa.accept.every((a) => !a);
  }

  /** Whether the language contains every string. */
  isUniversal(): boolean {
    return this.dfa.accept.every((a) => a);
  }

  /** Whether every string of this language is in `other`. */
  isSubsetOf(other: Lang): boolean {
    return this.difference(other).isEmpty();
  }

  /** Whether both languages have exactly the same strings (structural check on canonical DFAs). */
  equals(other: Lang): boolean {
    const a = this.dfa;
    const b = other.dfa;
    if (a.accept.length !== b.accept.length) return false;
    for (let q = 0; q < a.accept.length; q++) {
      if (a.accept[q] !== b.accept[q] || a.def[q] !== b.def[q]) return false;
      const ea = a.edges[q]!;
      const eb = b.edges[q]!;
      if (ea.size !== eb.size) return false;
      for (const [c, t] of ea) if (eb.get(c) !== t) return false;
    }
    return true;
  }

  /**
   * A shortest member, or `null` when empty. Among shortest members it returns the
   * lexicographically least under a readability order: `x`, `y`, `z`, `a`…`w`, digits, upper
   * case, `-`, `_`, `.`, other printable ASCII, other characters, then controls. A default edge is
   * rendered as the best such character the state does not mention explicitly. Deterministic.
   */
  shortestExample(): string | null {
    const d = this.dfa;
    const n = d.accept.length;
    // Distance to acceptance by reverse breadth-first search.
    const preds: number[][] = Array.from({ length: n }, () => []);
    for (let q = 0; q < n; q++) {
      for (const t of d.edges[q]!.values()) preds[t]!.push(q);
      preds[d.def[q]!]!.push(q);
    }
    const dist = new Array<number>(n).fill(Number.POSITIVE_INFINITY);
    const queue: number[] = [];
    for (let q = 0; q < n; q++) {
      if (d.accept[q]) {
        dist[q] = 0;
        queue.push(q);
      }
    }
    for (let head = 0; head < queue.length; head++) {
      const q = queue[head]!;
      for (const p of preds[q]!) {
        if (dist[p] === Number.POSITIVE_INFINITY) {
          dist[p] = dist[q]! + 1;
          queue.push(p);
        }
      }
    }
    if (dist[d.start] === Number.POSITIVE_INFINITY) return null;
    let out = "";
    let q = d.start;
    while (dist[q]! > 0) {
      const want = dist[q]! - 1;
      const explicit = d.edges[q]!;
      let best = -1;
      if (dist[d.def[q]!] === want) best = defaultChar(explicit);
      for (const [c, t] of explicit) {
        if (dist[t] === want && (best < 0 || rank(c) < rank(best))) best = c;
      }
      out += String.fromCodePoint(best);
      q = step(d, q, best);
    }
    return out;
  }
}

const EMPTY: Lang = Lang.fromRegex({ kind: "empty" });
const ANY: Lang = Lang.fromRegex(reStar(reChars(ANY_CHAR)));
