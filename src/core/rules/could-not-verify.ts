// The could-not-verify rules, one file each; re-exported here for the registry.
export { configInvalid, configInvalidMeta } from "./config-invalid.js";
export { roleUnreadable, roleUnreadableMeta } from "./role-unreadable.js";
export { roleUnresolved, roleUnresolvedMeta } from "./role-unresolved.js";
export { workflowInvalid, workflowInvalidMeta } from "./workflow-invalid.js";
