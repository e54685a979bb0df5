import { githubStatements } from "../iam/breadth.js";
import { classifyKey } from "../iam/condition-keys.js";
import { parseOperator } from "../iam/operators.js";
import { defineRule } from "./define-rule.js";
import { statementLabel } from "./policy-rule.js";
import type { PolicyFinding } from "./rule.js";
import { docsUrl } from "./rule.js";

const id = "trust-name-based-subject";

export const trustNameBasedSubject = defineRule({
  meta: {
    id,
    severity: "low",
    category: "over-broad",
    title: "The subject names the repository, not its immutable id",
    explanation:
      "`repo:owner/name:` subjects follow names. If the owner or repository is deleted or renamed, someone else can register the name and mint the same subject (namespace recycling). Repositories can mint immutable subjects (`repo:owner@OWNER_ID/name@REPO_ID:`), and AWS now exposes `repository_id` as a condition key.",
    fix: 'Add `"StringEquals": {"token.actions.githubusercontent.com:repository_id": "<id>"}`, or switch the repository to immutable subjects and trust `repo:owner@OWNER_ID/name@REPO_ID:...`.',
    docs: docsUrl(id),
  },
  onPolicy({ policy }) {
    const out: PolicyFinding[] = [];
    for (const { statement, issuer } of githubStatements(policy)) {
      let pinnedId = false;
      let first: { value: string; pointer: string; span: PolicyFinding["location"]["span"] } | null = null;
      for (const c of statement.conditions) {
        const kc = classifyKey(c.key, issuer);
        const op = parseOperator(c.operator);
        if (kc.kind !== "claim" || !op || op.negated || op.family !== "string") continue;
        if (kc.claim === "repository_id" && c.values.every((v) => /^\d+$/.test(v.value))) pinnedId = true;
        if (kc.claim === "sub" && !first) {
          first = c.values.find((v) => /^repo:[^/:@*?]+\/[^/:@*?]+:/.test(v.value)) ?? null;
        }
      }
      if (first && !pinnedId) {
        out.push({
          rule: id,
          severity: this.meta.severity,
          message: `\`${first.value}\` in ${statementLabel(statement)} trusts a repository by name only; a recycled name would mint the same subject.`,
          location: { pointer: first.pointer, span: first.span },
          fix: this.meta.fix,
        });
      }
    }
    return out;
  },
});
