import type { AnalyzedContext, CandidateVerdict, ScanModel } from "../engine/analysis-types.js";
import { findingFingerprint } from "../engine/fingerprint.js";
import type { Finding } from "../engine/scan-types.js";
import { isPullRequestSubject, neededRuns, toIamPattern } from "../engine/suggest-policy.js";
import { denyCauses, explicitDeny } from "./cause-of-deny.js";
import { contextFinding, describeContext, policyRelated, policyValues } from "./context-rule.js";
import { defineRule } from "./define-rule.js";
import { docsUrl } from "./rule.js";

const id = "sub-not-trusted";

export const subNotTrusted = defineRule({
  meta: {
    id,
    severity: "high",
    category: "will-fail",
    title: "The trust policy does not admit the subject this run presents",
    explanation:
      "For this run GitHub mints a token whose `sub` the role's trust policy does not accept, so `AssumeRoleWithWebIdentity` fails with `Not authorized to perform sts:AssumeRoleWithWebIdentity` (after the action's retries). Typical causes: the job gained an `environment:` (the subject becomes `environment:NAME`), a tag or merge-queue trigger, a pull request trigger, or a branch the policy does not list.",
    fix: "Add the exact subject to the role's trust policy (the suggested policy lists every subject this repository's workflows need), or change the workflow so it runs where the policy expects.",
    docs: docsUrl(id),
  },
  onAnalysis(model) {
    const out: Finding[] = [];
    for (const a of model.assumptions) {
      // One finding per cause: runs denied for the same reason (the same subject, the same Deny
      // statement, the same provider problem) share the message and the fix.
      const groups = new Map<
        string,
        { key: string; contexts: AnalyzedContext[]; candidate: CandidateVerdict }
      >();
      for (const c of a.contexts) {
        const cause = denyCauses(a, c, model.repo);
        if (!cause) continue;
        const v = cause.candidate;
        let key: string;
        if (cause.causes.has("explicit-deny")) {
          const d = explicitDeny(v)!;
          key = `deny|statement ${d.index}${d.sid ? ` (Sid "${d.sid}")` : ""}`;
        } else if (cause.causes.has("sub")) key = `sub|${v.sub}`;
        else continue;
        // Runs that happen only if an undecided `if:` holds are reported apart from certain ones.
        const groupKey = c.trigger.conditional ? `${key}\u0000${c.trigger.conditional}` : key;
        const g = groups.get(groupKey);
        if (g) g.contexts.push(c);
        else groups.set(groupKey, { key, contexts: [c], candidate: v });
      }
      for (const { key, contexts, candidate: v } of groups.values()) {
        const [kind, detail] = [key.slice(0, key.indexOf("|")), key.slice(key.indexOf("|") + 1)];
        const runs = contexts.map(describeContext).join("; ");
        let message: string;
        let related: ReturnType<typeof policyRelated>[] = [];
        let fix: string;
        if (kind === "deny") {
          message = `Job \`${a.job.id.value}\` will be denied by an explicit Deny in ${a.role} (${detail}) in ${runs}: GitHub sends \`sub\` \`${v.sub}\`, which the Deny matches.`;
          fix =
            "The policy blocks this run on purpose: do not assume this role here (guard the job or step with `if:`), or change the Deny statement if it is wrong. Adding the subject to an Allow does not help: an explicit Deny overrides every Allow.";
        } else {
          const values = policyValues(a, "sub");
          const shown =
            values
              .slice(0, 3)
              .map((x) => `\`${x.value}\``)
              .join(", ") + (values.length > 3 ? ` and ${values.length - 3} more` : "");
          const example = v.pattern?.deniedExample ? ` (e.g. \`${v.pattern.deniedExample}\`)` : "";
          const some = v.pattern && v.pattern.coverage === "some";
          message = `Job \`${a.job.id.value}\` will be denied ${some ? "for some of its runs" : contexts.length > 1 ? "in every one of these runs" : "in this run"} (${runs})${example}: GitHub sends \`sub\` \`${detail}\`, and ${a.role} trusts only ${shown || "no subject"}.`;
          related = values.slice(0, 3).map((x) => policyRelated(a, x, `trusted subject \`${x.value}\``));
          fix = subjectFix(model, a.role, detail, values[0]?.value ?? null);
        }
        const f = contextFinding(this.meta, model, a, contexts[0]!, message, related, fix);
        // The fix and the suggested JSON agree: when the subject is withheld, so is the advice to add it.
        // Runs that depend on an undecided `if:` are a cause of their own (not a certain denial).
        const undecided = contexts[0]!.trigger.conditional;
        f.cause = {
          key: `${a.file}#${a.job.id.value}|${kind === "sub" ? kind : key}${undecided ? `|if ${undecided}` : ""}`,
          occurrence: kind === "sub" ? `${runs} (\`${detail}\`)` : runs,
        };
        // Stable across re-scans: the role reference and the cause, not the runs' order.
        f.fingerprint = findingFingerprint({
          rule: id,
          file: a.file,
          route: a.roleNode?.route ?? a.job.route,
          role: a.role,
          discriminator: `${kind === "sub" ? detail : key}${contexts[0]!.trigger.conditional ? `|if ${contexts[0]!.trigger.conditional}` : ""}`,
        });
        out.push(f);
      }
    }
    return out;
  },
});

/**
 * The fix for a subject the policy does not admit, in IAM syntax only: the value to add (a GitHub
 * filter becomes the IAM glob the suggested policy holds, with the difference said), or, for a pull
 * request run on a role that deploy jobs also use, a role of its own or a guard: never the deploy
 * role's pull request trust.
 */
function subjectFix(model: ScanModel, role: string | null, sub: string, nextTo: string | null): string {
  if (role && isPullRequestSubject(sub) && neededRuns(model, role).deploy)
    return (
      "Do not give this role pull request trust: push, tag or environment jobs use it, and any writer can change the code a pull request runs. Give pull request jobs a read-only role of their own (trusting `" +
      sub +
      "`), or guard the job or step with `if: github.event_name != 'pull_request'`."
    );
  const iam = toIamPattern(sub);
  const filtered = iam !== sub.replace(/ where `.*$/, "");
  return `Add \`${iam}\` to the role's trust policy${nextTo ? ` next to \`${nextTo}\`` : ""} (see the suggested policy)${filtered ? `; IAM has only the \`*\` and \`?\` wildcards, so this admits more than GitHub's filter \`${sub}\` does` : ""}, or run the job where the policy expects.`;
}
