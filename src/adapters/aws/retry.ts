/**
 * Bounded retries with exponential backoff and full jitter ("Exponential Backoff And Jitter",
 * AWS Architecture Blog): before attempt n+1 wait a random time in [0, min(cap, base * 2^(n-1))).
 * The SDK clients are built with `maxAttempts: 1`, so every attempt here is one HTTP request.
 */

/** How to retry. */
export interface RetryPolicy {
  /** Total attempts, including the first (>= 1). */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  sleep: (ms: number) => Promise<void>;
  /** Uniform in [0, 1). */
  random: () => number;
}

/** Outcome of {@link withRetries}. */
export type RetryOutcome<T> =
  | { ok: true; value: T; attempts: number }
  | { ok: false; error: unknown; attempts: number };

/** Default policy values (same base and cap as the AWS SDKs' standard retry mode). */
export const DEFAULT_MAX_ATTEMPTS = 4;
export const DEFAULT_BASE_DELAY_MS = 100;
export const DEFAULT_MAX_DELAY_MS = 20_000;

/** Sleep with a real timer. */
export const realSleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Delay before the attempt that follows attempt `attempt` (1-based). */
export function backoffDelay(
  attempt: number,
  policy: Pick<RetryPolicy, "baseDelayMs" | "maxDelayMs" | "random">,
) {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return Math.floor(policy.random() * ceiling);
}

/**
 * Run `operation` until it succeeds, fails with an error `shouldRetry` rejects, or
 * `maxAttempts` is reached. Never throws: failures come back as `{ ok: false, error }`.
 */
export async function withRetries<T>(
  operation: () => Promise<T>,
  shouldRetry: (error: unknown) => boolean,
  policy: RetryPolicy,
): Promise<RetryOutcome<T>> {
  const maxAttempts = Math.max(1, Math.floor(policy.maxAttempts));
  for (let attempt = 1; ; attempt++) {
    try {
      return { ok: true, value: await operation(), attempts: attempt };
    } catch (error) {
      if (attempt >= maxAttempts || !shouldRetry(error)) return { ok: false, error, attempts: attempt };
      await policy.sleep(backoffDelay(attempt, policy));
    }
  }
}
