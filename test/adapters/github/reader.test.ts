import { Octokit } from "@octokit/rest";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createGitHubReader, type GitHubReader } from "../../../src/adapters/github/index.js";
import {
  API,
  blob,
  fixture,
  HEAD_SHA,
  JSON_HEADERS,
  linkHeader,
  makeOctokit,
  OWNER,
  pullFile,
  REPO,
  REPO_ID,
  TOKEN,
  treeEntry,
  workflowText,
} from "./github-wire.js";

const REPO_PATH = `/repos/${OWNER}/${REPO}`;

function reader(): GitHubReader {
  return createGitHubReader(makeOctokit(), { owner: OWNER, repo: REPO });
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe("createGitHubReader", () => {
  it("accepts an Octokit from @octokit/rest as well as ProbotOctokit (types only)", () => {
    const r = createGitHubReader(new Octokit({ auth: "x" }), { owner: OWNER, repo: REPO });
    expect(typeof r.pullFiles).toBe("function");
  });
});

describe("pullFiles", () => {
  const path = "/pulls/42/files";

  it("follows Link rel=next with per_page=100 and maps each file", async () => {
    const page1 = [
      pullFile(".github/workflows/deploy.yml"),
      pullFile(".github/workflows/release.yaml", {
        status: "renamed",
        previous_filename: ".github/workflows/old-release.yml",
      }),
      ...Array.from({ length: 98 }, (_, i) => pullFile(`src/file-${i}.ts`)),
    ];
    const page2 = Array.from({ length: 100 }, (_, i) => pullFile(`src/more-${i}.ts`));
    const page3 = [
      pullFile("docs/diagram.png", { status: "added", patch: null }),
      ...Array.from({ length: 36 }, (_, i) => pullFile(`lib/x-${i}.ts`)),
    ];
    const scope = nock(API)
      .matchHeader("authorization", `token ${TOKEN}`)
      .get(`${REPO_PATH}${path}`)
      .query({ per_page: "100" })
      .reply(200, page1, { ...JSON_HEADERS, ...linkHeader(path, 1, 3) })
      .get(`/repositories/${REPO_ID}${path}`)
      .query({ per_page: "100", page: "2" })
      .reply(200, page2, { ...JSON_HEADERS, ...linkHeader(path, 2, 3) })
      .get(`/repositories/${REPO_ID}${path}`)
      .query({ per_page: "100", page: "3" })
      .reply(200, page3, { ...JSON_HEADERS, ...linkHeader(path, 3, 3) });

    const r = await reader().pullFiles(42);
    expect(scope.isDone()).toBe(true);
    if (!r.ok) throw new Error(r.reason);
    expect(r.data.truncated).toBe(false);
    expect(r.data.files).toHaveLength(237);
    expect(r.data.files[0]).toEqual({
      path: ".github/workflows/deploy.yml",
      status: "modified",
      previousPath: null,
      patch: "@@ -1,3 +1,5 @@\n name: deploy\n+permissions:\n+  id-token: write",
    });
    expect(r.data.files[1]).toMatchObject({
      path: ".github/workflows/release.yaml",
      status: "renamed",
      previousPath: ".github/workflows/old-release.yml",
    });
    expect(r.data.files[200]).toEqual({
      path: "docs/diagram.png",
      status: "added",
      previousPath: null,
      patch: null,
    });
  });

  it("stops at GitHub's 3000-file cap and says so", async () => {
    const scope = nock(API)
      .get(`${REPO_PATH}${path}`)
      .query({ per_page: "100" })
      .reply(
        200,
        Array.from({ length: 100 }, (_, i) => pullFile(`f/1-${i}.ts`)),
        { ...JSON_HEADERS, ...linkHeader(path, 1, 31) },
      );
    for (let page = 2; page <= 30; page += 1) {
      scope
        .get(`/repositories/${REPO_ID}${path}`)
        .query({ per_page: "100", page: String(page) })
        // Page 30 still links a page 31 here: the reader must not ask for it (it is not mocked).
        .reply(
          200,
          Array.from({ length: 100 }, (_, i) => pullFile(`f/${page}-${i}.ts`)),
          { ...JSON_HEADERS, ...linkHeader(path, page, 31) },
        );
    }
    const r = await reader().pullFiles(42);
    expect(scope.isDone()).toBe(true);
    if (!r.ok) throw new Error(r.reason);
    expect(r.data.files).toHaveLength(3000);
    expect(r.data.truncated).toBe(true);
    expect(r.data.files.at(-1)?.path).toBe("f/30-99.ts");
  });

  it("maps 403 'Resource not accessible by integration' to Pull requests: read", async () => {
    const scope = nock(API)
      .get(`${REPO_PATH}${path}`)
      .query(true)
      .reply(
        403,
        {
          message: "Resource not accessible by integration",
          documentation_url: "https://docs.github.com/rest/pulls/pulls#list-pull-requests-files",
          status: "403",
        },
        { ...JSON_HEADERS, "x-ratelimit-remaining": "4990" },
      );
    const r = await reader().pullFiles(42);
    expect(scope.isDone()).toBe(true);
    expect(r).toEqual({
      ok: false,
      status: 403,
      reason:
        "files of pull request #42: refused (Resource not accessible by integration); the App needs Pull requests: read",
      permission: "Pull requests: read",
    });
  });

  it("does not blame a permission for a primary rate limit", async () => {
    const scope = nock(API)
      .get(`${REPO_PATH}${path}`)
      .query(true)
      .reply(
        403,
        {
          message: "API rate limit exceeded for installation ID 12345678.",
          documentation_url: "https://docs.github.com/rest/overview/resources-in-the-rest-api#rate-limiting",
        },
        { ...JSON_HEADERS, "x-ratelimit-remaining": "0", "x-ratelimit-reset": "1762092000" },
      );
    const r = await reader().pullFiles(42);
    expect(scope.isDone()).toBe(true);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.status).toBe(403);
    expect(r.permission).toBeNull();
    expect(r.reason).toMatch(/rate limited/);
  });

  it("reports a request that got no response as status 0, without the token", async () => {
    // No interceptor: nock refuses the connection (disableNetConnect).
    const r = await reader().pullFiles(42);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.status).toBe(0);
    expect(r.permission).toBeNull();
    expect(r.reason).not.toContain(TOKEN);
  });
});

interface GraphqlBody {
  query: string;
  variables: Record<string, unknown>;
}

/** Intercept exactly one POST /graphql, capturing its body. */
function graphql(reply: unknown): { scope: nock.Scope; bodies: GraphqlBody[] } {
  const bodies: GraphqlBody[] = [];
  const scope = nock(API)
    .matchHeader("authorization", `token ${TOKEN}`)
    .post("/graphql", (body: GraphqlBody) => {
      bodies.push(body);
      return true;
    })
    .reply(200, reply as nock.Body, JSON_HEADERS);
  return { scope, bodies };
}

describe("workflowFiles", () => {
  it("reads 20 workflow files in exactly one GraphQL request", async () => {
    const names = Array.from({ length: 20 }, (_, i) => `deploy-${String(i).padStart(2, "0")}.yml`);
    const { scope, bodies } = graphql({
      data: {
        repository: {
          object: {
            __typename: "Tree",
            entries: names.map((n, i) => treeEntry(n, blob(workflowText(i)))),
          },
        },
      },
    });
    const r = await reader().workflowFiles(HEAD_SHA);
    expect(scope.isDone()).toBe(true);
    expect(bodies).toHaveLength(1);
    const body = bodies[0]!;
    expect(body.variables).toEqual({ owner: OWNER, name: REPO, expression: `${HEAD_SHA}:.github/workflows` });
    const shape = body.query.replace(/\s+/g, " ");
    expect(shape).toContain("repository(owner: $owner, name: $name) { object(expression: $expression) {");
    expect(shape).toContain(
      "... on Tree { entries { name path type mode object { ... on Blob { byteSize isBinary isTruncated text } } } }",
    );
    if (!r.ok) throw new Error(r.reason);
    expect(r.data).toHaveLength(20);
    expect(r.data[0]).toEqual({ path: ".github/workflows/deploy-00.yml", text: workflowText(0), note: null });
    expect(r.data[19]?.text).toContain("role/deploy-19");
  });

  it("returns binary, truncated and symlinked files with a note and no text; skips subdirectories", async () => {
    const { scope } = graphql({
      data: {
        repository: {
          object: {
            __typename: "Tree",
            entries: [
              treeEntry("zz-badge.png", blob(null, { isBinary: true, byteSize: 4312 })),
              treeEntry("huge.yml", blob("name: huge\n", { isTruncated: true, byteSize: 2_400_000 })),
              treeEntry("linked.yml", blob("../outside/deploy.yml"), "blob", 40960),
              treeEntry("templates", {}, "tree", 16384),
              treeEntry("ci.yaml", blob("name: ci\n")),
            ],
          },
        },
      },
    });
    const r = await reader().workflowFiles(HEAD_SHA);
    expect(scope.isDone()).toBe(true);
    if (!r.ok) throw new Error(r.reason);
    expect(r.data).toEqual([
      { path: ".github/workflows/ci.yaml", text: "name: ci\n", note: null },
      {
        path: ".github/workflows/huge.yml",
        text: null,
        note: "file too large to read through the GitHub API (2400000 bytes)",
      },
      { path: ".github/workflows/linked.yml", text: null, note: "symbolic link (not followed)" },
      { path: ".github/workflows/zz-badge.png", text: null, note: "binary file" },
    ]);
  });

  it("returns no files when the commit has no .github/workflows", async () => {
    const { scope } = graphql({ data: { repository: { object: null } } });
    const r = await reader().workflowFiles(HEAD_SHA);
    expect(scope.isDone()).toBe(true);
    expect(r).toEqual({ ok: true, data: [] });
  });

  it("maps a FORBIDDEN GraphQL error to Contents: read", async () => {
    const { scope } = graphql({
      data: { repository: { object: null } },
      errors: [
        {
          type: "FORBIDDEN",
          path: ["repository", "object"],
          locations: [{ line: 3, column: 5 }],
          message: "Resource not accessible by integration",
        },
      ],
    });
    const r = await reader().workflowFiles(HEAD_SHA);
    expect(scope.isDone()).toBe(true);
    expect(r).toMatchObject({ ok: false, status: 403, permission: "Contents: read" });
  });
});

describe("files", () => {
  it("batches every path in one GraphQL request and handles NOT_FOUND per alias", async () => {
    const actionYml = "name: setup\nruns:\n  using: composite\n  steps: []\n";
    const config = "fail-on: high\n";
    const { scope, bodies } = graphql({
      data: {
        repository: {
          f0: blob(actionYml),
          f1: null,
          f2: blob(config),
          f3: null,
          f4: blob(null, { isBinary: true }),
        },
      },
      errors: [
        {
          type: "NOT_FOUND",
          path: ["repository", "f1"],
          locations: [{ line: 4, column: 5 }],
          message: "Could not resolve to a Blob for the expression.",
        },
      ],
    });
    const paths = [
      ".github/actions/setup/action.yml",
      ".github/actions/setup/action.yaml",
      ".github/rolecall.yml",
      "./.github/actions/gone/action.yml",
      "docs/logo.png",
      ".github/rolecall.yml",
    ];
    const r = await reader().files(HEAD_SHA, paths);
    expect(scope.isDone()).toBe(true);
    expect(bodies).toHaveLength(1);
    const body = bodies[0]!;
    expect(body.variables).toEqual({
      owner: OWNER,
      name: REPO,
      e0: `${HEAD_SHA}:.github/actions/setup/action.yml`,
      e1: `${HEAD_SHA}:.github/actions/setup/action.yaml`,
      e2: `${HEAD_SHA}:.github/rolecall.yml`,
      e3: `${HEAD_SHA}:.github/actions/gone/action.yml`,
      e4: `${HEAD_SHA}:docs/logo.png`,
    });
    const shape = body.query.replace(/\s+/g, " ");
    expect(shape).toContain("query RolecallFiles($owner: String!, $name: String!, $e0: String!,");
    expect(shape).toContain(
      "f4: object(expression: $e4) { ... on Blob { byteSize isBinary isTruncated text } }",
    );
    if (!r.ok) throw new Error(r.reason);
    expect([...r.data.entries()]).toEqual([
      [".github/actions/setup/action.yml", actionYml],
      [".github/actions/setup/action.yaml", null],
      [".github/rolecall.yml", config],
      ["./.github/actions/gone/action.yml", null],
      ["docs/logo.png", null],
    ]);
  });

  it("sends nothing for no paths", async () => {
    const r = await reader().files(HEAD_SHA, []);
    expect(r).toEqual({ ok: true, data: new Map() });
  });

  it("reports a repository GraphQL cannot resolve as 404 without a permission", async () => {
    const { scope } = graphql({
      data: { repository: null },
      errors: [
        {
          type: "NOT_FOUND",
          path: ["repository"],
          locations: [{ line: 2, column: 3 }],
          message: "Could not resolve to a Repository with the name 'octo-org/octo-repo'.",
        },
      ],
    });
    const r = await reader().files(HEAD_SHA, [".github/rolecall.yml"]);
    expect(scope.isDone()).toBe(true);
    expect(r).toMatchObject({ ok: false, status: 404, permission: null });
  });

  it("maps an HTTP 401 on /graphql to a failure", async () => {
    const scope = nock(API)
      .post("/graphql")
      .reply(
        401,
        { message: "Bad credentials", documentation_url: "https://docs.github.com/graphql" },
        JSON_HEADERS,
      );
    const r = await reader().files(HEAD_SHA, [".github/rolecall.yml"]);
    expect(scope.isDone()).toBe(true);
    expect(r).toMatchObject({ ok: false, status: 401, permission: null });
  });
});

describe("repository", () => {
  it("reads ids, owner, default branch and visibility", async () => {
    const scope = nock(API)
      .get(REPO_PATH)
      .reply(200, fixture("repository.json") as nock.Body, JSON_HEADERS);
    const r = await reader().repository();
    expect(scope.isDone()).toBe(true);
    expect(r).toEqual({
      ok: true,
      data: {
        id: 2002,
        ownerId: 1001,
        ownerLogin: "octo-org",
        fullName: "octo-org/octo-repo",
        defaultBranch: "main",
        visibility: "internal",
        createdAt: "2021-03-04T18:22:01Z",
        private: true,
      },
    });
  });

  it("reports 404 (not installed or gone) without blaming a permission", async () => {
    const scope = nock(API).get(REPO_PATH).reply(
      404,
      {
        message: "Not Found",
        documentation_url: "https://docs.github.com/rest/repos/repos#get-a-repository",
        status: "404",
      },
      JSON_HEADERS,
    );
    const r = await reader().repository();
    expect(scope.isDone()).toBe(true);
    expect(r).toEqual({
      ok: false,
      status: 404,
      reason: "repository octo-org/octo-repo: 404 Not Found",
      permission: null,
    });
  });
});

describe("oidcSubject", () => {
  const path = `${REPO_PATH}/actions/oidc/customization/sub`;

  it("keeps the observed sub_claim_prefix and use_immutable_subject", async () => {
    const scope = nock(API)
      .get(path)
      .reply(
        200,
        {
          use_default: false,
          include_claim_keys: ["repo", "context", "job_workflow_ref"],
          sub_claim_prefix: "repo:octo-org@1001/octo-repo@2002",
          use_immutable_subject: false,
        },
        JSON_HEADERS,
      );
    const r = await reader().oidcSubject();
    expect(scope.isDone()).toBe(true);
    expect(r).toEqual({
      ok: true,
      data: {
        useDefault: false,
        includeClaimKeys: ["repo", "context", "job_workflow_ref"],
        subClaimPrefix: "repo:octo-org@1001/octo-repo@2002",
        useImmutableSubject: false,
      },
    });
  });

  it("reads the documented shape alone", async () => {
    const scope = nock(API).get(path).reply(200, { use_default: true }, JSON_HEADERS);
    const r = await reader().oidcSubject();
    expect(scope.isDone()).toBe(true);
    expect(r).toEqual({
      ok: true,
      data: { useDefault: true, includeClaimKeys: null, subClaimPrefix: null, useImmutableSubject: null },
    });
  });

  it("maps 403 to Actions: read", async () => {
    const scope = nock(API).get(path).reply(
      403,
      {
        message: "Resource not accessible by integration",
        documentation_url:
          "https://docs.github.com/rest/actions/oidc#get-the-customization-template-for-an-oidc-subject-claim-for-a-repository",
        status: "403",
      },
      JSON_HEADERS,
    );
    const r = await reader().oidcSubject();
    expect(scope.isDone()).toBe(true);
    expect(r).toMatchObject({ ok: false, status: 403, permission: "Actions: read" });
  });

  it("maps 404 to Actions: read as well", async () => {
    const scope = nock(API).get(path).reply(404, { message: "Not Found", status: "404" }, JSON_HEADERS);
    const r = await reader().oidcSubject();
    expect(scope.isDone()).toBe(true);
    expect(r).toMatchObject({ ok: false, status: 404, permission: "Actions: read" });
  });

  it("fails on a body that is not the documented shape", async () => {
    const scope = nock(API).get(path).reply(200, { include_claim_keys: "repo" }, JSON_HEADERS);
    const r = await reader().oidcSubject();
    expect(scope.isDone()).toBe(true);
    expect(r).toMatchObject({ ok: false, status: 0 });
    if (!r.ok) expect(r.reason).toMatch(/unexpected response/);
  });
});

describe("environments", () => {
  const path = "/environments";

  it("pages through environments and derives protection from rules and branch policy", async () => {
    const scope = nock(API)
      .get(`${REPO_PATH}${path}`)
      .query({ per_page: "100" })
      .reply(200, fixture("environments.json") as nock.Body, { ...JSON_HEADERS, ...linkHeader(path, 1, 2) })
      .get(`/repositories/${REPO_ID}${path}`)
      .query({ per_page: "100", page: "2" })
      .reply(200, fixture("environments-page-2.json") as nock.Body, {
        ...JSON_HEADERS,
        ...linkHeader(path, 2, 2),
      });
    const r = await reader().environments();
    expect(scope.isDone()).toBe(true);
    expect(r).toEqual({
      ok: true,
      data: [
        {
          name: "production",
          protected: true,
          rules: [
            "wait_timer",
            "required_reviewers",
            "branch_policy",
            "branch_policy:custom_branch_policies",
          ],
        },
        { name: "staging", protected: true, rules: ["branch_policy", "branch_policy:protected_branches"] },
        { name: "preview", protected: false, rules: [] },
      ],
    });
  });

  it("maps 403 to Actions: read", async () => {
    const scope = nock(API)
      .get(`${REPO_PATH}${path}`)
      .query(true)
      .reply(403, { message: "Resource not accessible by integration", status: "403" }, JSON_HEADERS);
    const r = await reader().environments();
    expect(scope.isDone()).toBe(true);
    expect(r).toMatchObject({ ok: false, status: 403, permission: "Actions: read" });
  });
});

describe("branchProtected", () => {
  it("reads `protected` of a branch", async () => {
    const scope = nock(API)
      .get(`${REPO_PATH}/branches/main`)
      .reply(200, fixture("branch-main.json") as nock.Body, JSON_HEADERS);
    const r = await reader().branchProtected("main");
    expect(scope.isDone()).toBe(true);
    expect(r).toEqual({ ok: true, data: true });
  });

  it("encodes a branch name with a slash and reads an unprotected branch", async () => {
    const { protection: _protection, ...main } = fixture("branch-main.json") as Record<string, unknown>;
    const body = { ...main, name: "release/v2", protected: false };
    const scope = nock(API).get(`${REPO_PATH}/branches/release%2Fv2`).reply(200, body, JSON_HEADERS);
    const r = await reader().branchProtected("release/v2");
    expect(scope.isDone()).toBe(true);
    expect(r).toEqual({ ok: true, data: false });
  });

  it("reports a missing branch as 404 without a permission", async () => {
    const scope = nock(API).get(`${REPO_PATH}/branches/gone`).reply(
      404,
      {
        message: "Branch not found",
        documentation_url: "https://docs.github.com/rest/branches/branches#get-a-branch",
        status: "404",
      },
      JSON_HEADERS,
    );
    const r = await reader().branchProtected("gone");
    expect(scope.isDone()).toBe(true);
    expect(r).toEqual({
      ok: false,
      status: 404,
      reason: "branch gone: 404 Branch not found",
      permission: null,
    });
  });
});

describe("collaboratorPermission", () => {
  const path = (user: string) => `${REPO_PATH}/collaborators/${user}/permission`;
  const user = (permissions: Record<string, boolean>) => ({
    login: "octocat",
    id: 1,
    node_id: "MDQ6VXNlcjE=",
    type: "User",
    site_admin: false,
    permissions,
    role_name: "write",
  });
  const none = { admin: false, maintain: false, push: false, triage: false, pull: false };

  it.each([
    ["maintain", "write", { ...none, maintain: true, push: true, triage: true, pull: true }, "maintain"],
    ["triage", "read", { ...none, triage: true, pull: true }, "triage"],
    ["admin", "admin", { admin: true, maintain: true, push: true, triage: true, pull: true }, "admin"],
    ["read", "read", { ...none, pull: true }, "read"],
    // A custom role: its base role shows in the permissions hash.
    ["security-engineer", "write", { ...none, push: true, triage: true, pull: true }, "write"],
    ["none", "none", none, "none"],
  ])("role_name %s (permission %s) → %s", async (roleName, permission, permissions, expected) => {
    const scope = nock(API)
      .get(path("octocat"))
      .reply(200, { permission, role_name: roleName, user: user(permissions) }, JSON_HEADERS);
    const r = await reader().collaboratorPermission("octocat");
    expect(scope.isDone()).toBe(true);
    expect(r).toEqual({ ok: true, data: expected });
  });

  it("maps 403 to Metadata: read", async () => {
    const scope = nock(API)
      .get(path("octocat"))
      .reply(403, { message: "Resource not accessible by integration", status: "403" }, JSON_HEADERS);
    const r = await reader().collaboratorPermission("octocat");
    expect(scope.isDone()).toBe(true);
    expect(r).toMatchObject({ ok: false, status: 403, permission: "Metadata: read" });
  });
});
