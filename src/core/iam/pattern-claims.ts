import {
  GithubFilterParseError,
  githubFilterToLang,
  Lang,
  LangTooComplexError,
  validRefNameLang,
} from "../lang/index.js";
import type { ClaimValue } from "./claims.js";
import type { PatternRequest } from "./evaluate-pattern.js";

/**
 * Turns claims given as GitHub filter patterns (`sub~=repo:o/r:ref:refs/heads/release/**`,
 * `ref~=refs/heads/release/**`) into pattern claims over one shared variable. Patterns must share
 * their glob part: the shortest is the variable's pattern, and each other must end with it (its
 * extra text becomes a literal prefix), so `sub` and `ref` above range over the same branch.
 * Under `refs/heads/` and `refs/tags/` the variable is limited to names git accepts.
 */
export function patternClaims(
  patterns: Readonly<Record<string, string>>,
):
  | { ok: true; claims: Record<string, ClaimValue>; variable: PatternRequest["variable"] }
  | { ok: false; message: string; tooComplex?: true } {
  const entries = Object.entries(patterns);
  if (entries.length === 0) return { ok: false, message: "no pattern claims" };
  const [, base] = entries.reduce((a, b) => (b[1].length < a[1].length ? b : a));
  const claims: Record<string, ClaimValue> = {};
  for (const [key, pattern] of entries) {
    if (!pattern.endsWith(base)) {
      return {
        ok: false,
        message: `pattern claims must share one pattern: ${key}~=${pattern} does not end with ${base}. Give the same ref pattern to each, e.g. sub~=repo:o/r:ref:${base} and ref~=${base}.`,
      };
    }
    claims[key] = {
      kind: "pattern",
      variable: "ref",
      prefix: pattern.slice(0, pattern.length - base.length),
      suffix: "",
    };
  }
  let domain: Lang;
  try {
    domain = githubFilterToLang(base);
  } catch (e) {
    if (e instanceof GithubFilterParseError)
      return { ok: false, message: `invalid pattern ${base}: ${e.message}` };
    if (e instanceof LangTooComplexError) return tooComplex(base, e);
    throw e;
  }
  const m = /^refs\/(heads|tags)\//.exec(base);
  try {
    if (m) domain = domain.intersect(Lang.literal(m[0]).concat(validRefNameLang()));
  } catch (e) {
    if (!(e instanceof LangTooComplexError)) throw e;
    return tooComplex(base, e);
  }
  return { ok: true, claims, variable: { name: "ref", domain, description: base } };
}

/** A pattern past the automaton limits: indeterminate, never a crash; the pattern is shortened for the message. */
function tooComplex(base: string, e: LangTooComplexError): { ok: false; message: string; tooComplex: true } {
  const shown = base.length > 80 ? `${base.slice(0, 60)}… (${base.length} characters)` : base;
  return {
    ok: false,
    tooComplex: true,
    message: `pattern ${shown} is too complex to analyse exactly (${e.message})`,
  };
}
