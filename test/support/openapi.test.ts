import type { AssertionError } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { Octokit } from "@octokit/rest";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { expectValidBody, operationFor, operations, validateRequestBody } from "./openapi.js";

const SHA = "ecdd80bb57125d7ba9641ffaa4d7d2c19d3f3091";

function annotation(overrides: Record<string, unknown> = {}) {
  return {
    path: "a.yml",
    start_line: 1,
    end_line: 1,
    annotation_level: "failure",
    message: "m",
    ...overrides,
  };
}

function valid(operationId: string, body: unknown) {
  const result = validateRequestBody(operationId, body);
  expect(result.errors).toBe("");
  expect(result.ok).toBe(true);
}

function invalid(operationId: string, body: unknown, mentions: string) {
  const result = validateRequestBody(operationId, body);
  expect(result.ok).toBe(false);
  expect(result.errors).toContain(mentions);
}

describe("fixtures", () => {
  const dir = new URL("../fixtures/openapi/", import.meta.url);
  const expected = [
    "checks/create",
    "checks/update",
    "issues/create-comment",
    "issues/update-comment",
    "pulls/create-review",
    "pulls/create-review-comment",
    "pulls/update-review-comment",
    "reactions/create-for-issue-comment",
  ];

  it("has one self-contained file per operation, named after its operationId", () => {
    const files = readdirSync(dir).filter((f) => f.endsWith(".json"));
    expect(files.sort()).toEqual(expected.map((id) => `${id.replace("/", "__")}.json`).sort());
    for (const file of files) {
      const text = readFileSync(new URL(file, dir), "utf8");
      expect(text).not.toContain('"$ref"');
      const fixture = JSON.parse(text);
      expect(file).toBe(`${fixture.operationId.replace("/", "__")}.json`);
      expect(fixture.source).toBe("@octokit/openapi@23.0.2 generated/api.github.com.json");
      expect(fixture.requestBody.type).toBe("object");
    }
    expect([...operations().keys()].sort()).toEqual(expected);
  });

  it("records method and path template", () => {
    expect(operations().get("checks/create")).toMatchObject({
      method: "POST",
      path: "/repos/{owner}/{repo}/check-runs",
    });
    expect(operations().get("checks/update")).toMatchObject({
      method: "PATCH",
      path: "/repos/{owner}/{repo}/check-runs/{check_run_id}",
    });
  });

  it("rejects an unknown operation loudly", () => {
    expect(() => validateRequestBody("checks/delete", {})).toThrow(/no OpenAPI fixture.*checks\/create/);
  });
});

describe("checks/create", () => {
  it("accepts name + head_sha", () => valid("checks/create", { name: "rolecall", head_sha: SHA }));

  it("requires head_sha", () => invalid("checks/create", { name: "rolecall" }, "head_sha"));

  it("requires name", () => invalid("checks/create", { head_sha: SHA }, "name"));

  it("accepts a completed run with conclusion failure and annotations", () =>
    valid("checks/create", {
      name: "rolecall",
      head_sha: SHA,
      status: "completed",
      conclusion: "failure",
      completed_at: "2026-11-22T01:02:03Z",
      output: {
        title: "t",
        summary: "s",
        annotations: [annotation(), annotation({ annotation_level: "notice" })],
      },
    }));

  it("rejects annotation_level error (notice/warning/failure only)", () => {
    const result = validateRequestBody("checks/create", {
      name: "rolecall",
      head_sha: SHA,
      output: { title: "t", summary: "s", annotations: [annotation({ annotation_level: "error" })] },
    });
    expect(result.ok).toBe(false);
    expect(result.errors).toContain(
      "/output/annotations/0/annotation_level must be equal to one of the allowed",
    );
    expect(result.errors).toContain('"notice", "warning", "failure"');
  });

  it("rejects an annotation without its required fields", () =>
    invalid(
      "checks/create",
      {
        name: "n",
        head_sha: SHA,
        output: { title: "t", summary: "s", annotations: [{ path: "a", message: "m" }] },
      },
      "must have required property 'start_line'",
    ));

  it("rejects more than 50 annotations per request", () =>
    invalid(
      "checks/create",
      {
        name: "n",
        head_sha: SHA,
        output: { title: "t", summary: "s", annotations: Array.from({ length: 51 }, () => annotation()) },
      },
      "/output/annotations must NOT have more than 50 items",
    ));

  it("requires output.title and output.summary", () =>
    invalid("checks/create", { name: "n", head_sha: SHA, output: { summary: "s" } }, "'title'"));

  it("rejects a summary over 65535 characters", () =>
    invalid(
      "checks/create",
      { name: "n", head_sha: SHA, output: { title: "t", summary: "x".repeat(65536) } },
      "/output/summary must NOT have more than 65535 characters",
    ));

  it("rejects an unknown conclusion", () =>
    invalid("checks/create", { name: "n", head_sha: SHA, conclusion: "error" }, "/conclusion"));

  it("checks date-time formats", () =>
    invalid(
      "checks/create",
      { name: "n", head_sha: SHA, completed_at: "yesterday" },
      'must match format "date-time"',
    ));

  it("requires a description on every action button", () =>
    invalid(
      "checks/create",
      { name: "n", head_sha: SHA, actions: [{ label: "Fix", identifier: "fix" }] },
      "description",
    ));

  it("schema gap: does not enforce conclusion for status completed (only its prose says so)", () =>
    valid("checks/create", { name: "n", head_sha: SHA, status: "completed" }));
});

describe("checks/update", () => {
  it("accepts completed + conclusion", () =>
    valid("checks/update", {
      status: "completed",
      conclusion: "success",
      output: { title: "t", summary: "s" },
    }));

  it("rejects status completed without conclusion", () =>
    invalid("checks/update", { status: "completed" }, "must have required property 'conclusion'"));

  it("accepts conclusion alone and in_progress alone", () => {
    valid("checks/update", { conclusion: "neutral" });
    valid("checks/update", { status: "in_progress" });
  });

  it("rejects status waiting (in the enum, but excluded by its anyOf)", () =>
    invalid("checks/update", { status: "waiting" }, "must match a schema in anyOf"));

  it("requires output.summary but not output.title", () => {
    valid("checks/update", { output: { summary: "s" } });
    invalid("checks/update", { output: { title: "t" } }, "'summary'");
  });

  it("rejects annotation_level error", () =>
    invalid(
      "checks/update",
      { output: { summary: "s", annotations: [annotation({ annotation_level: "error" })] } },
      "annotation_level",
    ));
});

describe("pulls/create-review", () => {
  it("accepts comments with line + side RIGHT", () =>
    valid("pulls/create-review", {
      commit_id: SHA,
      event: "COMMENT",
      body: "rolecall found 2 problems",
      comments: [
        { path: ".github/workflows/deploy.yml", line: 12, side: "RIGHT", body: "trust too broad" },
        { path: "a.yml", start_line: 3, start_side: "RIGHT", line: 5, side: "RIGHT", body: "range" },
      ],
    }));

  it("requires path and body on every comment", () => {
    invalid(
      "pulls/create-review",
      { event: "COMMENT", body: "b", comments: [{ path: "a", line: 1 }] },
      "'body'",
    );
    invalid(
      "pulls/create-review",
      { event: "COMMENT", body: "b", comments: [{ body: "x", line: 1 }] },
      "'path'",
    );
  });

  it("rejects an unknown event", () => invalid("pulls/create-review", { event: "REJECT" }, "/event"));

  it("rejects a line given as a string", () =>
    invalid(
      "pulls/create-review",
      { comments: [{ path: "a", body: "b", line: "12" }] },
      "/comments/0/line must be integer",
    ));

  it("schema gap: side is a free string here (no LEFT/RIGHT enum)", () =>
    valid("pulls/create-review", { comments: [{ path: "a", body: "b", line: 1, side: "right" }] }));
});

describe("pulls/create-review-comment", () => {
  const base = { body: "b", commit_id: SHA, path: "a.yml" };

  it("accepts line + side RIGHT", () =>
    valid("pulls/create-review-comment", { ...base, line: 3, side: "RIGHT" }));

  it("accepts a file-level comment", () =>
    valid("pulls/create-review-comment", { ...base, subject_type: "file" }));

  it("requires commit_id", () =>
    invalid("pulls/create-review-comment", { body: "b", path: "a.yml", line: 3 }, "'commit_id'"));

  it("rejects side right (LEFT/RIGHT only)", () =>
    invalid("pulls/create-review-comment", { ...base, line: 3, side: "right" }, "/side"));
});

describe("reactions/create-for-issue-comment", () => {
  it("accepts eyes and every other reaction", () => {
    for (const content of ["+1", "-1", "laugh", "confused", "heart", "hooray", "rocket", "eyes"]) {
      valid("reactions/create-for-issue-comment", { content });
    }
  });

  it("rejects ok", () => invalid("reactions/create-for-issue-comment", { content: "ok" }, "/content"));

  it("requires content", () => invalid("reactions/create-for-issue-comment", {}, "'content'"));
});

describe("comments", () => {
  for (const operationId of [
    "issues/create-comment",
    "issues/update-comment",
    "pulls/update-review-comment",
  ]) {
    it(`${operationId} requires a string body`, () => {
      valid(operationId, { body: "hello" });
      invalid(operationId, {}, "'body'");
      invalid(operationId, { body: 42 }, "/body must be string");
      invalid(operationId, "hello", "must be object");
    });
  }
});

describe("unknownProperties: reject", () => {
  it("is off by default: GitHub's schemas allow unlisted fields", () =>
    valid("checks/create", { name: "n", head_sha: SHA, head_shaa: SHA }));

  it("rejects unlisted fields, nested ones too, when asked", () => {
    const reject = { unknownProperties: "reject" } as const;
    expect(
      validateRequestBody("checks/create", { name: "n", head_sha: SHA, head_shaa: SHA }, reject),
    ).toEqual({
      ok: false,
      errors: '/ must NOT have additional properties: "head_shaa"',
    });
    const nested = {
      name: "n",
      head_sha: SHA,
      output: { title: "t", summary: "s", annotations: [annotation({ level: 1 })] },
    };
    expect(validateRequestBody("checks/create", nested, reject).errors).toContain(
      '/output/annotations/0 must NOT have additional properties: "level"',
    );
  });

  it("keeps the anyOf of checks/update working", () => {
    const reject = { unknownProperties: "reject" } as const;
    expect(
      validateRequestBody("checks/update", { status: "completed", conclusion: "failure" }, reject).ok,
    ).toBe(true);
    expect(validateRequestBody("checks/update", { status: "completed" }, reject).ok).toBe(false);
  });

  it("does not change the default validator", () => {
    validateRequestBody("issues/create-comment", { body: "b", extra: 1 }, { unknownProperties: "reject" });
    valid("issues/create-comment", { body: "b", extra: 1 });
  });
});

describe("operationFor", () => {
  it.each([
    ["POST", "/repos/o/r/check-runs", "checks/create"],
    ["PATCH", "/repos/o/r/check-runs/123", "checks/update"],
    ["post", "/repos/o/r/pulls/7/reviews", "pulls/create-review"],
    ["POST", "/repos/o/r/pulls/7/comments", "pulls/create-review-comment"],
    ["PATCH", "/repos/o/r/pulls/comments/9", "pulls/update-review-comment"],
    ["POST", "/repos/o/r/issues/comments/9/reactions", "reactions/create-for-issue-comment"],
    ["POST", "/repos/o/r/issues/7/comments", "issues/create-comment"],
    ["PATCH", "/repos/o/r/issues/comments/9", "issues/update-comment"],
    ["POST", "https://api.github.com/repos/o/r/check-runs?x=1", "checks/create"],
    ["PATCH", "https://ghe.example.com/api/v3/repos/o/r/check-runs/5", "checks/update"],
  ])("%s %s is %s", (method, path, operationId) => {
    expect(operationFor(method, path)).toBe(operationId);
  });

  it.each([
    ["GET", "/repos/o/r/check-runs"],
    ["POST", "/repos/o/r/check-runs/123"],
    ["PATCH", "/repos/o/r/check-runs/123/annotations"],
    ["POST", "/repos/o/check-runs"],
    ["POST", "/repos/o/r/issues/comments/9"],
  ])("%s %s is not a known operation", (method, path) => {
    expect(operationFor(method, path)).toBeNull();
  });

  it("maps every fixture's own template back to it", () => {
    for (const fixture of operations().values()) {
      const concrete = fixture.path.replace(/\{[^}]+\}/g, "x1");
      expect(operationFor(fixture.method, concrete)).toBe(fixture.operationId);
    }
  });
});

describe("expectValidBody", () => {
  const badCheck = {
    name: "n",
    head_sha: SHA,
    output: { title: "t", summary: "s", annotations: [annotation({ annotation_level: "error" })] },
  };

  it("fails at setup for an unknown operation", () => {
    expect(() => expectValidBody("checks/nope")).toThrow(/no OpenAPI fixture/);
  });

  it("matches a valid body and records nothing", () => {
    const matcher = expectValidBody("checks/create");
    expect(matcher({ name: "n", head_sha: SHA })).toBe(true);
    expect(matcher.failures).toEqual([]);
  });

  it("does not match an invalid body, records it and reports one readable assertion error", () => {
    const reported: AssertionError[] = [];
    const matcher = expectValidBody("checks/create", { onInvalid: (e) => reported.push(e) });
    expect(matcher(badCheck)).toBe(false);
    expect(matcher({ name: "n" })).toBe(false);
    expect(matcher.failures).toHaveLength(2);
    expect(matcher.failures[1]?.errors).toContain("head_sha");
    expect(reported).toHaveLength(1);
    expect(reported[0]?.name).toBe("AssertionError");
    expect(reported[0]?.message).toContain(
      "request body for checks/create does not match GitHub's OpenAPI schema",
    );
    expect(reported[0]?.message).toContain("/output/annotations/0/annotation_level");
  });

  it("by default throws the assertion error on the next tick", () => {
    const ticks: (() => void)[] = [];
    const spy = vi.spyOn(process, "nextTick").mockImplementation(((fn: () => void) => {
      ticks.push(fn);
    }) as typeof process.nextTick);
    try {
      expect(expectValidBody("checks/create")(badCheck)).toBe(false);
    } finally {
      spy.mockRestore();
    }
    expect(ticks).toHaveLength(1);
    expect(() => ticks[0]?.()).toThrow(/annotation_level must be equal to one of the allowed values/);
  });

  describe("with nock", () => {
    const octokit = new Octokit({ auth: "test", request: { retries: 0 } });

    beforeAll(() => nock.disableNetConnect());
    afterEach(() => nock.cleanAll());
    afterAll(() => nock.enableNetConnect());

    it("lets a valid request through to the mocked reply", async () => {
      const scope = nock("https://api.github.com")
        .post("/repos/o/r/check-runs", expectValidBody("checks/create"))
        .reply(201, { id: 1 });
      const res = await octokit.rest.checks.create({
        owner: "o",
        repo: "r",
        name: "rolecall",
        head_sha: SHA,
      });
      expect(res.data.id).toBe(1);
      expect(scope.isDone()).toBe(true);
    });

    it("makes an invalid request fail at once, with the schema errors reported", async () => {
      const reported: AssertionError[] = [];
      const matcher = expectValidBody("checks/create", { onInvalid: (e) => reported.push(e) });
      const scope = nock("https://api.github.com")
        .post("/repos/o/r/check-runs", matcher)
        .reply(201, { id: 1 });
      await expect(octokit.request("POST /repos/o/r/check-runs", { data: badCheck })).rejects.toThrow();
      expect(scope.isDone()).toBe(false);
      expect(matcher.failures).toHaveLength(1);
      expect(reported[0]?.message).toContain("annotation_level");
    });
  });
});
