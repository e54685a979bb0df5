/**
 * GitHub reads for one repository: pull request files, workflow files and other files at a
 * commit (batched in one GraphQL request each), repository facts, the OIDC subject
 * customization, environments, branch protection, a user's role. Fetches only: every answer is
 * returned as found, for the core to decide on; an HTTP failure is a {@link GhResult} failure,
 * never an exception.
 */
import { z } from "zod";
import { type GitHubClient, paginate, type RepoRef } from "./client.js";
import { failureFromGraphql, type GraphqlError, isFailure, runGraphql } from "./graphql.js";
import { GITHUB_PERMISSION } from "./permissions.js";
import { fail, failureFromError, type GhResult, type PermissionHint } from "./result.js";

/** One file of a pull request, as GET /pulls/{n}/files lists it. */
export interface PullFile {
  path: string;
  /** `added`, `removed`, `modified`, `renamed`, `copied`, `changed` or `unchanged`. */
  status: string;
  /** The old path of a renamed or copied file. */
  previousPath: string | null;
  /** The unified diff hunk; absent for binary files and very large diffs. */
  patch: string | null;
}

/** The files of a pull request; `truncated` when GitHub's 3000-file cap was reached. */
export interface PullFiles {
  files: PullFile[];
  truncated: boolean;
}

/** A file under `.github/workflows`: its text, or null with a note saying why. */
export interface WorkflowFile {
  path: string;
  text: string | null;
  note: string | null;
}

/** Repository facts used for claims (`repository_id`, `repository_owner_id`, default branch). */
export interface RepositoryFacts {
  id: number;
  ownerId: number;
  ownerLogin: string;
  fullName: string;
  defaultBranch: string;
  /** `public`, `private` or `internal`. */
  visibility: string;
  createdAt: string;
  private: boolean;
}

/**
 * The repository's OIDC subject customization as GitHub reports it. `subClaimPrefix` and
 * `useImmutableSubject` are observed, undocumented fields (null when absent); OIDC-SEMANTICS §3.4
 * says to trust `subClaimPrefix` over `useImmutableSubject`.
 */
export interface OidcSubjectSetting {
  useDefault: boolean;
  includeClaimKeys: string[] | null;
  subClaimPrefix: string | null;
  useImmutableSubject: boolean | null;
}

/** A deployment environment and its protection. */
export interface EnvironmentFacts {
  name: string;
  /** Has a `required_reviewers` or `wait_timer` rule, or a deployment branch policy. */
  protected: boolean;
  /**
   * The protection rule types as listed (`required_reviewers`, `wait_timer`, `branch_policy`, …),
   * plus `branch_policy:protected_branches` or `branch_policy:custom_branch_policies` for the
   * environment's deployment branch policy.
   */
  rules: string[];
}

/** A user's role on the repository, reduced to GitHub's five base roles. */
export type RepositoryRole = "admin" | "maintain" | "write" | "triage" | "read" | "none";

/** The reads, bound to one repository and one client. */
export interface GitHubReader {
  /** GET /pulls/{n}/files, every page (per_page 100), up to GitHub's 3000-file cap. */
  pullFiles(pullNumber: number): Promise<GhResult<PullFiles>>;
  /** Every file directly under `.github/workflows` at `ref` (a commit SHA), in one GraphQL request. */
  workflowFiles(ref: string): Promise<GhResult<WorkflowFile[]>>;
  /**
   * {@link workflowFiles} and, in the same GraphQL request, the text of each of `also` (files at
   * other refs: the configuration on the default branch); null for a missing file.
   */
  workflowFilesWith(
    ref: string,
    also: readonly { ref: string; path: string }[],
  ): Promise<GhResult<{ workflows: WorkflowFile[]; files: Map<string, string | null> }>>;
  /** The text of each path at `ref` in one GraphQL request; null for a missing (or non-text) file. */
  files(ref: string, paths: readonly string[]): Promise<GhResult<Map<string, string | null>>>;
  /** GET /repos/{o}/{r}. */
  repository(): Promise<GhResult<RepositoryFacts>>;
  /** GET /repos/{o}/{r}/actions/oidc/customization/sub. */
  oidcSubject(): Promise<GhResult<OidcSubjectSetting>>;
  /** GET /repos/{o}/{r}/environments, every page. */
  environments(): Promise<GhResult<EnvironmentFacts[]>>;
  /** GET /repos/{o}/{r}/branches/{branch} → `protected` (branch protection or a ruleset). */
  branchProtected(branch: string): Promise<GhResult<boolean>>;
  /** GET /repos/{o}/{r}/collaborators/{username}/permission → the user's base role. */
  collaboratorPermission(username: string): Promise<GhResult<RepositoryRole>>;
  /**
   * GET /repos/{o}/{r}/compare/{base}...{head} → the files changed between two commits (a merge
   * group's base and head); `truncated` when GitHub's 300-file cap of that list was reached.
   */
  compareFiles(base: string, head: string): Promise<GhResult<PullFiles>>;
  /**
   * GET /repos/{o}/{r}/branches/{branch} → its head commit. With `etag` (from an earlier answer) the
   * request is conditional: `unchanged` when GitHub answers 304, which costs no rate limit.
   */
  branchHead(
    branch: string,
    etag?: string | null,
  ): Promise<GhResult<{ sha: string; etag: string | null } | { unchanged: true }>>;
  /**
   * GET /repos/{owner}/{repo}/contents/{path} (raw), on that repository's default branch: another
   * repository's file (the owner's `.github` configuration, an `_extends` target); null when GitHub
   * answers 404 (no such repository, file, or no access to it).
   */
  contentOf(owner: string, repo: string, path: string): Promise<GhResult<string | null>>;
  /** GET /check-suites/{id}/check-runs?check_name=… → the runs' `external_id`s (a suite Re-run carries no PR for forks). */
  suiteExternalIds(suiteId: number, checkName: string): Promise<GhResult<string[]>>;
}

/** GitHub's cap on the files of a compare ("the response includes a maximum of 300 files"). */
export const COMPARE_FILES_CAP = 300;

/** GitHub's cap on GET /pulls/{n}/files ("Responses include a maximum of 3000 files"). */
export const PULL_FILES_CAP = 3000;

const WORKFLOWS_DIR = ".github/workflows";
const SYMLINK_MODE = 0o120000;
const SUBMODULE_MODE = 0o160000;

const pullFileSchema = z.object({
  filename: z.string(),
  status: z.string(),
  previous_filename: z.string().nullish(),
  patch: z.string().nullish(),
});

const repositorySchema = z.object({
  id: z.number(),
  full_name: z.string(),
  private: z.boolean(),
  visibility: z.string().nullish(),
  default_branch: z.string(),
  created_at: z.string(),
  owner: z.object({ id: z.number(), login: z.string() }),
});

const oidcSubjectSchema = z.object({
  use_default: z.boolean(),
  include_claim_keys: z.array(z.string()).nullish(),
  sub_claim_prefix: z.string().nullish(),
  use_immutable_subject: z.boolean().nullish(),
});

const environmentsPageSchema = z.object({
  environments: z
    .array(
      z.object({
        name: z.string(),
        protection_rules: z.array(z.object({ type: z.string() })).nullish(),
        deployment_branch_policy: z
          .object({ protected_branches: z.boolean(), custom_branch_policies: z.boolean() })
          .nullish(),
      }),
    )
    .nullish(),
});

const branchSchema = z.object({ protected: z.boolean() });
const branchHeadSchema = z.object({ commit: z.object({ sha: z.string() }) });
const compareSchema = z.object({ files: z.array(pullFileSchema).nullish() });
const suiteRunsSchema = z.object({
  check_runs: z.array(z.object({ external_id: z.string().nullish() })),
});

const collaboratorPermissionSchema = z.object({
  permission: z.string(),
  role_name: z.string().nullish(),
  user: z
    .object({
      permissions: z
        .object({
          admin: z.boolean().nullish(),
          maintain: z.boolean().nullish(),
          push: z.boolean().nullish(),
          triage: z.boolean().nullish(),
          pull: z.boolean().nullish(),
        })
        .nullish(),
    })
    .nullish(),
});

const blobSchema = z.object({
  byteSize: z.number().nullish(),
  isBinary: z.boolean().nullish(),
  isTruncated: z.boolean().nullish(),
  text: z.string().nullish(),
});

const treeSchema = z.object({
  __typename: z.string().nullish(),
  entries: z
    .array(
      z.object({
        name: z.string(),
        path: z.string().nullish(),
        type: z.string(),
        mode: z.number().nullish(),
        object: blobSchema.nullish(),
      }),
    )
    .nullish(),
});

/** The blob fields every file query asks for. */
const BLOB_FIELDS = "... on Blob { byteSize isBinary isTruncated text }";

/**
 * The query behind {@link GitHubReader.workflowFiles}, with `count` more files (aliases `f0`…, from
 * variables `e0`…) in the same request: every GraphQL request takes a slot of Octokit's 1-second
 * write lane, so the configuration rides along with the workflows.
 */
export function workflowFilesQuery(count: number): string {
  const vars = Array.from({ length: count }, (_, i) => `, $e${i}: String!`).join("");
  const fields = Array.from(
    { length: count },
    (_, i) => `\n    f${i}: object(expression: $e${i}) { ${BLOB_FIELDS} }`,
  ).join("");
  return `query RolecallWorkflowFiles($owner: String!, $name: String!, $expression: String!${vars}) {
  repository(owner: $owner, name: $name) {
    object(expression: $expression) {
      __typename
      ... on Tree {
        entries {
          name
          path
          type
          mode
          object { ${BLOB_FIELDS} }
        }
      }
    }${fields}
  }
}`;
}

/** The query behind {@link GitHubReader.workflowFiles} without extra files. */
export const WORKFLOW_FILES_QUERY = workflowFilesQuery(0);

/** The query behind {@link GitHubReader.files} for `count` paths (aliases `f0`…). */
export function filesQuery(count: number): string {
  const vars = Array.from({ length: count }, (_, i) => `, $e${i}: String!`).join("");
  const fields = Array.from(
    { length: count },
    (_, i) => `    f${i}: object(expression: $e${i}) { ${BLOB_FIELDS} }`,
  ).join("\n");
  return `query RolecallFiles($owner: String!, $name: String!${vars}) {
  repository(owner: $owner, name: $name) {
${fields}
  }
}`;
}

function blobText(blob: z.infer<typeof blobSchema> | null | undefined): {
  text: string | null;
  note: string | null;
} {
  if (blob === null || blob === undefined) return { text: null, note: "not a file" };
  if (blob.isBinary === true) return { text: null, note: "binary file" };
  if (blob.isTruncated === true) {
    const size = typeof blob.byteSize === "number" ? ` (${blob.byteSize} bytes)` : "";
    return { text: null, note: `file too large to read through the GitHub API${size}` };
  }
  if (typeof blob.text !== "string") return { text: null, note: "GitHub returned no text for this file" };
  return { text: blob.text, note: null };
}

/** Normalise a repository path for a Git expression: no leading `./` or `/`. */
function gitPath(path: string): string {
  return path.replace(/^(?:\.\/|\/)+/, "");
}

/** The role from `role_name`, else the `permissions` hash, else the legacy `permission`. */
function baseRole(body: z.infer<typeof collaboratorPermissionSchema>): RepositoryRole {
  const roles: readonly RepositoryRole[] = ["admin", "maintain", "write", "triage", "read", "none"];
  const named = roles.find((r) => r === body.role_name);
  if (named !== undefined) return named;
  // A custom repository role: its base role shows in the permissions hash.
  const p = body.user?.permissions;
  if (p?.admin === true) return "admin";
  if (p?.maintain === true) return "maintain";
  if (p?.push === true) return "write";
  if (p?.triage === true) return "triage";
  if (p?.pull === true) return "read";
  return roles.find((r) => r === body.permission) ?? "none";
}

function parseOrThrow<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue === undefined ? "" : ` at ${issue.path.join(".") || "(root)"}: ${issue.message}`;
    throw new Error(`unexpected response for ${what}${where}`);
  }
  return parsed.data;
}

/**
 * Create the reader for one repository. `client` is Probot's `context.octokit` or an Octokit
 * from `@octokit/rest`; nothing is cached and nothing is retried here.
 */
export function createGitHubReader(client: GitHubClient, repo: RepoRef): GitHubReader {
  const { owner, repo: name } = repo;
  const base = { owner, repo: name };

  async function rest<T>(
    what: string,
    hint: PermissionHint | null,
    call: () => Promise<T>,
  ): Promise<GhResult<T>> {
    try {
      return { ok: true, data: await call() };
    } catch (error) {
      return failureFromError(error, what, hint);
    }
  }

  async function get<S>(
    what: string,
    hint: PermissionHint | null,
    route: string,
    params: object,
    schema: z.ZodType<S>,
  ) {
    return rest(what, hint, async () => {
      const response = await client.request(route, { ...base, ...params });
      return parseOrThrow(schema, response.data, what);
    });
  }

  const contents: PermissionHint = { permission: GITHUB_PERMISSION.contentsRead };

  /** Turn per-alias errors into "missing" (NOT_FOUND) or a whole failure (anything else). */
  function aliasErrors(
    errors: GraphqlError[],
    what: string,
  ): { missing: Set<string> } | ReturnType<typeof fail> {
    const missing = new Set<string>();
    for (const error of errors) {
      const alias = error.path.length >= 2 && error.path[0] === "repository" ? error.path[1] : undefined;
      if (error.type === "NOT_FOUND" && typeof alias === "string") {
        missing.add(alias);
        continue;
      }
      return failureFromGraphql(error, what, contents);
    }
    return { missing };
  }

  const reader: GitHubReader = {
    async pullFiles(pullNumber) {
      const what = `files of pull request #${pullNumber}`;
      return rest(what, { permission: GITHUB_PERMISSION.pullRequestsRead }, async () => {
        const page = await paginate(
          client,
          "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
          { ...base, pull_number: pullNumber, per_page: 100 },
          { items: (data) => parseOrThrow(z.array(pullFileSchema), data, what), limit: PULL_FILES_CAP },
        );
        return {
          files: page.items.map((f) => ({
            path: f.filename,
            status: f.status,
            previousPath: f.previous_filename ?? null,
            patch: f.patch ?? null,
          })),
          truncated: page.limited,
        };
      });
    },

    async workflowFiles(ref) {
      const r = await reader.workflowFilesWith(ref, []);
      return r.ok ? { ok: true, data: r.data.workflows } : r;
    },

    async workflowFilesWith(ref, also) {
      const what = `${WORKFLOWS_DIR} at ${ref}`;
      const variables: Record<string, unknown> = { owner, name, expression: `${ref}:${WORKFLOWS_DIR}` };
      also.forEach((f, i) => {
        variables[`e${i}`] = `${f.ref}:${gitPath(f.path)}`;
      });
      const answer = await runGraphql(client, workflowFilesQuery(also.length), variables, what, contents);
      if (isFailure(answer)) return answer;
      const handled = aliasErrors(answer.errors, what);
      if ("ok" in handled) return handled;
      const repository = (answer.data as { repository?: Record<string, unknown> | null } | null)?.repository;
      if (repository === null || repository === undefined) {
        return fail(404, `${what}: repository ${owner}/${name} not found`);
      }
      const extra = new Map<string, string | null>();
      also.forEach((f, i) => {
        const alias = `f${i}`;
        const blob = handled.missing.has(alias) ? null : blobSchema.safeParse(repository[alias]);
        extra.set(`${f.ref}:${f.path}`, blob?.success === true ? blobText(blob.data).text : null);
      });
      const object = repository.object;
      // No `.github/workflows` at that commit: no workflow files (the core decides what that means).
      if (object === null || object === undefined || handled.missing.has("object"))
        return { ok: true, data: { workflows: [], files: extra } };
      const tree = treeSchema.safeParse(object);
      if (!tree.success) return fail(0, `${what}: unexpected GraphQL response`);
      if (
        tree.data.__typename !== undefined &&
        tree.data.__typename !== null &&
        tree.data.__typename !== "Tree"
      ) {
        return { ok: true, data: { workflows: [], files: extra } };
      }
      const files: WorkflowFile[] = [];
      for (const entry of tree.data.entries ?? []) {
        // GitHub runs workflows only from files directly in the directory: skip subdirectories.
        if (entry.type !== "blob" || entry.mode === SUBMODULE_MODE) continue;
        const path = entry.path ?? `${WORKFLOWS_DIR}/${entry.name}`;
        if (entry.mode === SYMLINK_MODE) {
          files.push({ path, text: null, note: "symbolic link (not followed)" });
          continue;
        }
        files.push({ path, ...blobText(entry.object) });
      }
      files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
      return { ok: true, data: { workflows: files, files: extra } };
    },

    async files(ref, paths) {
      const unique = [...new Set(paths)];
      const result = new Map<string, string | null>();
      if (unique.length === 0) return { ok: true, data: result };
      const what = `${unique.length} file(s) at ${ref}`;
      const variables: Record<string, unknown> = { owner, name };
      unique.forEach((path, i) => {
        variables[`e${i}`] = `${ref}:${gitPath(path)}`;
      });
      const answer = await runGraphql(client, filesQuery(unique.length), variables, what, contents);
      if (isFailure(answer)) return answer;
      const handled = aliasErrors(answer.errors, what);
      if ("ok" in handled) return handled;
      const repository = (answer.data as { repository?: Record<string, unknown> | null } | null)?.repository;
      if (repository === null || repository === undefined) {
        return fail(404, `${what}: repository ${owner}/${name} not found`);
      }
      unique.forEach((path, i) => {
        const alias = `f${i}`;
        const blob = handled.missing.has(alias) ? null : blobSchema.safeParse(repository[alias]);
        result.set(path, blob?.success === true ? blobText(blob.data).text : null);
      });
      return { ok: true, data: result };
    },

    async repository() {
      const r = await get(
        `repository ${owner}/${name}`,
        { permission: GITHUB_PERMISSION.metadataRead },
        "GET /repos/{owner}/{repo}",
        {},
        repositorySchema,
      );
      if (!r.ok) return r;
      const d = r.data;
      return {
        ok: true,
        data: {
          id: d.id,
          ownerId: d.owner.id,
          ownerLogin: d.owner.login,
          fullName: d.full_name,
          defaultBranch: d.default_branch,
          visibility: d.visibility ?? (d.private ? "private" : "public"),
          createdAt: d.created_at,
          private: d.private,
        },
      };
    },

    async oidcSubject() {
      const r = await get(
        "OIDC subject customization",
        { permission: GITHUB_PERMISSION.actionsRead, on404: true },
        "GET /repos/{owner}/{repo}/actions/oidc/customization/sub",
        {},
        oidcSubjectSchema,
      );
      if (!r.ok) return r;
      return {
        ok: true,
        data: {
          useDefault: r.data.use_default,
          includeClaimKeys: r.data.include_claim_keys ?? null,
          subClaimPrefix: r.data.sub_claim_prefix ?? null,
          useImmutableSubject: r.data.use_immutable_subject ?? null,
        },
      };
    },

    async environments() {
      // Least permission: "List environments" needs only Actions: read (docs.github.com/rest/
      // deployments/environments, fine-grained token box) and already carries each environment's
      // protection_rules and deployment_branch_policy, so Administration: read is never requested.
      const what = "environments";
      return rest(what, { permission: GITHUB_PERMISSION.actionsRead, on404: true }, async () => {
        const page = await paginate(
          client,
          "GET /repos/{owner}/{repo}/environments",
          { ...base, per_page: 100 },
          { items: (data) => parseOrThrow(environmentsPageSchema, data, what).environments ?? [] },
        );
        return page.items.map((env) => {
          const rules = [...new Set((env.protection_rules ?? []).map((rule) => rule.type))];
          const policy = env.deployment_branch_policy;
          if (policy !== null && policy !== undefined) {
            if (policy.protected_branches) rules.push("branch_policy:protected_branches");
            if (policy.custom_branch_policies) rules.push("branch_policy:custom_branch_policies");
          }
          const gated = rules.includes("required_reviewers") || rules.includes("wait_timer");
          return { name: env.name, protected: gated || (policy !== null && policy !== undefined), rules };
        });
      });
    },

    async branchProtected(branch) {
      const r = await get(
        `branch ${branch}`,
        { permission: GITHUB_PERMISSION.contentsRead },
        "GET /repos/{owner}/{repo}/branches/{branch}",
        { branch },
        branchSchema,
      );
      return r.ok ? { ok: true, data: r.data.protected } : r;
    },

    async compareFiles(baseSha, headSha) {
      const what = `changes ${baseSha.slice(0, 7)}...${headSha.slice(0, 7)}`;
      return rest(what, contents, async () => {
        const response = await client.request("GET /repos/{owner}/{repo}/compare/{basehead}", {
          ...base,
          basehead: `${baseSha}...${headSha}`,
        });
        const files = parseOrThrow(compareSchema, response.data, what).files ?? [];
        return {
          files: files.map((f) => ({
            path: f.filename,
            status: f.status,
            previousPath: f.previous_filename ?? null,
            patch: f.patch ?? null,
          })),
          truncated: files.length >= COMPARE_FILES_CAP,
        };
      });
    },

    async branchHead(branch, etag) {
      const what = `branch ${branch}`;
      return rest(what, contents, async () => {
        try {
          const response = await client.request("GET /repos/{owner}/{repo}/branches/{branch}", {
            ...base,
            branch,
            ...(etag ? { headers: { "if-none-match": etag } } : {}),
          });
          const tag = response.headers.etag;
          return {
            sha: parseOrThrow(branchHeadSchema, response.data, what).commit.sha,
            etag: typeof tag === "string" ? tag : null,
          };
        } catch (error) {
          if ((error as { status?: unknown }).status === 304) return { unchanged: true as const };
          throw error;
        }
      });
    },

    async contentOf(fileOwner, fileRepo, path) {
      const what = `${fileOwner}/${fileRepo}/${path}`;
      return rest(what, contents, async () => {
        try {
          const response = await client.request("GET /repos/{owner}/{repo}/contents/{path}", {
            owner: fileOwner,
            repo: fileRepo,
            path,
            headers: { accept: "application/vnd.github.raw+json" },
          });
          return typeof response.data === "string" ? response.data : null;
        } catch (error) {
          if ((error as { status?: unknown }).status === 404) return null;
          throw error;
        }
      });
    },

    async suiteExternalIds(suiteId, checkName) {
      const what = `check runs of suite ${suiteId}`;
      return rest(what, { permission: GITHUB_PERMISSION.checksWrite }, async () => {
        const response = await client.request(
          "GET /repos/{owner}/{repo}/check-suites/{check_suite_id}/check-runs",
          {
            ...base,
            check_suite_id: suiteId,
            check_name: checkName,
            per_page: 100,
          },
        );
        return parseOrThrow(suiteRunsSchema, response.data, what).check_runs.flatMap((r) =>
          r.external_id ? [r.external_id] : [],
        );
      });
    },

    async collaboratorPermission(username) {
      const r = await get(
        `permission of ${username}`,
        { permission: GITHUB_PERMISSION.metadataRead },
        "GET /repos/{owner}/{repo}/collaborators/{username}/permission",
        { username },
        collaboratorPermissionSchema,
      );
      return r.ok ? { ok: true, data: baseRole(r.data) } : r;
    },
  };
  return reader;
}
