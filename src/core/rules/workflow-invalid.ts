import { defineRule } from "./define-rule.js";
import { docsUrl, type RuleMeta } from "./rule.js";

/** A could-not-verify rule: its findings make the scan incomplete, never silent. */
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

/** Reported by the runner (`report()`), which knows what could not be read. */
export const workflowInvalid = defineRule({ meta: workflowInvalidMeta });
