import { defineRule } from "./define-rule.js";
import { breadthFindings, statementLabel } from "./policy-rule.js";
import { docsUrl } from "./rule.js";

const id = "trust-repo-wide";

export const trustRepoWide = defineRule({
  meta: {
    id,
    severity: "high",
    category: "over-broad",
    title: "Every branch, pull request and environment of the repository can assume the role",
    explanation:
      "`repo:octo-org/octo-repo:*` admits every run of the repository: any branch a writer pushes, every pull request (including `pull_request_target` runs started from forks, which mint the same subject), and every environment. Branch protection and environment reviewers no longer guard the role.",
    fix: "Replace the wildcard with the exact subjects the deploy jobs mint, e.g. `repo:octo-org/octo-repo:environment:production` or `repo:octo-org/octo-repo:ref:refs/heads/main`.",
    docs: docsUrl(id),
  },
  onPolicy(input) {
    return breadthFindings(
      this.meta,
      input,
      "repo-wide",
      (issue, value) =>
        `${value ? `\`${value}\`` : "The conditions"} in ${statementLabel(issue.statement)} admit ${issue.detail} of \`${issue.intended}\`, e.g. \`${issue.example}\`.`,
    );
  },
});
