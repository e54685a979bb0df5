import type { ClaimSet, ClaimValue } from "./claims.js";
import {
  type ConditionTrace,
  type Evaluation,
  evaluateTrustPolicy,
  type StatementTrace,
} from "./evaluate.js";
import type { PatternEvaluation } from "./evaluate-pattern.js";
import type { TrustPolicy } from "./policy-model.js";

/** A condition that fails in the statement that comes closest to admitting the token. */
export interface FailingCondition {
  statement: number;
  sid: string | null;
  operator: string;
  key: string;
  claim: string | null;
  values: string[];
  /** What the token carries for the key, as text (`(absent)` when it has no such claim). */
  sent: string;
  pointer: string;
}

/**
 * What denies a token, as the evaluator's trace decides it (issue 7 §3): an explicit Deny; no Allow
 * statement trusting the token's provider (`principal`); or, in the Allow statement that comes
 * closest (the fewest failing conditions, one whose `sub` test passes first), the conditions that
 * fail: `sub` alone, `aud` alone, or another condition (`condition`, e.g. a `StringNotLike
 * job_workflow_ref`), with `sub` passing.
 */
export type DenyAttribution =
  | { kind: "explicit-deny"; statement: number; sid: string | null }
  | { kind: "principal"; note: string }
  | { kind: "sub" | "aud" | "condition"; failing: FailingCondition[] }
  | { kind: "unknown" };

/** Attributes a deny decision to its cause; `unknown` when the evaluation is not a deny. */
export function attributeDeny(e: Evaluation): DenyAttribution {
  if (e.decision !== "deny") return { kind: "unknown" };
  if (e.explicitDeny) {
    const d = e.statements.find((s) => s.effect === "Deny" && s.applies === true);
    return d ? { kind: "explicit-deny", statement: d.index, sid: d.sid } : { kind: "unknown" };
  }
  const allows = e.statements.filter((s) => s.effect === "Allow");
  const applicable = allows.filter((s) => s.principal.outcome !== false && s.action.outcome !== false);
  if (applicable.length === 0) {
    const note =
      allows.map((s) => s.principal.note).find((n): n is string => !!n) ??
      "no Allow statement trusts the token's provider";
    return { kind: "principal", note };
  }
  const failingOf = (s: StatementTrace) => s.conditions.filter((c) => c.outcome === false);
  const subPasses = (s: StatementTrace) => !failingOf(s).some((c) => c.claim === "sub");
  const closest = [...applicable].sort(
    (x, y) =>
      Number(subPasses(y)) - Number(subPasses(x)) ||
      failingOf(x).length - failingOf(y).length ||
      x.index - y.index,
  )[0]!;
  const failing = failingOf(closest);
  if (failing.length === 0) return { kind: "unknown" };
  const data = failing.map((c) => failingCondition(closest, c));
  if (failing.some((c) => c.claim === "sub")) return { kind: "sub", failing: data };
  if (failing.every((c) => c.claim === "aud")) return { kind: "aud", failing: data };
  return { kind: "condition", failing: data.filter((c) => c.claim !== "aud") };
}

function failingCondition(s: StatementTrace, c: ConditionTrace): FailingCondition {
  return {
    statement: s.index,
    sid: s.sid,
    operator: c.operator,
    key: c.key,
    claim: c.claim,
    values: c.values,
    sent: c.claimValue.kind === "value" ? c.claimValue.value : "(absent)",
    pointer: c.pointer,
  };
}

/**
 * The concrete claims of one denied value of a pattern claim set (its `deniedExample`), so a
 * pattern verdict can be attributed through the concrete trace.
 */
export function concreteClaims(claims: ClaimSet, example: string, variable: string): ClaimSet {
  const out: Record<string, ClaimValue> = {};
  for (const [k, v] of Object.entries(claims))
    out[k] =
      v.kind === "pattern" && v.variable === variable
        ? { kind: "value", value: `${v.prefix}${example}${v.suffix}` }
        : v;
  return out;
}

/** The concrete evaluation behind a deny verdict (the verdict's own, or its denied example's). */
export function denyEvaluation(
  policy: TrustPolicy,
  v: {
    claims: ClaimSet;
    evaluation: Evaluation | null;
    pattern: PatternEvaluation | null;
    variable: { name: string } | null;
  },
  issuer: string,
  roleArn: string | null,
): Evaluation | null {
  if (v.evaluation) return v.evaluation;
  let claims = v.claims;
  if (v.pattern) {
    const ex = v.pattern.deniedExample;
    if (ex == null || !v.variable) return null;
    claims = concreteClaims(v.claims, ex, v.variable.name);
  }
  return evaluateTrustPolicy(policy, { claims, issuer, roleArn });
}

/** `StringNotLike token.actions.githubusercontent.com:job_workflow_ref "a/b/.github/workflows/x.yml@*"`. */
export function describeCondition(c: FailingCondition): string {
  const vals = c.values.map((v) => JSON.stringify(v)).join(", ");
  return `\`${c.operator} ${c.key} ${c.values.length > 1 ? `[${vals}]` : vals}\``;
}

/** One sentence naming the real cause of a deny, for the per-run reason in tables. */
export function denyReasonText(a: DenyAttribution): string | null {
  switch (a.kind) {
    case "explicit-deny":
      return `explicit Deny: statement ${a.statement}${a.sid ? ` (${a.sid})` : ""} applies, and an explicit Deny overrides every Allow`;
    case "principal":
      return a.note;
    case "sub": {
      const sub = a.failing.find((c) => c.claim === "sub")!;
      const others = a.failing.filter((c) => c.claim !== "sub");
      return `the trust policy does not admit \`sub\` \`${sub.sent}\`${others.length ? ` (statement ${sub.statement} also requires ${others.map(describeCondition).join(" and ")})` : ""}`;
    }
    case "aud":
      return `the token's \`aud\` \`${a.failing[0]!.sent}\` fails ${a.failing.map(describeCondition).join(" and ")}`;
    case "condition":
      return `statement ${a.failing[0]!.statement} admits the subject, but ${a.failing
        .map((c) => `${describeCondition(c)} fails (the token carries \`${c.sent}\`)`)
        .join(" and ")}`;
    case "unknown":
      return null;
  }
}
