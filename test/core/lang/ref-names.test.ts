import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { validRefNameLang } from "../../../src/core/lang/index.js";

/** Reference predicate written straight from git-check-ref-format(1). */
function naiveValidRefName(name: string): boolean {
  if (name === "" || name === "@") return false;
  for (const ch of name) {
    const cp = ch.codePointAt(0)!;
    if (cp < 0x20 || cp === 0x7f || " ~^:?*[\\".includes(ch)) return false;
  }
  if (name.includes("..") || name.includes("@{") || name.endsWith(".")) return false;
  for (const component of name.split("/")) {
    if (component === "" || component.startsWith(".") || component.endsWith(".lock")) return false;
  }
  return true;
}

describe("validRefNameLang", () => {
  const lang = validRefNameLang();
  const valid = [
    "main",
    "release/v1",
    "feature/a/b-c_d",
    "v1.2.3",
    "a@b",
    "@x",
    "x.lockx",
    "lock",
    "é/ü",
    "a{b}",
  ];
  const invalid = [
    "",
    "@",
    "/main",
    "main/",
    "a//b",
    "a..b",
    "a@{b",
    ".hidden",
    "a/.hidden",
    "main.",
    "a/b.",
    "x.lock",
    "x.lock/y",
    "a b",
    "a~b",
    "a^b",
    "a:b",
    "a?b",
    "a*b",
    "a[b",
    "a\\b",
    "a\tb",
    "a\u007fb",
    ".lock",
    "release/",
  ];
  it.each(valid)("accepts %j", (name) => {
    expect(lang.has(name)).toBe(true);
  });
  it.each(invalid)("rejects %j", (name) => {
    expect(lang.has(name)).toBe(false);
  });

  it("agrees with a direct predicate on random strings", () => {
    const chars = ["a", ".", "/", "@", "{", "l", "o", "c", "k", "~", " ", "é", "\u0001", "-"];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...chars), { maxLength: 10 }), (cs) => {
        const name = cs.join("");
        expect(lang.has(name)).toBe(naiveValidRefName(name));
      }),
      { numRuns: 3_000 },
    );
  });

  it("is memoised and gives a readable shortest example", () => {
    expect(validRefNameLang()).toBe(lang);
    expect(lang.shortestExample()).toBe("x");
  });
});
