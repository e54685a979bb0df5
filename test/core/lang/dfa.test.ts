import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  charsExcept,
  Lang,
  LangTooComplexError,
  reChars,
  reSeq,
  reStar,
  tokenizeIamGlob,
} from "../../../src/core/lang/index.js";
import { globOver, stringOver } from "./arbitraries.js";

const glob = (p: string): Lang => Lang.fromGlob(tokenizeIamGlob(p));

const CHARS = ["a", "b", "/", ":"];
const langArb = globOver(CHARS, 5).map((t) => Lang.fromGlob(t));
const stringsArb = fc.array(stringOver([...CHARS, "c"], 8), { minLength: 1, maxLength: 12 });

describe("Lang constructors", () => {
  it("empty, any and literal have the expected members", () => {
    expect(Lang.empty().has("")).toBe(false);
    expect(Lang.empty().isEmpty()).toBe(true);
    expect(Lang.any().has("")).toBe(true);
    expect(Lang.any().has("anything/at:all")).toBe(true);
    expect(Lang.any().isUniversal()).toBe(true);
    const main = Lang.literal("main");
    expect(main.has("main")).toBe(true);
    expect(main.has("Main")).toBe(false);
    expect(main.has("mai")).toBe(false);
    expect(main.has("mainx")).toBe(false);
    expect(Lang.literal("Main", { ignoreCase: true }).has("mAIN")).toBe(true);
    expect(Lang.literal("").has("")).toBe(true);
    expect(Lang.literal("").has("a")).toBe(false);
  });

  it("minimises: equivalent constructions have the same small state count", () => {
    expect(Lang.literal("abc").stateCount).toBe(5); // 4 positions + dead state
    expect(glob("*").stateCount).toBe(1);
    expect(glob("a**b").stateCount).toBe(glob("a*b").stateCount);
    expect(glob("a*").union(glob("a*")).stateCount).toBe(glob("a*").stateCount);
    expect(glob("a*").union(glob("ab*")).equals(glob("a*"))).toBe(true);
  });

  it("throws LangTooComplexError past the state cap", () => {
    // `*a` followed by n single-character wildcards needs 2^(n+1) DFA states.
    expect(() => glob(`*a${"?".repeat(14)}`)).toThrow(LangTooComplexError);
    expect(() => glob(`*a${"?".repeat(5)}`)).not.toThrow();
  });

  it("fromRegex accepts co-finite character sets", () => {
    const noSlash = Lang.fromRegex(reSeq(reChars(charsExcept([0x2f])), reStar(reChars(charsExcept([0x2f])))));
    expect(noSlash.has("abc")).toBe(true);
    expect(noSlash.has("a/c")).toBe(false);
    expect(noSlash.has("")).toBe(false);
  });
});

describe("Lang set operations (membership on random strings)", () => {
  it("intersect, union, difference, complement match boolean membership", () => {
    fc.assert(
      fc.property(langArb, langArb, stringsArb, (a, b, strings) => {
        const i = a.intersect(b);
        const u = a.union(b);
        const d = a.difference(b);
        const c = a.complement();
        for (const s of strings) {
          expect(i.has(s)).toBe(a.has(s) && b.has(s));
          expect(u.has(s)).toBe(a.has(s) || b.has(s));
          expect(d.has(s)).toBe(a.has(s) && !b.has(s));
          expect(c.has(s)).toBe(!a.has(s));
        }
      }),
      { numRuns: 300 },
    );
  });

  it("satisfies De Morgan and double complement as language equalities", () => {
    fc.assert(
      fc.property(langArb, langArb, (a, b) => {
        expect(a.union(b).complement().equals(a.complement().intersect(b.complement()))).toBe(true);
        expect(a.intersect(b).complement().equals(a.complement().union(b.complement()))).toBe(true);
        expect(a.complement().complement().equals(a)).toBe(true);
        expect(a.difference(b).equals(a.intersect(b.complement()))).toBe(true);
        expect(a.intersect(a.complement()).isEmpty()).toBe(true);
        expect(a.union(a.complement()).isUniversal()).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("equals agrees with mutual inclusion, and subset with membership", () => {
    fc.assert(
      fc.property(langArb, langArb, stringsArb, (a, b, strings) => {
        expect(a.equals(b)).toBe(a.isSubsetOf(b) && b.isSubsetOf(a));
        expect(a.intersect(b).isSubsetOf(a)).toBe(true);
        expect(a.isSubsetOf(a.union(b))).toBe(true);
        if (a.isSubsetOf(b)) for (const s of strings) if (a.has(s)) expect(b.has(s)).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("concat contains exactly the split-wise products", () => {
    fc.assert(
      fc.property(langArb, langArb, stringsArb, (a, b, strings) => {
        const ab = a.concat(b);
        for (const s of strings) {
          const cps = [...s];
          let want = false;
          for (let k = 0; k <= cps.length && !want; k++) {
            want = a.has(cps.slice(0, k).join("")) && b.has(cps.slice(k).join(""));
          }
          expect(ab.has(s)).toBe(want);
        }
      }),
      { numRuns: 200 },
    );
  });

  it("quotient(prefix, suffix) has x exactly when prefix + x + suffix is a member", () => {
    const piece = stringOver([...CHARS, "c"], 4);
    fc.assert(
      fc.property(langArb, piece, piece, stringsArb, (a, prefix, suffix, strings) => {
        const q = a.quotient(prefix, suffix);
        for (const x of strings) expect(q.has(x)).toBe(a.has(prefix + x + suffix));
      }),
      { numRuns: 300 },
    );
  });
});

describe("quotient for sub claims", () => {
  const refs = "repo:octo-org/octo-repo:ref:refs/heads/";
  it("extracts the branch language of a sub pattern", () => {
    const branches = glob("repo:octo-org/octo-repo:ref:refs/heads/main*").quotient(refs, "");
    expect(branches.has("main")).toBe(true);
    expect(branches.has("main-hotfix")).toBe(true);
    expect(branches.has("dev")).toBe(false);
    expect(branches.difference(Lang.literal("main")).shortestExample()).toBe("mainx");
    expect(glob("repo:octo-org/octo-repo:*").quotient(refs, "").isUniversal()).toBe(true);
    expect(glob("repo:octo-org/other:*").quotient(refs, "").isEmpty()).toBe(true);
  });

  it("uses the suffix to constrain what follows the hole", () => {
    const envs = glob("repo:o/*:environment:prod").quotient("repo:o/", ":environment:prod");
    expect(envs.has("r")).toBe(true);
    expect(envs.has("r:x")).toBe(true); // * spans ':'
    expect(glob("repo:o/r:environment:prod").quotient("repo:o/", ":environment:staging").isEmpty()).toBe(
      true,
    );
  });
});

describe("shortestExample", () => {
  it("returns null for the empty language and readable strings otherwise", () => {
    expect(Lang.empty().shortestExample()).toBeNull();
    expect(Lang.any().shortestExample()).toBe("");
    expect(glob("?").shortestExample()).toBe("x");
    expect(glob("??").difference(Lang.literal("xx")).shortestExample()).toBe("xy");
    expect(
      glob("?").difference(glob("x")).difference(glob("y")).difference(glob("z")).shortestExample(),
    ).toBe("a");
    expect(glob("repo:o/r:*").shortestExample()).toBe("repo:o/r:");
    expect(glob("*").difference(Lang.literal("")).shortestExample()).toBe("x");
    expect(Lang.literal("A-b_c.9").shortestExample()).toBe("A-b_c.9");
    expect(Lang.literal("ab", { ignoreCase: true }).shortestExample()).toBe("ab");
  });

  it("prefers letters and digits among explicit characters", () => {
    const l = Lang.literal("-").union(Lang.literal("5")).union(Lang.literal("q"));
    expect(l.shortestExample()).toBe("q");
    expect(Lang.literal("-").union(Lang.literal("5")).shortestExample()).toBe("5");
  });

  const TINY = ["a", "b"];
  const tinyLang = fc
    .tuple(globOver(TINY, 5), globOver(TINY, 5), fc.constantFrom("intersect", "difference", "union"))
    .map(([x, y, op]) => {
      const a = Lang.fromGlob(x);
      const b = Lang.fromGlob(y);
      return op === "intersect" ? a.intersect(b) : op === "difference" ? a.difference(b) : a.union(b);
    });

  /** Strings over {a, b, c} in order of length; `c` stands for every unmentioned character. */
  const brute: string[] = [""];
  for (let i = 0; brute.length < 1 + 3 + 9 + 27 + 81 + 243 + 729; i++) {
    for (const ch of ["a", "b", "c"]) brute.push(brute[i]! + ch);
  }

  it("agrees with brute-force enumeration on a tiny alphabet", () => {
    fc.assert(
      fc.property(tinyLang, (lang) => {
        const first = brute.find((s) => lang.has(s));
        const ex = lang.shortestExample();
        expect(lang.isEmpty()).toBe(ex === null);
        if (first !== undefined) {
          expect(ex).not.toBeNull();
          expect(lang.has(ex!)).toBe(true);
          expect([...ex!].length).toBe(first.length);
        } else if (ex !== null) {
          expect([...ex].length).toBeGreaterThan(6);
        }
      }),
      { numRuns: 500 },
    );
  });

  it("is deterministic and a member for random non-empty languages", () => {
    fc.assert(
      fc.property(langArb, langArb, (a, b) => {
        const l = a.difference(b);
        const ex = l.shortestExample();
        expect(ex === null).toBe(l.isEmpty());
        if (ex !== null) {
          expect(l.has(ex)).toBe(true);
          expect(a.difference(b).shortestExample()).toBe(ex);
        }
      }),
      { numRuns: 200 },
    );
  });
});
