import { defineRule } from "./define-rule.js";
import { breadthFindings, statementLabel } from "./policy-rule.js";
import { docsUrl } from "./rule.js";

const id = "trust-sub-never-matches";

/** `trust-sub-never-matches`: a `sub` value in no subject format GitHub mints (issue 7 §5). */
export const trustSubNeverMatches = defineRule({
  meta: {
    id,
    severity: "medium",
    category: "hygiene",
    title: "A subject value no GitHub token can carry",
    explanation:
      "Every `sub` GitHub mints is a list of `key:value` pairs that starts with a claim name: `repo:OWNER/REPO:…` by default, or the keys of a custom subject template such as `repository_owner:…` or `environment:…`. A value such as `octo-org/octo-repo` or `main` never matches any token, so the runs it was written for are denied.",
    fix: "Write the full subject, e.g. `repo:OWNER/REPO:ref:refs/heads/main` (rolecall's scan shows the exact subject each run mints).",
    docs: docsUrl(id),
  },
  onPolicy(input) {
    return breadthFindings(
      this.meta,
      input,
      "never-matches",
      (issue, value) => `\`${value}\` in ${statementLabel(issue.statement)} never matches: ${issue.detail}.`,
    );
  },
});
