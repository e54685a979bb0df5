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
   */
  constructor(
    readonly operation: string,
    readonly limit: number,
  ) {
    super(`${operation}: automaton would exceed ${limit} states`);
  }
}

/** Upper bound on DFA/subset states built by any single construction in this library. */
export const MAX_STATES = 10_000;
