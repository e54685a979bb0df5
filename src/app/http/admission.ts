/**
 * Admission for unauthenticated work: how many webhook bodies are being received and checked at
 * once, and how many bytes of them are held. Each request reserves its bytes as they arrive (its
 * whole `Content-Length` up front when it declares one), so the memory held by unverified bodies is
 * at most `maxBytes` however many requests arrive; a request that does not fit is refused (503) and
 * never read.
 */
export interface AdmissionLimits {
  /** Requests being received or verified at once. */
  maxRequests: number;
  /** Bytes of unverified bodies held at once, over all requests. */
  maxBytes: number;
}

export interface AdmissionTicket {
  /** Reserves `n` more bytes; false when they do not fit (the request must then be refused). */
  reserve(n: number): boolean;
  /** Gives every reservation back; idempotent. */
  release(): void;
}

export class Admission {
  #requests = 0;
  #bytes = 0;
  #peakBytes = 0;

  constructor(readonly limits: AdmissionLimits) {}

  /** A ticket reserving `initialBytes`, or null when the request or its bytes do not fit. */
  admit(initialBytes: number): AdmissionTicket | null {
    if (this.#requests >= this.limits.maxRequests) return null;
    if (this.#bytes + initialBytes > this.limits.maxBytes) return null;
    this.#requests++;
    let held = 0;
    let open = true;
    const reserve = (n: number): boolean => {
      if (!open) return false;
      if (this.#bytes + n > this.limits.maxBytes) return false;
      this.#bytes += n;
      held += n;
      this.#peakBytes = Math.max(this.#peakBytes, this.#bytes);
      return true;
    };
    reserve(initialBytes);
    return {
      reserve,
      release: () => {
        if (!open) return;
        open = false;
        this.#bytes -= held;
        this.#requests--;
      },
    };
  }

  /** Requests and bytes admitted now, and the most bytes ever held at once. */
  get usage(): { requests: number; bytes: number; peakBytes: number } {
    return { requests: this.#requests, bytes: this.#bytes, peakBytes: this.#peakBytes };
  }
}
