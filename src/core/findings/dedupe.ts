import type { Finding } from "./finding.js";

/** One finding per fingerprint: the first wins (rules may reach one place through several runs). */
export function dedupeFindings(findings: readonly Finding[]): Finding[] {
  const seen = new Map<string, Finding>();
  for (const f of findings) if (!seen.has(f.fingerprint)) seen.set(f.fingerprint, f);
  return [...seen.values()];
}

/** One incomplete item per rule, subject and reason. */
export function dedupeIncomplete<T extends { rule: string; subject: string; reason: string }>(
  items: readonly T[],
): T[] {
  return [...new Map(items.map((i) => [`${i.rule}|${i.subject}|${i.reason}`, i])).values()];
}
