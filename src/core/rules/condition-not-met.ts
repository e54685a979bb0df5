import type { AnalyzedContext } from "../engine/analysis-types.js";
import { findingFingerprint } from "../engine/fingerprint.js";
import type { Finding } from "../engine/scan-types.js";
import { describeCondition, type FailingCondition } from "../iam/deny-cause.js";
import { denyCauses } from "./cause-of-deny.js";
import { contextFinding, describeContext, policyRelated } from "./context-rule.js";
import { defineRule } from "./define-rule.js";
import { docsUrl } from "./rule.js";

const id = "condition-not-met";

/**
 * `condition-not-met`: the statement that admits the run's subject has another condition the token
 * fails (a `StringNotLike job_workflow_ref`, a `repository_owner` or `ref` test). The evaluator's
 * trace names the condition; the subject is not the cause, so adding it would not help.
 */
export const conditionNotMet = defineRule({
  meta: {
    id,
    severity: "high",
    category: "will-fail",
    title: "A condition other than the subject denies this run",
    explanation:
      "The trust policy admits the run's `sub`, but the same statement also tests another claim (for example `job_workflow_ref`, `repository_owner` or `ref`) and the token GitHub mints for this run fails that test, so `AssumeRoleWithWebIdentity` is denied. rolecall names the failing condition as the IAM evaluation decides it; adding the subject would change nothing.",
    fix: "Make the run present what the condition expects (for example call the workflow the condition names), or change the condition if it is wrong. Do not widen the subject: it already matches.",
    docs: docsUrl(id),
  },
  onAnalysis(model) {
    const out: Finding[] = [];
    for (const a of model.assumptions) {
      const groups = new Map<
        string,
        { contexts: AnalyzedContext[]; failing: FailingCondition[]; sub: string }
      >();
      for (const c of a.contexts) {
        const cause = denyCauses(a, c, model.repo);
        if (!cause?.causes.has("condition") || !cause.failing) continue;
        const key = cause.failing.map((x) => x.pointer).join("|");
        const g = groups.get(key);
        if (g) g.contexts.push(c);
        else groups.set(key, { contexts: [c], failing: cause.failing, sub: cause.candidate.sub });
      }
      for (const [key, { contexts, failing, sub }] of groups) {
        const runs = contexts.map(describeContext).join("; ");
        const first = failing[0]!;
        const label = `statement ${first.statement}${first.sid ? ` (Sid "${first.sid}")` : ""}`;
        const what = failing
          .map((x) => `${describeCondition(x)} (the token carries \`${x.claim ?? x.key}\` \`${x.sent}\`)`)
          .join(" and ");
        const related =
          a.roleSource?.kind === "found"
            ? failing.flatMap((x) => {
                const cond =
                  a.roleSource?.kind === "found"
                    ? a.roleSource.policy.statements
                        .flatMap((s) => s.conditions)
                        .find((pc) => pc.pointer === x.pointer)
                    : undefined;
                return cond
                  ? [
                      policyRelated(
                        a,
                        { line: cond.span.start.line, column: cond.span.start.column, pointer: cond.pointer },
                        `failing condition ${describeCondition(x)}`,
                      ),
                    ]
                  : [];
              })
            : [];
        const f = contextFinding(
          this.meta,
          model,
          a,
          contexts[0]!,
          `Job \`${a.job.id.value}\` will be denied ${contexts.length > 1 ? "in every one of these runs" : "in this run"} (${runs}): ${a.role} admits its \`sub\` \`${sub}\` in ${label}, but that statement also requires ${what}.`,
          related,
          this.meta.fix,
        );
        // The subject already matches: a subject suggestion would not help.
        delete f.suggestedPolicy;
        f.fingerprint = findingFingerprint({
          rule: id,
          file: a.file,
          route: a.roleNode?.route ?? a.job.route,
          role: a.role,
          discriminator: key,
        });
        out.push(f);
      }
    }
    return out;
  },
});
