import { Lang } from "./dfa.js";
import { parseGithubFilter } from "./github-filter-parse.js";

/**
 * The bare branch/tag names (e.g. `release/v1`, not `refs/heads/release/v1`) one GitHub Actions
 * filter pattern matches. Same as `Lang.fromGithubFilter`; a leading `!` is rejected.
 * @throws GithubFilterParseError for malformed patterns (with a 1-based `column`).
 */
export function githubFilterToLang(pattern: string): Lang {
  return Lang.fromGithubFilter(pattern);
}

/**
 * The names a `branches:` / `tags:` list admits. Patterns are applied in order and the last
 * pattern that matches a name decides: a plain pattern includes it, a `!pattern` excludes it
 * (docs: "When a file matches a pattern and also matches a negative pattern defined later …, the
 * file will not be included"; "A pattern that negates a previous pattern will re-include").
 * A name no pattern matches is not admitted, so `[]` and negation-only lists give ∅ (GitHub
 * requires at least one positive pattern when `!` is used).
 *
 * The caller handles an absent filter (every name, `Lang.any()`).
 * @throws GithubFilterParseError
 */
export function compileFilterList(patterns: readonly string[]): Lang {
  let lang = Lang.empty();
  for (const pattern of patterns) {
    const { negated, body } = parseGithubFilter(pattern, { allowNegation: true });
    const matched = Lang.fromRegex(body, "compileFilterList");
    lang = negated ? lang.difference(matched) : lang.union(matched);
  }
  return lang;
}

/**
 * The names a `branches-ignore:` / `tags-ignore:` list admits: the complement of what the same
 * list would select with {@link compileFilterList} (GitHub docs do not define `!` inside an
 * ignore list; we read it with the same last-match-wins rule, i.e. a later `!p` un-ignores `p`).
 * @throws GithubFilterParseError
 */
export function compileIgnoreList(patterns: readonly string[]): Lang {
  return compileFilterList(patterns).complement();
}
