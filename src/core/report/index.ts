// The decide phase: plan → analyze → report, the same for every front door.
export { checkPolicy } from "./check-policy.js";
export {
  type Analysis,
  analyzeScan,
  checkWorkflowFiles,
  type ReportInput,
  report,
  workflowRuleFindings,
} from "./report.js";
