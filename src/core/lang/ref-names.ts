import { charsExcept, charsOf, codePoints } from "./char-set.js";
import { Lang } from "./dfa.js";
import { tokenizeIamGlob } from "./iam-glob.js";
import { reChars, rePlus, reSeq, reStar } from "./regex.js";

/** Characters git never allows in a ref name: ASCII controls, DEL, space, `~ ^ : ? * [ \`. */
const FORBIDDEN: number[] = [...Array.from({ length: 0x20 }, (_, i) => i), 0x7f, ...codePoints(" ~^:?*[\\")];

let cached: Lang | undefined;

/** Strings containing the IAM-glob-shaped `pattern` (`*` = any run), e.g. `"*..*"`. */
const glob = (pattern: string): Lang => Lang.fromGlob(tokenizeIamGlob(pattern));

/**
 * Short branch/tag names that `git check-ref-format` accepts (as `refs/heads/<name>` or
 * `refs/tags/<name>`): non-empty slash-separated components, none empty (so no leading or
 * trailing `/`, no `//`) and none beginning with `.` or ending with `.lock`; no ASCII control
 * character, DEL, space or any of `~ ^ : ? * [ \`; no `..`; no `@{`; not ending with `.`; not
 * exactly `@`.
 *
 * Not modelled (porcelain-level, not check-ref-format): `git branch` also refuses names starting
 * with `-` and the name `HEAD`. Memoised; `Lang` is immutable.
 */
export function validRefNameLang(): Lang {
  if (cached === undefined) {
    const componentChar = reChars(charsExcept([...FORBIDDEN, 0x2f]));
    const component = rePlus(componentChar);
    const shape = Lang.fromRegex(reSeq(component, reStar(reSeq(reChars(charsOf([0x2f])), component))));
    const banned = [".*", "*/.*", "*.lock", "*.lock/*", "*..*", "*@{*", "*."]
      .map(glob)
      .reduce((a, b) => a.union(b))
      .union(Lang.literal("@"));
    cached = shape.difference(banned);
  }
  return cached;
}
