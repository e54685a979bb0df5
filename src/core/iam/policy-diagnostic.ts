import type { Span } from "../span.js";

/** A problem found while reading a trust policy, located in the policy text. */
export interface PolicyDiagnostic {
  code:
    | "invalid-json"
    | "invalid-url-encoding"
    | "not-a-policy"
    | "missing-statement"
    | "invalid-statement"
    | "duplicate-key"
    | "invalid-version"
    | "invalid-effect"
    | "not-principal"
    | "missing-principal"
    | "missing-action"
    | "action-and-notaction"
    | "invalid-action"
    | "invalid-principal"
    | "invalid-condition"
    | "unknown-operator"
    | "non-string-condition-value"
    | "prohibited-element";
  /** `error`: IAM would reject this document, or rolecall cannot read a part of it; `warning`: legal but risky. */
  severity: "error" | "warning";
  message: string;
  /** JSON pointer into the policy document (relative to the document, not the get-role wrapper). */
  pointer: string;
  span: Span;
}
