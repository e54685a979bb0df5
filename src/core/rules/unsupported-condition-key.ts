import { githubStatements } from "../iam/breadth.js";
import { classifyKey } from "../iam/condition-keys.js";
import { absentOutcome } from "../iam/evaluate.js";
import { parseOperator } from "../iam/operators.js";
import { defineRule } from "./define-rule.js";
import { statementLabel } from "./policy-rule.js";
import type { PolicyFinding } from "./rule.js";
import { docsUrl } from "./rule.js";

const id = "unsupported-condition-key";

export const unsupportedConditionKey = defineRule({
  meta: {
    id,
    severity: "high",
    category: "will-fail",
    title: "The condition tests a claim AWS does not expose",
    explanation:
      "AWS STS exposes only some claims of a GitHub token as condition keys: `aud`, `sub`, and since 2026 `actor`, `actor_id`, `job_workflow_ref`, `repository`, `repository_id`, `workflow`, `ref`, `environment` and `enterprise_id`. Any other key (`event_name`, `repository_owner`, `ref_type`, `repo_property_*`, …) is absent from the request: a positive condition on it always fails, and a negated or `…IfExists` condition always passes and restricts nothing.",
    fix: "Move the restriction into the subject (a custom `sub` template can carry other claims), or use one of the supported keys.",
    docs: docsUrl(id),
  },
  onPolicy({ policy }) {
    const out: PolicyFinding[] = [];
    // Deny statements too: a Deny on a key that is never present silently never applies.
    for (const { statement, issuer } of githubStatements(policy, "any")) {
      for (const c of statement.conditions) {
        const kc = classifyKey(c.key, issuer);
        const op = parseOperator(c.operator);
        if (kc.kind !== "claim" || kc.support !== "unsupported" || !op) continue;
        const always = absentOutcome(
          op,
          c.values.map((v) => v.value),
        );
        out.push({
          rule: id,
          severity: this.meta.severity,
          message:
            always === true
              ? `\`${c.key}\` is not a condition key AWS exposes for GitHub tokens; \`${op.name}\` on an absent key is always true, so this condition in ${statementLabel(statement)} restricts nothing.`
              : `\`${c.key}\` is not a condition key AWS exposes for GitHub tokens; the key is absent, so \`${op.name}\` in ${statementLabel(statement)} never matches and the statement never applies.`,
          location: { pointer: c.pointer, span: { start: c.keySpan.start, end: c.keySpan.end } },
          fix: this.meta.fix,
        });
      }
    }
    return out;
  },
});
