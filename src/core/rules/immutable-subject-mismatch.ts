import type { Finding } from "../engine/scan-types.js";
import { denyCauses } from "./cause-of-deny.js";
import { contextFinding, describeContext, policyRelated, policyValues } from "./context-rule.js";
import { defineRule } from "./define-rule.js";
import { docsUrl } from "./rule.js";

const id = "immutable-subject-mismatch";

export const immutableSubjectMismatch = defineRule({
  meta: {
    id,
    severity: "high",
    category: "will-fail",
    title: "Immutable and name-based subjects do not match",
    explanation:
      "Repositories created, renamed or transferred after July 15, 2026 (and those that opted in) mint immutable subjects `repo:OWNER@OWNER_ID/REPO@REPO_ID:...`. A policy written for `repo:OWNER/REPO:...` does not match them, not even with `repo:OWNER/REPO:*` (the `/` after the owner does not match `@ID/`). The reverse also fails. The real subject is visible only in CloudTrail.",
    fix: "Trust the format the repository mints: read it with `gh api repos/OWNER/REPO/actions/oidc/customization/sub` (`sub_claim_prefix`), and write the policy's subjects with that prefix.",
    docs: docsUrl(id),
  },
  onAnalysis(model) {
    const out: Finding[] = [];
    for (const a of model.assumptions) {
      for (const c of a.contexts) {
        const cause = denyCauses(a, c, model.repo);
        if (!cause?.causes.has("immutable")) continue;
        const values = policyValues(a, "sub");
        const message = model.repo.subPrefix
          ? `Job \`${a.job.id.value}\` (${describeContext(c)}) presents the immutable subject \`${cause.candidate.sub}\`, but ${a.role} trusts the name form ${values
              .slice(0, 2)
              .map((v) => `\`${v.value}\``)
              .join(", ")}.`
          : `${a.role} trusts immutable subjects (${values
              .slice(0, 2)
              .map((v) => `\`${v.value}\``)
              .join(
                ", ",
              )}), but this repository mints the name form \`${cause.candidate.sub}\` (${describeContext(c)}); if it has moved to immutable subjects, pass --sub-prefix.`;
        const f = contextFinding(
          this.meta,
          model,
          a,
          c,
          message,
          values.slice(0, 2).map((v) => policyRelated(a, v, `trusted subject \`${v.value}\``)),
          model.repo.subPrefix
            ? this.meta.fix
            : "Keep the policy's immutable subjects (they survive renames and name reuse) and move the repository to them: `gh api -X PUT repos/OWNER/REPO/actions/oidc/customization/sub -H 'X-GitHub-Api-Version: 2026-03-10' -F use_default=true -F use_immutable_subject=true` (observed API, OIDC-SEMANTICS §2.5); if it already mints them, pass --sub-prefix. Do not switch the policy back to name-based subjects.",
        );
        // One cause per job and role: every run it denies is listed in one finding.
        f.cause = { key: `${a.file}#${a.job.id.value}`, occurrence: describeContext(c) };
        out.push(f);
      }
    }
    return out;
  },
});
