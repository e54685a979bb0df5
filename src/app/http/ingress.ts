/**
 * The webhook endpoint: every request to the webhook path, from the first header to the answer.
 *
 * Cheap refusals come first and read nothing: a `Content-Length` over the limit (413), a wrong
 * content type (415), a missing or malformed GitHub header (400), no room for another unverified
 * body (503). Then the body is read with its bytes counted as they arrive (413 at the first byte
 * over the limit) and a deadline (408), its HMAC-SHA256 compared in constant time with each
 * accepted secret (400 when none matches), and only then parsed (400 when it is not JSON or lacks
 * what the event needs) and handed to Probot. Every refusal is logged once, at warn, with the
 * delivery id, event name, sizes and peer address: never the body, never the signature.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Logger } from "pino";
import { Admission, type AdmissionLimits } from "./admission.js";
import { readBody } from "./body.js";
import { payloadProblem } from "./payload-shape.js";
import { type Refusal, RefusalLog } from "./refusal-log.js";
import { eventSummary, headerToken } from "./safe-log.js";
import {
  matchingSecret,
  signedWithExpiredSecret,
  type WebhookSecret,
  wellFormedSignature,
} from "./signature.js";

/** What the endpoint hands on: what Probot's `receive` takes. */
export interface VerifiedDelivery {
  id: string;
  name: string;
  payload: Record<string, unknown>;
}

export interface IngressOptions {
  /** The webhook path (`WEBHOOK_PATH`, default `/api/github/webhooks`). */
  path: string;
  /** The secrets accepted: the current one first, then a previous one during a rotation. */
  secrets: readonly WebhookSecret[];
  /** Largest body accepted, in bytes. */
  maxBodyBytes: number;
  /** How long a body may take to arrive, from the end of the headers. */
  bodyTimeoutMs: number;
  /** Unverified requests and bytes held at once. */
  admission: AdmissionLimits;
  /** GitHub gives up after 10 s: answer `202` after this long and let the handlers go on. */
  answerAfterMs: number;
  /** How long a connection whose body was refused stays half-open (answer sent, nothing read) before it is dropped. */
  lingerMs: number;
  /** Refusal lines: a burst, then at most this many a second. */
  refusalLog: { perSecond: number; burst: number };
  log: Logger;
  receive: (delivery: VerifiedDelivery) => Promise<void>;
  now: () => number;
}

const JSON_TYPE = /^\s*application\/json\s*(?:;|$)/i;
const REQUIRED = ["x-github-event", "x-github-delivery", "x-hub-signature-256"] as const;
const PREVIOUS_LOG_EVERY_MS = 60_000;

export interface WebhookIngress {
  /** True when the request was for the webhook path (and has been answered, or is being). */
  handle(req: IncomingMessage, res: ServerResponse): Promise<boolean>;
  readonly admission: Admission;
}

function pathOf(url: string | undefined): string {
  const path = (url ?? "/").split("?")[0] ?? "/";
  return path.length > 1 ? path.replace(/\/+$/, "") : path;
}

/** `Content-Length` as a number (Node has already refused a malformed one), or undefined. */
export function declaredLength(req: IncomingMessage): number | undefined {
  const value = req.headers["content-length"];
  if (value === undefined || !/^\d+$/.test(value)) return undefined;
  return Number(value);
}

/** Writes the whole answer (plain text for success, `{"error": …}` otherwise), unless one was sent. */
export function answer(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  const text = status < 300 ? `${message}\n` : `${JSON.stringify({ error: message })}\n`;
  res.writeHead(status, {
    "content-type": status < 300 ? "text/plain; charset=utf-8" : "application/json",
    "content-length": String(Buffer.byteLength(text)),
    ...headers,
  });
  res.end(text);
}

/**
 * Prepares a refused request's connection to close without reading the rest of its body: call it
 * before {@link answer}, which then sends `Connection: close`.
 *
 * - `read(0)` marks the body as consumed, so Node does not drain it after the answer (it would read
 *   and throw away everything the sender still sends); the socket stops reading once 16 KiB wait.
 * - After the answer, the server closes only its side (FIN) instead of the whole socket: closing with
 *   unread data makes the TCP stack reset the connection, and a sender still writing could lose the
 *   answer. The socket is dropped `lingerMs` later, or when the peer closes.
 */
export function closeWithoutReading(req: IncomingMessage, lingerMs: number): void {
  const socket = req.socket;
  req.read(0);
  req.pause();
  socket.destroySoon = () => {
    socket.end();
  };
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  timer.unref();
  socket.once("close", () => clearTimeout(timer));
}

export function createWebhookIngress(options: IngressOptions): WebhookIngress {
  const admission = new Admission(options.admission);
  const refusals = new RefusalLog(options.log, { ...options.refusalLog, now: options.now });
  const path = pathOf(options.path);
  let previousUses = 0;
  let previousLoggedAt = Number.NEGATIVE_INFINITY;

  const previousSecretUsed = (delivery: string | undefined, event: string | undefined) => {
    previousUses++;
    const now = options.now();
    if (now - previousLoggedAt < PREVIOUS_LOG_EVERY_MS) return;
    options.log.warn(
      {
        delivery,
        event,
        uses: previousUses,
        sinceMs: Number.isFinite(previousLoggedAt) ? now - previousLoggedAt : undefined,
      },
      "webhook delivery signed with WEBHOOK_SECRET_PREVIOUS: finish the rotation (the App's webhook secret on GitHub must be WEBHOOK_SECRET), then remove WEBHOOK_SECRET_PREVIOUS",
    );
    previousUses = 0;
    previousLoggedAt = now;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    if (pathOf(req.url) !== path) return false;
    if (req.method !== "POST") {
      answer(res, 405, `${headerToken(req.method)} is not allowed here: GitHub delivers webhooks with POST`, {
        allow: "POST",
      });
      return true;
    }
    const started = options.now();
    const declared = declaredLength(req);
    const who = {
      delivery: headerToken(req.headers["x-github-delivery"]),
      event: headerToken(req.headers["x-github-event"]),
      declaredBytes: declared,
      remote: req.socket.remoteAddress,
      forwardedFor: headerToken(req.headers["x-forwarded-for"]),
    };
    const refuse = (
      status: number,
      reason: string,
      receivedBytes: number,
      headers: Record<string, string> = {},
    ): true => {
      const refusal: Refusal = { status, reason, ...who, receivedBytes };
      refusals.refused(refusal);
      if (req.complete) answer(res, status, reason, headers);
      else {
        closeWithoutReading(req, options.lingerMs);
        answer(res, status, reason, { ...headers, connection: "close" });
      }
      return true;
    };

    // 1. Decisions on the headers alone: nothing of the body is read.
    if (declared !== undefined && declared > options.maxBodyBytes)
      return refuse(413, `the body is ${declared} bytes; the limit is ${options.maxBodyBytes}`, 0);
    const type = req.headers["content-type"];
    if (typeof type !== "string" || !JSON_TYPE.test(type))
      return refuse(415, "the content type must be application/json", 0, { accept: "application/json" });
    const missing = REQUIRED.filter((h) => typeof req.headers[h] !== "string" || req.headers[h] === "");
    if (missing.length > 0) return refuse(400, `required headers missing: ${missing.join(", ")}`, 0);
    const signature = req.headers["x-hub-signature-256"] as string;
    if (!wellFormedSignature(signature))
      return refuse(400, "X-Hub-Signature-256 is not sha256= and 64 hexadecimal digits", 0);
    const ticket = admission.admit(declared ?? 0);
    if (!ticket)
      return refuse(503, "too many webhook bodies are being received at once; try again", 0, {
        "retry-after": "1",
      });

    // 2. The body: counted, bounded, timed; then the signature.
    let verified: { payload: unknown; previous: boolean; bytes: number } | undefined;
    try {
      if (req.headers.expect?.toLowerCase() === "100-continue") res.writeContinue();
      const result = await readBody(
        req,
        declared,
        { maxBytes: options.maxBodyBytes, timeoutMs: started + options.bodyTimeoutMs - options.now() },
        ticket,
      );
      switch (result.kind) {
        case "too-large":
          return refuse(413, `the body is over the limit of ${options.maxBodyBytes} bytes`, result.received);
        case "timeout":
          return refuse(408, `the body did not arrive within ${options.bodyTimeoutMs} ms`, result.received);
        case "busy":
          return refuse(
            503,
            "too many webhook bytes are being received at once; try again",
            result.received,
            {
              "retry-after": "1",
            },
          );
        case "aborted":
          return refuse(400, "the connection ended before the body did", result.received);
      }
      const body = result.body;
      const now = new Date(options.now());
      const secret = matchingSecret(body, signature, options.secrets, now);
      if (!secret) {
        const expired = signedWithExpiredSecret(body, signature, options.secrets, now);
        return refuse(
          400,
          expired
            ? `the signature matches WEBHOOK_SECRET_PREVIOUS, whose rotation window closed at ${expired.until?.toISOString()}`
            : "the signature does not match the body (a wrong secret, or a body changed after signing)",
          body.length,
        );
      }
      ticket.release(); // what follows is authenticated work
      let payload: unknown;
      try {
        payload = JSON.parse(body.toString("utf8"));
      } catch {
        return refuse(400, "the body is signed but is not JSON", body.length);
      }
      verified = { payload, previous: secret.role === "previous", bytes: body.length };
    } finally {
      ticket.release();
    }

    // 3. A signed delivery: its shape, then the handlers.
    if (verified.previous) previousSecretUsed(who.delivery, who.event);
    const id = req.headers["x-github-delivery"] as string;
    const name = req.headers["x-github-event"] as string;
    const problem = payloadProblem(name, verified.payload);
    if (problem) return refuse(400, `${problem}: the delivery cannot be handled`, verified.bytes);
    const payload = verified.payload as Record<string, unknown>;
    const summary = { delivery: who.delivery, event: who.event, ...pick(eventSummary({ payload })) };
    let answered = false;
    const timer = setTimeout(() => {
      answered = true;
      answer(res, 202, "still processing");
      options.log.info({ ...summary, status: 202, ms: options.now() - started }, "webhook delivery handled");
    }, options.answerAfterMs);
    try {
      await options.receive({ id, name, payload });
      clearTimeout(timer);
      if (!answered) {
        answer(res, 200, "ok");
        options.log.info(
          { ...summary, status: 200, ms: options.now() - started },
          "webhook delivery handled",
        );
      }
    } catch (error) {
      clearTimeout(timer);
      // Probot's error handler has logged each handler's error (through the redacting serializers)
      // when the error carries its event; anything else is logged here.
      if (!(typeof error === "object" && error !== null && "event" in error))
        options.log.error({ ...summary, err: error }, "webhook delivery failed");
      if (!answered) {
        answer(res, 500, `the App could not handle delivery ${who.delivery}; its log has the details`);
        options.log.info(
          { ...summary, status: 500, ms: options.now() - started },
          "webhook delivery handled",
        );
      }
    }
    return true;
  };

  return { handle, admission };
}

function pick(summary: Record<string, unknown> | undefined): Record<string, unknown> {
  return summary?.action === undefined ? {} : { action: summary.action };
}
