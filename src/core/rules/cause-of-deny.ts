import type { AnalyzedAssumption, AnalyzedContext, CandidateVerdict } from "../engine/analysis-types.js";
import type { ClaimValue } from "../iam/claims.js";
import type { RepoFacts } from "../oidc/claims-for.js";
import { counterfactual, isOptionalContext, policyValues } from "./context-rule.js";

/** Why a context is denied: the audience, the subject format (immutable / custom template), or the subject. */
export type DenyCause = "principal" | "aud" | "immutable" | "template" | "sub";

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

function withSub(sub: ClaimValue, map: (s: string) => string): ClaimValue {
  if (sub.kind === "value") return { kind: "value", value: map(sub.value) };
  if (sub.kind === "pattern") return { ...sub, prefix: map(sub.prefix) };
  return sub;
}

/**
 * Attributes a denied context to one cause by re-evaluating with that difference removed:
 * the audience the policy wants, the name-based subject instead of the immutable one (or the
 * reverse), the default subject instead of the custom template. `sub` when none of them flips it.
 */
export function denyCause(
  a: AnalyzedAssumption,
  c: AnalyzedContext,
  repo: RepoFacts,
): { cause: DenyCause; candidate: CandidateVerdict } | null {
  if (c.decision !== "deny" || isOptionalContext(c)) return null;
  const v = c.candidates.find((x) => x.decision === "deny") ?? c.candidates[0];
  if (!v) return null;
  if (principalProblem(v)) return { cause: "principal", candidate: v };
  const auds = policyValues(a, "aud").filter((x) => !/[*?]/.test(x.value));
  if (
    auds.length > 0 &&
    v.claims.aud?.kind === "value" &&
    !auds.some((x) => x.value === (v.claims.aud as { value: string }).value)
  ) {
    const flip = counterfactual(a, v, repo.issuer, (cl) => ({
      ...cl,
      aud: { kind: "value", value: auds[0]!.value },
    }));
    if (flip === "allow") return { cause: "aud", candidate: v };
  }
  const sub = v.claims.sub;
  if (sub && repo.fullName) {
    if (repo.subPrefix) {
      const seg = repo.subPrefix.replace(/^repo:/, "");
      const flip = counterfactual(a, v, repo.issuer, (cl) => ({
        ...cl,
        sub: withSub(sub, (s) => s.replace(`repo:${seg}`, `repo:${repo.fullName}`)),
      }));
      if (flip === "allow") return { cause: "immutable", candidate: v };
    } else {
      const owner = repo.fullName.split("/")[0]!;
      if (policyValues(a, "sub").some((x) => x.value.startsWith(`repo:${owner}@`)))
        return { cause: "immutable", candidate: v };
    }
    if (repo.subTemplate && c.candidates.length > 0) {
      const ctx = c.environment
        ? `environment:${c.environment.replaceAll(":", "%3A")}`
        : c.trigger.event === "pull_request" || c.trigger.event === "pull_request_target"
          ? "pull_request"
          : c.trigger.ref.kind === "value"
            ? `ref:${c.trigger.ref.value}`
            : null;
      if (ctx) {
        const seg = repo.subPrefix ? repo.subPrefix.replace(/^repo:/, "") : repo.fullName;
        const flip = counterfactual(a, v, repo.issuer, (cl) => ({
          ...cl,
          sub: { kind: "value", value: `repo:${seg}:${ctx}` },
        }));
        if (flip === "allow") return { cause: "template", candidate: v };
      }
    } else if (!repo.subTemplate) {
      const values = policyValues(a, "sub");
      if (
        values.length > 0 &&
        values.every(
          (x) =>
            !/^repo:[^:]+:(ref:|environment:|pull_request|\*)/.test(x.value) &&
            x.value.startsWith("repo:") &&
            x.value.includes(":job_workflow_ref:"),
        )
      )
        return { cause: "template", candidate: v };
    }
  }
  return { cause: "sub", candidate: v };
}
