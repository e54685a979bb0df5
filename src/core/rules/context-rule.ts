import type {
  AnalyzedAssumption,
  AnalyzedContext,
  CandidateVerdict,
  ScanModel,
} from "../engine/analysis-types.js";
import { evaluateClaims } from "../engine/evaluate-run.js";
import type { Finding, RelatedLocation } from "../engine/scan-types.js";
import { suggestionFor } from "../engine/suggest-policy.js";
import type { ClaimSet, ClaimValue } from "../iam/claims.js";
import type { RuleMeta } from "./rule.js";
import { workflowFinding } from "./workflow-rule.js";

/** A rule that needs the analysed run contexts (the one contract, with `onAnalysis`). */
export type { Rule as ContextRule } from "./define-rule.js";

/** Contexts a person chooses by hand and that a deny is meant to stop (dispatch on another branch or a tag). */
export function isOptionalContext(c: AnalyzedContext): boolean {
  return c.trigger.optional === true;
}

/** Describes a run for messages: "push to refs/heads/main, environment production". */
export function describeContext(c: AnalyzedContext): string {
  const parts = [c.trigger.label];
  if (c.environment) parts.push(`environment \`${c.environment}\``);
  if (c.caller) parts.push(`called from ${c.caller}`);
  return parts.join(", ");
}

/** Re-evaluates a candidate with some claims replaced: used to tell which difference causes a deny. */
export function counterfactual(
  a: AnalyzedAssumption,
  v: CandidateVerdict,
  issuer: string,
  replace: (claims: ClaimSet) => Record<string, ClaimValue>,
): "allow" | "deny" | "indeterminate" | null {
  if (a.roleSource?.kind !== "found" || !a.role) return null;
  return evaluateClaims(a.roleSource.policy, replace(v.claims), v.variable, issuer, a.role).decision;
}

/** The policy's positive values for a bare claim (e.g. every `sub` value of Allow statements). */
export function policyValues(
  a: AnalyzedAssumption,
  claim: string,
): { value: string; line: number; column: number; pointer: string }[] {
  if (a.roleSource?.kind !== "found") return [];
  const out: { value: string; line: number; column: number; pointer: string }[] = [];
  for (const s of a.roleSource.policy.statements) {
    if (s.effect !== "Allow") continue;
    for (const c of s.conditions) {
      if (!c.key.toLowerCase().endsWith(`:${claim}`) || /not/i.test(c.operator)) continue;
      for (const v of c.values)
        out.push({
          value: v.value,
          line: v.span.start.line,
          column: v.span.start.column,
          pointer: v.pointer,
        });
    }
  }
  return out;
}

/** The related location of a policy value in the role's policy file. */
export function policyRelated(
  a: AnalyzedAssumption,
  v: { line: number; column: number; pointer: string },
  message: string,
): RelatedLocation {
  const file = a.roleSource?.kind === "found" ? a.roleSource.file : (a.role ?? "");
  const decoded = a.roleSource?.kind === "found" && a.roleSource.policy.decoded;
  return {
    file,
    line: decoded ? null : v.line,
    column: decoded ? null : v.column,
    pointer: v.pointer,
    message,
  };
}

/** Where a trust finding about one context points: the environment line, else the role line. */
export function contextLocation(a: AnalyzedAssumption, c: AnalyzedContext) {
  if (c.environmentAt) return { file: a.file, span: c.environmentAt.span, route: c.environmentAt.route };
  if (a.roleAt) return a.roleAt;
  return { file: a.file, span: a.job.id.span, route: a.job.id.route };
}

/** The trigger line as a related location. */
export function triggerRelated(a: AnalyzedAssumption, c: AnalyzedContext): RelatedLocation[] {
  const at = c.trigger.at;
  if (!at) return [];
  const file = c.caller ? c.caller.split("#")[0]! : a.file;
  return [
    {
      file,
      line: at.span.start.line,
      column: at.span.start.column,
      message: `triggered by \`${c.trigger.event}\``,
    },
  ];
}

/** Subjects this repository's workflows need from a role: every context that can mint a token for it. */
export function neededSubjects(model: ScanModel, role: string): string[] {
  const subs = new Set<string>();
  for (const a of model.assumptions) {
    if (a.role !== role) continue;
    for (const c of a.contexts) {
      if (c.decision === "no-token" || c.decision === "not-oidc" || isOptionalContext(c)) continue;
      const first = Array.isArray(c.sub) ? c.sub[0] : c.sub;
      if (
        first &&
        !first.includes("(unknown") &&
        !first.includes("${{") &&
        !first.includes("(custom template")
      )
        subs.add(first);
    }
  }
  return [...subs].sort();
}

/** A finding about one context of one assumption, with the suggested minimal policy for the role. */
export function contextFinding(
  meta: RuleMeta,
  model: ScanModel,
  a: AnalyzedAssumption,
  c: AnalyzedContext,
  message: string,
  related: RelatedLocation[],
  fix: string,
): Finding {
  const f = workflowFinding(meta, contextLocation(a, c), {
    message,
    job: a.job.id.value,
    role: a.role,
    fix,
    related: [...triggerRelated(a, c), ...related],
    discriminator: `${c.trigger.label}|${c.environment ?? ""}|${c.caller ?? ""}`,
  });
  // A run that happens only if an `if:` rolecall cannot decide holds is not a certain denial.
  const undecided = c.trigger.conditional;
  if (undecided && meta.category === "will-fail") {
    f.conditional = undecided;
    f.message = `If this job runs (\`${undecided}\` is decided at run time): ${f.message}`;
    if (f.severity === "critical" || f.severity === "high") f.severity = "medium";
  }
  if (a.role) {
    const audience = a.credentials.inputs.audience?.value ?? "sts.amazonaws.com";
    const policy = a.roleSource?.kind === "found" ? a.roleSource.policy : null;
    const suggestion = suggestionFor(model, a.role, policy, audience);
    if (suggestion) f.suggestedPolicy = suggestion;
  }
  return f;
}
