import { type GlobToken, matchGlob } from "../lang/index.js";
import type { Span } from "../span.js";
import { parseRoleArn } from "./arn.js";
import { type ClaimSet, type ClaimValue, claimOf } from "./claims.js";
import { classifyKey, GITHUB_ISSUER, type KeyClass } from "./condition-keys.js";
import { type ParsedOperator, parseOperator } from "./operators.js";
import type {
  LocatedString,
  PolicyCondition,
  PolicyStatement,
  PrincipalSpec,
  TrustPolicy,
} from "./policy-model.js";
import { parsePolicyValue } from "./policy-variables.js";
import { and3, or3, type Tri } from "./tri.js";

/** What is being asked: the token's claims, its issuer, and the role the policy belongs to. */
export interface EvaluationRequest {
  claims: ClaimSet;
  /** Token issuer as host and path without scheme; default `token.actions.githubusercontent.com`. */
  issuer?: string;
  /** Role ARN (account and partition the provider must be in); taken from the policy's role facts if omitted. */
  roleArn?: string | null;
  /** The STS action; default `sts:AssumeRoleWithWebIdentity`. */
  action?: string;
}

export interface ConditionTrace {
  operator: string;
  key: string;
  /** The bare claim name the key reads, or null for global keys. */
  claim: string | null;
  values: string[];
  /** The claim value the condition saw. */
  claimValue: ClaimValue;
  outcome: Tri;
  /** The policy value that decided the outcome (the match for positive operators, the hit for negated). */
  decidingValue: string | null;
  /** Why the outcome is what it is, when that is not obvious (absent key, unsupported key, unknown). */
  note: string | null;
  pointer: string;
  span: Span;
}

export interface StatementTrace {
  index: number;
  sid: string | null;
  effect: "Allow" | "Deny" | null;
  applies: Tri;
  principal: { outcome: Tri; note: string | null };
  action: { outcome: Tri; note: string | null };
  conditions: ConditionTrace[];
  pointer: string;
  span: Span;
}

export type Decision = "allow" | "deny" | "indeterminate";

export interface Evaluation {
  decision: Decision;
  explicitDeny: boolean;
  statements: StatementTrace[];
  /** One sentence per reason the decision is what it is. */
  reasons: string[];
}

const DEFAULT_ACTION = "sts:AssumeRoleWithWebIdentity";

/**
 * Decides, as IAM would, whether a token with these claims may assume the role (OIDC-SEMANTICS §5, §7).
 * Three-valued: anything rolecall cannot know makes the answer `indeterminate`, with the reason.
 * Claims of kind `pattern` are treated as unknown here; see `evaluatePattern` for sets of values.
 */
export function evaluateTrustPolicy(policy: TrustPolicy, request: EvaluationRequest): Evaluation {
  const issuer = request.issuer ?? GITHUB_ISSUER;
  const roleArn = request.roleArn ?? policy.role.arn;
  const action = request.action ?? DEFAULT_ACTION;
  const statements = policy.statements.map((s) =>
    traceStatement(s, policy.version, request.claims, issuer, roleArn, action),
  );
  return decide(statements);
}

/** Combines statement outcomes: explicit Deny beats Allow, no Allow is an implicit deny. */
export function decide(statements: StatementTrace[]): Evaluation {
  let anyAllow: Tri = false;
  let anyDeny: Tri = false;
  for (const s of statements) {
    if (s.effect === "Deny") anyDeny = or3(anyDeny, s.applies);
    else if (s.effect === "Allow") anyAllow = or3(anyAllow, s.applies);
    else if (s.applies !== false) {
      anyAllow = or3(anyAllow, "unknown");
      anyDeny = or3(anyDeny, "unknown");
    }
  }
  const reasons: string[] = [];
  const label = (s: StatementTrace) => `statement ${s.index}${s.sid ? ` (${s.sid})` : ""}`;
  if (anyDeny === true) {
    const d = statements.filter((s) => s.effect === "Deny" && s.applies === true);
    reasons.push(
      `explicit Deny: ${d.map(label).join(", ")} applies, and an explicit Deny overrides every Allow`,
    );
    return { decision: "deny", explicitDeny: true, statements, reasons };
  }
  if (anyAllow === true && anyDeny === false) {
    const a = statements.filter((s) => s.effect === "Allow" && s.applies === true);
    reasons.push(`allowed by ${a.map(label).join(", ")}`);
    return { decision: "allow", explicitDeny: false, statements, reasons };
  }
  if (anyAllow === false) {
    reasons.push(
      statements.some((s) => s.effect === "Allow")
        ? "no Allow statement applies (implicit deny)"
        : "the policy has no Allow statement (implicit deny)",
    );
    return { decision: "deny", explicitDeny: false, statements, reasons };
  }
  for (const s of statements) {
    if (s.applies !== "unknown") continue;
    const why = [
      s.principal.note,
      s.action.note,
      ...s.conditions.filter((c) => c.outcome === "unknown").map((c) => c.note),
    ]
      .filter((x): x is string => !!x)
      .join("; ");
    reasons.push(
      `${label(s)} (${s.effect ?? "no valid Effect"}) may or may not apply: ${why || "it could not be read"}`,
    );
  }
  return { decision: "indeterminate", explicitDeny: false, statements, reasons };
}

function traceStatement(
  s: PolicyStatement,
  version: string | null,
  claims: ClaimSet,
  issuer: string,
  roleArn: string | null,
  action: string,
): StatementTrace {
  const principal = principalOutcome(s, issuer, roleArn);
  const act = actionOutcome(s, action);
  const conditions = s.conditions.map((c) => traceCondition(c, version, claims, issuer));
  let applies: Tri = and3(principal.outcome, act.outcome);
  for (const c of conditions) applies = and3(applies, c.outcome);
  if (s.malformed && applies === true) applies = "unknown";
  return {
    index: s.index,
    sid: s.sid,
    effect: s.effect,
    applies,
    principal,
    action: act,
    conditions,
    pointer: s.pointer,
    span: s.span,
  };
}

/** Parses an IAM ARN of an OIDC provider: `arn:PARTITION:iam::ACCOUNT:oidc-provider/HOST/PATH`. */
export function parseProviderArn(
  arn: string,
): { partition: string; account: string; hostPath: string } | null {
  const m = /^arn:([^:]+):iam::(\d{12}|\*?):oidc-provider\/(.+)$/.exec(arn);
  return m ? { partition: m[1]!, account: m[2]!, hostPath: m[3]! } : null;
}

/** Partition and account of a role ARN, if it is one (the core's one role-ARN grammar). */
export function parseRoleArnParts(arn: string): { partition: string; account: string } | null {
  const p = parseRoleArn(arn);
  return p.ok ? { partition: p.partition, account: p.accountId } : null;
}

function principalOutcome(
  s: PolicyStatement,
  issuer: string,
  roleArn: string | null,
): StatementTrace["principal"] {
  const p: PrincipalSpec | null = s.principal;
  if (!p) return { outcome: "unknown", note: "the statement has no usable Principal" };
  if (p.everyone)
    return {
      outcome: true,
      note: 'Principal "*" admits every principal, GitHub tokens of any repository included',
    };
  const role = roleArn ? parseRoleArnParts(roleArn) : null;
  const notes: string[] = [];
  for (const f of p.federated) {
    const prov = parseProviderArn(f.value);
    if (!prov || prov.hostPath !== issuer) continue;
    if (role && (prov.account !== role.account || prov.partition !== role.partition)) {
      notes.push(
        `the provider ${f.value} is not in the role's account ${role.account} (partition ${role.partition}); STS only uses the provider in the role's own account`,
      );
      continue;
    }
    return {
      outcome: true,
      note: role
        ? null
        : `matches issuer ${issuer}; the provider's account was not checked (no role ARN given)`,
    };
  }
  if (p.federated.length === 0) {
    return {
      outcome: false,
      note: "no Federated principal: this statement does not trust any OIDC provider",
    };
  }
  const bare = p.federated.find((f) => !f.value.startsWith("arn:"));
  if (bare && notes.length === 0)
    return {
      outcome: false,
      note: `Principal.Federated is \`${bare.value}\`, a bare name rather than an OIDC provider ARN; STS matches the provider's ARN, so write \`arn:aws:iam::<role account>:oidc-provider/${bare.value}\``,
    };
  const named = p.federated.map((f) => f.value).join(", ");
  return {
    outcome: false,
    note: notes[0] ?? `the token's issuer is ${issuer}, but the statement trusts ${named}`,
  };
}

function actionOutcome(s: PolicyStatement, action: string): StatementTrace["action"] {
  if (!s.action) return { outcome: "unknown", note: "the statement has no Action" };
  const hit = s.action.values.some((v) => matchGlob(actionTokens(v), action, { ignoreCase: true }));
  if (s.action.kind === "Action") {
    return hit
      ? { outcome: true, note: null }
      : { outcome: false, note: `${action} is not among the statement's actions` };
  }
  return hit ? { outcome: false, note: `${action} is excluded by NotAction` } : { outcome: true, note: null };
}

const actionTokenCache = new WeakMap<LocatedString, GlobToken[]>();

function actionTokens(v: LocatedString): GlobToken[] {
  let t = actionTokenCache.get(v);
  if (!t) {
    t = globTokens([{ text: v.value, wildcards: true }]);
    actionTokenCache.set(v, t);
  }
  return t;
}

function globTokens(pieces: { text: string; wildcards: boolean }[]): GlobToken[] {
  const out: GlobToken[] = [];
  for (const p of pieces) {
    if (!p.wildcards) {
      out.push({ kind: "lit", text: p.text });
      continue;
    }
    let lit = "";
    for (const ch of p.text) {
      if (ch === "*" || ch === "?") {
        if (lit) out.push({ kind: "lit", text: lit });
        lit = "";
        out.push(ch === "*" ? { kind: "star" } : { kind: "one" });
      } else lit += ch;
    }
    if (lit) out.push({ kind: "lit", text: lit });
  }
  return out;
}

/** The claim a condition key reads, and why it is what it is. */
export function resolveKey(
  keyClass: KeyClass,
  claims: ClaimSet,
  issuer: string,
): { claim: string | null; value: ClaimValue; note: string | null } {
  switch (keyClass.kind) {
    case "claim":
      if (keyClass.support === "supported")
        return { claim: keyClass.claim, value: claimOf(claims, keyClass.claim), note: null };
      if (keyClass.support === "uncertain")
        return {
          claim: keyClass.claim,
          value: { kind: "unknown", reason: `sources disagree on whether AWS exposes ${keyClass.claim}` },
          note: `sources disagree on whether AWS exposes "${keyClass.claim}" as a condition key for GitHub tokens; verify`,
        };
      return {
        claim: keyClass.claim,
        value: { kind: "absent" },
        note: `"${keyClass.claim}" is not a condition key AWS exposes for GitHub tokens, so IAM sees it as absent; verify`,
      };
    case "other-issuer":
      return {
        claim: keyClass.claim,
        value: { kind: "absent" },
        note: `the key names issuer ${keyClass.prefix}, but the token comes from ${issuer}: absent from this request`,
      };
    case "global":
      return {
        claim: null,
        value: { kind: "unknown", reason: `rolecall does not model the global key ${keyClass.key}` },
        note: `rolecall does not model the value of ${keyClass.key}`,
      };
  }
}

/** Outcome of a condition when the key is absent from the request (§5.3). */
export function absentOutcome(op: ParsedOperator, values: string[]): Tri {
  if (op.family === "null") return nullOutcome(values, true);
  if (op.set === "ForAllValues") return true;
  if (op.set === "ForAnyValue") return false;
  if (op.ifExists) return true;
  return op.negated;
}

function nullOutcome(values: string[], absent: boolean): Tri {
  let result: Tri = false;
  for (const v of values) {
    const want = v.toLowerCase();
    if (want === "true") result = or3(result, absent);
    else if (want === "false") result = or3(result, !absent);
    else result = or3(result, "unknown");
  }
  return result;
}

export function traceCondition(
  c: PolicyCondition,
  version: string | null,
  claims: ClaimSet,
  issuer: string,
): ConditionTrace {
  const base = {
    operator: c.operator,
    key: c.key,
    values: c.values.map((v) => v.value),
    pointer: c.pointer,
    span: c.span,
  };
  const keyClass = classifyKey(c.key, issuer);
  const resolved = resolveKey(keyClass, claims, issuer);
  const out = (outcome: Tri, note: string | null, decidingValue: string | null = null): ConditionTrace => ({
    operator: base.operator,
    key: base.key,
    values: base.values,
    pointer: base.pointer,
    span: base.span,
    claim: resolved.claim,
    claimValue: resolved.value,
    outcome,
    decidingValue,
    note,
  });
  const op = parseOperator(c.operator);
  if (!op) return out("unknown", `"${c.operator}" is not an IAM condition operator`);
  if (!c.valuesReadable) return out("unknown", "a condition value is not a string");
  const v = resolved.value;
  if (v.kind === "unknown")
    return out("unknown", resolved.note ?? `the value of ${c.key} is unknown: ${v.reason}`);
  if (v.kind === "pattern") return out("unknown", `${c.key} is a set of values; evaluate it as a pattern`);
  if (v.kind === "absent") {
    const outcome = absentOutcome(op, base.values);
    const why =
      op.family === "null"
        ? null
        : op.set === "ForAllValues"
          ? "the claim is absent, and ForAllValues over an empty set is true"
          : op.set === "ForAnyValue"
            ? "the claim is absent, and ForAnyValue over an empty set is false"
            : op.ifExists
              ? "the claim is absent, and …IfExists is true when the key is absent"
              : op.negated
                ? "the claim is absent, and negated operators are true when the key is absent"
                : "the claim is absent";
    return out(outcome, [resolved.note, why].filter(Boolean).join("; ") || null);
  }
  if (op.family === "null") return out(nullOutcome(base.values, false), resolved.note);
  if (op.family === "other")
    return out(
      "unknown",
      `${op.base} is not defined for GitHub's string claims; IAM's result is not documented`,
    );

  let anyMatch: Tri = false;
  let deciding: string | null = null;
  for (const lv of c.values) {
    if (
      op.negated &&
      compileValue(lv, version).fixed === null &&
      resolveValue(lv.value, version, claims, issuer) === false
    ) {
      // AWS: an unresolvable variable "might cause the entire statement to be invalid" (S-AWS5); for a
      // negated operator that makes the outcome uncertain (no match → true; invalid statement → false).
      return out(
        "unknown",
        `the policy variable in ${JSON.stringify(lv.value)} has no value in this request; AWS says that may invalidate the statement`,
      );
    }
    const m = matchValue(op, lv, v.value, version, claims, issuer);
    if (m === true && deciding === null) deciding = lv.value;
    anyMatch = or3(anyMatch, m);
  }
  const outcome: Tri = op.negated ? (anyMatch === "unknown" ? "unknown" : !anyMatch) : anyMatch;
  const note =
    anyMatch === "unknown" ? "a policy variable in the values could not be resolved" : resolved.note;
  return out(outcome, note, deciding);
}

/** A policy value with its variables resolved: text pieces, `false` when a variable has no value, or unknown. */
export type ResolvedValue = { text: string; wildcards: boolean }[] | false | "unknown";

/** Resolves the policy variables of one condition value against the claims (§5.4). */
export function resolveValue(
  raw: string,
  version: string | null,
  claims: ClaimSet,
  issuer: string,
): ResolvedValue {
  const pieces: { text: string; wildcards: boolean }[] = [];
  for (const piece of parsePolicyValue(raw, version)) {
    if (piece.kind === "text") {
      pieces.push(piece);
      continue;
    }
    const r = resolveKey(classifyKey(piece.key, issuer), claims, issuer);
    if (r.value.kind === "value") pieces.push({ text: r.value.value, wildcards: false });
    else if (r.value.kind === "absent") {
      if (piece.fallback === null) return false; // a variable with no value makes the value match nothing
      pieces.push({ text: piece.fallback, wildcards: false });
    } else return "unknown";
  }
  return pieces;
}

/** True for the Like family (glob matching); false for the Equals family (exact comparison). */
export function isLike(op: ParsedOperator): boolean {
  return op.base === "StringLike" || op.base === "StringNotLike";
}

/** Glob tokens of resolved pieces; for the Equals family everything is literal. */
export function piecesToTokens(
  op: ParsedOperator,
  pieces: { text: string; wildcards: boolean }[],
): GlobToken[] {
  return isLike(op) ? globTokens(pieces) : [{ kind: "lit", text: pieces.map((p) => p.text).join("") }];
}

interface CompiledValue {
  /** The value without policy variables: its literal text (escapes applied) and its glob tokens. */
  fixed: { text: string; tokens: GlobToken[] } | null;
}

/** Per policy value, parsed once (a policy value belongs to one policy, so one Version). */
const compiledValues = new WeakMap<LocatedString, CompiledValue>();

function compileValue(v: LocatedString, version: string | null): CompiledValue {
  let c = compiledValues.get(v);
  if (!c) {
    const pieces = parsePolicyValue(v.value, version);
    const fixed = pieces.every((p) => p.kind === "text")
      ? {
          text: pieces.map((p) => (p.kind === "text" ? p.text : "")).join(""),
          tokens: globTokens(pieces as { text: string; wildcards: boolean }[]),
        }
      : null;
    c = { fixed };
    compiledValues.set(v, c);
  }
  return c;
}

/**
 * Whether one policy value matches the claim: equality for the Equals family, glob for the Like family.
 * For negated operators this is the match that the operator negates.
 */
function matchValue(
  op: ParsedOperator,
  lv: LocatedString,
  claim: string,
  version: string | null,
  claims: ClaimSet,
  issuer: string,
): Tri {
  const { fixed } = compileValue(lv, version);
  if (fixed) {
    if (isLike(op)) return matchGlob(fixed.tokens, claim, { ignoreCase: op.ignoreCase });
    return op.ignoreCase ? fixed.text.toLowerCase() === claim.toLowerCase() : fixed.text === claim;
  }
  const pieces = resolveValue(lv.value, version, claims, issuer);
  if (pieces === false || pieces === "unknown") return pieces;
  if (isLike(op)) return matchGlob(globTokens(pieces), claim, { ignoreCase: op.ignoreCase });
  const text = pieces.map((p) => p.text).join("");
  return op.ignoreCase ? text.toLowerCase() === claim.toLowerCase() : text === claim;
}
