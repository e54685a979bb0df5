import type { AnalyzedContext, CandidateVerdict } from "../engine/analysis-types.js";
import { findingFingerprint } from "../engine/fingerprint.js";
import type { Finding } from "../engine/scan-types.js";
import { denyCauses, explicitDeny, principalProblem } from "./cause-of-deny.js";
import {
  type ContextRule,
  contextFinding,
  describeContext,
  policyRelated,
  policyValues,
} from "./context-rule.js";
import { docsUrl } from "./rule.js";

const id = "sub-not-trusted";

export const subNotTrusted: ContextRule = {
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
  checkModel(model) {
    const out: Finding[] = [];
    for (const a of model.assumptions) {
      // One finding per subject: runs that present the same denied subject share the cause and the fix.
      const bySub = new Map<string, { contexts: AnalyzedContext[]; candidate: CandidateVerdict }>();
      for (const c of a.contexts) {
        const cause = denyCauses(a, c, model.repo);
        if (cause?.causes.has("explicit-deny")) {
          const d = explicitDeny(cause.candidate)!;
          const key = `deny|statement ${d.index}${d.sid ? ` (Sid "${d.sid}")` : ""}`;
          if (!bySub.has(key)) bySub.set(key, { contexts: [c], candidate: cause.candidate });
          else bySub.get(key)!.contexts.push(c);
          continue;
        }
        if (cause?.causes.has("principal")) {
          const key = `principal|${principalProblem(cause.candidate)}`;
          if (!bySub.has(key)) bySub.set(key, { contexts: [c], candidate: cause.candidate });
          else bySub.get(key)!.contexts.push(c);
          continue;
        }
        if (!cause?.causes.has("sub")) continue;
        const g = bySub.get(cause.candidate.sub);
        if (g) g.contexts.push(c);
        else bySub.set(cause.candidate.sub, { contexts: [c], candidate: cause.candidate });
      }
      for (const [sub, { contexts, candidate: v }] of bySub) {
        if (sub.startsWith("deny|")) {
          const which = sub.slice("deny|".length);
          const f = contextFinding(
            this.meta,
            model,
            a,
            contexts[0]!,
            `Job \`${a.job.id.value}\` will be denied by an explicit Deny in ${a.role} (${which}) in ${contexts.map(describeContext).join("; ")}: GitHub sends \`sub\` \`${v.sub}\`, which the Deny matches.`,
            [],
            "The policy blocks this run on purpose: do not assume this role here (guard the job or step with `if:`), or change the Deny statement if it is wrong. Adding the subject to an Allow does not help: an explicit Deny overrides every Allow.",
          );
          f.fingerprint = findingFingerprint({
            rule: id,
            file: a.file,
            route: a.roleNode?.route ?? a.job.route,
            role: a.role,
            discriminator: sub,
          });
          out.push(f);
          continue;
        }
        if (sub.startsWith("principal|")) {
          const why = sub.slice("principal|".length);
          const f = contextFinding(
            this.meta,
            model,
            a,
            contexts[0]!,
            `Job \`${a.job.id.value}\` will be denied whatever its subject (${contexts.map(describeContext).join("; ")}): ${why}.`,
            [],
            "Trust the OIDC provider of the role's own account (arn:aws:iam::<role account>:oidc-provider/token.actions.githubusercontent.com) in Principal.Federated; create the provider in that account if it does not exist.",
          );
          f.fingerprint = findingFingerprint({
            rule: id,
            file: a.file,
            route: a.roleNode?.route ?? a.job.route,
            role: a.role,
            discriminator: sub,
          });
          out.push(f);
          continue;
        }
        const values = policyValues(a, "sub");
        const shown =
          values
            .slice(0, 3)
            .map((x) => `\`${x.value}\``)
            .join(", ") + (values.length > 3 ? ` and ${values.length - 3} more` : "");
        const example = v.pattern?.deniedExample ? ` (e.g. \`${v.pattern.deniedExample}\`)` : "";
        const some = v.pattern && v.pattern.coverage === "some";
        const runs = contexts.map(describeContext).join("; ");
        const f = contextFinding(
          this.meta,
          model,
          a,
          contexts[0]!,
          `Job \`${a.job.id.value}\` will be denied ${some ? "for some of its runs" : contexts.length > 1 ? "in every one of these runs" : "in this run"} (${runs})${example}: GitHub sends \`sub\` \`${sub}\`, and ${a.role} trusts only ${shown || "no subject"}.`,
          values.slice(0, 3).map((x) => policyRelated(a, x, `trusted subject \`${x.value}\``)),
          `Add \`${sub}\` to the role's trust policy${values[0] ? ` next to \`${values[0].value}\`` : ""} (see the suggested policy), or run the job where the policy expects.`,
        );
        f.fingerprint = findingFingerprint({
          rule: id,
          file: a.file,
          route: a.roleNode?.route ?? a.job.route,
          role: a.role,
          discriminator: sub,
        });
        out.push(f);
      }
    }
    return out;
  },
};
