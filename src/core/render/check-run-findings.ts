import type { Finding, IncompleteItem } from "../engine/scan-types.js";
import type { RuleMeta } from "../rules/rule.js";
import {
  findingLocation,
  fixMarkdown,
  INLINE_MAX,
  relatedMarkdown,
  roleName,
  ruleLink,
} from "./finding-parts.js";
import { byteLength, clipMarkdown, code, escapeHtml, fenced, listItem } from "./markdown.js";

/** The blocks of the check run's "Findings", "What could not be checked" and suggested-policy sections. */

/** Per-finding caps, so one huge value cannot crowd out the rest. */
const MESSAGE_MAX = 2_000;
const FIX_MAX = 3_000;
const RELATED_MAX = 5;
const POLICY_MAX = 20_000;

/** One suggested policy per role (or per policy, for a finding without a role). */
export function policyKey(f: Finding): string {
  return f.role ?? f.suggestedPolicy?.json ?? "";
}

/** A finding as a list item: rule, location, job and message, the related places, the fix. */
export function findingBlock(
  f: Finding,
  rules: readonly RuleMeta[],
  policyRoles: Map<string, string>,
): string {
  const job = f.job !== null ? ` (job ${code(f.job)})` : "";
  const parts = [
    `${ruleLink(f.rule, rules)} ${code(findingLocation(f))}${job}: ${clipMarkdown(f.message, MESSAGE_MAX)}`,
  ];
  for (const r of f.related.slice(0, RELATED_MAX)) parts.push(`↳ ${relatedMarkdown(r)}`);
  if (f.related.length > RELATED_MAX) parts.push(`↳ and ${f.related.length - RELATED_MAX} more places`);
  if (f.fix !== null && f.fix !== "") parts.push(fixMarkdown(f.fix, FIX_MAX));
  if (f.suggestedPolicy !== undefined) {
    const label = policyRoles.get(policyKey(f));
    if (label !== undefined) parts.push(`A suggested trust policy for ${label} is below.`);
  }
  return listItem(parts);
}

function prettyJson(json: string): string {
  try {
    return JSON.stringify(JSON.parse(json), null, 2);
  } catch {
    return json;
  }
}

/** A collapsed block with the suggested trust policy as JSON and as Terraform. */
export function policyBlock(f: Finding): string {
  const p = f.suggestedPolicy!;
  const who =
    f.role !== null
      ? `<code>${escapeHtml(roleName(f.role))}</code>`
      : `job <code>${escapeHtml(f.job ?? "?")}</code>`;
  const arn = f.role !== null && roleName(f.role) !== f.role ? ` (<code>${escapeHtml(f.role)}</code>)` : "";
  const json = prettyJson(p.json);
  const body: string[] = [
    "<details>",
    `<summary>Suggested trust policy for ${who}${arn}, from ${escapeHtml(f.rule)}</summary>`,
    "",
  ];
  for (const n of p.notes ?? []) body.push(`- ${clipMarkdown(n, MESSAGE_MAX)}`);
  if (p.notes?.length) body.push("");
  if (byteLength(json) + byteLength(p.terraform) + byteLength(p.diff ?? "") > POLICY_MAX) {
    body.push("Too large to show here: run `rolecall scan --format json` locally to get it.");
  } else {
    if (p.diff) body.push("Change to the current trust policy:", "", fenced("diff", p.diff), "");
    body.push(
      "Trust policy JSON:",
      "",
      fenced("json", json),
      "",
      "Terraform:",
      "",
      fenced("hcl", p.terraform),
    );
  }
  body.push("", "</details>");
  return body.join("\n");
}

export function incompleteBlock(item: IncompleteItem, rules: readonly RuleMeta[]): string {
  return `- ${code(clipMarkdown(item.subject, INLINE_MAX))}: ${clipMarkdown(item.reason, MESSAGE_MAX)} (${ruleLink(item.rule, rules)})`;
}
