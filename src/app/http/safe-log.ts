/**
 * Log redaction for the App's logger: what an error or an event may put in a log line.
 *
 * Probot and `@octokit/webhooks` attach the whole webhook event (its payload) to every error they
 * pass around (`error.event`, and again on each of an AggregateError's `errors`), and Probot's error
 * handler logs that error; `Probot.receive` logs `{ event }` at debug. These serializers, bound to the
 * logger every Probot component receives, keep a summary (delivery id, event name, action) and drop
 * the rest: payloads, request and response headers and bodies.
 */
import type { Logger } from "pino";

const MAX_MESSAGE = 500;
const MAX_STACK = 4000;
const MAX_DEPTH = 3;
const MAX_ERRORS = 10;

/** Control characters (C0, DEL, C1) and the Unicode line/paragraph separators. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching them is the point
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;

/** `text` without control characters (newlines and tabs kept), at most `max` characters. */
export function clip(text: string, max: number): string {
  const clean = text.replace(CONTROL, "?");
  return clean.length > max ? `${clean.slice(0, max)}… (${clean.length - max} more characters)` : clean;
}

/**
 * A header value sent by anyone (delivery id, event name), fit for a log line: printable ASCII
 * without spaces, at most 100 characters; anything else is replaced by `?`.
 */
export function headerToken(value: string | string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = Array.isArray(value) ? value.join(",") : value;
  const token = text.replace(/[^\x21-\x7e]/g, "?");
  return token.length > 100 ? `${token.slice(0, 100)}…` : token;
}

/** What a webhook event may show in a log: who it is, never what it carries. */
export function eventSummary(event: unknown): Record<string, unknown> | undefined {
  if (typeof event !== "object" || event === null) return undefined;
  const e = event as { id?: unknown; name?: unknown; payload?: unknown };
  const summary: Record<string, unknown> = {};
  if (typeof e.id === "string") summary.id = headerToken(e.id);
  if (typeof e.name === "string") summary.name = headerToken(e.name);
  const action = (e.payload as { action?: unknown } | null | undefined)?.action;
  if (typeof action === "string") summary.action = headerToken(action);
  return summary;
}

/**
 * An error as a log may show it: type, message, stack, HTTP status and code, the request line of an
 * Octokit `RequestError` (method and URL without its query), nested `errors` and `cause`, and the
 * event it belongs to as an {@link eventSummary}. Nothing else: no payload, no headers, no bodies.
 */
export function safeError(error: unknown, depth = 0): Record<string, unknown> {
  if (typeof error !== "object" || error === null)
    return { type: typeof error, message: clip(String(error), MAX_MESSAGE) };
  const e = error as Record<string, unknown> & { constructor?: { name?: unknown } };
  const out: Record<string, unknown> = {
    type:
      typeof e.name === "string" ? headerToken(e.name) : headerToken(String(e.constructor?.name ?? "Error")),
    message: clip(typeof e.message === "string" ? e.message : "", MAX_MESSAGE),
  };
  if (typeof e.stack === "string") out.stack = clip(e.stack, MAX_STACK);
  if (typeof e.status === "number") out.status = e.status;
  if (typeof e.code === "string" || typeof e.code === "number") out.code = e.code;
  const request = e.request as { method?: unknown; url?: unknown } | undefined;
  if (typeof request === "object" && request !== null && typeof request.url === "string")
    out.request = {
      method: typeof request.method === "string" ? headerToken(request.method) : undefined,
      url: clip(request.url.split("?")[0] ?? "", 300),
    };
  const event = eventSummary(e.event);
  if (event) out.event = event;
  if (depth < MAX_DEPTH) {
    if (Array.isArray(e.errors))
      out.errors = e.errors.slice(0, MAX_ERRORS).map((inner) => safeError(inner, depth + 1));
    if (e.cause !== undefined) out.cause = safeError(e.cause, depth + 1);
  }
  return out;
}

/**
 * `log` with the redacting serializers bound: `err` and `error` through {@link safeError}, `event`
 * through {@link eventSummary} (a plain event name stays as it is). Pass the result to Probot (and to nothing else first): every logger
 * Probot derives from it (`probot`, `event`, each context's) inherits them.
 */
export function redactingLogger(log: Logger): Logger {
  return log.child(
    {},
    {
      serializers: {
        err: (e: unknown) => safeError(e),
        error: (e: unknown) => safeError(e),
        event: (e: unknown) => (typeof e === "string" ? headerToken(e) : eventSummary(e)),
      },
    },
  );
}
