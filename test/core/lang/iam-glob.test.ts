import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type GlobToken, Lang, matchGlob, tokenizeIamGlob } from "../../../src/core/lang/index.js";
import { globOver, naiveGlobMatch, stringOver } from "./arbitraries.js";

const m = (pattern: string, value: string, ignoreCase = false): boolean =>
  matchGlob(tokenizeIamGlob(pattern), value, { ignoreCase });

describe("tokenizeIamGlob", () => {
  it("splits stars and question marks and merges literal runs", () => {
    expect(tokenizeIamGlob("repo:o/*:ref:?x")).toEqual([
      { kind: "lit", text: "repo:o/" },
      { kind: "star" },
      { kind: "lit", text: ":ref:" },
      { kind: "one" },
      { kind: "lit", text: "x" },
    ]);
    expect(tokenizeIamGlob("")).toEqual([]);
    // No policy-variable handling: the evaluator resolves those before tokenising.
    expect(tokenizeIamGlob("$" + "{*}")).toEqual([
      { kind: "lit", text: "${" },
      { kind: "star" },
      { kind: "lit", text: "}" },
    ]);
  });
});

describe("matchGlob table", () => {
  const cases: [string, string, boolean][] = [
    ["repo:octo-org/octo-repo:ref:refs/heads/main*", "repo:octo-org/octo-repo:ref:refs/heads/main", true],
    [
      "repo:octo-org/octo-repo:ref:refs/heads/main*",
      "repo:octo-org/octo-repo:ref:refs/heads/main-hotfix",
      true,
    ],
    ["repo:octo-org/octo-repo:ref:refs/heads/main*", "repo:octo-org/octo-repo:ref:refs/heads/mai", false],
    ["repo:octo-org/octo-repo:ref:refs/heads/*", "repo:octo-org/octo-repo:ref:refs/heads/feature/x", true],
    ["repo:octo-org/octo-repo:*", "repo:octo-org/octo-repo:pull_request", true],
    ["repo:octo-org/octo-repo:*", "repo:octo-org/octo-repo:environment:prod", true],
    ["repo:octo-org/*", "repo:octo-org/any-repo:ref:refs/heads/main", true],
    ["repo:octo-org/*", "repo:octo-org@1001/x", false],
    ["repo:octo-org/*", "repo:octo-org-evil/x", false],
    ["*", "", true],
    ["*", "a/b:c", true],
    ["", "", true],
    ["", "a", false],
    ["?", "", false],
    ["?", "/", true],
    ["?", "ab", false],
    ["a?c", "a:c", true],
    ["a*c", "ac", true],
    ["a*c", "acb", false],
    ["main", "xmain", false],
    ["main", "mainx", false],
    ["Main", "main", false],
    ["*a*b*", "xxbxxa", false],
    ["*a*b*", "xxaxxb", true],
    ["**?", "", false],
  ];
  it.each(cases)("%j against %j → %s", (pattern, value, want) => {
    expect(m(pattern, value)).toBe(want);
  });

  it("treats literal-token * and ? (from policy variables) as plain characters", () => {
    const tokens: GlobToken[] = [{ kind: "lit", text: "a*?" }];
    expect(matchGlob(tokens, "a*?")).toBe(true);
    expect(matchGlob(tokens, "abc")).toBe(false);
    expect(matchGlob(tokens, "a*")).toBe(false);
  });

  it("supports case-insensitive matching, including non-ASCII folds", () => {
    expect(m("repo:Octo-Org/*", "REPO:octo-org/x", true)).toBe(true);
    expect(m("repo:Octo-Org/*", "REPO:octo-org/x", false)).toBe(false);
    expect(m("ÉTÉ?", "étéx", true)).toBe(true);
    expect(m("k", "\u212a", true)).toBe(true); // KELVIN SIGN lower-cases to k
    expect(m("k", "\u212a", false)).toBe(false);
  });

  it("keeps separate compiled forms per case mode for the same token array", () => {
    const tokens = tokenizeIamGlob("ab*");
    expect(matchGlob(tokens, "ABc")).toBe(false);
    expect(matchGlob(tokens, "ABc", { ignoreCase: true })).toBe(true);
    expect(matchGlob(tokens, "ABc")).toBe(false);
  });

  it("counts astral characters as one character for ?", () => {
    expect(m("?", "😀")).toBe(true);
    expect(m("??", "😀")).toBe(false);
    expect(m("a*😀", "ab😀")).toBe(true);
    expect(m("*?b", "😀b")).toBe(true);
  });

  it("handles 10k-character values and many stars without backtracking blow-up", () => {
    const value = "a".repeat(10_000);
    const manyStars = tokenizeIamGlob(`${"*a".repeat(200)}*b`);
    expect(matchGlob(manyStars, value)).toBe(false);
    expect(matchGlob(tokenizeIamGlob(`${"*a".repeat(200)}*`), value)).toBe(true);
    expect(matchGlob(tokenizeIamGlob(`*${"?".repeat(9_999)}`), value)).toBe(true);
    expect(matchGlob(tokenizeIamGlob(`${"?".repeat(10_001)}*`), value)).toBe(false);
  }, 5_000);
});

const ALPHABET = ["a", "b", "/", ":", "*", "?"];

describe("matchGlob properties", () => {
  it("agrees with a naive recursive matcher", () => {
    fc.assert(
      fc.property(globOver(ALPHABET, 6), stringOver(ALPHABET, 10), (tokens, value) => {
        expect(matchGlob(tokens, value)).toBe(naiveGlobMatch(tokens, value));
      }),
      { numRuns: 2_000 },
    );
  });

  it("agrees with the naive matcher when ignoring case, including astral characters", () => {
    const chars = ["a", "A", "b", "\u212a", "k", "😀"];
    fc.assert(
      fc.property(globOver(chars, 5), stringOver(chars, 8), fc.boolean(), (tokens, value, ignoreCase) => {
        expect(matchGlob(tokens, value, { ignoreCase })).toBe(naiveGlobMatch(tokens, value, ignoreCase));
      }),
      { numRuns: 1_000 },
    );
  });

  it("Lang.fromGlob(t).has(v) agrees with matchGlob(t, v)", () => {
    const chars = ["a", "A", "b", "/", ":", "😀"];
    fc.assert(
      fc.property(
        globOver(chars, 5),
        fc.array(stringOver(chars, 8), { minLength: 1, maxLength: 10 }),
        fc.boolean(),
        (tokens, values, ignoreCase) => {
          const lang = Lang.fromGlob(tokens, { ignoreCase });
          for (const v of values) expect(lang.has(v)).toBe(matchGlob(tokens, v, { ignoreCase }));
        },
      ),
      { numRuns: 300 },
    );
  });
});
