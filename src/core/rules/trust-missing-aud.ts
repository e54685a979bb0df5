import { githubStatements } from "../iam/breadth.js";
import { classifyKey } from "../iam/condition-keys.js";
import { parseOperator } from "../iam/operators.js";
import { valueLanguage } from "../iam/value-language.js";
import { LangTooComplexError } from "../lang/index.js";
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
    const out = [];
    for (const { statement, issuer } of githubStatements(policy)) {
      const tests = statement.conditions.filter((c) => {
        const kc = classifyKey(c.key, issuer);
        const op = parseOperator(c.operator);
        return kc.kind === "claim" && kc.claim === "aud" && op?.family === "string" && !op.negated;
      });
      // A test whose values admit every audience (`StringLike "*"`) restricts nothing.
      const open = tests.find((c) => admitsEveryValue(c.operator, c.values, policy.version));
      if (
        tests.length > 0 &&
        tests.some((c) => c !== open && !admitsEveryValue(c.operator, c.values, policy.version))
      )
        continue;
      out.push({
        rule: id,
        severity: this.meta.severity,
        message: open
          ? `${statementLabel(statement)} tests \`aud\` with ${open.operator} ${open.values.map((v) => `\`${v.value}\``).join(", ")}, which admits every audience: it restricts nothing, so any audience the provider lists is accepted.`
          : `${statementLabel(statement)} has no condition on \`aud\`; any audience the provider lists is accepted.`,
        location: open
          ? { pointer: open.pointer, span: open.span }
          : { pointer: statement.pointer, span: statement.span },
        fix: this.meta.fix,
      });
    }
    return out;
  },
});

/** Whether a condition's values admit every string (e.g. `StringLike "*"`); false when it cannot tell. */
function admitsEveryValue(operator: string, values: { value: string }[], version: string | null): boolean {
  const op = parseOperator(operator);
  if (!op || op.set !== null) return false;
  try {
    return values.some((v) => valueLanguage(op, v.value, version)?.complement().isEmpty() === true);
  } catch (e) {
    if (e instanceof LangTooComplexError) return false;
    throw e;
  }
}
