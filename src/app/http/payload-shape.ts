/**
 * The least a signed delivery must carry for the App's handlers to read it: the top-level objects
 * (and arrays) that GitHub always sends with each event the App subscribes to. A delivery without
 * them is refused with 400 and a sentence saying what is missing, instead of a handler failing on
 * `undefined` and the sender seeing a TypeError. Events not listed pass unchecked.
 */
type Shape = readonly (readonly [path: string, kind: "object" | "array" | "string"])[];

const REPOSITORY = ["repository", "object"] as const;
const ACTION = ["action", "string"] as const;

const SHAPES: Readonly<Record<string, Shape>> = {
  pull_request: [ACTION, ["pull_request", "object"], REPOSITORY],
  check_run: [ACTION, ["check_run", "object"], ["check_run.pull_requests", "array"], REPOSITORY],
  check_suite: [ACTION, ["check_suite", "object"], ["check_suite.pull_requests", "array"], REPOSITORY],
  issue_comment: [ACTION, ["issue", "object"], ["comment", "object"], REPOSITORY],
  merge_group: [ACTION, ["merge_group", "object"], REPOSITORY],
  repository: [ACTION, REPOSITORY],
  installation_repositories: [ACTION, ["installation", "object"]],
};

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  return typeof value;
}

function withArticle(kind: string): string {
  return kind === "null" ? "null" : /^[aeiou]/.test(kind) ? `an ${kind}` : `a ${kind}`;
}

/** Null when `payload` has the shape `event` needs; otherwise what is wrong, in one sentence. */
export function payloadProblem(event: string, payload: unknown): string | null {
  if (kindOf(payload) !== "object")
    return `the payload is ${withArticle(kindOf(payload))}, not a JSON object`;
  for (const [path, kind] of SHAPES[event] ?? []) {
    let value: unknown = payload;
    for (const key of path.split(".")) value = (value as Record<string, unknown> | undefined)?.[key];
    if (kindOf(value) !== kind)
      return value === undefined
        ? `the ${event} event has no \`${path}\``
        : `the ${event} event's \`${path}\` is ${withArticle(kindOf(value))}, not ${withArticle(kind)}`;
  }
  return null;
}
