import type { Span } from "../span.js";

/** Finding severities, most severe first. */
export const SEVERITIES = ["critical", "high", "medium", "low", "info"] as const;
export type Severity = (typeof SEVERITIES)[number];

/** Compares severities: negative when `a` is more severe than `b`. */
export function compareSeverity(a: Severity, b: Severity): number {
  return SEVERITIES.indexOf(a) - SEVERITIES.indexOf(b);
}

/** True when `s` is at or above `threshold`. */
export function atLeast(s: Severity, threshold: Severity): boolean {
  return compareSeverity(s, threshold) <= 0;
}

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

/** A place in a trust policy. */
export interface PolicyLocation {
  pointer: string;
  span: Span;
}

/** A finding about a trust policy alone. */
export interface PolicyFinding {
  rule: string;
  severity: Severity;
  message: string;
  location: PolicyLocation;
  fix: string;
}

/**
 * Where rule `id` is documented for every user of the package: its section of `docs/rules.md`, a
 * path inside the rolecall package (the file ships in it and in the repository; the heading is the
 * id). There is no public web address to assume: the App, which knows its own address
 * (`ROLECALL_PUBLIC_URL`), links its `/rules/<id>` page instead.
 */
export function docsUrl(id: string): string {
  return `docs/rules.md#${id}`;
}
