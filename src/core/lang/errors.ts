/**
 * Thrown when an automaton construction would exceed {@link MAX_STATES} states.
 *
 * Callers in the evaluator catch this and report the question as indeterminate rather than
 * letting a pathological pattern (e.g. an IAM glob such as `*a??????????????`) stall the analysis.
 */
export class LangTooComplexError extends Error {
  override readonly name = "LangTooComplexError";

  /**
   * @param operation the construction that hit the cap (e.g. `"intersect"`, `"fromGlob"`).
   * @param limit the state cap that was exceeded.
   * @param resource what ran out: states (the default) or construction steps ({@link MAX_WORK}).
   */
  constructor(
    readonly operation: string,
    readonly limit: number,
    readonly resource: "states" | "work" = "states",
  ) {
    super(
      resource === "states"
        ? `${operation}: automaton would exceed ${limit} states`
        : `${operation}: construction would exceed ${MAX_WORK} steps`,
    );
  }
}

/** Upper bound on DFA/subset states built by any single construction in this library. */
export const MAX_STATES = 10_000;

/**
 * Upper bound on the elementary steps (subset elements visited, edges followed, signatures built)
 * of any single construction. With {@link MAX_STATES} it bounds time and memory: the cap is
 * checked while building, so a construction that would be too costly stops early with
 * {@link LangTooComplexError} instead of finishing and being rejected afterwards.
 */
export const MAX_WORK = 20_000_000;

/** Counts the work of one construction and throws {@link LangTooComplexError} past {@link MAX_WORK}. */
export class WorkBudget {
  private used = 0;

  constructor(
    private readonly operation: string,
    private readonly limit: number = MAX_WORK,
  ) {}

  /** Records `n` steps; throws once the total exceeds the limit. */
  spend(n: number): void {
    this.used += n;
    if (this.used > this.limit) throw new LangTooComplexError(this.operation, MAX_STATES, "work");
  }

  /** Steps recorded so far (tests assert growth by counting them). */
  get spent(): number {
    return this.used;
  }
}
