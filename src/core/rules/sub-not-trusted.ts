import type { Finding } from "../engine/scan-types.js";
import { denyCause } from "./cause-of-deny.js";
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
      for (const c of a.contexts) {
        const cause = denyCause(a, c, model.repo);
        if (cause?.cause !== "sub") continue;
        const v = cause.candidate;
        const values = policyValues(a, "sub");
        const shown =
          values
            .slice(0, 3)
            .map((x) => `\`${x.value}\``)
            .join(", ") + (values.length > 3 ? ` and ${values.length - 3} more` : "");
        const example = v.pattern?.deniedExample ? ` (e.g. \`${v.pattern.deniedExample}\`)` : "";
        const what = v.pattern && v.pattern.coverage === "some" ? "some of these runs" : "this run";
        out.push(
          contextFinding(
            this.meta,
            model,
            a,
            c,
            `Job \`${a.job.id.value}\` will be denied for ${what} (${describeContext(c)})${example}: GitHub sends \`sub\` \`${v.sub}\`, and ${a.role} trusts only ${shown || "no subject"}.`,
            values.slice(0, 3).map((x) => policyRelated(a, x, `trusted subject \`${x.value}\``)),
            `Add \`${v.sub}\` to the role's trust policy${values[0] ? ` next to \`${values[0].value}\`` : ""} (see the suggested policy), or run the job where the policy expects.`,
          ),
        );
      }
    }
    return out;
  },
};
