import type { Span } from "../span.js";

/** A string taken from the policy document, with where it stands. */
export interface LocatedString {
  value: string;
  pointer: string;
  span: Span;
}

/** How the policy text reached us. */
export type PolicyOrigin = "policy-json" | "url-encoded" | "get-role";

/** The `Principal` element of a statement. */
export interface PrincipalSpec {
  pointer: string;
  span: Span;
  /** `"Principal": "*"` or `{"AWS": "*"}`: every principal, web-identity sessions included. */
  everyone: boolean;
  federated: LocatedString[];
  aws: LocatedString[];
  service: LocatedString[];
  canonicalUser: LocatedString[];
}

/** One key under one condition operator, e.g. `StringLike` / `token.actions.githubusercontent.com:sub`. */
export interface PolicyCondition {
  /** The operator as written, e.g. `ForAnyValue:StringLike`. */
  operator: string;
  operatorSpan: Span;
  key: string;
  keySpan: Span;
  /** Values as strings; booleans and numbers are converted as IAM converts them. */
  values: LocatedString[];
  /** False when a value could not be read (object, array, null): the condition is then indeterminate. */
  valuesReadable: boolean;
  pointer: string;
  span: Span;
}

export interface PolicyStatement {
  /** 0-based position in the `Statement` array (0 when `Statement` is a single object). */
  index: number;
  sid: string | null;
  pointer: string;
  span: Span;
  /** `null` when `Effect` is missing or not `Allow`/`Deny` (the statement is then indeterminate). */
  effect: "Allow" | "Deny" | null;
  effectSpan: Span;
  principal: PrincipalSpec | null;
  notPrincipal: LocatedString | null;
  action: { kind: "Action" | "NotAction"; values: LocatedString[]; pointer: string; span: Span } | null;
  conditions: PolicyCondition[];
  /** True when the statement could not be read well enough to evaluate (see the parse diagnostics). */
  malformed: boolean;
}

/** Role facts that came with the policy (from `aws iam get-role` output or the caller). */
export interface RoleFacts {
  arn: string | null;
  name: string | null;
  maxSessionDuration: number | null;
}

/** A parsed trust policy. Spans refer to {@link TrustPolicy.text}. */
export interface TrustPolicy {
  version: string | null;
  statements: PolicyStatement[];
  role: RoleFacts;
  origin: PolicyOrigin;
  /** The JSON text the spans refer to (the decoded text when the input was URL-encoded). */
  text: string;
  /**
   * True when `text` is not the file as given (URL-encoded input, or a get-role document held as a
   * string): spans then refer to the decoded policy, and `embeddedAt` is where it stands in the file.
   */
  decoded: boolean;
  embeddedAt: Span | null;
}
