import type { IncomingMessage } from "node:http";
import type { AdmissionTicket } from "./admission.js";

export type BodyResult =
  | { kind: "ok"; body: Buffer }
  | { kind: "too-large"; received: number }
  | { kind: "timeout"; received: number }
  | { kind: "busy"; received: number }
  | { kind: "aborted"; received: number };

export interface BodyLimits {
  /** Most bytes accepted; the first byte beyond it ends the read. */
  maxBytes: number;
  /** How long the rest of the body may take to arrive, in ms from now. */
  timeoutMs: number;
}

/**
 * Reads a request body of at most `limits.maxBytes`, counting bytes as they arrive (whatever
 * `Content-Length` said), within `limits.timeoutMs`, reserving each chunk with `ticket`. Stops reading
 * at the first refusal (the caller answers and closes the connection): nothing beyond the limit is
 * ever held. A declared length is read into one buffer of that size, without a second copy.
 */
export function readBody(
  req: IncomingMessage,
  declared: number | undefined,
  limits: BodyLimits,
  ticket: AdmissionTicket,
): Promise<BodyResult> {
  return new Promise((resolve) => {
    const exact = declared !== undefined ? Buffer.allocUnsafe(declared) : undefined;
    const chunks: Buffer[] = [];
    let received = 0;
    let settled = false;
    const finish = (result: BodyResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.off("data", onData);
      req.off("end", onEnd);
      req.off("error", onError);
      req.off("aborted", onAborted);
      req.off("close", onClose);
      if (result.kind !== "ok") req.pause();
      resolve(result);
    };
    const onData = (chunk: Buffer) => {
      received += chunk.length;
      if (received > limits.maxBytes || (declared !== undefined && received > declared)) {
        finish({ kind: "too-large", received });
        return;
      }
      if (!ticket.reserve(exact ? 0 : chunk.length)) {
        finish({ kind: "busy", received });
        return;
      }
      if (exact) chunk.copy(exact, received - chunk.length);
      else chunks.push(chunk);
    };
    const onEnd = () => {
      if (exact && received !== declared) finish({ kind: "aborted", received });
      else finish({ kind: "ok", body: exact ?? Buffer.concat(chunks, received) });
    };
    const onError = () => finish({ kind: "aborted", received });
    const onAborted = () => finish({ kind: "aborted", received });
    const onClose = () => {
      if (!req.complete) finish({ kind: "aborted", received });
    };
    const timer = setTimeout(() => finish({ kind: "timeout", received }), Math.max(0, limits.timeoutMs));
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", onError);
    req.on("aborted", onAborted);
    req.on("close", onClose);
  });
}
