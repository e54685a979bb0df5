// The library front door (DESIGN §2.3): the same pure pipeline the CLI and the App run.
export { planScan, type ScanFile, type ScanPlan } from "./core/engine/plan.js";
export type { ScanResult } from "./core/engine/scan-types.js";
export * from "./core/findings/index.js";
export { parseRoleArn } from "./core/iam/arn.js";
export { evaluateTrustPolicy, parseTrustPolicy } from "./core/iam/index.js";
export { type RoleRead, type RoleSource, roleSourceOf } from "./core/iam/role-source.js";
export { renderSarif } from "./core/render/sarif.js";
export { renderScanJson } from "./core/render/scan-json.js";
export { type Analysis, analyzeScan, checkPolicy, type ReportInput, report } from "./core/report/index.js";
export { allRuleMeta, defineRule, protectionNeeds, type Rule, rules } from "./core/rules/index.js";
