/**
 * Classification of errors thrown by the AWS SDK (and the network under it) into the few
 * categories rolecall acts on, with messages that are safe to show: first line only, bounded,
 * and with anything that looks like a credential redacted.
 */

/** What rolecall does with an error. */
export type AwsErrorCategory =
  | "not-found"
  | "access-denied"
  | "credentials-expired"
  | "credentials-invalid"
  | "credentials-missing"
  | "throttling"
  | "transient"
  | "other";

/** A classified, redacted description of an error. */
export interface AwsErrorInfo {
  category: AwsErrorCategory;
  /** The AWS error code (`NoSuchEntity`, `Throttling`, ...) or a network error code. */
  code: string;
  /** Safe to show and log. */
  message: string;
  httpStatus?: number;
}

const NOT_FOUND = new Set(["NoSuchEntity", "NoSuchEntityException"]);
const ACCESS_DENIED = new Set(["AccessDenied", "AccessDeniedException", "UnauthorizedOperation"]);
const EXPIRED = new Set(["ExpiredToken", "ExpiredTokenException", "TokenRefreshRequired", "RequestExpired"]);
const INVALID = new Set([
  "InvalidClientTokenId",
  "UnrecognizedClientException",
  "SignatureDoesNotMatch",
  "IncompleteSignature",
  "InvalidAccessKeyId",
  "InvalidToken",
  "AuthFailure",
]);
// Throttling codes recognised by the AWS SDKs' standard retry strategy, plus IAM/STS's own.
const THROTTLING = new Set([
  "Throttling",
  "ThrottlingException",
  "ThrottledException",
  "RequestThrottledException",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "RequestThrottled",
  "SlowDown",
  "PriorRequestNotComplete",
  "BandwidthLimitExceeded",
]);
const TRANSIENT = new Set([
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "TimeoutError",
  "RequestTimeout",
  "RequestTimeoutException",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "InternalError",
  "InternalFailure",
  "ServiceFailure",
  "IDPCommunicationError",
]);

const MAX_MESSAGE = 300;

/**
 * Remove anything credential-like from a message: access key ids (`AKIA…`, `ASIA…`), SigV4
 * `Credential=` and `Signature=` values, and security tokens.
 */
export function redact(text: string): string {
  return text
    .replace(/\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{12,}\b/g, "[redacted-key-id]")
    .replace(/Credential=[^,\s"]+/g, "Credential=[redacted]")
    .replace(/Signature=[0-9a-fA-F]+/g, "Signature=[redacted]")
    .replace(/(x-amz-security-token"?\s*[:=]\s*"?)[^"\s,]+/gi, "$1[redacted]");
}

/** First line, trimmed, redacted, bounded. */
export function safeMessage(text: string | undefined): string {
  const first = (text ?? "").split(/\r?\n/, 1)[0]?.trim() ?? "";
  const clean = redact(first);
  return clean.length > MAX_MESSAGE ? `${clean.slice(0, MAX_MESSAGE - 1)}…` : clean;
}

interface ErrorLike {
  name?: unknown;
  message?: unknown;
  code?: unknown;
  Code?: unknown;
  $metadata?: { httpStatusCode?: unknown };
}

/** Classify an error thrown by an SDK `send` (or by the credential provider it called). */
export function classifyAwsError(error: unknown): AwsErrorInfo {
  const e: ErrorLike = typeof error === "object" && error !== null ? (error as ErrorLike) : {};
  const str = (v: unknown): string | undefined => (typeof v === "string" && v !== "" ? v : undefined);
  // Query-protocol errors carry the wire code in `Code`; modeled ones also have a class name in
  // `name` (NoSuchEntity -> NoSuchEntityException). Network errors carry `code` (ECONNRESET).
  const code = str(e.Code) ?? str(e.code) ?? str(e.name) ?? "UnknownError";
  const name = str(e.name) ?? "";
  const status = typeof e.$metadata?.httpStatusCode === "number" ? e.$metadata.httpStatusCode : undefined;
  const message = safeMessage(str(e.message) ?? (typeof error === "string" ? error : undefined));
  const info = (category: AwsErrorCategory): AwsErrorInfo =>
    status === undefined ? { category, code, message } : { category, code, message, httpStatus: status };

  if (NOT_FOUND.has(code) || NOT_FOUND.has(name)) return info("not-found");
  if (ACCESS_DENIED.has(code) || ACCESS_DENIED.has(name)) return info("access-denied");
  if (EXPIRED.has(code) || EXPIRED.has(name)) return info("credentials-expired");
  if (INVALID.has(code) || INVALID.has(name)) return info("credentials-invalid");
  if (name === "CredentialsProviderError" || code === "CredentialsProviderError") {
    return info("credentials-missing");
  }
  if (THROTTLING.has(code) || THROTTLING.has(name) || status === 429) return info("throttling");
  if (TRANSIENT.has(code) || TRANSIENT.has(name) || (status !== undefined && status >= 500)) {
    return info("transient");
  }
  return info("other");
}

/** Whether an error of this category is worth another attempt. */
export function isRetryableCategory(category: AwsErrorCategory): boolean {
  return category === "throttling" || category === "transient";
}
