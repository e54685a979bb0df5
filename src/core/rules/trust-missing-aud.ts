import { githubStatements } from "../iam/breadth.js";
import { classifyKey } from "../iam/condition-keys.js";
import { parseOperator } from "../iam/operators.js";
import { defineRule } from "./define-rule.js";
import { statementLabel } from "./policy-rule.js";
import { docsUrl } from "./rule.js";

const id = "trust-missing-aud";

export const trustMissingAud = defineRule({
  meta: {
    id,
    severity: "low",
    category: "over-broad",
    title: "No audience condition",
    explanation:
      "Without a condition on `aud`, the role relies only on the OIDC provider's client-ID list. A token minted for another audience that the provider also lists (another tool in the same account) is accepted.",
    fix: 'Add `"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}` (the audience configure-aws-credentials requests by default).',
    docs: docsUrl(id),
  },
  onPolicy({ policy }) {
    return githubStatements(policy)
      .filter(({ statement, issuer }) => {
        return !statement.conditions.some((c) => {
          const kc = classifyKey(c.key, issuer);
          const op = parseOperator(c.operator);
          return kc.kind === "claim" && kc.claim === "aud" && op?.family === "string" && !op.negated;
        });
      })
      .map(({ statement }) => ({
        rule: id,
        severity: this.meta.severity,
        message: `${statementLabel(statement)} has no condition on \`aud\`; any audience the provider lists is accepted.`,
        location: { pointer: statement.pointer, span: statement.span },
        fix: this.meta.fix,
      }));
  },
});
