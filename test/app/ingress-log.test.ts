/**
 * The redacting serializers every Probot logger inherits: what an Octokit `RequestError`, an
 * AggregateError from `@octokit/webhooks` and Probot's `{ event }` debug line keep in a log line.
 */
import { RequestError } from "@octokit/request-error";
import { describe, expect, it } from "vitest";
import { redactingLogger, safeError } from "../../src/app/http/safe-log.js";
import { example, LogCapture, strings } from "./ingress-support.js";

const TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";

describe("redacted errors", () => {
  it("keep an Octokit RequestError's status and request line, never its headers, query or response body", () => {
    const error = new RequestError("Not Found", 404, {
      request: {
        method: "GET",
        url: "https://api.github.com/repos/o/r/contents/x?ref=main&access_token=abc",
        headers: { authorization: `token ${TOKEN}` },
      },
      response: {
        status: 404,
        url: "https://api.github.com/repos/o/r/contents/x",
        headers: { "x-github-request-id": "1" },
        data: { message: "Not Found", secret: "policy text" },
      },
    });
    const safe = safeError(error);
    expect(Object.keys(safe).sort()).toEqual(["message", "request", "stack", "status", "type"]);
    expect(safe).toMatchObject({
      type: "HttpError",
      message: "Not Found",
      status: 404,
      request: { method: "GET", url: "https://api.github.com/repos/o/r/contents/x" },
    });
    const text = JSON.stringify(safe);
    for (const s of [TOKEN, "access_token", "policy text", "x-github-request-id"])
      expect(text).not.toContain(s);
  });

  it("keep an event's id, name and action from the errors @octokit/webhooks builds, not its payload", () => {
    const payload = example("pull_request", "opened");
    const event = { id: "d-9", name: "pull_request", payload };
    const inner = Object.assign(new TypeError("Cannot read properties of undefined (reading 'draft')"), {
      event,
    });
    const outer = Object.assign(new AggregateError([inner], inner.message), { event });
    const logs = new LogCapture();
    redactingLogger(logs.logger).child({ name: "event" }).error(outer);
    redactingLogger(logs.logger).debug({ event }, "Webhook received");

    const [line, debug] = logs.entries();
    expect(line!.err).toMatchObject({
      type: "AggregateError",
      event: { id: "d-9", name: "pull_request", action: "opened" },
      errors: [{ type: "TypeError", event: { id: "d-9", name: "pull_request", action: "opened" } }],
    });
    expect(debug!.event).toEqual({ id: "d-9", name: "pull_request", action: "opened" });
    for (const s of strings(payload)) expect(logs.text).not.toContain(s);
  });

  it("clip long messages and replace control characters", () => {
    const safe = safeError(new Error(`a\u001b[31mred\u0007${"x".repeat(600)}`));
    expect(safe.message).toMatch(/^a\?\[31mred\?x+… \(\d+ more characters\)$/);
    expect((safe.message as string).length).toBeLessThan(560);
  });
});
