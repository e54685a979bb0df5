/**
 * What a literal `role-to-assume` names, asked in one place (the analysis, the runner and
 * role-name-not-arn agree on it): an ARN, a bare role name, an expression rolecall resolves
 * elsewhere, or something that starts like an ARN but is not one.
 */
export type RoleReference = "arn" | "bare-name" | "expression" | "invalid-arn";

import { isRoleArn } from "../iam/arn.js";

export function roleReference(text: string): RoleReference {
  const t = text.trim();
  if (t.includes("${{")) return "expression";
  if (!t.startsWith("arn:")) return "bare-name";
  return isRoleArn(t) ? "arn" : "invalid-arn";
}
