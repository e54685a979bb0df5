/**
 * One GraphQL request through the injected client, with GitHub's partial-success answers kept:
 * `errors` next to `data`, each error with its `type` and `path`, so a caller can treat a
 * NOT_FOUND on one alias as "this file is missing" and keep the others.
 */
import type { GitHubClient } from "./client.js";
import { fail, failureFromError, type GhFailure, type PermissionHint } from "./result.js";

/** One entry of a GraphQL `errors` array. */
export interface GraphqlError {
  type: string | null;
  path: (string | number)[];
  message: string;
}

/** Data (possibly partial) and the errors that came with it. */
export interface GraphqlAnswer {
  data: unknown;
  errors: GraphqlError[];
}

function toGraphqlError(raw: unknown): GraphqlError {
  const e = typeof raw === "object" && raw !== null ? (raw as Record<string, unknown>) : {};
  return {
    type: typeof e.type === "string" ? e.type : null,
    path: Array.isArray(e.path) ? e.path.filter((p) => typeof p === "string" || typeof p === "number") : [],
    message: typeof e.message === "string" ? e.message : "GraphQL error",
  };
}

/**
 * Send one query. Resolves to the answer (GraphQL errors included) or to a failure for an HTTP
 * error (401, 403 secondary rate limit, 5xx, network).
 */
export async function runGraphql(
  client: GitHubClient,
  query: string,
  variables: Record<string, unknown>,
  what: string,
  hint: PermissionHint,
): Promise<GraphqlAnswer | GhFailure> {
  try {
    const data = await client.graphql(query, variables);
    return { data, errors: [] };
  } catch (error) {
    // Octokit's GraphqlResponseError: HTTP 200 with an `errors` array, partial `data` kept.
    const e = error as { errors?: unknown; data?: unknown };
    if (typeof error === "object" && error !== null && Array.isArray(e.errors)) {
      return { data: e.data ?? null, errors: e.errors.map(toGraphqlError) };
    }
    return failureFromError(error, what, hint);
  }
}

/** The REST status nearest to a GraphQL error type. */
export function graphqlStatus(type: string | null): number {
  switch (type) {
    case "NOT_FOUND":
      return 404;
    case "FORBIDDEN":
      return 403;
    case "RATE_LIMITED":
      return 429;
    default:
      return 502;
  }
}

/** A failure for a GraphQL error that spoils the whole answer. */
export function failureFromGraphql(error: GraphqlError, what: string, hint: PermissionHint): GhFailure {
  const status = graphqlStatus(error.type);
  const label = error.type ?? "GraphQL error";
  if (status === 403) {
    return fail(
      status,
      `${what}: ${label} (${error.message}); the App needs ${hint.permission}`,
      hint.permission,
    );
  }
  return fail(status, `${what}: ${label} (${error.message})`);
}

/** Type guard: the runner's answer is a failure. */
export function isFailure(x: GraphqlAnswer | GhFailure): x is GhFailure {
  return "ok" in x && x.ok === false;
}
