import { createHmac, timingSafeEqual } from "node:crypto";

/** A secret the webhook endpoint accepts; `previous` is the one being rotated out. */
export interface WebhookSecret {
  value: string;
  role: "current" | "previous";
  /** The end of the rotation window (previous secret only): after it the secret is no longer accepted. */
  until?: Date | undefined;
}

/** `sha256=` and 64 lower- or upper-case hex digits: the only shape of `X-Hub-Signature-256` GitHub sends. */
const SIGNATURE = /^sha256=[0-9a-fA-F]{64}$/;

/** Whether a header value has the shape of a signature (checked before any body byte is read). */
export function wellFormedSignature(header: string): boolean {
  return SIGNATURE.test(header);
}

/**
 * The secret whose HMAC-SHA256 of `body` (the raw bytes, as GitHub signs them) equals `header`, or
 * null. Each comparison is constant-time (`timingSafeEqual` over digests of equal length); every
 * secret in the list is tried, so the time does not reveal which one matched either.
 */
export function matchingSecret(
  body: Uint8Array,
  header: string,
  secrets: readonly WebhookSecret[],
  now: Date,
): WebhookSecret | null {
  if (!wellFormedSignature(header)) return null;
  const given = Buffer.from(header.slice("sha256=".length).toLowerCase(), "hex");
  let found: WebhookSecret | null = null;
  for (const secret of secrets) {
    const expected = createHmac("sha256", secret.value).update(body).digest();
    const equal = timingSafeEqual(expected, given);
    const open = secret.until === undefined || now.getTime() < secret.until.getTime();
    if (equal && open && found === null) found = secret;
  }
  return found;
}

/** Whether `header` is the signature of `body` under a secret whose rotation window has closed. */
export function signedWithExpiredSecret(
  body: Uint8Array,
  header: string,
  secrets: readonly WebhookSecret[],
  now: Date,
): WebhookSecret | null {
  const closed = secrets.filter((s) => s.until !== undefined && now.getTime() >= s.until.getTime());
  for (const secret of closed)
    if (matchingSecret(body, header, [{ ...secret, until: undefined }], now)) return secret;
  return null;
}
