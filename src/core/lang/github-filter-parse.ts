import { ANY_CHAR, charsExcept, charsOf } from "./char-set.js";
import { type Regex, reChars, reEpsilon, reOpt, rePlus, reSeq, reStar } from "./regex.js";

// Parser for GitHub Actions branch/tag filter patterns (`on.push.branches`, `tags`,
// `branches-ignore`, …), per the "Filter pattern cheat sheet" in
// https://docs.github.com/en/actions/reference/workflows-and-actions/workflow-syntax#filter-pattern-cheat-sheet
//
// - `*`  zero or more characters except `/`.
// - `**` zero or more of any character. When `**` is a whole leading segment followed by `/`
//   (pattern start or after `/`, e.g. `**/x`, `a/**/x`), the `**/` may also match nothing: the
//   docs' path examples say `'**/README.md'` matches `README.md` and `docs/**/*.md` matches
//   `docs/README.md`, which plain "zero or more of any character" would not allow.
//   (nektos/act's reimplementation, pkg/workflowpattern, does the same for every `**/`; we keep
//   the plain meaning mid-segment, e.g. `a**/b`, where the docs say nothing.)
// - `?`  zero or one of the preceding character; `+` one or more of the preceding character. The
//   current docs say "preceding character"; older revisions said `?` "matches zero or one single
//   character" (`Octoc?t` matches `Octocat`) — github/docs PR #1994 era text — but the cheat
//   sheet's own `'*.jsx?'` → `page.js`, `page.jsx` example fixes the "preceding" reading.
//   Here the quantifier applies to the preceding atom: a character, an escaped character, a
//   bracket expression, or `*`/`**` (a no-op there). At the very start of a pattern (nothing
//   precedes) `?`/`+` is literal, as in nektos/act; two quantifiers in a row are rejected.
// - `[…]` one character listed or in a range; the docs say "one alphanumeric character … Ranges can
//   only include `a-z`, `A-Z`, and `0-9`", so anything else inside brackets is a parse error.
// - `!` at the start negates (only meaningful in a list); elsewhere it is literal.
// - `\` makes the next character literal; a trailing `\` is an error.

/** A malformed filter pattern; `column` is 1-based (counted in code points). */
export class GithubFilterParseError extends Error {
  override readonly name = "GithubFilterParseError";

  constructor(
    readonly pattern: string,
    readonly column: number,
    readonly reason: string,
  ) {
    super(`invalid filter pattern ${JSON.stringify(pattern)} at column ${column}: ${reason}`);
  }
}

/** A parsed pattern: whether it began with `!`, and the language of the rest. */
export interface ParsedGithubFilter {
  readonly negated: boolean;
  readonly body: Regex;
}

const SLASH = 0x2f;

function isAlnum(ch: string): boolean {
  return /^[0-9A-Za-z]$/.test(ch);
}

function rangeClass(ch: string): number {
  if (ch >= "0" && ch <= "9") return 0;
  if (ch >= "a" && ch <= "z") return 1;
  if (ch >= "A" && ch <= "Z") return 2;
  return -1;
}

/**
 * Parse one filter pattern.
 * @param opts.allowNegation when false, a leading `!` is an error instead of a negation flag.
 * @throws GithubFilterParseError
 */
export function parseGithubFilter(pattern: string, opts: { allowNegation: boolean }): ParsedGithubFilter {
  const chars = Array.from(pattern);
  let i = 0;
  let negated = false;
  if (chars[0] === "!") {
    if (!opts.allowNegation) {
      throw new GithubFilterParseError(pattern, 1, "a leading '!' only has meaning in a filter list");
    }
    negated = true;
    i = 1;
  }
  const bodyStart = i;
  const fail = (at: number, reason: string): never => {
    throw new GithubFilterParseError(pattern, at + 1, reason);
  };
  /** Atoms so far; `quantified` marks atoms that already carry `?`/`+`. */
  const atoms: { re: Regex; quantified: boolean }[] = [];
  while (i < chars.length) {
    const ch = chars[i]!;
    if (ch === "*") {
      if (chars[i + 1] === "*") {
        const wholeSegment = i === bodyStart || chars[i - 1] === "/";
        if (wholeSegment && chars[i + 2] === "/") {
          // `**/` at a segment start: nothing, or anything ending in `/`.
          atoms.push({
            re: reOpt(reSeq(reStar(reChars(ANY_CHAR)), reChars(charsOf([SLASH])))),
            quantified: false,
          });
          i += 3;
        } else {
          atoms.push({ re: reStar(reChars(ANY_CHAR)), quantified: false });
          i += 2;
        }
      } else {
        atoms.push({ re: reStar(reChars(charsExcept([SLASH]))), quantified: false });
        i += 1;
      }
    } else if (ch === "?" || ch === "+") {
      const prev = atoms[atoms.length - 1];
      if (prev === undefined) {
        atoms.push({ re: reChars(charsOf([ch.codePointAt(0)!])), quantified: false });
      } else if (prev.quantified) {
        fail(i, `'${ch}' follows another quantifier`);
      } else {
        atoms[atoms.length - 1] = { re: ch === "?" ? reOpt(prev.re) : rePlus(prev.re), quantified: true };
      }
      i += 1;
    } else if (ch === "[") {
      const open = i;
      const members = new Set<number>();
      i += 1;
      if (chars[i] === "]") fail(open, "empty brackets '[]'");
      while (i < chars.length && chars[i] !== "]") {
        const c = chars[i]!;
        if (!isAlnum(c))
          fail(i, `'${c}' in brackets: only letters, digits and ranges a-z, A-Z, 0-9 are allowed`);
        if (chars[i + 1] === "-" && i + 2 < chars.length && chars[i + 2] !== "]") {
          const hi = chars[i + 2]!;
          if (rangeClass(c) < 0 || rangeClass(c) !== rangeClass(hi) || hi < c) {
            fail(i + 1, `invalid range '${c}-${hi}': ranges can only be within a-z, A-Z or 0-9`);
          }
          for (let cp = c.codePointAt(0)!; cp <= hi.codePointAt(0)!; cp++) members.add(cp);
          i += 3;
        } else {
          members.add(c.codePointAt(0)!);
          i += 1;
        }
      }
      if (i >= chars.length) fail(open, "unclosed '['");
      i += 1; // ']'
      atoms.push({ re: reChars(charsOf(members)), quantified: false });
    } else if (ch === "\\") {
      const next = chars[i + 1];
      if (next === undefined) fail(i, "trailing '\\' escapes nothing");
      atoms.push({ re: reChars(charsOf([next!.codePointAt(0)!])), quantified: false });
      i += 2;
    } else {
      atoms.push({ re: reChars(charsOf([ch.codePointAt(0)!])), quantified: false });
      i += 1;
    }
  }
  const body = atoms.length === 0 ? reEpsilon : reSeq(...atoms.map((a) => a.re));
  return { negated, body };
}
