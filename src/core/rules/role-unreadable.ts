import { defineRule } from "./define-rule.js";
import { docsUrl, type RuleMeta } from "./rule.js";

/** A could-not-verify rule: its findings make the scan incomplete, never silent. */
export const roleUnreadableMeta: RuleMeta = {
  id: "role-unreadable",
  severity: "info",
  category: "could-not-verify",
  title: "The role's trust policy could not be read",
  explanation:
    "rolecall could not read this role's trust policy: it was not in `--roles`, IAM answered NoSuchEntity or AccessDenied, the request was throttled past the retries, or the policy file is invalid. The jobs using it were not checked; the scan is incomplete.",
  fix: "Pass the role with `--roles` (the output of `aws iam get-role --role-name NAME`), or grant rolecall's reader `iam:GetRole` on it. A role that does not exist makes the deploy fail too.",
  docs: docsUrl("role-unreadable"),
};

/** Reported by the runner (`report()`), which knows what could not be read. */
export const roleUnreadable = defineRule({ meta: roleUnreadableMeta });
