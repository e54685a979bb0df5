import { defineRule } from "./define-rule.js";
import { docsUrl, type RuleMeta } from "./rule.js";

/** A could-not-verify rule: its findings make the scan incomplete, never silent. */
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

/** Reported by the runner (`report()`), which knows what could not be read. */
export const configInvalid = defineRule({ meta: configInvalidMeta });
