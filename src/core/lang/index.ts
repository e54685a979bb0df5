export { ANY_CHAR, type CharSet, charsExcept, charsOf } from "./char-set.js";
export { type CaseOptions, Lang } from "./dfa.js";
export { LangTooComplexError, MAX_STATES } from "./errors.js";
export { compileFilterList, compileIgnoreList, githubFilterToLang } from "./github-filter.js";
export { GithubFilterParseError, type ParsedGithubFilter, parseGithubFilter } from "./github-filter-parse.js";
export { type GlobToken, type MatchGlobOptions, matchGlob, tokenizeIamGlob } from "./iam-glob.js";
export { validRefNameLang } from "./ref-names.js";
export {
  type Regex,
  reAlt,
  reChars,
  reEmpty,
  reEpsilon,
  reOpt,
  rePlus,
  reSeq,
  reStar,
} from "./regex.js";
