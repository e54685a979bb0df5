import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, expectTypeOf, it } from "vitest";
import {
  type CheckRunAnnotation,
  createGitHubPublisher,
  type GitHubPublisher,
  type ReviewComment,
} from "../../../src/adapters/github/index.js";
import type { CheckAnnotation } from "../../../src/core/render/check-run.js";
import type { ReviewComment as PlannedComment } from "../../../src/core/render/review.js";
import { validateRequestBody } from "../../support/openapi.js";
import {
  API,
  fixture,
  HEAD_SHA,
  JSON_HEADERS,
  linkHeader,
  makeOctokit,
  OWNER,
  REPO,
  REPO_ID,
  reviewComment,
  TOKEN,
} from "./github-wire.js";

const REPO_PATH = `/repos/${OWNER}/${REPO}`;

function publisher(): GitHubPublisher {
  return createGitHubPublisher(makeOctokit(), { owner: OWNER, repo: REPO });
}

function annotation(i: number): CheckRunAnnotation {
  return {
    path: ".github/workflows/deploy.yml",
    start_line: i + 1,
    end_line: i + 1,
    start_column: 11,
    end_column: 40,
    annotation_level: "failure",
    message: `sub-not-trusted #${i}`,
    title: "sub-not-trusted",
  };
}

/**
 * A nock body matcher that records each body and checks it against GitHub's OpenAPI request schema
 * for `operationId`, unknown fields rejected. Assert `invalid` is empty after the call.
 */
function capture<T = Record<string, unknown>>(operationId: string) {
  const bodies: T[] = [];
  const invalid: string[] = [];
  const match = (body: Record<string, unknown>): boolean => {
    bodies.push(body as T);
    const v = validateRequestBody(operationId, body, { unknownProperties: "reject" });
    if (!v.ok) invalid.push(v.errors);
    return true;
  };
  return { match, bodies, invalid };
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe("renderer shapes", () => {
  it("takes the renderers' annotations and review comments as they are", () => {
    expectTypeOf<CheckAnnotation>().toExtend<CheckRunAnnotation>();
    expectTypeOf<PlannedComment>().toExtend<ReviewComment>();
  });
});

describe("createCheckRun / updateCheckRun", () => {
  it("creates the rolecall check run on the head SHA in one request", async () => {
    const { match, bodies, invalid } = capture("checks/create");
    const scope = nock(API)
      .matchHeader("authorization", `token ${TOKEN}`)
      .post(`${REPO_PATH}/check-runs`, match)
      .reply(201, fixture("check-run-created.json") as nock.Body, JSON_HEADERS);
    const r = await publisher().createCheckRun(HEAD_SHA, {
      name: "rolecall",
      status: "in_progress",
      output: { title: "Scanning", summary: "rolecall is reading 3 workflows and 2 roles." },
      detailsUrl: "https://rolecall.example.com/scans/4",
    });
    expect(scope.isDone()).toBe(true);
    expect(r).toEqual({ ok: true, data: { id: 4 } });
    expect(invalid).toEqual([]);
    expect(bodies).toEqual([
      {
        head_sha: HEAD_SHA,
        name: "rolecall",
        status: "in_progress",
        details_url: "https://rolecall.example.com/scans/4",
        output: { title: "Scanning", summary: "rolecall is reading 3 workflows and 2 roles." },
      },
    ]);
  });

  it("creates a completed run directly, with annotations in the wire form", async () => {
    const { match, bodies, invalid } = capture("checks/create");
    const scope = nock(API)
      .post(`${REPO_PATH}/check-runs`, match)
      .reply(201, { ...(fixture("check-run-created.json") as object), id: 7 }, JSON_HEADERS);
    const r = await publisher().createCheckRun(HEAD_SHA, {
      conclusion: "failure",
      output: {
        title: "1 deploy will be refused",
        summary: "| job | sub | verdict |",
        text: "details",
        annotations: [
          annotation(0),
          {
            ...annotation(1),
            end_line: 5,
            raw_details: "StringEquals token.actions.githubusercontent.com:sub",
          },
        ],
      },
    });
    expect(scope.isDone()).toBe(true);
    expect(r).toEqual({ ok: true, data: { id: 7 } });
    expect(invalid).toEqual([]);
    expect(bodies[0]).toEqual({
      head_sha: HEAD_SHA,
      name: "rolecall",
      conclusion: "failure",
      output: {
        title: "1 deploy will be refused",
        summary: "| job | sub | verdict |",
        text: "details",
        annotations: [
          {
            path: ".github/workflows/deploy.yml",
            start_line: 1,
            end_line: 1,
            start_column: 11,
            end_column: 40,
            annotation_level: "failure",
            message: "sub-not-trusted #0",
            title: "sub-not-trusted",
          },
          {
            // Columns dropped: the Checks API only takes them on a single line.
            path: ".github/workflows/deploy.yml",
            start_line: 2,
            end_line: 5,
            annotation_level: "failure",
            message: "sub-not-trusted #1",
            title: "sub-not-trusted",
            raw_details: "StringEquals token.actions.githubusercontent.com:sub",
          },
        ],
      },
    });
  });

  it("refuses more than 50 annotations in one request before sending anything", async () => {
    const annotations = Array.from({ length: 51 }, (_, i) => annotation(i));
    await expect(
      publisher().createCheckRun(HEAD_SHA, {
        status: "completed",
        output: { title: "t", summary: "s", annotations },
      }),
    ).rejects.toThrow(RangeError);
  });

  it("maps 403 on check runs to Checks: write", async () => {
    const scope = nock(API)
      .post(`${REPO_PATH}/check-runs`)
      .reply(403, { message: "Resource not accessible by integration", status: "403" }, JSON_HEADERS);
    const r = await publisher().createCheckRun(HEAD_SHA, { status: "in_progress" });
    expect(scope.isDone()).toBe(true);
    expect(r).toMatchObject({ ok: false, status: 403, permission: "Checks: write" });
  });

  it("completes a run with PATCH, sending only the fields given", async () => {
    const { match, bodies, invalid } = capture("checks/update");
    const scope = nock(API)
      .patch(`${REPO_PATH}/check-runs/4`, match)
      .reply(
        200,
        { ...(fixture("check-run-created.json") as object), status: "completed", conclusion: "neutral" },
        JSON_HEADERS,
      );
    const r = await publisher().updateCheckRun(4, {
      status: "completed",
      conclusion: "neutral",
      output: { title: "Scan incomplete", summary: "Role `deploy` could not be read." },
    });
    expect(scope.isDone()).toBe(true);
    expect(r).toEqual({ ok: true, data: undefined });
    expect(invalid).toEqual([]);
    expect(bodies).toEqual([
      {
        status: "completed",
        conclusion: "neutral",
        output: { title: "Scan incomplete", summary: "Role `deploy` could not be read." },
      },
    ]);
  });
});

describe("publishAnnotations", () => {
  const output = { title: "3 findings", summary: "## rolecall\n| job | verdict |" };

  it("sends 120 annotations as 3 updates of 50, 50 and 20, each keeping title and summary", async () => {
    const { match, bodies, invalid } = capture<{
      output: { title: string; summary: string; annotations: { message: string }[] };
    }>("checks/update");
    const scope = nock(API)
      .patch(`${REPO_PATH}/check-runs/4`, match)
      .times(3)
      .reply(200, fixture("check-run-created.json") as nock.Body, JSON_HEADERS);
    const annotations = Array.from({ length: 120 }, (_, i) => annotation(i));
    const r = await publisher().publishAnnotations(4, output, annotations);
    expect(scope.isDone()).toBe(true);
    expect(r).toEqual({ ok: true, data: { requests: 3 } });
    expect(invalid).toEqual([]);
    expect(bodies.map((b) => b.output.annotations.length)).toEqual([50, 50, 20]);
    for (const b of bodies) {
      expect(Object.keys(b)).toEqual(["output"]);
      expect(b.output.title).toBe(output.title);
      expect(b.output.summary).toBe(output.summary);
    }
    expect(bodies.flatMap((b) => b.output.annotations.map((a) => a.message))).toEqual(
      annotations.map((a) => a.message),
    );
  });

  it("sends nothing for no annotations", async () => {
    const r = await publisher().publishAnnotations(4, output, []);
    expect(r).toEqual({ ok: true, data: { requests: 0 } });
  });

  it("stops at the first failed batch and says which", async () => {
    const scope = nock(API)
      .patch(`${REPO_PATH}/check-runs/4`)
      .reply(200, fixture("check-run-created.json") as nock.Body, JSON_HEADERS)
      .patch(`${REPO_PATH}/check-runs/4`)
      .reply(
        422,
        {
          message: "Invalid request.",
          errors: ["Only 50 annotations may be sent per request."],
          documentation_url: "https://docs.github.com/rest/checks/runs#update-a-check-run",
          status: "422",
        },
        JSON_HEADERS,
      );
    const r = await publisher().publishAnnotations(
      4,
      output,
      Array.from({ length: 120 }, (_, i) => annotation(i)),
    );
    expect(scope.isDone()).toBe(true);
    expect(r).toEqual({
      ok: false,
      status: 422,
      reason:
        "annotations batch 2/3: update check run 4: 422 Invalid request.: Only 50 annotations may be sent per request.",
      permission: null,
    });
  });
});

describe("listReviewCommentMarkers", () => {
  it("pages through review comments", async () => {
    const path = "/pulls/42/comments";
    const marker = "<!-- rolecall:fp=3f9a1c sub-not-trusted -->";
    const page1 = [
      reviewComment(101, ".github/workflows/deploy.yml", 14, `The deploy will be refused.\n\n${marker}`),
      ...Array.from({ length: 99 }, (_, i) =>
        reviewComment(200 + i, "src/app.ts", i + 1, "nit: naming", "User"),
      ),
    ];
    const page2 = [reviewComment(900, ".github/workflows/old.yml", null, `Outdated.\n\n${marker}`)];
    const scope = nock(API)
      .get(`${REPO_PATH}${path}`)
      .query({ per_page: "100" })
      .reply(200, page1, { ...JSON_HEADERS, ...linkHeader(path, 1, 2) })
      .get(`/repositories/${REPO_ID}${path}`)
      .query({ per_page: "100", page: "2" })
      .reply(200, page2, { ...JSON_HEADERS, ...linkHeader(path, 2, 2) });
    const r = await publisher().listReviewCommentMarkers(42);
    expect(scope.isDone()).toBe(true);
    if (!r.ok) throw new Error(r.reason);
    expect(r.data).toHaveLength(101);
    expect(r.data[0]).toEqual({
      id: 101,
      path: ".github/workflows/deploy.yml",
      line: 14,
      body: `The deploy will be refused.\n\n${marker}`,
      userType: "Bot",
    });
    expect(r.data[1]?.userType).toBe("User");
    expect(r.data[100]).toMatchObject({ id: 900, line: null });
  });
});

describe("listReviews", () => {
  it("pages through reviews and keeps their bodies", async () => {
    const path = "/pulls/42/reviews";
    const review = (id: number, body: string, type: string, state = "COMMENTED") => ({
      id,
      node_id: "MDE3OlB1bGxSZXF1ZXN0UmV2aWV3ODA=",
      user: { login: type === "Bot" ? "rolecall[bot]" : "octocat", id: type === "Bot" ? 424242 : 1, type },
      body,
      state,
      html_url: `https://github.com/${OWNER}/${REPO}/pull/42#pullrequestreview-${id}`,
      pull_request_url: `${API}${REPO_PATH}/pulls/42`,
      submitted_at: "2026-11-02T14:06:00Z",
      commit_id: HEAD_SHA,
      author_association: "NONE",
    });
    const page1 = Array.from({ length: 100 }, (_, i) => review(1000 + i, "LGTM", "User", "APPROVED"));
    const page2 = [review(80, "rolecall found 1 problem.\n<!-- rolecall:fps=3f9a1c -->", "Bot")];
    const scope = nock(API)
      .get(`${REPO_PATH}${path}`)
      .query({ per_page: "100" })
      .reply(200, page1, { ...JSON_HEADERS, ...linkHeader(path, 1, 2) })
      .get(`/repositories/${REPO_ID}${path}`)
      .query({ per_page: "100", page: "2" })
      .reply(200, page2, { ...JSON_HEADERS, ...linkHeader(path, 2, 2) });
    const r = await publisher().listReviews(42);
    expect(scope.isDone()).toBe(true);
    if (!r.ok) throw new Error(r.reason);
    expect(r.data).toHaveLength(101);
    expect(r.data[100]).toEqual({
      id: 80,
      body: "rolecall found 1 problem.\n<!-- rolecall:fps=3f9a1c -->",
      userType: "Bot",
      state: "COMMENTED",
      commitId: HEAD_SHA,
    });
  });
});

describe("createReview", () => {
  it("posts one COMMENT review with inline comments on the right side", async () => {
    const { match, bodies, invalid } = capture("pulls/create-review");
    const scope = nock(API)
      .post(`${REPO_PATH}/pulls/42/reviews`, match)
      .reply(
        200,
        {
          id: 80,
          node_id: "MDE3OlB1bGxSZXF1ZXN0UmV2aWV3ODA=",
          user: { login: "rolecall[bot]", id: 424242, type: "Bot" },
          body: "rolecall found 2 problems.",
          state: "COMMENTED",
          html_url: `https://github.com/${OWNER}/${REPO}/pull/42#pullrequestreview-80`,
          pull_request_url: `${API}${REPO_PATH}/pulls/42`,
          submitted_at: "2026-11-02T14:06:00Z",
          commit_id: HEAD_SHA,
          author_association: "NONE",
        },
        JSON_HEADERS,
      );
    const r = await publisher().createReview(42, {
      commitId: HEAD_SHA,
      body: "rolecall found 2 problems.",
      event: "COMMENT",
      comments: [
        {
          path: ".github/workflows/deploy.yml",
          line: 14,
          side: "RIGHT",
          body: "Refused.\n<!-- rolecall:fp=1 -->",
        },
        {
          path: ".github/workflows/deploy.yml",
          line: 9,
          startLine: 7,
          side: "RIGHT",
          body: "```suggestion\npermissions:\n  id-token: write\n  contents: read\n```\n<!-- rolecall:fp=2 -->",
        },
      ],
    });
    expect(scope.isDone()).toBe(true);
    expect(r).toEqual({ ok: true, data: { id: 80 } });
    expect(invalid).toEqual([]);
    expect(bodies).toEqual([
      {
        commit_id: HEAD_SHA,
        body: "rolecall found 2 problems.",
        event: "COMMENT",
        comments: [
          {
            path: ".github/workflows/deploy.yml",
            line: 14,
            side: "RIGHT",
            body: "Refused.\n<!-- rolecall:fp=1 -->",
          },
          {
            path: ".github/workflows/deploy.yml",
            line: 9,
            side: "RIGHT",
            start_line: 7,
            start_side: "RIGHT",
            body: "```suggestion\npermissions:\n  id-token: write\n  contents: read\n```\n<!-- rolecall:fp=2 -->",
          },
        ],
      },
    ]);
  });

  it("returns GitHub's 422 for a line outside the diff", async () => {
    const scope = nock(API)
      .post(`${REPO_PATH}/pulls/42/reviews`)
      .reply(
        422,
        {
          message: "Unprocessable Entity",
          errors: ["Line could not be resolved"],
          documentation_url: "https://docs.github.com/rest/pulls/reviews#create-a-review-for-a-pull-request",
          status: "422",
        },
        JSON_HEADERS,
      );
    const r = await publisher().createReview(42, {
      commitId: HEAD_SHA,
      body: "b",
      event: "COMMENT",
      comments: [{ path: "x.yml", line: 999, side: "RIGHT", body: "c" }],
    });
    expect(scope.isDone()).toBe(true);
    expect(r).toEqual({
      ok: false,
      status: 422,
      reason: "review on pull request #42: 422 Unprocessable Entity: Line could not be resolved",
      permission: null,
    });
  });
});

describe("reactToComment / commentOnIssue / pullHeadSha", () => {
  const reaction = {
    id: 1,
    node_id: "MDg6UmVhY3Rpb24x",
    user: { login: "rolecall[bot]", id: 424242, type: "Bot" },
    content: "eyes",
    created_at: "2026-11-02T14:07:00Z",
  };

  it("reacts to an issue comment (201 created, 200 already there)", async () => {
    const { match, bodies, invalid } = capture("reactions/create-for-issue-comment");
    const scope = nock(API)
      .post(`${REPO_PATH}/issues/comments/1234/reactions`, match)
      .reply(201, reaction, JSON_HEADERS)
      .post(`${REPO_PATH}/issues/comments/1234/reactions`, match)
      .reply(200, reaction, JSON_HEADERS);
    const p = publisher();
    expect(await p.reactToComment(1234, "eyes")).toEqual({ ok: true, data: undefined });
    expect(await p.reactToComment(1234, "eyes")).toEqual({ ok: true, data: undefined });
    expect(scope.isDone()).toBe(true);
    expect(bodies).toEqual([{ content: "eyes" }, { content: "eyes" }]);
    expect(invalid).toEqual([]);
  });

  it("maps a refused reaction to Pull requests: write", async () => {
    const scope = nock(API)
      .post(`${REPO_PATH}/issues/comments/1234/reactions`)
      .reply(403, { message: "Resource not accessible by integration", status: "403" }, JSON_HEADERS);
    const r = await publisher().reactToComment(1234, "+1");
    expect(scope.isDone()).toBe(true);
    expect(r).toMatchObject({ ok: false, status: 403, permission: "Pull requests: write" });
  });

  it("comments on a pull request's conversation", async () => {
    const body = "Only users with write access can run `/rolecall rescan`.";
    const { match, bodies, invalid } = capture("issues/create-comment");
    const scope = nock(API)
      .post(`${REPO_PATH}/issues/42/comments`, match)
      .reply(
        201,
        {
          id: 1_500_000_001,
          node_id: "IC_kwDOAAAH0c5ZjQ8B",
          url: `${API}${REPO_PATH}/issues/comments/1500000001`,
          html_url: `https://github.com/${OWNER}/${REPO}/pull/42#issuecomment-1500000001`,
          body,
          user: { login: "rolecall[bot]", id: 424242, type: "Bot" },
          created_at: "2026-11-02T14:07:00Z",
          updated_at: "2026-11-02T14:07:00Z",
          issue_url: `${API}${REPO_PATH}/issues/42`,
          author_association: "NONE",
        },
        JSON_HEADERS,
      );
    const r = await publisher().commentOnIssue(42, body);
    expect(scope.isDone()).toBe(true);
    expect(bodies).toEqual([{ body }]);
    expect(invalid).toEqual([]);
    expect(r).toEqual({ ok: true, data: { id: 1_500_000_001 } });
  });

  it("reads the pull request's head SHA", async () => {
    const scope = nock(API)
      .get(`${REPO_PATH}/pulls/42`)
      .reply(
        200,
        {
          url: `${API}${REPO_PATH}/pulls/42`,
          id: 1934,
          number: 42,
          state: "open",
          draft: false,
          title: "Deploy through the new role",
          user: { login: "octocat", id: 1, type: "User" },
          head: {
            label: "octo-org:deploy-role",
            ref: "deploy-role",
            sha: HEAD_SHA,
            repo: { id: REPO_ID, full_name: `${OWNER}/${REPO}` },
          },
          base: {
            label: "octo-org:main",
            ref: "main",
            sha: "7638417db6d59f3c431d3e1f261cc637155684cd",
            repo: { id: REPO_ID, full_name: `${OWNER}/${REPO}` },
          },
          changed_files: 3,
        },
        JSON_HEADERS,
      );
    const r = await publisher().pullHeadSha(42);
    expect(scope.isDone()).toBe(true);
    expect(r).toEqual({ ok: true, data: HEAD_SHA });
  });
});
