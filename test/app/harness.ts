/**
 * Test harness for the GitHub App: a real Probot instance with the Octokit `npm start` gives it
 * (`RolecallOctokit`: Octokit's production throttling and retry on, so the tests see the 1-second
 * spacing of writes, retried 5xx and secondary rate limits), a generated RSA key, a pino logger whose
 * every line is captured, payloads from `@octokit/webhooks-examples`, and fakes of GitHub (REST and
 * GraphQL) and IAM (XML) built on nock. Every outgoing GitHub request body is checked against
 * GitHub's OpenAPI description with `expectValidBody`.
 */
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import nock from "nock";
import { pino } from "pino";
import { Probot } from "probot";
import { createRoleReader, type RoleReader } from "../../src/adapters/aws/index.js";
import { type AppOptions, RolecallOctokit, rolecallApp } from "../../src/app/app.js";
import { createRoleAccess, parseAccountBoundary, type RoleAccess } from "../../src/app/aws-access.js";
import {
  callerIdentityXml,
  errorXml,
  FAKE_CREDENTIALS,
  getRoleXml,
  rfc3986,
  XML_HEADERS,
} from "../adapters/aws/aws-wire.js";
import { expectValidBody } from "../support/openapi.js";

// ---------------------------------------------------------------------------------------------
// Keys, logs, Probot

/** A fresh RSA key in GitHub's format (PKCS#1 PEM), generated once per test file. */
export const PRIVATE_KEY = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
}).privateKey;

/** The base64 body of the private key, to search logs for. */
export const PRIVATE_KEY_BODY = PRIVATE_KEY.split("\n")
  .filter((l) => l !== "" && !l.startsWith("-----"))
  .join("");

export const WEBHOOK_SECRET = "rolecall-test-webhook-secret";

/** Every line the App logged (pino JSON, level trace), for assertions and for leak searches. */
export class LogCapture {
  readonly lines: string[] = [];
  readonly logger = pino(
    { level: "trace" },
    {
      write: (line: string) => {
        this.lines.push(line);
      },
    },
  );

  get text(): string {
    return this.lines.join("");
  }

  /** The lines at `level` or above (pino levels: 20 debug, 30 info, 40 warn, 50 error). */
  textAtLeast(level: number): string {
    return this.lines.filter((l) => (JSON.parse(l) as { level: number }).level >= level).join("");
  }

  /** Parsed entries with message `msg`. */
  entries(msg: string): Record<string, unknown>[] {
    return this.lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((e) => e.msg === msg);
  }
}

export interface TestApp {
  probot: Probot;
  logs: LogCapture;
}

export type TestAppOptions = Partial<AppOptions> & { baseUrl?: string };

/** A real Probot (nothing loaded yet), logging into a {@link LogCapture}. */
export function createProbot(options: { baseUrl?: string } = {}): TestApp {
  const logs = new LogCapture();
  const probot = new Probot({
    appId: 1,
    privateKey: PRIVATE_KEY,
    secret: WEBHOOK_SECRET,
    Octokit: RolecallOctokit,
    log: logs.logger,
    ...(options.baseUrl !== undefined ? { baseUrl: options.baseUrl } : {}),
  });
  return { probot, logs };
}

/** The rolecall app function, as `npm start` builds it, with test defaults. */
export function appFunction(options: TestAppOptions = {}) {
  return rolecallApp({
    roles: options.roles ?? null,
    issuer: options.issuer ?? "token.actions.githubusercontent.com",
    docsBase: options.docsBase ?? "https://rolecall.example.com/rules/",
    now: options.now ?? (() => Date.parse("2026-11-22T10:00:00Z")),
    ...(options.scanDeadlineMs !== undefined ? { scanDeadlineMs: options.scanDeadlineMs } : {}),
    ...(options.baseline !== undefined ? { baseline: options.baseline } : {}),
  });
}

/** A real Probot with the rolecall app loaded. */
export async function createApp(options: TestAppOptions = {}): Promise<TestApp> {
  const app = createProbot(options);
  await app.probot.load(appFunction(options));
  return app;
}

type WebhookEvent = Parameters<Probot["receive"]>[0];

/** Deliver one webhook (no signature check: `receive` is what the HTTP middleware calls after it). */
export async function deliver(
  probot: Probot,
  name: string,
  payload: object,
  id: string = randomUUID(),
): Promise<void> {
  await probot.receive({ id, name, payload } as unknown as WebhookEvent);
}

// ---------------------------------------------------------------------------------------------
// Payloads

interface ExampleDefinition {
  name: string;
  examples: Record<string, unknown>[];
}

const require = createRequire(import.meta.url);
const EXAMPLES = {
  dotcom: require("@octokit/webhooks-examples/api.github.com/index.json") as ExampleDefinition[],
  ghes: require("@octokit/webhooks-examples/ghes-35/index.json") as ExampleDefinition[],
};

/** A deep copy of the first example of `event` that passes `pick`. */
export function example<T>(
  event: string,
  pick: (p: Record<string, unknown>) => boolean,
  source: keyof typeof EXAMPLES = "dotcom",
): T {
  const found = EXAMPLES[source].find((d) => d.name === event)?.examples.find(pick);
  if (!found) throw new Error(`no ${source} example of ${event} matches`);
  return structuredClone(found) as T;
}

export interface Account {
  login: string;
  id: number;
  type: string;
}

export interface RepositoryPayload {
  id: number;
  name: string;
  full_name: string;
  private: boolean;
  owner: Account;
  default_branch: string;
  [key: string]: unknown;
}

export interface PullRequestEvent {
  action: string;
  number: number;
  pull_request: {
    number: number;
    state: string;
    draft: boolean;
    head: { sha: string; ref: string; repo: RepositoryPayload };
    base: { sha: string; ref: string; repo: RepositoryPayload };
    [key: string]: unknown;
  };
  repository: RepositoryPayload;
  installation: { id: number; node_id: string };
  sender: Account;
}

export interface IssueCommentEvent {
  action: string;
  issue: { number: number; pull_request?: Record<string, unknown>; [key: string]: unknown };
  comment: { id: number; body: string; user: Account; [key: string]: unknown };
  repository: RepositoryPayload;
  installation?: { id: number; node_id: string };
  sender: Account;
}

export interface CheckRunEvent {
  action: string;
  check_run: {
    name: string;
    head_sha: string;
    pull_requests: Record<string, unknown>[];
    [key: string]: unknown;
  };
  repository: RepositoryPayload;
  installation: { id: number; node_id: string };
}

export interface CheckSuiteEvent {
  action: string;
  check_suite: { head_sha: string; pull_requests: { number: number; [key: string]: unknown }[] };
  repository: RepositoryPayload;
  installation: { id: number; node_id: string };
  sender: Account;
}

/** A repository under test: who owns it, which installation, which token. */
export interface World {
  /** REST base URL: `https://api.github.com`, or `https://HOST/api/v3` on GHES. */
  api: string;
  /** The GraphQL endpoint's origin and path. */
  graphqlOrigin: string;
  graphqlPath: string;
  owner: string;
  ownerId: number;
  repo: string;
  repoId: number;
  defaultBranch: string;
  installationId: number;
  token: string;
  /** The pull request's head commit. */
  headSha: string;
  pullNumber: number;
}

export const DOTCOM_API = "https://api.github.com";

/** The world of a pull_request example payload. */
export function worldOf(
  payload: { repository: RepositoryPayload; installation?: { id: number } },
  extra: { api?: string; token: string; headSha: string; pullNumber: number },
): World {
  const api = extra.api ?? DOTCOM_API;
  const url = new URL(api);
  // Octokit's GraphQL endpoint: `${baseUrl}/graphql`, with GHES's `/api/v3` turned into `/api`.
  const graphqlPath = `${url.pathname.replace(/\/api\/v3\/?$/, "/api").replace(/\/$/, "")}/graphql`;
  return {
    api,
    graphqlOrigin: url.origin,
    graphqlPath,
    owner: payload.repository.owner.login,
    ownerId: payload.repository.owner.id,
    repo: payload.repository.name,
    repoId: payload.repository.id,
    defaultBranch: payload.repository.default_branch,
    installationId: payload.installation?.id ?? 0,
    token: extra.token,
    headSha: extra.headSha,
    pullNumber: extra.pullNumber,
  };
}

// ---------------------------------------------------------------------------------------------
// GitHub fake

const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  /** When the fake received it (performance.now(), ms). */
  at: number;
}

export interface CheckRunBody {
  name?: string;
  head_sha?: string;
  external_id?: string;
  status?: string;
  conclusion?: string;
  output?: {
    title: string;
    summary: string;
    text?: string;
    annotations?: {
      path: string;
      start_line: number;
      end_line: number;
      annotation_level: string;
      title?: string;
      message: string;
    }[];
  };
}

export interface ReviewBody {
  commit_id: string;
  body: string;
  event: string;
  comments: { path: string; line: number; side: string; body: string; start_line?: number }[];
}

/** One entry of GET /pulls/{n}/files. */
export function pullFile(
  world: World,
  filename: string,
  patch: string | null,
  status = "modified",
): Record<string, unknown> {
  const entry: Record<string, unknown> = {
    sha: "bbcd538c8e72b8c175046e27cc8f907076331401",
    filename,
    status,
    additions: patch === null ? 0 : patch.split("\n").filter((l) => l.startsWith("+")).length,
    deletions: patch === null ? 0 : patch.split("\n").filter((l) => l.startsWith("-")).length,
    changes: 1,
    blob_url: `https://github.com/${world.owner}/${world.repo}/blob/${world.headSha}/${filename}`,
    raw_url: `https://github.com/${world.owner}/${world.repo}/raw/${world.headSha}/${filename}`,
    contents_url: `${world.api}/repos/${world.owner}/${world.repo}/contents/${filename}?ref=${world.headSha}`,
  };
  if (patch !== null) entry.patch = patch;
  return entry;
}

/** A unified diff adding every line of `text` (a new file). */
export function addedPatch(text: string): string {
  const lines = text.replace(/\n$/, "").split("\n");
  return [`@@ -0,0 +1,${lines.length} @@`, ...lines.map((l) => `+${l}`)].join("\n");
}

/** A GraphQL Blob as the reader selects it. */
function blob(text: string) {
  return { byteSize: Buffer.byteLength(text), isBinary: false, isTruncated: false, text };
}

interface GraphqlBody {
  query: string;
  variables: Record<string, string>;
}

/**
 * A fake GitHub for one repository and installation: each method adds the interceptor(s) for one
 * request, in the order the App makes them; `done()` says every one was used. Bodies of writes are
 * validated against GitHub's OpenAPI description and recorded.
 */
export class GitHubFake {
  readonly scope: nock.Scope;
  readonly graphql: nock.Scope;
  readonly auth: nock.Scope;
  readonly requests: RecordedRequest[] = [];
  readonly checkRunCreates: CheckRunBody[] = [];
  readonly checkRunUpdates: CheckRunBody[] = [];
  readonly reviews: ReviewBody[] = [];
  readonly issueComments: { body: string }[] = [];
  readonly reactions: { content: string }[] = [];
  readonly repoPath: string;

  constructor(readonly world: World) {
    const reqheaders = { authorization: `token ${world.token}` };
    // Scopes on the origin: the interceptors carry the whole path (GHES's `/api/v3` included).
    const origin = new URL(world.api).origin;
    this.scope = nock(origin, { reqheaders });
    this.graphql = nock(world.graphqlOrigin, { reqheaders });
    this.auth = nock(origin);
    const basePath = new URL(world.api).pathname.replace(/\/$/, "");
    this.repoPath = `${basePath}/repos/${world.owner}/${world.repo}`;
    for (const s of [this.scope, this.graphql]) {
      s.on("request", (req: { method: string; path: string }, _i: unknown, body: string) => {
        let parsed: unknown = body;
        try {
          parsed = body ? JSON.parse(body) : undefined;
        } catch {
          // keep the text
        }
        this.requests.push({ method: req.method, path: req.path, body: parsed, at: performance.now() });
      });
    }
  }

  /** Whether every interceptor was used. */
  done(): boolean {
    return this.scope.isDone() && this.graphql.isDone() && this.auth.isDone();
  }

  pending(): string[] {
    return [...this.scope.pendingMocks(), ...this.graphql.pendingMocks(), ...this.auth.pendingMocks()];
  }

  /** GitHub read requests of the installation (REST GETs and GraphQL queries; the token is not counted). */
  reads(): RecordedRequest[] {
    return this.requests.filter((r) => r.method === "GET" || r.path.endsWith("/graphql"));
  }

  writes(): RecordedRequest[] {
    return this.requests.filter((r) => r.method !== "GET" && !r.path.endsWith("/graphql"));
  }

  private path(p: string): string {
    return `${this.repoPath}${p}`;
  }

  private recordInto<T>(sink: T[], operationId: string) {
    const valid = expectValidBody(operationId);
    return (body: unknown): boolean => {
      if (!valid(body)) return false;
      sink.push(body as T);
      return true;
    };
  }

  /** POST /app/installations/{id}/access_tokens, authenticated with the App's JWT. */
  token(): this {
    const basePath = new URL(this.world.api).pathname.replace(/\/$/, "");
    this.auth
      .post(`${basePath}/app/installations/${this.world.installationId}/access_tokens`)
      .matchHeader("authorization", /^bearer [\w-]+\.[\w-]+\.[\w-]+$/i)
      .reply(
        201,
        {
          token: this.world.token,
          expires_at: "2026-11-22T11:00:00Z",
          permissions: {
            actions: "read",
            checks: "write",
            contents: "read",
            metadata: "read",
            pull_requests: "write",
          },
          repository_selection: "all",
        },
        JSON_HEADERS,
      );
    return this;
  }

  /** The installation token request failing (a GitHub outage). */
  tokenFails(status = 502, times = 1): this {
    const basePath = new URL(this.world.api).pathname.replace(/\/$/, "");
    this.auth
      .post(`${basePath}/app/installations/${this.world.installationId}/access_tokens`)
      .times(times)
      .reply(
        status,
        {
          message: status === 403 ? "This installation has been suspended" : "Server Error",
        },
        JSON_HEADERS,
      );
    return this;
  }

  createCheckRun(id = 4): this {
    this.scope.post(this.path("/check-runs"), this.recordInto(this.checkRunCreates, "checks/create")).reply(
      201,
      (_uri, body) => ({
        id,
        head_sha: (body as CheckRunBody).head_sha,
        name: "rolecall",
        status: "in_progress",
        conclusion: null,
        url: `${this.world.api}/repos/${this.world.owner}/${this.world.repo}/check-runs/${id}`,
      }),
      JSON_HEADERS,
    );
    return this;
  }

  createCheckRunFails(status: number, message: string): this {
    this.scope
      .post(this.path("/check-runs"), this.recordInto(this.checkRunCreates, "checks/create"))
      .reply(status, { message, documentation_url: "https://docs.github.com/rest" }, JSON_HEADERS);
    return this;
  }

  updateCheckRun(id = 4, times = 1): this {
    this.scope
      .patch(this.path(`/check-runs/${id}`), this.recordInto(this.checkRunUpdates, "checks/update"))
      .times(times)
      .reply(200, { id, name: "rolecall" }, JSON_HEADERS);
    return this;
  }

  /**
   * A PATCH of the check run answered with GitHub's secondary rate limit (403, `retry-after`), the
   * way GitHub answers a burst of writes, `times` times.
   */
  updateCheckRunSecondaryLimit(retryAfter = 1, times = 1, id = 4): this {
    this.scope
      .patch(this.path(`/check-runs/${id}`), this.recordInto(this.checkRunUpdates, "checks/update"))
      .times(times)
      .reply(
        403,
        {
          message:
            "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 07C4:2D0C:1A2B3C:4D5E6F:656F1A2B.",
          documentation_url:
            "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
        },
        { ...JSON_HEADERS, "retry-after": String(retryAfter) },
      );
    return this;
  }

  /** A PATCH of the check run that GitHub refuses with `status`. */
  updateCheckRunFails(status: number, id = 4): this {
    this.scope
      .patch(this.path(`/check-runs/${id}`), this.recordInto(this.checkRunUpdates, "checks/update"))
      .reply(status, { message: "Server Error" }, JSON_HEADERS);
    return this;
  }

  pullFiles(files: Record<string, unknown>[]): this {
    this.scope
      .get(this.path(`/pulls/${this.world.pullNumber}/files`))
      .query({ per_page: "100" })
      .reply(200, files, JSON_HEADERS);
    return this;
  }

  repository(): this {
    const w = this.world;
    this.scope.get(this.path("")).reply(
      200,
      {
        id: w.repoId,
        node_id: "MDEwOlJlcG9zaXRvcnkxODY4NTMwMDI=",
        name: w.repo,
        full_name: `${w.owner}/${w.repo}`,
        private: false,
        visibility: "public",
        owner: { login: w.owner, id: w.ownerId, type: "User", site_admin: false },
        default_branch: w.defaultBranch,
        created_at: "2019-05-15T15:19:25Z",
        updated_at: "2026-11-01T10:00:00Z",
        pushed_at: "2026-11-21T10:00:00Z",
      },
      JSON_HEADERS,
    );
    return this;
  }

  /** GET …/actions/oidc/customization/sub (the default: `use_default: true`). */
  oidc(reply: { status: number; body: object } = { status: 200, body: { use_default: true } }): this {
    this.scope
      .get(this.path("/actions/oidc/customization/sub"))
      .reply(reply.status, reply.body, JSON_HEADERS);
    return this;
  }

  /**
   * Files the workflow query's extra aliases (`f0`…, the configuration riding along) answer from:
   * `ref:path` → text; anything else answers null, as GitHub does for a missing path.
   */
  readonly alongside = new Map<string, string>();

  /** Files at `ref` answered by the aliases of the workflow query. */
  along(ref: string, files: Record<string, string>): this {
    for (const [path, text] of Object.entries(files)) this.alongside.set(`${ref}:${path}`, text);
    return this;
  }

  /** The one GraphQL query for `.github/workflows` at `ref` (and the files riding along, see {@link along}). */
  workflows(
    files: Record<string, string>,
    ref = this.world.headSha,
    reply?: { status: number; body: object },
    times = 1,
  ): this {
    this.graphql
      .post(
        this.world.graphqlPath,
        (b: GraphqlBody) =>
          b.query.includes("RolecallWorkflowFiles") && b.variables.expression === `${ref}:.github/workflows`,
      )
      .times(times)
      .reply(
        reply?.status ?? 200,
        (_uri, body) => {
          if (reply) return reply.body;
          const repository: Record<string, unknown> = {
            object: {
              __typename: "Tree",
              entries: Object.entries(files).map(([path, text]) => ({
                name: path.split("/").pop(),
                path,
                type: "blob",
                mode: 33188,
                object: blob(text),
              })),
            },
          };
          for (const [k, v] of Object.entries((body as GraphqlBody).variables)) {
            if (!/^e\d+$/.test(k)) continue;
            const text = this.alongside.get(v);
            repository[`f${k.slice(1)}`] = text === undefined ? null : blob(text);
          }
          return { data: { repository } };
        },
        JSON_HEADERS,
      );
    return this;
  }

  /** One GraphQL query for some paths at `ref` (missing paths answer null, as GitHub does). */
  files(ref: string, files: Record<string, string>): this {
    this.graphql
      .post(
        this.world.graphqlPath,
        (b: GraphqlBody) =>
          b.query.includes("RolecallFiles") &&
          Object.entries(b.variables)
            .filter(([k]) => /^e\d+$/.test(k))
            .every(([, v]) => v.startsWith(`${ref}:`)),
      )
      .reply(
        200,
        (_uri, body) => {
          const vars = (body as GraphqlBody).variables;
          const repository: Record<string, unknown> = {};
          for (const [k, v] of Object.entries(vars)) {
            if (!/^e\d+$/.test(k)) continue;
            const path = v.slice(ref.length + 1);
            const text = files[path];
            repository[`f${k.slice(1)}`] = text === undefined ? null : blob(text);
          }
          return { data: { repository } };
        },
        JSON_HEADERS,
      );
    return this;
  }

  /**
   * GET /repos/{owner}/{repo}/contents/{path} (raw) of another repository: the owner's `.github`
   * repository's configuration by default; `text` null answers 404 (no such repository or file).
   */
  contentOf(
    text: string | null,
    repo = ".github",
    path = ".github/rolecall.yml",
    owner = this.world.owner,
  ): this {
    const basePath = new URL(this.world.api).pathname.replace(/\/$/, "");
    const escaped = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    const re = new RegExp(
      `^${escaped(`${basePath}/repos/${owner}/${repo}/contents/`)}${path.split("/").map(escaped).join("(?:/|%2F)")}$`,
    );
    const interceptor = this.scope.get(re).matchHeader("accept", /application\/vnd\.github\.raw\+json/);
    if (text === null)
      interceptor.reply(
        404,
        {
          message: "Not Found",
          documentation_url: "https://docs.github.com/rest/repos/contents#get-repository-content",
          status: "404",
        },
        JSON_HEADERS,
      );
    else interceptor.reply(200, text, { "content-type": "application/vnd.github.raw+json; charset=utf-8" });
    return this;
  }

  /** No `.github/rolecall.yml` on the default branch (it rides along with the workflow query). */
  noConfig(): this {
    return this;
  }

  environments(
    envs: { name: string; reviewers?: boolean }[] = [{ name: "production", reviewers: true }],
  ): this {
    this.scope
      .get(this.path("/environments"))
      .query({ per_page: "100" })
      .reply(
        200,
        {
          total_count: envs.length,
          environments: envs.map((e, i) => ({
            id: 161088068 + i,
            node_id: "MDExOkVudmlyb25tZW50MTYxMDg4MDY4",
            name: e.name,
            url: `${this.world.api}/repos/${this.world.owner}/${this.world.repo}/environments/${e.name}`,
            html_url: `https://github.com/${this.world.owner}/${this.world.repo}/deployments`,
            created_at: "2024-11-23T22:00:40Z",
            updated_at: "2026-01-12T08:31:02Z",
            protection_rules: e.reviewers
              ? [{ id: 3755, node_id: "MDQ6R2F0ZTM3NTU=", type: "required_reviewers", reviewers: [] }]
              : [],
            deployment_branch_policy: null,
          })),
        },
        JSON_HEADERS,
      );
    return this;
  }

  /** A GET GitHub refuses for a missing permission (403 "Resource not accessible by integration"). */
  refused(path: string): this {
    this.scope.get(this.path(path)).query(true).reply(
      403,
      {
        message: "Resource not accessible by integration",
        documentation_url: "https://docs.github.com/rest",
        status: "403",
      },
      JSON_HEADERS,
    );
    return this;
  }

  branch(name: string, isProtected: boolean): this {
    this.scope
      .get(this.path(`/branches/${name}`))
      .reply(200, { name, protected: isProtected, commit: { sha: this.world.headSha } }, JSON_HEADERS);
    return this;
  }

  /** GET /pulls/{n}/comments and GET /pulls/{n}/reviews (what rolecall posted before). */
  existing(
    comments: { id: number; path: string; line: number | null; body: string; type?: string }[] = [],
    reviews: { id: number; body: string; type?: string }[] = [],
  ): this {
    const w = this.world;
    const user = (type = "Bot") =>
      type === "Bot"
        ? { login: "rolecall[bot]", id: 424242, type: "Bot", site_admin: false }
        : { login: "octocat", id: 1, type: "User", site_admin: false };
    this.scope
      .get(this.path(`/pulls/${w.pullNumber}/comments`))
      .query({ per_page: "100" })
      .reply(
        200,
        comments.map((c) => ({
          id: c.id,
          pull_request_review_id: 80,
          path: c.path,
          line: c.line,
          side: "RIGHT",
          body: c.body,
          commit_id: w.headSha,
          user: user(c.type),
        })),
        JSON_HEADERS,
      )
      .get(this.path(`/pulls/${w.pullNumber}/reviews`))
      .query({ per_page: "100" })
      .reply(
        200,
        reviews.map((r) => ({
          id: r.id,
          body: r.body,
          state: "COMMENTED",
          commit_id: w.headSha,
          user: user(r.type),
        })),
        JSON_HEADERS,
      );
    return this;
  }

  /** GET /compare/{base}...{head}: what a merge group changes (entries as GET /pulls/{n}/files lists them). */
  compare(base: string, head: string, files: Record<string, unknown>[]): this {
    this.scope.get(this.path(`/compare/${base}...${head}`)).reply(
      200,
      {
        url: `${this.world.api}${this.repoPath}/compare/${base}...${head}`,
        status: "ahead",
        ahead_by: 1,
        behind_by: 0,
        total_commits: 1,
        base_commit: { sha: base },
        merge_base_commit: { sha: base },
        commits: [{ sha: head }],
        files,
      },
      JSON_HEADERS,
    );
    return this;
  }

  /** GET /check-suites/{id}/check-runs?check_name=rolecall: the runs of a suite with their external_id. */
  suiteRuns(suiteId: number, externalIds: (string | null)[]): this {
    this.scope
      .get(this.path(`/check-suites/${suiteId}/check-runs`))
      .query({ check_name: "rolecall", per_page: "100" })
      .reply(
        200,
        {
          total_count: externalIds.length,
          check_runs: externalIds.map((external_id, i) => ({
            id: 40 + i,
            name: "rolecall",
            head_sha: this.world.headSha,
            external_id,
            status: "completed",
            conclusion: "failure",
          })),
        },
        JSON_HEADERS,
      );
    return this;
  }

  /** GET /branches/{b}: the branch's head commit (a baseline reads it), with an ETag. */
  branchHead(name: string, sha: string, etag = `W/"${sha.slice(0, 12)}"`): this {
    this.scope
      .get(this.path(`/branches/${name}`))
      .reply(200, { name, protected: false, commit: { sha } }, { ...JSON_HEADERS, etag });
    return this;
  }

  /** The GraphQL review threads of the pull request (first 100), each with its comments' REST ids. */
  reviewThreads(threads: { id: string; isResolved?: boolean; commentIds: number[] }[]): this {
    this.graphql
      .post(this.world.graphqlPath, (b: GraphqlBody) => b.query.includes("RolecallReviewThreads"))
      .reply(
        200,
        {
          data: {
            repository: {
              pullRequest: {
                reviewThreads: {
                  nodes: threads.map((t) => ({
                    id: t.id,
                    isResolved: t.isResolved ?? false,
                    comments: { nodes: t.commentIds.map((databaseId) => ({ databaseId })) },
                  })),
                },
              },
            },
          },
        },
        JSON_HEADERS,
      );
    return this;
  }

  /** The GraphQL `resolveReviewThread` mutation for `threadId`. */
  readonly resolved: string[] = [];
  resolveThread(threadId: string): this {
    this.graphql
      .post(
        this.world.graphqlPath,
        (b: GraphqlBody) => b.query.includes("resolveReviewThread") && b.variables.threadId === threadId,
      )
      .reply(
        200,
        () => {
          this.resolved.push(threadId);
          return { data: { resolveReviewThread: { thread: { id: threadId, isResolved: true } } } };
        },
        JSON_HEADERS,
      );
    return this;
  }

  /** A conditional GET /branches/{b} (If-None-Match: `etag`) answered 304 Not Modified. */
  branchNotModified(name: string, etag: string): this {
    this.scope
      .get(this.path(`/branches/${name}`))
      .matchHeader("if-none-match", etag)
      .reply(304, "", { etag });
    return this;
  }

  /** GET /app/installations (as the App, with its JWT) and GET /installation/repositories (as the installation). */
  installedRepositories(
    repos: { id: number; name: string; ownerLogin: string; ownerId: number; defaultBranch: string }[],
  ): this {
    const basePath = new URL(this.world.api).pathname.replace(/\/$/, "");
    this.auth
      .get(`${basePath}/app/installations`)
      .query({ per_page: "100" })
      .matchHeader("authorization", /^bearer [\w-]+\.[\w-]+\.[\w-]+$/i)
      .reply(200, [{ id: this.world.installationId, account: { login: this.world.owner } }], JSON_HEADERS);
    this.scope
      .get(`${basePath}/installation/repositories`)
      .query({ per_page: "100" })
      .reply(
        200,
        {
          total_count: repos.length,
          repositories: repos.map((r) => ({
            id: r.id,
            name: r.name,
            full_name: `${r.ownerLogin}/${r.name}`,
            archived: false,
            default_branch: r.defaultBranch,
            owner: { login: r.ownerLogin, id: r.ownerId, type: "User" },
          })),
        },
        JSON_HEADERS,
      );
    return this;
  }

  /**
   * GET /pulls/{n}: the head the App checks before publishing (and reads on a Re-run or a rescan).
   * `pr` changes the answer: a closed or merged state, a fork's head repository, the author.
   */
  pullHead(
    sha = this.world.headSha,
    pullNumber = this.world.pullNumber,
    pr: {
      state?: string;
      merged?: boolean;
      headRepoId?: number;
      author?: string;
      association?: string;
      times?: number;
    } = {},
  ): this {
    const w = this.world;
    this.scope
      .get(this.path(`/pulls/${pullNumber}`))
      .times(pr.times ?? 1)
      .reply(
        200,
        {
          number: pullNumber,
          state: pr.state ?? "open",
          merged: pr.merged ?? false,
          merged_at: pr.merged ? "2026-11-22T10:00:30Z" : null,
          user: { login: pr.author ?? w.owner, id: w.ownerId, type: "User" },
          author_association: pr.association ?? "OWNER",
          head: { sha, ref: "changes", repo: { id: pr.headRepoId ?? w.repoId } },
          base: {
            sha: "f95f852bd8fca8fcc58a9a2d6c842781e32a215e",
            ref: w.defaultBranch,
            repo: { id: w.repoId },
          },
        },
        JSON_HEADERS,
      );
    return this;
  }

  createReview(id = 80): this {
    this.scope
      .post(
        this.path(`/pulls/${this.world.pullNumber}/reviews`),
        this.recordInto(this.reviews, "pulls/create-review"),
      )
      .reply(200, { id, state: "COMMENTED" }, JSON_HEADERS);
    return this;
  }

  /**
   * POST /pulls/{n}/reviews, `times` times, refused with GitHub's 422 when a comment sits on a line
   * of `refusedLines` (an anchor GitHub does not take), else created and recorded.
   */
  createReviewRefusing(refusedLines: number[], times: number): this {
    const valid = expectValidBody("pulls/create-review");
    this.scope
      .post(this.path(`/pulls/${this.world.pullNumber}/reviews`), (b: unknown) => valid(b))
      .times(times)
      .reply((_uri, body) => {
        const review = body as ReviewBody;
        if (review.comments.some((c) => refusedLines.includes(c.line)))
          return [
            422,
            {
              message: "Unprocessable Entity",
              errors: ["Line could not be resolved"],
              documentation_url:
                "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
            },
            JSON_HEADERS,
          ];
        this.reviews.push(review);
        return [200, { id: 80 + this.reviews.length, state: "COMMENTED" }, JSON_HEADERS];
      });
    return this;
  }

  /**
   * GET /pulls/{n}/comments and /reviews answering what this fake has been posted so far (for
   * concurrent scans of one pull request), `times` times.
   */
  existingFromPosted(times: number): this {
    const w = this.world;
    const bot = { login: "rolecall[bot]", id: 424242, type: "Bot", site_admin: false };
    this.scope
      .get(this.path(`/pulls/${w.pullNumber}/comments`))
      .query({ per_page: "100" })
      .times(times)
      .reply(
        200,
        () =>
          this.reviews.flatMap((r, i) =>
            r.comments.map((c, j) => ({
              id: 2000 + i * 100 + j,
              pull_request_review_id: 80 + i,
              path: c.path,
              line: c.line,
              side: "RIGHT",
              body: c.body,
              commit_id: w.headSha,
              user: bot,
            })),
          ),
        JSON_HEADERS,
      )
      .get(this.path(`/pulls/${w.pullNumber}/reviews`))
      .query({ per_page: "100" })
      .times(times)
      .reply(
        200,
        () =>
          this.reviews.map((r, i) => ({
            id: 80 + i,
            body: r.body,
            state: "COMMENTED",
            commit_id: w.headSha,
            user: bot,
          })),
        JSON_HEADERS,
      );
    return this;
  }

  collaboratorPermission(login: string, role: "admin" | "maintain" | "write" | "triage" | "read"): this {
    const legacy = role === "maintain" ? "write" : role === "triage" ? "read" : role;
    this.scope.get(this.path(`/collaborators/${login}/permission`)).reply(
      200,
      {
        permission: legacy,
        role_name: role,
        user: {
          login,
          id: 21031067,
          type: "User",
          permissions: {
            admin: role === "admin",
            maintain: role === "admin" || role === "maintain",
            push: ["admin", "maintain", "write"].includes(role),
            triage: role !== "read",
            pull: true,
          },
        },
      },
      JSON_HEADERS,
    );
    return this;
  }

  reaction(commentId: number): this {
    this.scope
      .post(
        this.path(`/issues/comments/${commentId}/reactions`),
        this.recordInto(this.reactions, "reactions/create-for-issue-comment"),
      )
      .reply(201, { id: 1, content: "eyes" }, JSON_HEADERS);
    return this;
  }

  issueComment(issueNumber: number): this {
    this.scope
      .post(
        this.path(`/issues/${issueNumber}/comments`),
        this.recordInto(this.issueComments, "issues/create-comment"),
      )
      .reply(201, { id: 1_000_001 }, JSON_HEADERS);
    return this;
  }

  /** The final check run body (the completing PATCH). */
  completed(): CheckRunBody {
    const done = this.checkRunUpdates.find((b) => b.status === "completed");
    if (!done) throw new Error(`no completing check run update; requests: ${JSON.stringify(this.requests)}`);
    return done;
  }
}

// ---------------------------------------------------------------------------------------------
// IAM fake

export const IAM = "https://iam.amazonaws.com";
const STS = "https://sts.us-east-1.amazonaws.com";

/** A trust policy for GitHub's OIDC provider (issuer `issuer`) admitting `subs`. */
export function trustPolicy(
  account: string,
  subs: string[],
  issuer = "token.actions.githubusercontent.com",
): string {
  return JSON.stringify(
    {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "GitHubActionsDeploy",
          Effect: "Allow",
          Principal: { Federated: `arn:aws:iam::${account}:oidc-provider/${issuer}` },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: {
            StringEquals: { [`${issuer}:aud`]: "sts.amazonaws.com" },
            StringLike: { [`${issuer}:sub`]: subs.length === 1 ? subs[0] : subs },
          },
        },
      ],
    },
    null,
    2,
  );
}

/** IAM (and STS for the account check) answering in their XML wire format. */
export class IamFake {
  readonly iam = nock(IAM);
  readonly sts = nock(STS);
  readonly calls: string[] = [];

  constructor() {
    this.iam.on("request", (_req: unknown, _i: unknown, body: string) => {
      this.calls.push(new URLSearchParams(body).get("RoleName") ?? "?");
    });
  }

  private role(arn: string) {
    const name = arn.split("/").pop()!;
    return { name, body: { Action: "GetRole", Version: "2010-05-08", RoleName: name } };
  }

  /** GetRole answering the policy, percent-encoded as IAM does. */
  getRole(arn: string, policy: string, times = 1): this {
    const { name, body } = this.role(arn);
    this.iam
      .post("/", body)
      .times(times)
      .reply(
        200,
        getRoleXml({ arn, roleName: name, encodedPolicy: rfc3986(policy), maxSessionDuration: 3600 }),
        XML_HEADERS,
      );
    return this;
  }

  accessDenied(arn: string): this {
    const { name, body } = this.role(arn);
    this.iam
      .post("/", body)
      .reply(
        403,
        errorXml(
          "AccessDenied",
          `User: arn:aws:sts::111122223333:assumed-role/rolecall/x is not authorized to perform: iam:GetRole on resource: role ${name}`,
        ),
        XML_HEADERS,
      );
    return this;
  }

  /** NoSuchEntity, then GetCallerIdentity confirming the credentials are in the role's account. */
  noSuchEntity(arn: string, account: string): this {
    const { name, body } = this.role(arn);
    this.iam
      .post("/", body)
      .reply(404, errorXml("NoSuchEntity", `The role with name ${name} cannot be found.`), XML_HEADERS);
    this.sts
      .post("/", { Action: "GetCallerIdentity", Version: "2011-06-15" })
      .reply(200, callerIdentityXml(account), XML_HEADERS);
    return this;
  }

  /** Throttling `n` times, then the role. */
  throttledThen(arn: string, policy: string, n = 1): this {
    const { body } = this.role(arn);
    this.iam.post("/", body).times(n).reply(400, errorXml("Throttling", "Rate exceeded"), XML_HEADERS);
    return this.getRole(arn, policy);
  }

  done(): boolean {
    return this.iam.isDone() && this.sts.isDone();
  }
}

/** A clock the test moves. */
export class Clock {
  constructor(public ms = Date.parse("2026-11-22T10:00:00Z")) {}
  readonly now = () => this.ms;
}

/** The App's role access: a real role reader with fake static credentials, inside `accounts`. */
export function roleAccess(accounts: string, clock: Clock): { roles: RoleAccess; reader: RoleReader } {
  const reader = createRoleReader({
    credentials: FAKE_CREDENTIALS,
    maxAttempts: 3,
    sleep: async () => {},
    random: () => 0.5,
    now: clock.now,
  });
  return {
    reader,
    roles: createRoleAccess(reader, parseAccountBoundary(accounts), { now: clock.now, ttlMs: 5 * 60_000 }),
  };
}

/**
 * Requests to GitHub or AWS that no interceptor matched (none should happen: `disableNetConnect` is
 * on). Requests to the test's own local server pass through and are not counted.
 */
export class Unmatched {
  readonly seen: string[] = [];
  private readonly listener = (req: { method?: string; href?: string; path?: string; host?: string }) => {
    const where = req.href ?? `${req.host ?? ""}${req.path ?? ""}`;
    if (/^(https?:\/\/)?(localhost|127\.0\.0\.1)(:\d+)?\//.test(where)) return;
    this.seen.push(`${req.method ?? "?"} ${where}`);
  };
  start(): void {
    this.seen.length = 0;
    nock.emitter.on("no match", this.listener);
  }
  stop(): void {
    nock.emitter.removeListener("no match", this.listener);
  }
}
