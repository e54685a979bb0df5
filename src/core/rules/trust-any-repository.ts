import { defineRule } from "./define-rule.js";
import { breadthFindings, statementLabel } from "./policy-rule.js";
import { docsUrl } from "./rule.js";

const id = "trust-any-repository";

export const trustAnyRepository = defineRule({
  meta: {
    id,
    severity: "critical",
    category: "over-broad",
    title: "Any GitHub repository can assume the role",
    explanation:
      "The trust policy does not tie the token to a repository: there is no positive condition on sub, job_workflow_ref, repository or repository_id, a subject value such as `*` or `repo:*` matches every repository, the only subject conditions are negated, or the principal is `*`. Anyone with a GitHub account can create a repository, run a workflow and assume this role. AWS now rejects new policies like this, but the check is not retroactive.",
    fix: 'Add `"StringEquals": {"token.actions.githubusercontent.com:sub": "repo:OWNER/REPO:environment:production"}` (the exact subjects your workflows mint), and name the provider in `Principal.Federated` instead of `*`.',
    docs: docsUrl(id),
  },
  onPolicy(input) {
    return breadthFindings(this.meta, input, "any-repository", (issue, value) =>
      value
        ? issue.example === value
          ? `\`${value}\` in ${statementLabel(issue.statement)} admits repositories of any owner: ${issue.detail}.`
          : `\`${value}\` in ${statementLabel(issue.statement)} admits repositories of any owner, e.g. \`${issue.example}\`.`
        : `${statementLabel(issue.statement)} lets any GitHub repository assume the role: ${issue.detail}.`,
    );
  },
});
