/**
 * The part of Octokit the GitHub adapter uses, as a structural type, so that Probot's
 * `context.octokit` (`ProbotOctokit`), `new Octokit()` from `@octokit/rest` and a test double all
 * fit. Retries and rate-limit spacing are the injected client's business (Probot's retry and
 * throttling plugins); the adapter adds none.
 */

/** One REST response, as Octokit returns it. */
export interface GitHubResponse {
  status: number;
  url: string;
  headers: Record<string, string | number | undefined>;
  data: unknown;
}

/** The injected client: `octokit.request` and `octokit.graphql`. */
export interface GitHubClient {
  /** `request("GET /repos/{owner}/{repo}", { owner, repo })`, or `request("GET <absolute url>")`. */
  request(route: string, parameters?: Record<string, unknown>): Promise<GitHubResponse>;
  /** `graphql(query, variables)`: resolves to `data`, rejects with `errors` and partial `data`. */
  graphql(query: string, parameters?: Record<string, unknown>): Promise<unknown>;
}

/** Which repository the adapter works on. */
export interface RepoRef {
  owner: string;
  repo: string;
}

/** The `rel="next"` target of a `Link` header, if any. */
export function nextLink(link: string | number | undefined): string | null {
  if (typeof link !== "string") return null;
  for (const part of link.split(",")) {
    const m = /<([^>]+)>\s*;\s*rel="?([^";]+)"?/.exec(part.trim());
    if (m?.[2]?.split(/\s+/).includes("next") === true) return m[1] ?? null;
  }
  return null;
}

/** What {@link paginate} stops on. */
export interface PaginateOptions<T> {
  /** Turn one page's body into items; throw (a programmer-visible message) when it is not a list. */
  items: (data: unknown) => T[];
  /** Stop once this many items were collected (GitHub's 3000-file cap on pull request files). */
  limit?: number;
}

/** The items of every page, and whether a limit stopped the walk. */
export interface Paginated<T> {
  items: T[];
  pages: number;
  /** True when `limit` items were reached (more may exist). */
  limited: boolean;
}

const MAX_PAGES = 500;

/**
 * Walk a paginated REST list by following `Link: rel="next"` (GitHub's recommended way; the
 * next URL keeps `per_page`). A next link on another origin is not followed, so the token is
 * never sent elsewhere. Errors propagate to the caller, which turns them into a failure.
 */
export async function paginate<T>(
  client: GitHubClient,
  route: string,
  parameters: Record<string, unknown>,
  options: PaginateOptions<T>,
): Promise<Paginated<T>> {
  const items: T[] = [];
  let response = await client.request(route, parameters);
  let pages = 1;
  const origin = safeOrigin(response.url);
  for (;;) {
    items.push(...options.items(response.data));
    if (options.limit !== undefined && items.length >= options.limit) {
      return { items: items.slice(0, options.limit), pages, limited: true };
    }
    const next = nextLink(response.headers.link);
    if (next === null || pages >= MAX_PAGES) return { items, pages, limited: false };
    if (origin !== null && safeOrigin(next) !== origin) {
      throw new Error(`refusing to follow a pagination link to another origin: ${safeOrigin(next)}`);
    }
    response = await client.request(`GET ${next}`);
    pages += 1;
  }
}

function safeOrigin(url: string): string | null {
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}
