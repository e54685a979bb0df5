import { parseTrustPolicy } from "./parse-policy.js";
import type { TrustPolicy } from "./policy-model.js";

/** A role as rolecall could read it. */
export type RoleSource =
  | { kind: "found"; arn: string; policy: TrustPolicy; file: string; maxSessionDuration: number | null }
  | {
      kind: "unreadable";
      arn: string;
      reason: string;
      code: "not-found" | "access-denied" | "error" | "invalid-policy";
    };

/** What a front door read for one role: the policy text (from IAM or a file), or why it could not. */
export type RoleRead =
  | {
      kind: "found";
      arn: string;
      policyText: string;
      /** Where the policy was read: a repository-relative or user-given path, or the ARN for IAM. */
      file: string;
      /** The role name IAM reported, when the read came from IAM. */
      roleName?: string | null;
      maxSessionDuration: number | null;
    }
  /** Not read: `not-found`, `access-denied`, or any other failure (`error`, `outside-boundary`, …). */
  | { kind: Exclude<string, "found">; arn: string; message: string };

/**
 * The one place a role's policy source is built from a read: the trust policy parsed, the role's
 * facts attached, or a reason that says where the policy is unreadable (`file:line:col: message`
 * for a file, the parser's first problem for IAM).
 */
export function roleSourceOf(read: RoleRead): RoleSource {
  if (!("policyText" in read)) {
    const code = read.kind === "not-found" || read.kind === "access-denied" ? read.kind : "error";
    return { kind: "unreadable", arn: read.arn, code, reason: read.message };
  }
  const { policy, diagnostics } = parseTrustPolicy(read.policyText);
  if (!policy) {
    const d = diagnostics[0];
    const where =
      read.file === read.arn
        ? "IAM returned a trust policy rolecall cannot read: "
        : `${read.file}${d ? `:${d.span.start.line}:${d.span.start.column}` : ""}: `;
    return {
      kind: "unreadable",
      arn: read.arn,
      code: "invalid-policy",
      reason: `${where}${d?.message ?? "not a trust policy"}`,
    };
  }
  const maxSessionDuration = read.maxSessionDuration ?? policy.role.maxSessionDuration;
  return {
    kind: "found",
    arn: read.arn,
    policy:
      read.roleName !== undefined
        ? { ...policy, role: { arn: read.arn, name: read.roleName, maxSessionDuration } }
        : policy,
    file: read.file,
    maxSessionDuration,
  };
}
