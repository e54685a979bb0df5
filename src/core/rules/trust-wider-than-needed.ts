import type { Finding } from "../engine/scan-types.js";
import { suggestPolicy } from "../engine/suggest-policy.js";
import { matchGlob, tokenizeIamGlob } from "../lang/index.js";
import { type ContextRule, neededSubjects, policyRelated, policyValues } from "./context-rule.js";
import { docsUrl } from "./rule.js";
import { workflowFinding } from "./workflow-rule.js";

const id = "trust-wider-than-needed";

export const trustWiderThanNeeded: ContextRule = {
  meta: {
    id,
    severity: "medium",
    category: "over-broad",
    title: "The trust policy admits subjects none of the workflows use",
    explanation:
      "Least privilege for OIDC roles means trusting exactly the subjects the deploy jobs present. Every extra value or wildcard is a way in that no workflow needs: a branch anyone can push, pull requests, an environment without reviewers. rolecall compares the subjects this repository's workflows mint for the role with what the policy admits, and suggests a policy that admits exactly those.",
    fix: "Replace the role's subject condition with the suggested policy (JSON or Terraform), after checking no other repository relies on the removed values.",
    docs: docsUrl(id),
  },
  checkModel(model) {
    const out: Finding[] = [];
    const done = new Set<string>();
    const repo = model.repo.fullName;
    if (!repo) return out;
    const seg = model.repo.subPrefix ? model.repo.subPrefix.replace(/^repo:/, "") : repo;
    for (const a of model.assumptions) {
      if (!a.role || a.roleSource?.kind !== "found" || done.has(a.role) || !a.roleNode) continue;
      done.add(a.role);
      const needed = neededSubjects(model, a.role);
      if (needed.length === 0) continue;
      // Values naming this repository that no run needs, and wildcards over it.
      const extra = policyValues(a, "sub").filter((v) => {
        if (
          !v.value.startsWith(`repo:${seg}:`) &&
          !/^repo:[^/:]*[*?]/.test(v.value) &&
          !v.value.startsWith(`repo:${seg.split("/")[0]}/*`)
        )
          return false;
        const tokens = tokenizeIamGlob(v.value);
        const wildcard = /[*?]/.test(v.value);
        const used = needed.some((n) => !n.includes("**") && matchGlob(tokens, n));
        return wildcard || !used;
      });
      if (extra.length === 0) continue;
      const audience = a.credentials.inputs.audience?.value ?? "sts.amazonaws.com";
      const f = workflowFinding(
        this.meta,
        { file: a.file, span: a.roleNode.span, route: a.roleNode.route },
        {
          message: `${a.role} trusts ${extra.map((v) => `\`${v.value}\``).join(", ")}, but this repository's workflows need only ${needed.map((n) => `\`${n}\``).join(", ")}.`,
          job: a.job.id.value,
          role: a.role,
          related: extra.map((v) => policyRelated(a, v, `more than needed: \`${v.value}\``)),
        },
      );
      f.suggestedPolicy = suggestPolicy({
        roleArn: a.role,
        issuer: model.repo.issuer,
        audience,
        subjects: needed,
      });
      out.push(f);
    }
    return out;
  },
};
