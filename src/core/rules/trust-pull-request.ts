import { defineRule } from "./define-rule.js";
import { breadthFindings, statementLabel } from "./policy-rule.js";
import { docsUrl } from "./rule.js";

const id = "trust-pull-request";

export const trustPullRequest = defineRule({
  meta: {
    id,
    severity: "high",
    category: "over-broad",
    title: "Pull request runs can assume the role",
    explanation:
      "The `pull_request` subject is minted for every pull request run, whatever its branch: any writer can open a pull request that changes the workflow and runs arbitrary code with the role. `pull_request_target` runs, which fork pull requests can trigger, mint the same subject.",
    fix: "Give pull request jobs a separate read-only role (e.g. for `terraform plan`), and keep deploy roles on `environment:` or protected-branch subjects.",
    docs: docsUrl(id),
  },
  onPolicy(input) {
    return breadthFindings(
      this.meta,
      input,
      "pull-request",
      (issue, value) =>
        `\`${value ?? "(no subject condition)"}\` in ${statementLabel(issue.statement)} admits \`${issue.example}\`: ${issue.detail}.`,
    );
  },
});
