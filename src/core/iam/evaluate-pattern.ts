import { Lang, LangTooComplexError } from "../lang/index.js";
import type { Span } from "../span.js";
import type { ClaimSet } from "./claims.js";
import { classifyKey, GITHUB_ISSUER } from "./condition-keys.js";
import {
  type EvaluationRequest,
  evaluateTrustPolicy,
  isLike,
  piecesToTokens,
  resolveKey,
  resolveValue,
  type StatementTrace,
  traceCondition,
} from "./evaluate.js";
import { type ParsedOperator, parseOperator } from "./operators.js";
import type { PolicyCondition, TrustPolicy } from "./policy-model.js";

/** How much of a set of values a policy (or one condition) admits. */
export type Coverage = "all" | "some" | "none" | "indeterminate";

export interface PatternRequest extends EvaluationRequest {
  /** Trace every condition's coverage (for `explain`); off, conditions are evaluated but not traced. Default true. */
  traceConditions?: boolean;
  /** The variable the pattern claims range over, and its domain (e.g. every ref matching `refs/heads/release/**`). */
  variable: { name: string; domain: Lang; description: string };
}

export interface PatternConditionTrace {
  operator: string;
  key: string;
  claim: string | null;
  values: string[];
  coverage: Coverage;
  /** A value of the variable that satisfies the condition, and one that does not. */
  satisfiedBy: string | null;
  failedBy: string | null;
  note: string | null;
  pointer: string;
  span: Span;
}

export interface PatternStatementTrace {
  index: number;
  sid: string | null;
  effect: "Allow" | "Deny" | null;
  coverage: Coverage;
  principal: StatementTrace["principal"];
  action: StatementTrace["action"];
  conditions: PatternConditionTrace[];
  pointer: string;
  span: Span;
}

export interface PatternEvaluation {
  coverage: Coverage;
  /** A value of the variable the policy admits (null when none, or unknown). */
  admittedExample: string | null;
  /** A value of the variable the policy denies (null when none, or unknown). */
  deniedExample: string | null;
  statements: PatternStatementTrace[];
  reasons: string[];
}

/** A set of values known to satisfy (`min`) and possibly satisfying (`max`): exact when equal. */
interface Bounds {
  min: Lang;
  max: Lang;
}

const exact = (l: Lang): Bounds => ({ min: l, max: l });
const fromTri = (t: boolean | "unknown"): Bounds =>
  t === true ? exact(Lang.any()) : t === false ? exact(Lang.empty()) : { min: Lang.empty(), max: Lang.any() };
const meet = (a: Bounds, b: Bounds): Bounds => ({ min: a.min.intersect(b.min), max: a.max.intersect(b.max) });

/**
 * Decides whether the policy admits all, some or none of the values a pattern claim can take —
 * e.g. every branch matching `release/**` — and gives a concrete value each way.
 * Exact: languages, not samples. Conditions that rolecall cannot decide widen the bounds, and the
 * answer is `indeterminate` only when those bounds leave it open.
 */
export function evaluatePattern(policy: TrustPolicy, request: PatternRequest): PatternEvaluation {
  try {
    return evaluatePatternUnsafe(policy, request);
  } catch (e) {
    if (!(e instanceof LangTooComplexError)) throw e;
    return {
      coverage: "indeterminate",
      admittedExample: null,
      deniedExample: null,
      statements: [],
      reasons: [`the patterns are too complex to compare exactly (${e.message})`],
    };
  }
}

function coverageOf(domain: Lang, b: Bounds): { coverage: Coverage; yes: string | null; no: string | null } {
  const yes = domain.intersect(b.min);
  const no = domain.difference(b.max);
  const yesEx = yes.shortestExample();
  const noEx = no.shortestExample();
  let coverage: Coverage;
  if (noEx === null && domain.isSubsetOf(b.min)) coverage = "all";
  else if (domain.intersect(b.max).isEmpty()) coverage = "none";
  else if (yesEx !== null && noEx !== null) coverage = "some";
  else coverage = "indeterminate";
  return { coverage, yes: yesEx, no: noEx };
}

function evaluatePatternUnsafe(policy: TrustPolicy, request: PatternRequest): PatternEvaluation {
  const issuer = request.issuer ?? GITHUB_ISSUER;
  const { domain } = request.variable;
  // Principal and Action do not depend on claims: reuse the concrete evaluator's trace for them.
  const concrete = evaluateTrustPolicy(policy, { ...request, claims: request.claims });
  let allowMin = Lang.empty();
  let allowMax = Lang.empty();
  let denyMin = Lang.empty();
  let denyMax = Lang.empty();
  const statements: PatternStatementTrace[] = policy.statements.map((s, i) => {
    const base = concrete.statements[i]!;
    let b = meet(fromTri(base.principal.outcome), fromTri(base.action.outcome));
    const conditions = s.conditions.map((c) => {
      const cb = conditionBounds(c, policy.version, request.claims, issuer, request.variable.name);
      b = meet(b, cb.bounds);
      if (request.traceConditions === false) return null;
      const cov = coverageOf(domain, cb.bounds);
      return {
        operator: c.operator,
        key: c.key,
        claim: cb.claim,
        values: c.values.map((v) => v.value),
        coverage: cov.coverage,
        satisfiedBy: cov.yes,
        failedBy: cov.no,
        note: cb.note,
        pointer: c.pointer,
        span: c.span,
      };
    });
    if (s.malformed) b = { min: Lang.empty(), max: b.max };
    if (s.effect === "Allow") {
      allowMin = allowMin.union(b.min);
      allowMax = allowMax.union(b.max);
    } else if (s.effect === "Deny") {
      denyMin = denyMin.union(b.min);
      denyMax = denyMax.union(b.max);
    } else {
      allowMax = allowMax.union(b.max);
      denyMax = denyMax.union(b.max);
    }
    return {
      index: s.index,
      sid: s.sid,
      effect: s.effect,
      coverage: coverageOf(domain, b).coverage,
      principal: base.principal,
      action: base.action,
      conditions: conditions.filter((c): c is PatternConditionTrace => c !== null),
      pointer: s.pointer,
      span: s.span,
    };
  });
  const admitted: Bounds = { min: allowMin.difference(denyMax), max: allowMax.difference(denyMin) };
  const cov = coverageOf(domain, admitted);
  const what = request.variable.description;
  const reasons: string[] = [];
  if (cov.coverage === "all") reasons.push(`every value of ${what} is admitted`);
  else if (cov.coverage === "none") reasons.push(`no value of ${what} is admitted`);
  else if (cov.coverage === "some")
    reasons.push(`some values of ${what} are admitted (e.g. ${cov.yes}) and some are not (e.g. ${cov.no})`);
  else {
    const open = statements.flatMap((st) =>
      st.conditions.filter((c) => c.coverage === "indeterminate" && c.note).map((c) => `${c.key}: ${c.note}`),
    );
    reasons.push(
      `rolecall cannot decide which values of ${what} are admitted${open.length ? ` (${[...new Set(open)].join("; ")})` : ""}`,
    );
  }
  return { coverage: cov.coverage, admittedExample: cov.yes, deniedExample: cov.no, statements, reasons };
}

function conditionBounds(
  c: PolicyCondition,
  version: string | null,
  claims: ClaimSet,
  issuer: string,
  variable: string,
): { bounds: Bounds; claim: string | null; note: string | null } {
  const resolved = resolveKey(classifyKey(c.key, issuer), claims, issuer);
  const op = parseOperator(c.operator);
  const v = resolved.value;
  if (v.kind !== "pattern" || v.variable !== variable || !op || !c.valuesReadable) {
    // Not about the variable: the concrete evaluator decides it.
    const t = traceCondition(c, version, claims, issuer);
    return { bounds: fromTri(t.outcome), claim: resolved.claim, note: t.note };
  }
  if (op.family === "null") {
    // The claim is present for every value of the variable.
    const t = c.values.some((x) => x.value.toLowerCase() === "false");
    return { bounds: fromTri(t), claim: resolved.claim, note: null };
  }
  if (op.family !== "string") {
    return {
      bounds: fromTri("unknown"),
      claim: resolved.claim,
      note: `${op.base} is not defined for GitHub's string claims`,
    };
  }
  let min = Lang.empty();
  let max = Lang.empty();
  for (const raw of c.values) {
    const pieces = resolveValue(raw.value, version, claims, issuer);
    if (pieces === false) continue;
    if (pieces === "unknown") {
      max = Lang.any();
      continue;
    }
    const l = valueLanguage(op, pieces, v.prefix, v.suffix);
    min = min.union(l);
    max = max.union(l);
  }
  const bounds = op.negated ? { min: max.complement(), max: min.complement() } : { min, max };
  return {
    bounds,
    claim: resolved.claim,
    note: isLike(op) ? null : resolved.note,
  };
}

/** Languages of policy values around a claim's fixed parts, memoised: the same values recur across runs. */
const valueLangCache = new Map<string, Lang>();

function valueLanguage(
  op: ParsedOperator,
  pieces: { text: string; wildcards: boolean }[],
  prefix: string,
  suffix: string,
): Lang {
  const key = JSON.stringify([isLike(op), op.ignoreCase, pieces, prefix, suffix]);
  let l = valueLangCache.get(key);
  if (!l) {
    if (valueLangCache.size > 5_000) valueLangCache.clear();
    l = Lang.fromGlob(piecesToTokens(op, pieces), { ignoreCase: op.ignoreCase }).quotient(prefix, suffix);
    valueLangCache.set(key, l);
  }
  return l;
}
