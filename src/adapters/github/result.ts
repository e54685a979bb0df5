/**
 * The result of one GitHub read or write: the data, or a failure that says what went wrong and
 * which GitHub App permission would allow the call. Adapters never throw for HTTP failures.
 */

/** A failed GitHub call. */
export interface GhFailure {
  ok: false;
  /**
   * The HTTP status; 0 when no response arrived (network error) or the response was unusable. For
   * GraphQL errors (which arrive with HTTP 200) the nearest REST status: NOT_FOUND 404, FORBIDDEN
   * 403, RATE_LIMITED 429, anything else 502.
   */
  status: number;
  /** Safe to show and log: first line, bounded, tokens redacted. */
  reason: string;
  /** The App permission that would allow the call (`"Actions: read"`), when that is the cause. */
  permission: string | null;
}

/** Success with data, or a {@link GhFailure}. */
export type GhResult<T> = { ok: true; data: T } | GhFailure;

/** How a call maps a refusal to the permission that would allow it. */
export interface PermissionHint {
  /** The permission needed by the call, reported on a 403 that is not a rate limit. */
  permission: string;
  /** Also report it on a 404 (endpoints that hide a missing permission behind "Not Found"). */
  on404?: boolean;
}

const MAX_REASON = 300;

/** Remove anything token-like: GitHub tokens (`ghs_…`, `ghp_…`, `github_pat_…`) and auth headers. */
export function redactGitHub(text: string): string {
  return text
    .replace(/\bgh[pousr]_[A-Za-z0-9_]{10,}\b/g, "[redacted-token]")
    .replace(/\bgithub_pat_[A-Za-z0-9_]{10,}\b/g, "[redacted-token]")
    .replace(
      /\b(authorization|bearer|token)(["']?\s*[:=]?\s*["']?)[A-Za-z0-9._~+/=-]{20,}/gi,
      "$1$2[redacted]",
    );
}

/** First line, trimmed, redacted, bounded. */
export function safeReason(text: string): string {
  const first = text.split(/\r?\n/, 1)[0]?.trim() ?? "";
  const clean = redactGitHub(first);
  return clean.length > MAX_REASON ? `${clean.slice(0, MAX_REASON - 1)}…` : clean;
}

/** Build a failure. */
export function fail(status: number, reason: string, permission: string | null = null): GhFailure {
  return { ok: false, status, reason: safeReason(reason), permission };
}

interface HttpErrorLike {
  status?: unknown;
  message?: unknown;
  response?: { headers?: Record<string, unknown>; data?: unknown };
}

function responseMessage(data: unknown): string | undefined {
  if (typeof data !== "object" || data === null) return undefined;
  const d = data as { message?: unknown; errors?: unknown };
  const message = typeof d.message === "string" ? d.message : undefined;
  const details = Array.isArray(d.errors)
    ? d.errors
        .map((e) =>
          typeof e === "string"
            ? e
            : typeof e === "object" && e !== null && typeof (e as { message?: unknown }).message === "string"
              ? (e as { message: string }).message
              : undefined,
        )
        .filter((e): e is string => e !== undefined && e !== "")
    : [];
  if (message === undefined && details.length === 0) return undefined;
  return details.length > 0 ? `${message ?? "error"}: ${details.join("; ")}` : message;
}

function isRateLimited(status: number, headers: Record<string, unknown>, message: string): boolean {
  if (status === 429) return true;
  if (status !== 403) return false;
  return String(headers["x-ratelimit-remaining"] ?? "") === "0" || /rate limit/i.test(message);
}

/**
 * Turn whatever an Octokit call threw into a failure: the status, GitHub's message (never the
 * request, which carries the token), and the permission when the refusal is a permission problem.
 * `what` names the thing read or written, for the reason.
 */
export function failureFromError(error: unknown, what: string, hint: PermissionHint | null): GhFailure {
  const e: HttpErrorLike = typeof error === "object" && error !== null ? (error as HttpErrorLike) : {};
  // Octokit reports a request that got no response (DNS, reset, abort) as status 500 without a
  // response; say 0 so it is not mistaken for a GitHub server error.
  const status = typeof e.status === "number" && e.response !== undefined ? e.status : 0;
  const headers = e.response?.headers ?? {};
  const message =
    responseMessage(e.response?.data) ??
    (typeof e.message === "string" ? e.message : typeof error === "string" ? error : "unknown error");
  if (isRateLimited(status, headers, message)) {
    return fail(status, `${what}: rate limited by GitHub (${message})`);
  }
  if (status === 403 && hint !== null) {
    return fail(status, `${what}: refused (${message}); the App needs ${hint.permission}`, hint.permission);
  }
  if (status === 404 && hint?.on404 === true) {
    return fail(
      status,
      `${what}: not found (${message}); the App may be missing ${hint.permission}`,
      hint.permission,
    );
  }
  if (status === 0) return fail(0, `${what}: request failed (${message})`);
  return fail(status, `${what}: ${status} ${message}`);
}
