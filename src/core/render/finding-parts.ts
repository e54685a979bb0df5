import type { Finding, RelatedLocation } from "../engine/scan-types.js";
import type { RuleMeta, Severity } from "../rules/rule.js";
import { clipMarkdown, code } from "./markdown.js";

/** How finding-level facts read in Markdown: rule links, severities, locations, fixes, role names. */

/** Longest value shown inline (a path, a pointer, a related message). */
export const INLINE_MAX = 600;

/** The rule id linked to its docs, e.g. [`sub-not-trusted`](docs/rules.md#sub-not-trusted). */
export function ruleLink(id: string, rules: readonly RuleMeta[]): string {
  const meta = rules.find((r) => r.id === id);
  return meta?.docs ? `[${code(id)}](${meta.docs})` : code(id); // no page to link: the id alone
}

const SEVERITY_ICON: Readonly<Record<Severity, string>> = {
  critical: "🔴",
  high: "🟠",
  medium: "🟡",
  low: "🔵",
  info: "⚪",
};

/** The coloured marker of a severity alone, e.g. `🟠`. */
export function severityIcon(s: Severity): string {
  return SEVERITY_ICON[s];
}

/** Severity with a coloured marker, e.g. `🟠 High`. */
export function severityLabel(s: Severity): string {
  return `${SEVERITY_ICON[s]} ${s[0]!.toUpperCase()}${s.slice(1)}`;
}

/** True when a finding's `file` is a path in the repository (not a role ARN or a URL). */
export function isRepositoryPath(file: string): boolean {
  return file !== "" && !file.startsWith("arn:") && !file.includes("://") && !file.startsWith("/");
}

/** `file:line`, or the ARN alone for a finding about a role rather than a file. */
export function findingLocation(f: Pick<Finding, "file" | "line">): string {
  return isRepositoryPath(f.file) && f.line > 0 ? `${f.file}:${f.line}` : f.file;
}

/** `file:line:column` of a related place (as much of it as is known). */
function relatedWhere(r: RelatedLocation): string {
  if (r.line === null) return r.file;
  return `${r.file}:${r.line}${r.column !== null ? `:${r.column}` : ""}`;
}

/** `roles/x.json:16:11 /Statement/0/...: message`, for plain-text annotation details. */
export function relatedText(r: RelatedLocation): string {
  const pointer = r.pointer !== undefined && r.pointer !== "" ? ` ${r.pointer}` : "";
  return `${relatedWhere(r)}${pointer}${r.message !== "" ? `: ${r.message}` : ""}`;
}

/** A related place for Markdown: the location in code, then what it says. */
export function relatedMarkdown(r: RelatedLocation): string {
  const parts = [code(clipMarkdown(relatedWhere(r), INLINE_MAX))];
  if (r.pointer !== undefined && r.pointer !== "") parts.push(code(clipMarkdown(r.pointer, INLINE_MAX)));
  const message = r.message !== "" ? `: ${clipMarkdown(r.message, INLINE_MAX)}` : "";
  return `${parts.join(" ")}${message}`;
}

/** `**Fix:** text`, starting a new paragraph when the fix opens with a code block. */
export function fixMarkdown(fix: string, max: number): string {
  const text = clipMarkdown(fix, max);
  return /^\s*(```|~~~)/.test(text) ? `**Fix:**\n\n${text}` : `**Fix:** ${text}`;
}

/** The part of a role ARN after `role/` (path included), or the value as given. */
export function roleName(arn: string): string {
  const m = /^arn:[^:]*:iam::\d*:role\/(.+)$/.exec(arn);
  return m ? m[1]! : arn;
}
