import { defineRule } from "./define-rule.js";
import { breadthFindings, statementLabel } from "./policy-rule.js";
import { docsUrl } from "./rule.js";

const id = "trust-org-wide";

export const trustOrgWide = defineRule({
  meta: {
    id,
    severity: "high",
    category: "over-broad",
    title: "Every repository of the organisation can assume the role",
    explanation:
      "`repo:octo-org/*` (or a repository-name prefix such as `repo:octo-org/app*`) admits every repository of the owner, present and future, on every branch, pull request and environment. Anyone who can create or push to any repository in the organisation can assume the role.",
    fix: "List the repositories that need the role, each with the branch or environment it deploys from: `repo:octo-org/octo-repo:environment:production`. For an org-wide deployment workflow, pin `job_workflow_ref` to that workflow instead.",
    docs: docsUrl(id),
  },
  onPolicy(input) {
    const msg = (kind: "org-wide" | "repo-prefix") =>
      breadthFindings(this.meta, input, kind, (issue, value) =>
        kind === "org-wide"
          ? issue.example === value
            ? `\`${value}\` in ${statementLabel(issue.statement)} admits any repository of \`${issue.intended}\`: ${issue.detail}.`
            : `\`${value ?? "(no subject condition)"}\` in ${statementLabel(issue.statement)} admits any repository of \`${issue.intended}\`, e.g. \`${issue.example}\`.`
          : `\`${value}\` in ${statementLabel(issue.statement)} admits other repositories than \`${issue.intended}\`: ${issue.detail}, e.g. \`${issue.example}\`.`,
      );
    return [...msg("org-wide"), ...msg("repo-prefix")];
  },
});
