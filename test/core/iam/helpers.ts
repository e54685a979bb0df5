import {
  type ClaimSet,
  type ClaimValue,
  parseTrustPolicy,
  type TrustPolicy,
} from "../../../src/core/iam/index.js";

export const PROVIDER = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
export const ROLE = "arn:aws:iam::111122223333:role/deploy";
export const K = (claim: string) => `token.actions.githubusercontent.com:${claim}`;

/** A policy with the worked examples' base statement plus `conditions`, and any extra statements. */
export function basePolicy(
  conditions: Record<string, Record<string, unknown>>,
  extra: unknown[] = [],
): string {
  const cond: Record<string, Record<string, unknown>> = { StringEquals: { [K("aud")]: "sts.amazonaws.com" } };
  for (const [op, block] of Object.entries(conditions)) cond[op] = { ...(cond[op] ?? {}), ...block };
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: PROVIDER },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: cond,
      },
      ...extra,
    ],
  });
}

export function parsed(text: string): TrustPolicy {
  const r = parseTrustPolicy(text);
  if (!r.policy) throw new Error(`policy did not parse: ${JSON.stringify(r.diagnostics)}`);
  return r.policy;
}

/** Claims for a concrete run: `sub` plus the defaults of the worked examples. */
export function claims(sub: string, extra: Record<string, string | null> = {}): ClaimSet {
  const out: Record<string, ClaimValue> = {
    sub: { kind: "value", value: sub },
    aud: { kind: "value", value: "sts.amazonaws.com" },
  };
  for (const [k, v] of Object.entries(extra))
    out[k] = v === null ? { kind: "absent" } : { kind: "value", value: v };
  return out;
}

export const SUB = (ctx: string) => `repo:octo-org/octo-repo:${ctx}`;
