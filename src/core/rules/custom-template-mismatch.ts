import type { Finding } from "../engine/scan-types.js";
import { denyCauses } from "./cause-of-deny.js";
import { contextFinding, describeContext, policyRelated, policyValues } from "./context-rule.js";
import { defineRule } from "./define-rule.js";
import { docsUrl } from "./rule.js";

const id = "custom-template-mismatch";

export const customTemplateMismatch = defineRule({
  meta: {
    id,
    severity: "high",
    category: "will-fail",
    title: "The repository's custom subject template does not match the policy",
    explanation:
      "A custom OIDC subject template (`include_claim_keys`, set per repository or organisation) replaces the whole default subject, e.g. `repo:o/r:environment:prod:job_workflow_ref:...`. A policy written for the default format never matches, and the reverse.",
    fix: "Write the policy's subjects in the template's format (rolecall shows the exact subject), or reset the repository to the default template (`use_default: true`).",
    docs: docsUrl(id),
  },
  onAnalysis(model) {
    const out: Finding[] = [];
    for (const a of model.assumptions) {
      for (const c of a.contexts) {
        const cause = denyCauses(a, c, model.repo);
        if (!cause?.causes.has("template")) continue;
        const values = policyValues(a, "sub");
        const message = model.repo.subTemplate
          ? `Job \`${a.job.id.value}\` (${describeContext(c)}) presents \`${cause.candidate.sub}\` (custom template ${model.repo.subTemplate.join(",")}), but ${a.role} trusts the default format ${values
              .slice(0, 2)
              .map((v) => `\`${v.value}\``)
              .join(", ")}.`
          : `${a.role} trusts custom-template subjects (${values
              .slice(0, 2)
              .map((v) => `\`${v.value}\``)
              .join(
                ", ",
              )}), but this repository mints the default \`${cause.candidate.sub}\`; if it uses a template, pass --sub-template.`;
        const f = contextFinding(
          this.meta,
          model,
          a,
          c,
          message,
          values.slice(0, 2).map((v) => policyRelated(a, v, `trusted subject \`${v.value}\``)),
          this.meta.fix,
        );
        // One cause per job and role: every run it denies is listed in one finding.
        f.cause = { key: `${a.file}#${a.job.id.value}`, occurrence: describeContext(c) };
        out.push(f);
      }
    }
    return out;
  },
});
