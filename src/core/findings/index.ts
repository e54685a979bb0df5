// The finding vocabulary: the bottom layer every core folder (and every front door) may import.
export * from "./build.js";
export * from "./compare.js";
export * from "./dedupe.js";
export * from "./finding.js";
export * from "./fingerprint.js";
export * from "./format.js";
export * from "./rule-meta.js";
export * from "./severity.js";
export * from "./suppress.js";
