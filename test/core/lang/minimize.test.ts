import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Dfa, determinize, minimize } from "../../../src/core/lang/automaton.js";
import { LangTooComplexError, WorkBudget } from "../../../src/core/lang/errors.js";
import { charsExcept, charsOf, Lang, reChars, reSeq, reStar } from "../../../src/core/lang/index.js";
import { regexToNfa } from "../../../src/core/lang/regex.js";
import { stringOver } from "./arbitraries.js";

/** Moore's round-by-round refinement: the reference the fast minimiser must agree with. */
function mooreClassCount(d: Dfa): number {
  const reach: number[] = [];
  const seen = new Set([d.start]);
  for (let q = d.start, i = 0; ; q = reach[++i]!) {
    if (i === 0) reach.push(q);
    for (const t of [...d.edges[q]!.values(), d.def[q]!])
      if (!seen.has(t)) {
        seen.add(t);
        reach.push(t);
      }
    if (i + 1 >= reach.length) break;
  }
  let cls = new Map(reach.map((q) => [q, d.accept[q] ? 1 : 0]));
  let count = new Set(cls.values()).size;
  for (;;) {
    const ids = new Map<string, number>();
    const next = new Map<number, number>();
    for (const q of reach) {
      const dc = cls.get(d.def[q]!)!;
      let key = `${cls.get(q)}|${dc}`;
      for (const [c, t] of [...d.edges[q]!].sort((x, y) => x[0] - y[0]))
        if (cls.get(t) !== dc) key += `|${c}:${cls.get(t)}`;
      if (!ids.has(key)) ids.set(key, ids.size);
      next.set(q, ids.get(key)!);
    }
    cls = next;
    if (ids.size === count) return count;
    count = ids.size;
  }
}

/** A random complete DFA over code points 97..(97+k), with a default edge per state. */
const dfaArb = fc
  .record({
    n: fc.integer({ min: 1, max: 12 }),
    k: fc.integer({ min: 1, max: 3 }),
    seed: fc.array(fc.nat(), { minLength: 200, maxLength: 200 }),
  })
  .map(({ n, k, seed }): Dfa => {
    let i = 0;
    const next = () => seed[i++ % seed.length]!;
    const accept = Array.from({ length: n }, () => next() % 2 === 0);
    const def = Array.from({ length: n }, () => next() % n);
    const edges = Array.from({ length: n }, () => {
      const m = new Map<number, number>();
      for (let c = 0; c < k; c++) if (next() % 3 !== 0) m.set(97 + c, next() % n);
      return m;
    });
    return { start: 0, accept, edges, def };
  });

const word = (d: Dfa, s: string) => {
  let q = d.start;
  for (const ch of s) q = d.edges[q]!.get(ch.codePointAt(0)!) ?? d.def[q]!;
  return d.accept[q]!;
};

describe("minimize (Hopcroft-style refinement)", () => {
  it("has as many states as Moore's refinement and accepts the same words (property)", () => {
    fc.assert(
      fc.property(dfaArb, fc.array(stringOver(["a", "b", "c", "z"], 8), { maxLength: 20 }), (d, words) => {
        const m = minimize(d);
        expect(m.accept.length).toBe(mooreClassCount(d));
        for (const w of words) expect(word(m, w)).toBe(word(d, w));
      }),
      { numRuns: 300 },
    );
  });

  it("is canonical: two automata for one language minimise to the same structure", () => {
    const a = Lang.fromRegex(reSeq(reStar(reChars(charsOf([97]))), reChars(charsExcept([]))));
    const b = Lang.fromRegex(
      reSeq(reStar(reChars(charsOf([97]))), reStar(reChars(charsOf([97]))), reChars(charsExcept([]))),
    );
    expect(a.equals(b)).toBe(true);
  });

  // Counted work, not time: n and 4n characters of a literal (Moore needed ~n rounds of n states).
  it.each([
    ["a literal", (n: number) => reSeq(...Array.from({ length: n }, () => reChars(charsOf([97]))))],
    [
      "a literal then a star",
      (n: number) =>
        reSeq(...Array.from({ length: n }, () => reChars(charsOf([97]))), reStar(reChars(charsExcept([])))),
    ],
  ])("work grows about linearly in the length of %s", (_, re) => {
    const work = (n: number) => {
      const d = determinize(regexToNfa(re(n)), "test");
      const budget = new WorkBudget("minimize");
      const m = minimize(d, budget);
      expect(m.accept.length).toBeGreaterThanOrEqual(n);
      return budget.spent;
    };
    const small = work(1_000);
    const large = work(4_000);
    // Linear up to a log factor: far below the 16× of a quadratic algorithm.
    expect(large / small).toBeLessThan(6);
  });

  it("stops with LangTooComplexError as soon as the work budget is spent, not after", () => {
    const d = determinize(
      regexToNfa(reSeq(...Array.from({ length: 2_000 }, () => reChars(charsOf([97]))))),
      "test",
    );
    const budget = new WorkBudget("minimize", 1_000);
    expect(() => minimize(d, budget)).toThrow(LangTooComplexError);
    expect(budget.spent).toBeLessThan(1_000 + 2_100);
  });
});

describe("isFinite on long chains", () => {
  it("a 9,000-character literal is finite, and with a star after it is not (no recursion, no fixpoint passes)", () => {
    const long = "a".repeat(9_000);
    expect(Lang.literal(long).isFinite()).toBe(true);
    expect(Lang.fromGithubFilter(`${long}*`).isFinite()).toBe(false);
    expect(Lang.literal(long).union(Lang.literal("b")).isFinite()).toBe(true);
  });
});
