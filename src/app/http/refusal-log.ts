import type { Logger } from "pino";

/** What one refused request logs: who sent what, never the payload or a signature. */
export interface Refusal {
  status: number;
  /** One sentence: why it was refused. */
  reason: string;
  delivery: string | undefined;
  event: string | undefined;
  /** `Content-Length` as sent, if it was. */
  declaredBytes: number | undefined;
  /** Body bytes read before the decision (0 when it was taken on the headers alone). */
  receivedBytes: number;
  /** The peer's address (the proxy's, behind one). */
  remote: string | undefined;
  /** `X-Forwarded-For` as sent, unverified, when present. */
  forwardedFor?: string | undefined;
}

export interface RefusalLogOptions {
  /** Lines per second in the long run. */
  perSecond: number;
  /** Lines that may be written at once before the rate applies. */
  burst: number;
  now: () => number;
}

/**
 * Logs each refused request once, at warn, as `webhook delivery refused`. A flood of refusals
 * cannot become a flood of log lines: beyond `burst` lines, at most `perSecond` a second are written,
 * and the next line written says how many were left out (`suppressed`).
 */
export class RefusalLog {
  #tokens: number;
  #last: number;
  #suppressed = 0;

  constructor(
    private readonly log: Logger,
    private readonly options: RefusalLogOptions,
  ) {
    this.#tokens = options.burst;
    this.#last = options.now();
  }

  refused(refusal: Refusal): void {
    const now = this.options.now();
    this.#tokens = Math.min(
      this.options.burst,
      this.#tokens + ((now - this.#last) / 1000) * this.options.perSecond,
    );
    this.#last = now;
    if (this.#tokens < 1) {
      this.#suppressed++;
      return;
    }
    this.#tokens--;
    const line: Record<string, unknown> = { ...refusal };
    if (line.forwardedFor === undefined) delete line.forwardedFor;
    if (this.#suppressed > 0) line.suppressed = this.#suppressed;
    this.#suppressed = 0;
    this.log.warn(line, "webhook delivery refused");
  }
}
