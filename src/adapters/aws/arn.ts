// The role-ARN grammar is the core's (src/core/iam/arn.ts); the adapter reads it from there.
export * from "../../core/iam/arn.js";
