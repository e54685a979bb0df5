/**
 * The webhook ingress through the real HTTP server on loopback: what an attacker who can reach the
 * public webhook URL gets (oversized, slow, unsigned and wrongly signed bodies, alone and many at
 * once), what the log shows of it, and that GitHub's own deliveries still reach the App.
 */
import { connect } from "node:net";
import type { ApplicationFunction, Probot } from "probot";
import { afterEach, describe, expect, it } from "vitest";
import {
  deliveryHeaders,
  example,
  get,
  memoryHighWater,
  PREVIOUS,
  post,
  type Running,
  SECRET,
  start,
  strings,
} from "./ingress-support.js";

const MiB = 1024 * 1024;
const FILLER = Buffer.alloc(64 * 1024, "x");

interface Seen {
  id: string;
  name: string;
  action: unknown;
}

/** An App function that records what reaches its handlers (and can be told to fail). */
function recordingApp(seen: Seen[], fail = false): ApplicationFunction {
  return (app: Probot) => {
    app.onAny(async (context) => {
      seen.push({
        id: context.id,
        name: context.name,
        action: (context.payload as { action?: unknown }).action,
      });
      if (fail) {
        const missing = (context.payload as unknown as { nothing?: { draft: boolean } }).nothing;
        void missing!.draft; // a TypeError, as a handler reading a field the payload lacks throws
      }
    });
  };
}

let running: Running | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

/** The refusal lines, without pino's level/name (asserted once in the first test). */
function refusals(r: Running) {
  return r.logs.entries("webhook delivery refused");
}

describe("a signed delivery", () => {
  it("reaches the App's handler, answers 200, and logs one info line without payload", async () => {
    const seen: Seen[] = [];
    running = await start(recordingApp(seen));
    const payload = example("pull_request", "opened");
    const body = JSON.stringify(payload);
    const headers = deliveryHeaders("pull_request", body, SECRET, "d-1");

    const res = await post(running.port, { headers, body });

    expect(res.status).toBe(200);
    expect(res.body).toBe("ok\n");
    expect(seen).toEqual([{ id: "d-1", name: "pull_request", action: "opened" }]);
    expect(running.logs.entries("webhook delivery handled")).toEqual([
      {
        level: 30,
        name: "http",
        delivery: "d-1",
        event: "pull_request",
        action: "opened",
        status: 200,
        ms: expect.any(Number),
      },
    ]);
    for (const s of strings(payload)) expect(running.logs.text).not.toContain(s);
    expect(running.logs.text).not.toContain(SECRET);
  });
});

describe("refused before the body is read", () => {
  it("answers 413 to a Content-Length over the limit, reads none of it, and logs it once at warn", async () => {
    running = await start(recordingApp([]), { ROLECALL_WEBHOOK_MAX_BYTES: String(64 * 1024) });
    const headers = deliveryHeaders("pull_request", "{}", SECRET, "big-1");

    const res = await post(running.port, { headers, body: { chunk: FILLER, times: 16 } });

    expect(res.status).toBe(413);
    expect(JSON.parse(res.body)).toEqual({ error: "the body is 1048576 bytes; the limit is 65536" });
    expect(refusals(running)).toEqual([
      {
        level: 40,
        name: "http",
        status: 413,
        reason: "the body is 1048576 bytes; the limit is 65536",
        delivery: "big-1",
        event: "pull_request",
        declaredBytes: 1048576,
        receivedBytes: 0,
        remote: "127.0.0.1",
      },
    ]);
    expect(running.logs.entries()).toHaveLength(refusals(running).length + 1); // + the start line
  });

  it("answers 413 to `Expect: 100-continue` with an oversized length without asking for the body", async () => {
    running = await start(recordingApp([]), { ROLECALL_WEBHOOK_MAX_BYTES: String(64 * 1024) });
    const res = await post(running.port, {
      headers: deliveryHeaders("pull_request", "{}"),
      body: { chunk: FILLER, times: 16 },
      expectContinue: true,
    });
    expect(res).toMatchObject({ status: 413, continued: false, written: 0 });
  });

  it("refuses a wrong content type (415), missing headers and a malformed signature (400)", async () => {
    const seen: Seen[] = [];
    running = await start(recordingApp(seen));
    const body = JSON.stringify(example("pull_request", "opened"));
    const signed = deliveryHeaders("pull_request", body, SECRET, "h-1");
    const { "x-hub-signature-256": _s, ...unsigned } = signed;
    const cases: [Record<string, string>, number, string][] = [
      [
        { ...signed, "content-type": "application/x-www-form-urlencoded" },
        415,
        "the content type must be application/json",
      ],
      [unsigned, 400, "required headers missing: x-hub-signature-256"],
      [
        { ...signed, "x-hub-signature-256": "sha1=abc" },
        400,
        "X-Hub-Signature-256 is not sha256= and 64 hexadecimal digits",
      ],
    ];
    for (const [headers, status, reason] of cases) {
      const res = await post(running.port, { headers, body });
      expect(res.status).toBe(status);
      expect(JSON.parse(res.body)).toEqual({ error: reason });
    }
    expect(refusals(running).map((r) => [r.status, r.reason, r.receivedBytes])).toEqual(
      cases.map(([, status, reason]) => [status, reason, 0]),
    );
    expect(seen).toEqual([]);
  });
});

describe("refused after reading at most the limit", () => {
  it("answers 413 to a chunked body once it passes the limit", async () => {
    running = await start(recordingApp([]), { ROLECALL_WEBHOOK_MAX_BYTES: String(256 * 1024) });
    const res = await post(running.port, {
      headers: deliveryHeaders("pull_request", "{}", SECRET, "chunked-1"),
      body: { chunk: FILLER, times: 160 },
      chunked: true,
    });
    expect(res.status).toBe(413);
    const [line] = refusals(running);
    expect(line).toMatchObject({
      status: 413,
      reason: "the body is over the limit of 262144 bytes",
      delivery: "chunked-1",
    });
    expect(line).not.toHaveProperty("declaredBytes");
    // Counted while streaming: the first chunk over the limit ends the read.
    expect(line!.receivedBytes as number).toBeGreaterThan(256 * 1024);
    expect(line!.receivedBytes as number).toBeLessThanOrEqual(256 * 1024 + FILLER.length);
    expect(res.written).toBeLessThan(160 * FILLER.length);
  });

  it("answers 408 to a body that does not arrive within the timeout", async () => {
    running = await start(recordingApp([]), { ROLECALL_WEBHOOK_BODY_TIMEOUT_MS: "300" });
    const res = await post(running.port, {
      headers: deliveryHeaders("pull_request", "{}", SECRET, "slow-1"),
      body: { chunk: Buffer.from('{"action":'), times: 5 },
      stallAfter: 1,
    });
    expect(res.status).toBe(408);
    expect(refusals(running)).toEqual([
      expect.objectContaining({
        status: 408,
        reason: "the body did not arrive within 300 ms",
        delivery: "slow-1",
        declaredBytes: 50,
        receivedBytes: 10,
      }),
    ]);
  });

  it("drops a connection whose headers do not arrive within the timeout", async () => {
    running = await start(recordingApp([]), { ROLECALL_WEBHOOK_BODY_TIMEOUT_MS: "300" });
    const socket = connect(running.port, "127.0.0.1");
    socket.write("POST /api/github/webhooks HTTP/1.1\r\nhost: x\r\nx-github-event: pull_");
    let answer = "";
    socket.on("data", (d: Buffer) => {
      answer += d.toString();
    });
    const closed = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 5_000);
      socket.on("close", () => {
        clearTimeout(timer);
        resolve(true);
      });
      socket.on("error", () => undefined);
    });
    expect(closed).toBe(true);
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
  });

  it("answers 400 to a wrong signature, a tampered body and an expired previous secret, and logs no payload or secret", async () => {
    const seen: Seen[] = [];
    running = await start(recordingApp(seen), {
      WEBHOOK_SECRET_PREVIOUS: PREVIOUS,
      WEBHOOK_SECRET_PREVIOUS_UNTIL: "2020-01-01T00:00:00Z",
    });
    const payload = example("pull_request", "opened");
    const body = JSON.stringify(payload);
    const cases: [string, Record<string, string>, string][] = [
      [
        "forged",
        deliveryHeaders("pull_request", body, "an-attacker-guess-of-the-secret-0123456789"),
        "the signature does not match the body (a wrong secret, or a body changed after signing)",
      ],
      [
        "tampered",
        deliveryHeaders("pull_request", body.replace('"opened"', '"closed"'), SECRET),
        "the signature does not match the body (a wrong secret, or a body changed after signing)",
      ],
      [
        "development",
        deliveryHeaders("pull_request", body, "development"),
        "the signature does not match the body (a wrong secret, or a body changed after signing)",
      ],
      [
        "expired",
        deliveryHeaders("pull_request", body, PREVIOUS),
        "the signature matches WEBHOOK_SECRET_PREVIOUS, whose rotation window closed at 2020-01-01T00:00:00.000Z",
      ],
    ];
    for (const [, headers, reason] of cases) {
      const res = await post(running.port, { headers, body });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toEqual({ error: reason });
    }
    expect(seen).toEqual([]);
    expect(refusals(running)).toEqual(
      cases.map(([, headers, reason]) => ({
        level: 40,
        name: "http",
        status: 400,
        reason,
        delivery: headers["x-github-delivery"],
        event: "pull_request",
        declaredBytes: Buffer.byteLength(body),
        receivedBytes: Buffer.byteLength(body),
        remote: "127.0.0.1",
      })),
    );
    const text = running.logs.text;
    for (const s of strings(payload)) expect(text).not.toContain(s);
    for (const secret of [SECRET, PREVIOUS]) expect(text).not.toContain(secret);
    for (const [, headers] of cases) expect(text).not.toContain(headers["x-hub-signature-256"]!.slice(7));
  });
});

describe("a flood of unauthenticated requests", () => {
  it("refuses ten concurrent 50 MB posts declared by Content-Length on the headers, holding none of them", async () => {
    running = await start(recordingApp([]));
    const { result, peakGrowth } = await memoryHighWater(() =>
      Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          post(running!.port, {
            headers: deliveryHeaders(
              "pull_request",
              "{}",
              "wrong-secret-wrong-secret-wrong-secret",
              `cl-${i}`,
            ),
            body: { chunk: FILLER, times: 800 },
          }),
        ),
      ),
    );
    expect(result.map((r) => r.status)).toEqual(Array(10).fill(413));
    expect(running.server.ingress.admission.usage.peakBytes).toBe(0);
    expect(peakGrowth).toBeLessThan(16 * MiB);
    expect(refusals(running).map((r) => [r.delivery, r.receivedBytes])).toEqual(
      expect.arrayContaining(Array.from({ length: 10 }, (_, i) => [`cl-${i}`, 0])),
    );
    expect(running.logs.text).not.toContain("xxxxxxxx");
  });

  it("refuses ten concurrent 50 MB chunked posts holding at most ROLECALL_WEBHOOK_BUFFER_BYTES, and /ping answers meanwhile", async () => {
    running = await start(recordingApp([]));
    const posts = Array.from({ length: 10 }, (_, i) =>
      post(running!.port, {
        headers: deliveryHeaders("pull_request", "{}", "wrong-secret-wrong-secret-wrong-secret", `ch-${i}`),
        body: { chunk: FILLER, times: 800 },
        chunked: true,
      }),
    );
    const { result, peakGrowth } = await memoryHighWater(async () => {
      const ping = await get(running!.port, "/ping");
      const sent = await Promise.all(posts);
      return { ping, statuses: sent.map((r) => r.status ?? r.error) };
    });
    expect(result.ping).toEqual({ status: 200, body: "PONG" });
    // Each is refused: 413 at the limit, or 503 when the buffer budget (64 MiB) is spent.
    for (const status of result.statuses) expect([413, 503]).toContain(status);
    expect(result.statuses).toContain(413);
    const { peakBytes } = running.server.ingress.admission.usage;
    expect(peakBytes).toBeLessThanOrEqual(64 * MiB);
    // Heap and buffers, garbage not yet collected included: under twice the budget for 500 MB sent.
    expect(peakGrowth).toBeLessThan(2 * 64 * MiB);
    expect(refusals(running)).toHaveLength(10);
    expect(running.logs.text).not.toContain("xxxxxxxx");
  });

  it("refuses unverified requests beyond ROLECALL_WEBHOOK_CONCURRENCY with 503, and /ping answers while they hang", async () => {
    running = await start(recordingApp([]), {
      ROLECALL_WEBHOOK_CONCURRENCY: "4",
      ROLECALL_WEBHOOK_BODY_TIMEOUT_MS: "1000",
    });
    const slow = Array.from({ length: 8 }, (_, i) =>
      post(running!.port, {
        headers: deliveryHeaders("pull_request", "{}", SECRET, `hang-${i}`),
        body: { chunk: Buffer.from("{}"), times: 10 },
        stallAfter: 1,
      }),
    );
    const ping = await get(running.port, "/ping");
    const settled: string[] = [];
    for (const s of slow) void s.then(() => settled.push("post"));
    expect(ping).toEqual({ status: 200, body: "PONG" });
    const statuses = (await Promise.all(slow)).map((r) => r.status).sort();
    expect(statuses).toEqual([408, 408, 408, 408, 503, 503, 503, 503]);
    expect(refusals(running).filter((r) => r.status === 503)).toHaveLength(4);
  });
});

describe("signed deliveries the App cannot handle", () => {
  it("answers 500 without the error to a delivery whose handler throws, and logs the error once without the payload", async () => {
    running = await start(recordingApp([], true));
    const payload = example("pull_request", "opened");
    const body = JSON.stringify(payload);

    const res = await post(running.port, {
      headers: deliveryHeaders("pull_request", body, SECRET, "boom-1"),
      body,
    });

    expect(res.status).toBe(500);
    expect(JSON.parse(res.body)).toEqual({
      error: "the App could not handle delivery boom-1; its log has the details",
    });
    expect(res.body).not.toContain("TypeError");
    const errors = running.logs.atLeast(50);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      level: 50,
      name: "event",
      id: "boom-1",
      msg: "Cannot read properties of undefined (reading 'draft')",
      err: {
        type: "TypeError",
        message: "Cannot read properties of undefined (reading 'draft')",
        event: { id: "boom-1", name: "pull_request", action: "opened" },
      },
    });
    expect(Object.keys(errors[0]!.err as object).sort()).toEqual(["event", "message", "stack", "type"]);
    expect(running.logs.entries("webhook delivery handled")).toEqual([
      expect.objectContaining({ delivery: "boom-1", status: 500 }),
    ]);
    for (const s of strings(payload)) expect(running.logs.text).not.toContain(s);
  });

  it("answers 400 to signed deliveries missing what the event needs, null, or not JSON, and runs no handler", async () => {
    const seen: Seen[] = [];
    running = await start(recordingApp(seen));
    const { pull_request: _pr, ...noPull } = example("pull_request", "opened");
    const rerun = example("check_run", "rerequested");
    const { pull_requests: _prs, ...runWithout } = rerun.check_run as Record<string, unknown>;
    const cases: [string, string, string][] = [
      ["pull_request", JSON.stringify(noPull), "the pull_request event has no `pull_request`"],
      [
        "check_run",
        JSON.stringify({ ...rerun, check_run: runWithout }),
        "the check_run event has no `check_run.pull_requests`",
      ],
      ["pull_request", "null", "the payload is null, not a JSON object"],
      [
        "issue_comment",
        JSON.stringify({ ...example("issue_comment", "created"), comment: "hi" }),
        "the issue_comment event's `comment` is a string, not an object",
      ],
    ];
    for (const [event, body, problem] of cases) {
      const res = await post(running.port, { headers: deliveryHeaders(event, body), body });
      expect(res.status).toBe(400);
      expect(JSON.parse(res.body)).toEqual({ error: `${problem}: the delivery cannot be handled` });
    }
    const notJson = "{not json";
    const res = await post(running.port, {
      headers: deliveryHeaders("pull_request", notJson),
      body: notJson,
    });
    expect(res.status).toBe(400);
    expect(JSON.parse(res.body)).toEqual({ error: "the body is signed but is not JSON" });
    expect(seen).toEqual([]);
    expect(refusals(running)).toHaveLength(cases.length + 1);
    expect(running.logs.atLeast(50)).toEqual([]);
  });
});

describe("secret rotation", () => {
  it("accepts a delivery signed with WEBHOOK_SECRET_PREVIOUS and says so at warn, at most once a minute with a count", async () => {
    let clock = Date.parse("2026-12-01T10:00:00Z");
    const seen: Seen[] = [];
    running = await start(
      recordingApp(seen),
      { WEBHOOK_SECRET_PREVIOUS: PREVIOUS, WEBHOOK_SECRET_PREVIOUS_UNTIL: "2026-12-02T00:00:00Z" },
      { now: () => clock },
    );
    const body = JSON.stringify(example("pull_request", "opened"));
    const send = async (secret: string, id: string) =>
      (await post(running!.port, { headers: deliveryHeaders("pull_request", body, secret, id), body }))
        .status;

    expect(await send(PREVIOUS, "old-1")).toBe(200);
    expect(await send(PREVIOUS, "old-2")).toBe(200);
    expect(await send(SECRET, "new-1")).toBe(200);
    clock += 61_000;
    expect(await send(PREVIOUS, "old-3")).toBe(200);

    expect(seen.map((s) => s.id)).toEqual(["old-1", "old-2", "new-1", "old-3"]);
    const msg =
      "webhook delivery signed with WEBHOOK_SECRET_PREVIOUS: finish the rotation (the App's webhook secret on GitHub must be WEBHOOK_SECRET), then remove WEBHOOK_SECRET_PREVIOUS";
    expect(running.logs.entries(msg)).toEqual([
      { level: 40, name: "http", delivery: "old-1", event: "pull_request", uses: 1 },
      { level: 40, name: "http", delivery: "old-3", event: "pull_request", uses: 2, sinceMs: 61_000 },
    ]);
    expect(running.logs.entries()[0]).toMatchObject({
      level: 40,
      msg: "WEBHOOK_SECRET_PREVIOUS is set: deliveries signed with it are accepted (and logged) until it is removed or its window closes",
      until: "2026-12-02T00:00:00.000Z",
    });
    expect(running.logs.text).not.toContain(PREVIOUS);

    clock = Date.parse("2026-12-02T00:00:00Z");
    expect(await send(PREVIOUS, "old-4")).toBe(400);
    expect(seen.map((s) => s.id)).not.toContain("old-4");
  });
});

describe("a flood of refusals", () => {
  it("writes at most a burst of lines, then ten a second, and the next line counts what was left out", async () => {
    let clock = Date.parse("2026-12-01T10:00:00Z");
    running = await start(recordingApp([]), {}, { now: () => clock });
    const body = "{}";
    for (let i = 0; i < 60; i++)
      expect(
        (await post(running.port, { headers: deliveryHeaders("pull_request", body, null), body })).status,
      ).toBe(400);
    expect(refusals(running)).toHaveLength(50);
    clock += 1_000;
    await post(running.port, { headers: deliveryHeaders("pull_request", body, null, "after"), body });
    const lines = refusals(running);
    expect(lines).toHaveLength(51);
    expect(lines[50]).toMatchObject({ delivery: "after", suppressed: 10 });
  });
});

describe("routes and the health check", () => {
  it("serves the routes the App function adds, /ping, 404 elsewhere, and 405 for a GET on the webhook path", async () => {
    const appFn: ApplicationFunction = (_app, { addHandler }) => {
      addHandler((req, res) => {
        const m = /^\/rules\/([a-z-]+)$/.exec(req.url ?? "");
        if (req.method !== "GET" || !m) return false;
        res.writeHead(200, { "content-type": "text/plain" }).end(`rule ${m[1]}`);
        return true;
      });
    };
    running = await start(appFn);
    expect(await get(running.port, "/rules/sub-not-trusted")).toEqual({
      status: 200,
      body: "rule sub-not-trusted",
    });
    expect(await get(running.port, "/ping")).toEqual({ status: 200, body: "PONG" });
    expect((await get(running.port, "/nothing")).status).toBe(404);
    expect((await get(running.port, "/api/github/webhooks")).status).toBe(405);
    // A declared body over the limit is refused on any path, before the routes.
    const big = await post(running.port, {
      path: "/rules/sub-not-trusted",
      headers: { "content-type": "application/json" },
      body: "{}",
      declare: 26 * MiB,
    });
    expect(big.status).toBe(413);
  });

  it("logs Probot's `Webhook received` debug line with the event's summary, not its payload", async () => {
    running = await start(recordingApp([]));
    const payload = example("pull_request", "opened");
    const body = JSON.stringify(payload);
    await post(running.port, { headers: deliveryHeaders("pull_request", body, SECRET, "dbg-1"), body });
    expect(running.logs.entries("Webhook received")).toEqual([
      { level: 20, name: "probot", event: { id: "dbg-1", name: "pull_request", action: "opened" } },
    ]);
  });
});
