import type { AnalyzedAssumption, AnalyzedContext, CandidateVerdict } from "../engine/analysis-types.js";
import type { ClaimSet, ClaimValue } from "../iam/claims.js";
import { classifyKey } from "../iam/condition-keys.js";
import { attributeDeny, denyEvaluation, type FailingCondition } from "../iam/deny-cause.js";
import type { ParsedOperator } from "../iam/operators.js";
import { parseOperator } from "../iam/operators.js";
import { valueAccepts, valueLanguage } from "../iam/value-language.js";
import { Lang, LangTooComplexError, tokenizeIamGlob } from "../lang/index.js";
import type { RepoFacts } from "../oidc/claims-for.js";
import { counterfactual, isOptionalContext, policyValues } from "./context-rule.js";

/** Why a context is denied: the provider, the audience, the subject format (immutable / custom template), or the subject. */
export type DenyCause =
  | "principal"
  | "explicit-deny"
  | "aud"
  | "immutable"
  | "template"
  | "sub"
  /** Another condition of the closest Allow statement fails while its `sub` test passes (the trace decides). */
  | "condition";

/** The causes of one denied context, the candidate they were read from, and the evaluator's attribution. */
export interface DenyCauses {
  causes: Set<DenyCause>;
  candidate: CandidateVerdict;
  /** Set for the `condition` cause: the failing conditions of the closest Allow statement. */
  failing?: FailingCondition[];
}

/** The Deny statement that blocks the run on purpose, if one does. */
export function explicitDeny(v: CandidateVerdict): { index: number; sid: string | null } | null {
  if (v.evaluation?.explicitDeny) {
    const s = v.evaluation.statements.find((x) => x.effect === "Deny" && x.applies === true);
    return s ? { index: s.index, sid: s.sid } : null;
  }
  const s = v.pattern?.statements.find(
    (x) => x.effect === "Deny" && (x.coverage === "all" || x.coverage === "some"),
  );
  return s ? { index: s.index, sid: s.sid } : null;
}

/** When no Allow statement trusts the token's provider, why (the first statement's principal note). */
export function principalProblem(v: CandidateVerdict): string | null {
  const statements = v.evaluation?.statements ?? v.pattern?.statements ?? [];
  const allows = statements.filter((s) => s.effect === "Allow");
  if (allows.length === 0 || allows.some((s) => s.principal.outcome !== false)) return null;
  return (
    allows.map((s) => s.principal.note).find((n): n is string => !!n) ??
    "no Allow statement trusts the token's provider"
  );
}

/** The shortest claim value a policy value admits (the value itself when that cannot be computed). */
function safeExample(op: ParsedOperator, raw: string, version: string | null): string {
  try {
    return valueLanguage(op, raw, version)?.shortestExample() ?? raw;
  } catch (e) {
    if (!(e instanceof LangTooComplexError)) throw e;
    return raw;
  }
}

function withSub(sub: ClaimValue, map: (s: string) => string): ClaimValue {
  if (sub.kind === "value") return { kind: "value", value: map(sub.value) };
  if (sub.kind === "pattern") return { ...sub, prefix: map(sub.prefix) };
  return sub;
}

/**
 * The audience values of the Allow statements, when every Allow statement tests `aud` and the
 * requested audience passes none of them; null when the audience is not a cause.
 */
export function audienceProblem(
  a: AnalyzedAssumption,
  v: CandidateVerdict,
  issuer: string,
): { requested: string; wanted: string[]; passing: string } | null {
  if (a.roleSource?.kind !== "found" || v.claims.aud?.kind !== "value") return null;
  const requested = v.claims.aud.value;
  const wanted: string[] = [];
  let passing: string | null = null;
  for (const s of a.roleSource.policy.statements) {
    if (s.effect !== "Allow") continue;
    const tests = s.conditions.filter((c) => {
      const kc = classifyKey(c.key, issuer);
      const op = parseOperator(c.operator);
      return kc.kind === "claim" && kc.claim === "aud" && op?.family === "string" && !op.negated;
    });
    if (tests.length === 0) return null; // a statement without an aud test: the audience is not the problem
    for (const c of tests) {
      const op = parseOperator(c.operator)!;
      const version = a.roleSource.policy.version;
      for (const val of c.values) {
        // The evaluator decides (variables, escapes, Version), as for every other value.
        const ok = valueAccepts(c, val, version, { aud: { kind: "value", value: requested } }, issuer);
        if (ok !== false) return null;
        wanted.push(val.value);
        passing ??= safeExample(op, val.value, version);
      }
    }
  }
  return wanted.length > 0 && passing !== null ? { requested, wanted, passing } : null;
}

/**
 * Attributes a denied context to its causes by re-evaluating with each difference removed: the
 * provider (nothing else matters then), the audience, then — with the audience fixed — the
 * name-based subject instead of the immutable one (or the reverse), the default subject instead of
 * the custom template, else the subject itself. A run can be denied for the audience and the
 * subject at once; both are reported.
 */
const causesCache = new WeakMap<AnalyzedContext, DenyCauses | null>();

export function denyCauses(a: AnalyzedAssumption, c: AnalyzedContext, repo: RepoFacts): DenyCauses | null {
  // Every will-fail rule asks about the same contexts: attribute each once.
  if (causesCache.has(c)) return causesCache.get(c)!;
  let r: DenyCauses | null;
  try {
    r = denyCausesUncached(a, c, repo);
  } catch (e) {
    if (!(e instanceof LangTooComplexError)) throw e;
    // The values are too complex to tell the subject format apart: the run is denied all the same,
    // and the subject is reported.
    const v = c.candidates.find((x) => x.decision === "deny") ?? c.candidates[0];
    r =
      v && c.decision === "deny" && !isOptionalContext(c) ? { causes: new Set(["sub"]), candidate: v } : null;
  }
  causesCache.set(c, r);
  return r;
}

function denyCausesUncached(a: AnalyzedAssumption, c: AnalyzedContext, repo: RepoFacts): DenyCauses | null {
  if (c.decision !== "deny" || isOptionalContext(c)) return null;
  const v = c.candidates.find((x) => x.decision === "deny") ?? c.candidates[0];
  if (!v) return null;
  if (principalProblem(v)) return { causes: new Set(["principal"]), candidate: v };
  if (explicitDeny(v)) return { causes: new Set(["explicit-deny"]), candidate: v };
  const causes = new Set<DenyCause>();
  const aud = audienceProblem(a, v, repo.issuer);
  const fixAud = (cl: ClaimSet): Record<string, ClaimValue> =>
    aud ? { ...cl, aud: { kind: "value", value: aud.passing } } : { ...cl };
  if (aud) {
    causes.add("aud");
    if (counterfactual(a, v, repo.issuer, fixAud) === "allow") return { causes, candidate: v };
  }
  // The evaluator's trace decides: when the closest Allow statement admits the subject but another
  // of its conditions fails (a `StringNotLike job_workflow_ref`, a `repository_owner` test), the
  // subject is not the cause.
  if (a.roleSource?.kind === "found") {
    const policy = a.roleSource.policy;
    const e = denyEvaluation(
      policy,
      aud ? { ...v, claims: fixAud(v.claims), evaluation: null } : v,
      repo.issuer,
      a.role,
    );
    const attribution = e && e.decision === "deny" ? attributeDeny(e) : null;
    if (attribution?.kind === "condition")
      return { causes: causes.add("condition"), candidate: v, failing: attribution.failing };
  }
  const sub = v.claims.sub;
  if (sub && repo.fullName) {
    const [owner, name] = repo.fullName.split("/") as [string, string];
    if (repo.subPrefix) {
      const seg = repo.subPrefix.replace(/^repo:/, "");
      const flip = counterfactual(a, v, repo.issuer, (cl) => ({
        ...fixAud(cl),
        sub: withSub(sub, (s) => s.replace(`repo:${seg}`, `repo:${repo.fullName}`)),
      }));
      if (flip === "allow") return { causes: causes.add("immutable"), candidate: v };
    } else {
      // The policy trusts this repository's immutable form while the repository mints names.
      const own = new RegExp(`^repo:${escapeRegExp(owner)}@\\d+/${escapeRegExp(name)}@\\d+:`);
      if (policyValues(a, "sub").some((x) => own.test(x.value)))
        return { causes: causes.add("immutable"), candidate: v };
    }
    const seg = repo.subPrefix ? repo.subPrefix.replace(/^repo:/, "") : repo.fullName;
    if (repo.subTemplate) {
      const ctx = c.environment
        ? `environment:${c.environment.replaceAll(":", "%3A")}`
        : c.trigger.event === "pull_request" || c.trigger.event === "pull_request_target"
          ? "pull_request"
          : c.trigger.ref.kind === "value"
            ? `ref:${c.trigger.ref.value}`
            : null;
      if (ctx) {
        const flip = counterfactual(a, v, repo.issuer, (cl) => ({
          ...fixAud(cl),
          sub: { kind: "value", value: `repo:${seg}:${ctx}` },
        }));
        if (flip === "allow") return { causes: causes.add("template"), candidate: v };
      }
    } else {
      // Every subject the policy names for this repository is in a custom-template form.
      const mine = policyValues(a, "sub").filter(
        (x) => !x.value.startsWith("repo:") || admitsRepo(x.value, seg),
      );
      if (mine.length > 0 && mine.every((x) => isTemplateForm(x.value)))
        return { causes: causes.add("template"), candidate: v };
    }
  }
  return { causes: causes.add("sub"), candidate: v };
}

/** Claim keys a custom subject template adds after the context (OIDC-SEMANTICS §3.1). */
const TEMPLATE_KEY =
  /:(job_workflow_ref|job_workflow_sha|workflow_ref|workflow_sha|workflow|repository_owner_id|repository_owner|repository_visibility|repository_id|repository|actor_id|actor|event_name|ref_type|ref_protected|runner_environment|head_ref|base_ref|context|repo_property_[A-Za-z0-9_]+):/;

/** True for a subject value in a custom-template form rather than GitHub's default `repo:O/R:<context>`. */
function isTemplateForm(value: string): boolean {
  return !value.startsWith("repo:") || TEMPLATE_KEY.test(value);
}

const admitsCache = new Map<string, boolean>();

/** Whether a (glob) subject value can name this repository at all (memoised). */
function admitsRepo(value: string, seg: string): boolean {
  const key = `${seg}\u0000${value}`;
  let r = admitsCache.get(key);
  if (r === undefined) {
    if (admitsCache.size > 5_000) admitsCache.clear();
    r = !Lang.fromGlob(tokenizeIamGlob(value)).quotient(`repo:${seg}:`, "").isEmpty();
    admitsCache.set(key, r);
  }
  return r;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
