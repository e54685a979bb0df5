import { defineRule } from "./define-rule.js";
import { docsUrl, type RuleMeta } from "./rule.js";

/** A could-not-verify rule: its findings make the scan incomplete, never silent. */
export const roleUnresolvedMeta: RuleMeta = {
  id: "role-unresolved",
  severity: "info",
  category: "could-not-verify",
  title: "The role ARN is only known at run time",
  explanation:
    "`role-to-assume` comes from an expression rolecall cannot resolve from the workflow (a secret, a variable, a step output), so the trust policy could not be checked for this job. The scan is incomplete.",
  fix: "Map the expression to an ARN in `.github/rolecall.yml` (`roles:`) or with `--role-map`, e.g. `roles: { secrets.DEPLOY_ROLE: arn:aws:iam::111122223333:role/deploy }` (per environment if it differs).",
  docs: docsUrl("role-unresolved"),
};

/** Reported by the runner (`report()`), which knows what could not be read. */
export const roleUnresolved = defineRule({ meta: roleUnresolvedMeta });
