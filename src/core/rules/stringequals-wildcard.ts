import { parseOperator } from "../iam/operators.js";
import { parsePolicyValue } from "../iam/policy-variables.js";
import { defineRule } from "./define-rule.js";
import { statementLabel } from "./policy-rule.js";
import type { PolicyFinding } from "./rule.js";
import { docsUrl } from "./rule.js";

const id = "stringequals-wildcard";

export const stringEqualsWildcard = defineRule({
  meta: {
    id,
    severity: "high",
    category: "will-fail",
    title: "A wildcard under StringEquals is a literal character",
    explanation:
      "`StringEquals` compares strings exactly: `*` and `?` match only a literal asterisk or question mark, which GitHub never puts in a subject. The condition can never match, so every job using this role is denied (`Not authorized to perform sts:AssumeRoleWithWebIdentity`).",
    fix: "Use `StringLike` for patterns. Mind that `StringLike` with `repo:owner/repo:*` admits every branch, pull request and environment: prefer listing the exact subjects under `StringEquals`.",
    docs: docsUrl(id),
  },
  onPolicy({ policy }) {
    const out: PolicyFinding[] = [];
    for (const s of policy.statements) {
      for (const c of s.conditions) {
        const op = parseOperator(c.operator);
        if (
          !op ||
          (op.base !== "StringEquals" &&
            op.base !== "StringEqualsIgnoreCase" &&
            op.base !== "StringNotEquals" &&
            op.base !== "StringNotEqualsIgnoreCase")
        )
          continue;
        for (const v of c.values) {
          const wild = parsePolicyValue(v.value, policy.version).some(
            (p) => p.kind === "text" && p.wildcards && /[*?]/.test(p.text),
          );
          if (!wild) continue;
          out.push({
            rule: id,
            severity: this.meta.severity,
            message: op.negated
              ? `\`${op.name}\` compares \`${v.value}\` in ${statementLabel(s)} literally: the wildcard excludes nothing but that exact text.`
              : `\`${op.name}\` compares \`${v.value}\` in ${statementLabel(s)} literally: no token ${c.key.split(":").pop()} contains \`${/[*]/.test(v.value) ? "*" : "?"}\`, so this value never matches.`,
            location: { pointer: v.pointer, span: v.span },
            fix: this.meta.fix,
          });
        }
      }
    }
    return out;
  },
});
