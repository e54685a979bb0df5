/**
 * GitHub writes for one repository: the `rolecall` check run (annotations in batches of 50), the
 * pull request review, comment reactions and issue comments, plus the reads publishing needs
 * (existing review comments and reviews, to find fingerprint markers; the pull request head, to
 * detect stale scans). Each method is one request, except {@link GitHubPublisher.publishAnnotations} (one per
 * batch) and the paginated comment listing. GitHub asks for at least one second between mutating
 * requests; the injected client's throttling spaces them, this module never sleeps.
 */
import { z } from "zod";
import { type GitHubClient, paginate, type RepoRef } from "./client.js";
import { GITHUB_PERMISSION } from "./permissions.js";
import { failureFromError, type GhResult, type PermissionHint } from "./result.js";

/** The check run name rolecall publishes under. */
export const CHECK_RUN_NAME = "rolecall";

/** The Checks API's limit on annotations per request. */
export const ANNOTATIONS_PER_REQUEST = 50;

/** A check run's status. */
export type CheckRunStatus = "queued" | "in_progress" | "completed";

/** A completed check run's conclusion. */
export type CheckRunConclusion =
  | "action_required"
  | "cancelled"
  | "failure"
  | "neutral"
  | "success"
  | "skipped"
  | "timed_out";

/**
 * One annotation on a file line, in the Checks API's own field names (the check-run renderer's
 * `CheckAnnotation` fits as is).
 */
export interface CheckRunAnnotation {
  path: string;
  start_line: number;
  end_line: number;
  /** Only sent when `start_line === end_line` (the Checks API rejects columns across lines). */
  start_column?: number;
  end_column?: number;
  annotation_level: "notice" | "warning" | "failure";
  message: string;
  title?: string;
  raw_details?: string;
}

/** The check run's output; `annotations` at most 50 per request. */
export interface CheckRunOutput {
  title: string;
  summary: string;
  /** Omitted when null or undefined. */
  text?: string | null;
  annotations?: readonly CheckRunAnnotation[];
}

/** The fields of a check run create or update. */
export interface CheckRunFields {
  /** Defaults to {@link CHECK_RUN_NAME}. */
  name?: string;
  status?: CheckRunStatus;
  /** Setting a conclusion completes the run. */
  conclusion?: CheckRunConclusion;
  output?: CheckRunOutput;
  detailsUrl?: string;
  /** What the run is about (`pr:12`), so a Re-run without `pull_requests` (forks) finds it again. */
  externalId?: string;
}

/** A pull request's state, to tell whether a finished scan may still be published. */
export interface PullRequestState {
  headSha: string;
  /** `open` or `closed`. */
  state: string;
  merged: boolean;
  /** The base commit and branch (null when GitHub's answer lacks them). */
  baseSha: string | null;
  baseRef: string | null;
  /** The repositories of head and base: a fork's head repository differs (null when it was deleted). */
  headRepoId: number | null;
  baseRepoId: number | null;
  authorLogin: string | null;
  /** `OWNER`, `MEMBER`, `COLLABORATOR`, `CONTRIBUTOR`, `NONE`, … */
  authorAssociation: string | null;
}

/** A pull request review comment as listed, enough to find rolecall's fingerprint markers. */
export interface ReviewCommentMarker {
  id: number;
  path: string;
  /** The line on the diff's current side; null when the comment is outdated. */
  line: number | null;
  body: string;
  /** The author's type: `Bot` for rolecall (and other Apps), `User` for people. */
  userType: string;
}

/** A submitted review as listed, enough to find the fingerprint markers rolecall keeps in its bodies. */
export interface ReviewSummary {
  id: number;
  body: string;
  /** The author's type: `Bot` for rolecall (and other Apps), `User` for people. */
  userType: string;
  /** `COMMENTED`, `APPROVED`, `CHANGES_REQUESTED`, `DISMISSED` or `PENDING`. */
  state: string;
  commitId: string | null;
}

/** One inline comment of a review, on the new side of the diff. */
export interface ReviewComment {
  path: string;
  line: number;
  side: "RIGHT";
  body: string;
  /** First line of a multi-line comment (a `suggestion` replacing several lines). */
  startLine?: number;
}

/** A review to create. rolecall only comments: it never approves or requests changes. */
export interface ReviewRequest {
  commitId: string;
  body: string;
  event: "COMMENT";
  comments: ReviewComment[];
}

/** A reaction rolecall uses to acknowledge a slash command. */
export type Reaction = "eyes" | "+1" | "rocket";

/** The writes, bound to one repository and one client. */
export interface GitHubPublisher {
  /** POST /check-runs. At most 50 annotations: use {@link publishAnnotations} for more. */
  createCheckRun(headSha: string, fields: CheckRunFields): Promise<GhResult<{ id: number }>>;
  /** PATCH /check-runs/{id}: only the fields given change; annotations are appended. */
  updateCheckRun(id: number, fields: CheckRunFields): Promise<GhResult<void>>;
  /**
   * Append `annotations` in batches of 50, one PATCH per batch, each repeating `output`'s title,
   * summary and text (the Checks API requires them with annotations). Stops at the first failure.
   * No request when there is nothing to send.
   */
  publishAnnotations(
    checkRunId: number,
    output: Omit<CheckRunOutput, "annotations">,
    annotations: readonly CheckRunAnnotation[],
  ): Promise<GhResult<{ requests: number }>>;
  /** GET /pulls/{n}/comments, every page (per_page 100). */
  listReviewCommentMarkers(pullNumber: number): Promise<GhResult<ReviewCommentMarker[]>>;
  /** GET /pulls/{n}/reviews, every page (per_page 100): review bodies carry markers too. */
  listReviews(pullNumber: number): Promise<GhResult<ReviewSummary[]>>;
  /** POST /pulls/{n}/reviews, comments included, submitted at once. */
  createReview(pullNumber: number, review: ReviewRequest): Promise<GhResult<{ id: number }>>;
  /** POST /issues/comments/{id}/reactions (issue and pull request conversation comments). */
  reactToComment(commentId: number, content: Reaction): Promise<GhResult<void>>;
  /** POST /issues/{n}/comments (a pull request's conversation too). */
  commentOnIssue(issueNumber: number, body: string): Promise<GhResult<{ id: number }>>;
  /** GET /pulls/{n} → `head.sha`, to tell whether a scan is stale before publishing. */
  pullHeadSha(pullNumber: number): Promise<GhResult<string>>;
  /** GET /pulls/{n} → head, state and whether it was merged (closed or superseded scans publish nothing). */
  pullRequest(pullNumber: number): Promise<GhResult<PullRequestState>>;
  /** GraphQL `resolveReviewThread`: a thread of a finding that was fixed. */
  resolveThread(threadId: string): Promise<GhResult<void>>;
  /** GraphQL `pullRequest.reviewThreads` (first 100): each thread's id, state and comment ids. */
  reviewThreads(pullNumber: number): Promise<GhResult<ReviewThread[]>>;
}

/** A review thread: resolved or not, and the REST ids of its comments. */
export interface ReviewThread {
  id: string;
  isResolved: boolean;
  commentIds: number[];
}

const idSchema = z.object({ id: z.number() });
const reviewCommentsSchema = z.array(
  z.object({
    id: z.number(),
    path: z.string(),
    line: z.number().nullish(),
    body: z.string(),
    user: z.object({ type: z.string() }).nullish(),
  }),
);
const reviewsSchema = z.array(
  z.object({
    id: z.number(),
    body: z.string().nullish(),
    state: z.string(),
    commit_id: z.string().nullish(),
    user: z.object({ type: z.string() }).nullish(),
  }),
);
const pullSchema = z.object({
  head: z.object({ sha: z.string(), repo: z.object({ id: z.number() }).nullish() }),
  base: z
    .object({ sha: z.string(), ref: z.string(), repo: z.object({ id: z.number() }).nullish() })
    .nullish(),
  user: z.object({ login: z.string() }).nullish(),
  author_association: z.string().nullish(),
  state: z.string().nullish(),
  merged: z.boolean().nullish(),
  merged_at: z.string().nullish(),
});

const REVIEW_THREADS = `query RolecallReviewThreads($owner: String!, $name: String!, $number: Int!) {
  repository(owner: $owner, name: $name) {
    pullRequest(number: $number) {
      reviewThreads(first: 100) {
        nodes { id isResolved comments(first: 20) { nodes { databaseId } } }
      }
    }
  }
}`;

const threadsSchema = z.object({
  repository: z
    .object({
      pullRequest: z
        .object({
          reviewThreads: z.object({
            nodes: z.array(
              z.object({
                id: z.string(),
                isResolved: z.boolean(),
                comments: z.object({ nodes: z.array(z.object({ databaseId: z.number().nullish() })) }),
              }),
            ),
          }),
        })
        .nullish(),
    })
    .nullish(),
});

const RESOLVE_THREAD = `mutation RolecallResolveThread($threadId: ID!) {
  resolveReviewThread(input: { threadId: $threadId }) { thread { id isResolved } }
}`;

function parseOrThrow<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success) throw new Error(`unexpected response for ${what}`);
  return parsed.data;
}

/** The Checks API wire form of an annotation: known fields only, no columns across lines. */
function wireAnnotation(a: CheckRunAnnotation): Record<string, unknown> {
  const wire: Record<string, unknown> = {
    path: a.path,
    start_line: a.start_line,
    end_line: a.end_line,
    annotation_level: a.annotation_level,
    message: a.message,
  };
  if (a.start_line === a.end_line) {
    if (a.start_column !== undefined) wire.start_column = a.start_column;
    if (a.end_column !== undefined) wire.end_column = a.end_column;
  }
  if (a.title !== undefined) wire.title = a.title;
  if (a.raw_details !== undefined) wire.raw_details = a.raw_details;
  return wire;
}

function wireOutput(output: CheckRunOutput): Record<string, unknown> {
  const wire: Record<string, unknown> = { title: output.title, summary: output.summary };
  if (output.text !== undefined && output.text !== null) wire.text = output.text;
  if (output.annotations !== undefined && output.annotations.length > 0) {
    if (output.annotations.length > ANNOTATIONS_PER_REQUEST) {
      throw new RangeError(
        `${output.annotations.length} annotations in one request; the Checks API takes ${ANNOTATIONS_PER_REQUEST} (use publishAnnotations)`,
      );
    }
    wire.annotations = output.annotations.map(wireAnnotation);
  }
  return wire;
}

function wireCheckRun(fields: CheckRunFields, defaultName: boolean): Record<string, unknown> {
  const wire: Record<string, unknown> = {};
  if (fields.name !== undefined || defaultName) wire.name = fields.name ?? CHECK_RUN_NAME;
  if (fields.status !== undefined) wire.status = fields.status;
  if (fields.conclusion !== undefined) wire.conclusion = fields.conclusion;
  if (fields.detailsUrl !== undefined) wire.details_url = fields.detailsUrl;
  if (fields.externalId !== undefined) wire.external_id = fields.externalId;
  if (fields.output !== undefined) wire.output = wireOutput(fields.output);
  return wire;
}

/**
 * Create the publisher for one repository. `client` is Probot's `context.octokit` or an Octokit
 * from `@octokit/rest`. A request body that breaks a documented API limit (more than 50
 * annotations) is a programmer error and throws a `RangeError` before anything is sent.
 */
export function createGitHubPublisher(client: GitHubClient, repo: RepoRef): GitHubPublisher {
  const base = { owner: repo.owner, repo: repo.repo };
  const checks: PermissionHint = { permission: GITHUB_PERMISSION.checksWrite };
  const prRead: PermissionHint = { permission: GITHUB_PERMISSION.pullRequestsRead };
  const prWrite: PermissionHint = { permission: GITHUB_PERMISSION.pullRequestsWrite };

  async function call<T>(what: string, hint: PermissionHint, run: () => Promise<T>): Promise<GhResult<T>> {
    try {
      return { ok: true, data: await run() };
    } catch (error) {
      return failureFromError(error, what, hint);
    }
  }

  async function updateCheckRun(id: number, fields: CheckRunFields): Promise<GhResult<void>> {
    const body = wireCheckRun(fields, false);
    return call(`update check run ${id}`, checks, async () => {
      await client.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
        ...base,
        check_run_id: id,
        ...body,
      });
    });
  }

  return {
    async createCheckRun(headSha, fields) {
      const body = wireCheckRun(fields, true);
      return call("create check run", checks, async () => {
        const response = await client.request("POST /repos/{owner}/{repo}/check-runs", {
          ...base,
          head_sha: headSha,
          ...body,
        });
        return { id: parseOrThrow(idSchema, response.data, "create check run").id };
      });
    },

    updateCheckRun,

    async publishAnnotations(checkRunId, output, annotations) {
      const total = Math.ceil(annotations.length / ANNOTATIONS_PER_REQUEST);
      for (let i = 0; i < total; i += 1) {
        const batch = annotations.slice(i * ANNOTATIONS_PER_REQUEST, (i + 1) * ANNOTATIONS_PER_REQUEST);
        const out: CheckRunOutput = { title: output.title, summary: output.summary, annotations: batch };
        if (output.text !== undefined && output.text !== null) out.text = output.text;
        const r = await updateCheckRun(checkRunId, { output: out });
        if (!r.ok) return { ...r, reason: `annotations batch ${i + 1}/${total}: ${r.reason}` };
      }
      return { ok: true, data: { requests: total } };
    },

    async listReviewCommentMarkers(pullNumber) {
      const what = `review comments of pull request #${pullNumber}`;
      return call(what, prRead, async () => {
        const page = await paginate(
          client,
          "GET /repos/{owner}/{repo}/pulls/{pull_number}/comments",
          { ...base, pull_number: pullNumber, per_page: 100 },
          { items: (data) => parseOrThrow(reviewCommentsSchema, data, what) },
        );
        return page.items.map((c) => ({
          id: c.id,
          path: c.path,
          line: c.line ?? null,
          body: c.body,
          userType: c.user?.type ?? "",
        }));
      });
    },

    async listReviews(pullNumber) {
      const what = `reviews of pull request #${pullNumber}`;
      return call(what, prRead, async () => {
        const page = await paginate(
          client,
          "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
          { ...base, pull_number: pullNumber, per_page: 100 },
          { items: (data) => parseOrThrow(reviewsSchema, data, what) },
        );
        return page.items.map((r) => ({
          id: r.id,
          body: r.body ?? "",
          userType: r.user?.type ?? "",
          state: r.state,
          commitId: r.commit_id ?? null,
        }));
      });
    },

    async createReview(pullNumber, review) {
      return call(`review on pull request #${pullNumber}`, prWrite, async () => {
        const response = await client.request("POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews", {
          ...base,
          pull_number: pullNumber,
          commit_id: review.commitId,
          body: review.body,
          event: review.event,
          comments: review.comments.map((c) => {
            const wire: Record<string, unknown> = { path: c.path, line: c.line, side: c.side, body: c.body };
            if (c.startLine !== undefined && c.startLine < c.line) {
              wire.start_line = c.startLine;
              wire.start_side = c.side;
            }
            return wire;
          }),
        });
        return { id: parseOrThrow(idSchema, response.data, "create review").id };
      });
    },

    async reactToComment(commentId, content) {
      return call(`reaction on comment ${commentId}`, prWrite, async () => {
        await client.request("POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", {
          ...base,
          comment_id: commentId,
          content,
        });
      });
    },

    async commentOnIssue(issueNumber, body) {
      return call(`comment on #${issueNumber}`, prWrite, async () => {
        const response = await client.request("POST /repos/{owner}/{repo}/issues/{issue_number}/comments", {
          ...base,
          issue_number: issueNumber,
          body,
        });
        return { id: parseOrThrow(idSchema, response.data, "create comment").id };
      });
    },

    async pullRequest(pullNumber) {
      return call(`pull request #${pullNumber}`, prRead, async () => {
        const response = await client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
          ...base,
          pull_number: pullNumber,
        });
        const pr = parseOrThrow(pullSchema, response.data, `pull request #${pullNumber}`);
        return {
          headSha: pr.head.sha,
          state: pr.state ?? "open",
          merged: pr.merged === true || (pr.merged_at !== null && pr.merged_at !== undefined),
          baseSha: pr.base?.sha ?? null,
          baseRef: pr.base?.ref ?? null,
          headRepoId: pr.head.repo?.id ?? null,
          baseRepoId: pr.base?.repo?.id ?? null,
          authorLogin: pr.user?.login ?? null,
          authorAssociation: pr.author_association ?? null,
        };
      });
    },

    async reviewThreads(pullNumber) {
      return call(`review threads of pull request #${pullNumber}`, prRead, async () => {
        const data = await client.graphql(REVIEW_THREADS, {
          owner: repo.owner,
          name: repo.repo,
          number: pullNumber,
        });
        const threads = parseOrThrow(threadsSchema, data, "review threads").repository?.pullRequest
          ?.reviewThreads.nodes;
        return (threads ?? []).map((t) => ({
          id: t.id,
          isResolved: t.isResolved,
          commentIds: t.comments.nodes.flatMap((c) =>
            typeof c.databaseId === "number" ? [c.databaseId] : [],
          ),
        }));
      });
    },

    async resolveThread(threadId) {
      return call(`review thread ${threadId}`, prWrite, async () => {
        await client.graphql(RESOLVE_THREAD, { threadId });
      });
    },

    async pullHeadSha(pullNumber) {
      return call(`pull request #${pullNumber}`, prRead, async () => {
        const response = await client.request("GET /repos/{owner}/{repo}/pulls/{pull_number}", {
          ...base,
          pull_number: pullNumber,
        });
        return parseOrThrow(pullSchema, response.data, `pull request #${pullNumber}`).head.sha;
      });
    },
  };
}
