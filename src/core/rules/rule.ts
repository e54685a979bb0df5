// The finding vocabulary lives in the findings layer; re-exported here for the rules.
export type { PolicyFinding, PolicyLocation } from "../findings/finding.js";
export { docsUrl, type RuleCategory, type RuleMeta } from "../findings/rule-meta.js";
export { atLeast, compareSeverity, SEVERITIES, type Severity } from "../findings/severity.js";
