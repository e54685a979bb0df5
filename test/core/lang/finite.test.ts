import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { githubFilterToLang, Lang, tokenizeIamGlob } from "../../../src/core/lang/index.js";

describe("Lang.isFinite and the set-operation shortcuts", () => {
  it("finite and infinite languages", () => {
    expect(Lang.literal("refs/heads/main").isFinite()).toBe(true);
    expect(Lang.empty().isFinite()).toBe(true);
    expect(Lang.any().isFinite()).toBe(false);
    expect(Lang.fromGlob(tokenizeIamGlob("a?b")).isFinite()).toBe(false); // `?` is any of infinitely many characters
    expect(Lang.fromGlob(tokenizeIamGlob("a*")).isFinite()).toBe(false);
    expect(githubFilterToLang("v[0-9]").isFinite()).toBe(true);
    expect(githubFilterToLang("v[0-9]+").isFinite()).toBe(false);
    const two = Lang.literal("main").union(Lang.literal("stable"));
    expect(two.isFinite()).toBe(true);
    expect(githubFilterToLang("release/*").intersect(two).isFinite()).toBe(true);
  });

  it("a union of n literals is finite with exactly n members (property)", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ maxLength: 5 }), { minLength: 1, maxLength: 6 }), (words) => {
        const l = words.reduce((acc, w) => acc.union(Lang.literal(w)), Lang.empty());
        expect(l.isFinite()).toBe(true);
        let rest = l;
        let n = 0;
        for (let ex = rest.shortestExample(); ex !== null; ex = rest.shortestExample()) {
          rest = rest.difference(Lang.literal(ex));
          n++;
        }
        expect(n).toBe(words.length);
        expect(l.union(Lang.any()).isFinite()).toBe(false);
      }),
    );
  });

  it("shortcuts keep the algebra: x∩Σ*=x, x∪∅=x, x∖Σ*=∅, x∖∅=x", () => {
    const x = Lang.fromGlob(tokenizeIamGlob("repo:o/r:*"));
    expect(x.intersect(Lang.any()).equals(x)).toBe(true);
    expect(Lang.any().intersect(x).equals(x)).toBe(true);
    expect(x.union(Lang.empty()).equals(x)).toBe(true);
    expect(x.difference(Lang.any()).isEmpty()).toBe(true);
    expect(x.difference(Lang.empty()).equals(x)).toBe(true);
    expect(x.intersect(Lang.empty()).isEmpty()).toBe(true);
  });
});
