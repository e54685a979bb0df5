import { defineRule } from "./define-rule.js";
import { breadthFindings, statementLabel } from "./policy-rule.js";
import { docsUrl } from "./rule.js";

const id = "trust-owner-prefix";

export const trustOwnerPrefix = defineRule({
  meta: {
    id,
    severity: "critical",
    category: "over-broad",
    title: "The subject matches other owners whose names start with yours",
    explanation:
      "A wildcard right after the owner name (`repo:octo-org*`) also matches `repo:octo-org-evil/...`: anyone can register such an account or organisation and assume the role. With immutable subjects the same holds for owner ids (`octo-org@1001*` matches `octo-org@10019`).",
    fix: "End the owner with `/` (or `@OWNER_ID/` for immutable subjects) before any wildcard, and pin the repository: `repo:octo-org/octo-repo:...`.",
    docs: docsUrl(id),
  },
  onPolicy(input) {
    return breadthFindings(
      this.meta,
      input,
      "owner-prefix",
      (issue, value) =>
        `\`${value ?? "(no subject condition)"}\` in ${statementLabel(issue.statement)} also matches owners other than \`${issue.intended}\`, e.g. \`${issue.example}\`.`,
    );
  },
});
