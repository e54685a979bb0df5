// Workflow findings are built by the findings layer; re-exported here for the rules.
export { type At, nodeAt, workflowFinding } from "../findings/build.js";
export type { Rule as WorkflowRule, WorkflowRuleInput } from "./define-rule.js";
