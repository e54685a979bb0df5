import { isRoleArn } from "../iam/arn.js";
import { analyzeBreadth } from "../iam/breadth.js";
import { attributeDeny, denyEvaluation, denyReasonText } from "../iam/deny-cause.js";
import { Lang } from "../lang/index.js";
import { claimsForRun, type JobRun } from "../oidc/claims-for.js";
import { evaluateCondition, runConditionFacts } from "../oidc/condition.js";
import type { RefSpec, TriggerContext } from "../oidc/run-context.js";
import type {
  AnalyzedAssumption,
  AnalyzedContext,
  CandidateVerdict,
  RoleSource,
  ScanModel,
} from "./analysis-types.js";
import { evaluateClaims } from "./evaluate-run.js";
import type { PlannedAssumption, ScanPlan } from "./plan.js";
import { roleReference } from "./role-reference.js";
import type { ContextDecision } from "./scan-types.js";

/** Looks up a role read from `--roles` or AWS; undefined when it was not asked for. */
export type RoleLookup = (arn: string) => RoleSource | undefined;

const DEFAULT_AUDIENCE = "sts.amazonaws.com";

/**
 * Narrows a trigger context by the job's and step's `if:`: none when they can never be true for
 * it; a small finite set of refs becomes one concrete context each.
 */
function prune(
  t: TriggerContext,
  conditions: (string | undefined)[],
  repository: string | null = null,
): TriggerContext[] {
  let ref = t.ref;
  const why: string[] = [];
  // Conditions the interpreter cannot decide for this run: it runs only if they hold.
  const undecided: string[] = [];
  for (const c of conditions) {
    if (c === undefined) continue;
    const facts = runConditionFacts(t, repository);
    const b = evaluateCondition(c, facts);
    if (ref.kind === "value") {
      if (!b.max.has(ref.value)) return [];
      if (!b.min.has(ref.value)) undecided.push(c.trim());
    } else if (ref.kind === "pattern") {
      // GitHub compares refs ignoring case; narrow to the refs as spelled in the condition (the runs
      // the author meant) when there are any, else to every case variant that passes.
      const exact = ref.domain.intersect(evaluateCondition(c, { ...facts, refsIgnoreCase: false }).max);
      const narrowed = exact.isEmpty() ? ref.domain.intersect(b.max) : exact;
      if (narrowed.isEmpty()) return [];
      if (!narrowed.isSubsetOf(b.min)) undecided.push(c.trim());
      if (!narrowed.equals(ref.domain)) {
        why.push(c.trim());
        ref = { kind: "pattern", description: ref.description, domain: narrowed };
      }
    } else if (b.max.isEmpty()) return [];
    else if (!b.min.complement().isEmpty()) undecided.push(c.trim());
  }
  if (undecided.length > 0) t = { ...t, conditional: undecided.join("` and `") };
  if (ref === t.ref) return [t];
  if (ref.kind === "pattern") {
    const members = finiteMembers(ref.domain, 8);
    if (members) return members.map((value) => ({ ...t, ref: { kind: "value", value } }));
    ref = { ...ref, description: `${ref.description} where \`${why.join("` and `")}\`` };
  }
  return [{ ...t, ref }];
}

/** Every member of a language when it has at most `max`, else null. */
export function finiteMembers(l: Lang, max: number): string[] | null {
  if (!l.isFinite()) return null;
  const out: string[] = [];
  let rest = l;
  for (;;) {
    const ex = rest.shortestExample();
    if (ex === null) return out;
    if (out.length === max) return null;
    out.push(ex);
    rest = rest.difference(Lang.literal(ex));
  }
}

function refShown(ref: RefSpec): string | null {
  return ref.kind === "value" ? ref.value : ref.kind === "pattern" ? ref.description : null;
}

function combine(
  candidates: CandidateVerdict[],
  event: string,
  cause: (c: CandidateVerdict) => string | null = () => null,
): { decision: "allow" | "deny" | "indeterminate"; reason: string } {
  const first = candidates[0]!;
  const describe = (c: CandidateVerdict) => {
    if (c.pattern) {
      const p = c.pattern;
      if (p.coverage === "all") return "the trust policy admits every such ref";
      if (p.coverage === "none") {
        const deny = p.statements.find((st) => st.effect === "Deny" && st.coverage === "all");
        if (deny)
          return `explicit Deny: statement ${deny.index}${deny.sid ? ` (${deny.sid})` : ""} applies to every such run, and an explicit Deny overrides every Allow`;
        // The trace of one denied ref names the real cause (the ref may be irrelevant to it).
        const why = cause(c);
        const subVaries = c.claims.sub?.kind === "pattern";
        return why && !(subVaries && why.startsWith("the trust policy does not admit `sub`"))
          ? `${why} (e.g. ${p.deniedExample})`
          : `the trust policy admits none of these refs (e.g. ${p.deniedExample})`;
      }
      if (p.coverage === "some")
        return `the trust policy admits some refs (e.g. ${p.admittedExample}) but not others (e.g. ${p.deniedExample})`;
      return p.reasons.join("; ");
    }
    return (c.decision === "deny" ? cause(c) : null) ?? c.evaluation!.reasons.join("; ");
  };
  if (candidates.every((c) => c.decision === first.decision))
    return { decision: first.decision, reason: describe(first) };
  if (event === "pull_request_target") {
    // Observed by two independent sources: pull_request_target mints the pull_request subject (§2.4, E5).
    return {
      decision: first.decision,
      reason: `${describe(first)} (observed behaviour: pull_request_target mints the pull_request subject; GitHub docs are silent, and under the ref subject the answer would be ${candidates[1]!.decision})`,
    };
  }
  return {
    decision: "indeterminate",
    reason: `GitHub's subject for ${event} is not documented: ${candidates.map((c) => `as \`${c.sub}\` the answer is ${c.decision}`).join("; ")}`,
  };
}

/** Evaluates every planned assumption in every run context. Pure. */
export function analyzeAssumptions(plan: ScanPlan, roles: RoleLookup): ScanModel {
  const assumptions: AnalyzedAssumption[] = [];
  for (const a of plan.assumptions) {
    for (const variant of a.variants) {
      const arn = variant.role.kind === "arn" ? variant.role.arn : null;
      const isArn = arn !== null && isRoleArn(arn);
      const source = isArn && arn !== null ? (roles(arn) ?? null) : null;
      const roleProblem =
        variant.role.kind === "unresolved"
          ? variant.role.reason
          : !isArn
            ? arn?.startsWith("arn:")
              ? `\`${arn}\` is not a valid IAM role ARN (arn:PARTITION:iam::ACCOUNT_ID:role/NAME, with a 12-digit account)`
              : `role-to-assume is the role name \`${arn}\`, not an ARN; on the OIDC path the action fails with "Source Account ID is needed if the Role Name is provided and not the Role Arn."`
            : source === null
              ? "the role's trust policy was not given (--roles) or read (--aws)"
              : source.kind === "unreadable"
                ? source.reason
                : null;
      const policy = source?.kind === "found" ? source.policy : null;
      const contexts = contextsOf(a, variant, plan, policy ? { policy, arn: arn! } : null, roleProblem);
      assumptions.push({
        file: a.file,
        workflow: a.workflow,
        job: a.job,
        credentials: a.credentials,
        roleNode: a.roleNode,
        roleAt: a.roleAt,
        stepAt: a.stepAt,
        role: isArn ? arn : null,
        roleSource: source,
        roleProblem,
        roleReference: a.roleNode ? roleReference(a.roleNode.value) : null,
        contexts,
        breadth: policy ? analyzeBreadth(policy) : [],
      });
    }
  }
  return { repo: plan.repo, assumptions };
}

function contextsOf(
  a: PlannedAssumption,
  variant: PlannedAssumption["variants"][number],
  plan: ScanPlan,
  role: { policy: import("../iam/policy-model.js").TrustPolicy; arn: string } | null,
  roleProblem: string | null,
): AnalyzedContext[] {
  const out: AnalyzedContext[] = [];
  const audience = a.credentials.inputs.audience?.isExpression
    ? null
    : (a.credentials.inputs.audience?.value ?? DEFAULT_AUDIENCE);
  const envName =
    variant.environment.kind === "value"
      ? variant.environment.name
      : variant.environment.kind === "unknown"
        ? variant.environment.text
        : null;
  const triggers = a.unknownCaller
    ? [
        {
          trigger: {
            event: "workflow_call",
            at: null,
            ref: { kind: "unknown", reason: a.unknownCaller },
            fork: false,
            noToken: null,
            baseRef: null,
            headRef: null,
            label: "called from another repository",
          } as TriggerContext,
          caller: null,
          conditions: [],
          noToken: null,
          noTokenCause: null,
        },
      ]
    : a.triggers;
  for (const t of triggers) {
    // A variant that reads `inputs.X` applies to workflow_dispatch runs, or to the others, only.
    if (variant.events === "dispatch" && t.trigger.event !== "workflow_dispatch") continue;
    if (variant.events === "other" && t.trigger.event === "workflow_dispatch") continue;
    for (const pruned of prune(t.trigger, t.conditions, plan.repo.fullName)) {
      const ctx = (
        decision: ContextDecision,
        reason: string,
        sub: string | string[],
        candidates: CandidateVerdict[] = [],
      ): AnalyzedContext => ({
        trigger: pruned,
        environment: envName,
        environmentAt: variant.environmentAt,
        ref: refShown(pruned.ref),
        sub,
        decision,
        reason,
        candidates,
        caller: t.caller,
      });
      const run: JobRun = {
        trigger: pruned,
        environment: variant.environment,
        jobWorkflowFile: a.jobWorkflowFile,
        workflowName: a.workflowName,
        audience: audience ?? DEFAULT_AUDIENCE,
      };
      const claims = claimsForRun(run, plan.repo);
      const subs = claims.candidates.map((c) => c.sub);
      const subShown = subs.length === 1 ? subs[0]! : subs.length === 0 ? "" : subs;
      if (a.path.path !== "oidc") {
        out.push(
          ctx("not-oidc", `the step does not use the GitHub token: ${describePath(a.path.path)}`, subShown),
        );
        continue;
      }
      const noToken = pruned.noToken ?? t.noToken ?? claims.noToken;
      if (noToken) {
        out.push({
          ...ctx("no-token", noToken, subShown),
          noTokenCause: pruned.noToken ? "event" : t.noToken ? (t.noTokenCause ?? "job") : "claims",
        });
        continue;
      }
      if (!role) {
        out.push(ctx("unknown-role", roleProblem ?? "the role is not known", subShown));
        continue;
      }
      const verdicts: CandidateVerdict[] = claims.candidates.map((c) => {
        const v = evaluateClaims(role.policy, c.claims, claims.variable, plan.repo.issuer, role.arn);
        return { sub: c.sub, note: c.note, claims: c.claims, variable: claims.variable, ...v };
      });
      const cause = (v: CandidateVerdict) => {
        const e = denyEvaluation(role.policy, v, plan.repo.issuer, role.arn);
        return e && e.decision === "deny" ? denyReasonText(attributeDeny(e)) : null;
      };
      let { decision, reason } = combine(verdicts, pruned.event, cause);
      if (audience === null) {
        decision = "indeterminate";
        reason = `the audience is an expression (${a.credentials.inputs.audience?.value}); ${reason}`;
      }
      // OIDC-SEMANTICS §2.3: environment names are case-insensitive on GitHub, but which spelling
      // (the workflow's or the stored one) reaches the subject is not documented. When they differ
      // and the answer depends on it, say so.
      const stored =
        variant.environment.kind === "value"
          ? plan.repo.environments?.find((e) => e.toLowerCase() === envName?.toLowerCase() && e !== envName)
          : undefined;
      if (stored !== undefined && envName !== null && decision !== "indeterminate") {
        const respelled = claimsForRun({ ...run, environment: { kind: "value", name: stored } }, plan.repo);
        const other = respelled.candidates.map(
          (c) =>
            evaluateClaims(role.policy, c.claims, respelled.variable, plan.repo.issuer, role.arn).decision,
        );
        if (other.some((d) => d !== decision)) {
          reason = `the workflow names environment \`${envName}\` but it is stored as \`${stored}\`; GitHub does not document which spelling reaches the subject, and the answer differs (${decision} as written, ${other[0]} as stored)`;
          decision = "indeterminate";
        }
      }
      if (decision === "deny" && pruned.optional)
        reason = `the trust policy guards this run: ${pruned.label} is started by hand on a ref of someone's choosing, and the policy admits only the refs the workflow is written for (${reason})`;
      out.push(ctx(decision, reason, subShown, verdicts));
    }
  }
  return out;
}

function describePath(p: string): string {
  switch (p) {
    case "access-keys":
      return "aws-access-key-id is set, so the action uses the keys (sts:AssumeRole), not OIDC";
    case "web-identity-token-file":
      return "web-identity-token-file is set, so the action uses that file, not the GitHub token";
    case "role-chaining":
      return "role-chaining is on, so the role is assumed with the current credentials (sts:AssumeRole)";
    case "force-skip-oidc":
      return "force-skip-oidc is on";
    default:
      return "no role-to-assume";
  }
}
