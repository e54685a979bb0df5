import { docsUrl, type RuleMeta } from "./rule.js";

/** Rules that mark a scan incomplete: rolecall says what it could not check, never stays silent. */
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

export const workflowInvalidMeta: RuleMeta = {
  id: "workflow-invalid",
  severity: "info",
  category: "could-not-verify",
  title: "A workflow file cannot be read",
  explanation:
    "The file is not valid YAML, is not UTF-8, is too large, expands too many aliases, or has a shape GitHub rejects. GitHub will not run it as written, and rolecall could not check it fully; the scan is incomplete.",
  fix: "Fix the file at the reported line (GitHub's workflow editor shows the same problem).",
  docs: docsUrl("workflow-invalid"),
};

export const configInvalidMeta: RuleMeta = {
  id: "config-invalid",
  severity: "info",
  category: "could-not-verify",
  title: "The rolecall configuration is invalid",
  explanation:
    "`.github/rolecall.yml` (or the `--role-map` file) could not be read or does not match the schema. rolecall used its defaults for the invalid parts; the scan is incomplete.",
  fix: "Fix the configuration at the reported line; `docs/configuration.md` describes every key.",
  docs: docsUrl("config-invalid"),
};
