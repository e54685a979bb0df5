import { defineRule } from "./define-rule.js";
import { breadthFindings, statementLabel } from "./policy-rule.js";
import { docsUrl } from "./rule.js";

const id = "trust-ref-prefix";

export const trustRefPrefix = defineRule({
  meta: {
    id,
    severity: "medium",
    category: "over-broad",
    title: "A wildcard admits branches, tags or environments any writer can create",
    explanation:
      "`refs/heads/main*` also matches `main-hotfix`, `refs/tags/*` matches every tag, and `environment:prod*` matches any environment named like it. Anyone with write access can push such a branch or tag, or name such an environment in a workflow (GitHub creates it), and get the role without review.",
    fix: "Pin the exact ref (`ref:refs/heads/main`) or, better, an environment with required reviewers and deployment branch rules (`environment:production`).",
    docs: docsUrl(id),
  },
  onPolicy(input) {
    return breadthFindings(
      this.meta,
      input,
      "ref-prefix",
      (issue, value) =>
        `\`${value ?? "(no subject condition)"}\` in ${statementLabel(issue.statement)} admits ${issue.detail}, e.g. \`${issue.example}\`.`,
    );
  },
});
