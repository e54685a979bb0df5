import type { Severity } from "./severity.js";

export type RuleCategory = "will-fail" | "over-broad" | "hygiene" | "could-not-verify";

/** What every rule declares about itself. The id is stable: docs anchor, config key and ignore key. */
export interface RuleMeta {
  id: string;
  severity: Severity;
  category: RuleCategory;
  title: string;
  /** Why it matters, in a few sentences. */
  explanation: string;
  /** What to do about it. */
  fix: string;
  /** Where the rule is documented. */
  docs: string;
}

export function docsUrl(id: string): string {
  return `docs/rules.md#${id}`;
}
