// The could-not-verify rules, one file each; re-exported here for the registry.
export { configInvalidMeta } from "./config-invalid.js";
export { roleUnreadableMeta } from "./role-unreadable.js";
export { roleUnresolvedMeta } from "./role-unresolved.js";
export { workflowInvalidMeta } from "./workflow-invalid.js";
