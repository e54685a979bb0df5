/**
 * Starting the App: what `npm start` refuses (no real webhook secret, a bad limit) and with which
 * message; the setup flow without `APP_ID`; and the payload shapes the ingress requires, checked
 * against every real example GitHub publishes for the App's events.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { payloadProblem } from "../../src/app/http/payload-shape.js";
import { startApp } from "../../src/app/http/start.js";
import { readServerConfig, readWebhookConfig } from "../../src/app/server-config.js";
import { deliveryHeaders, EXAMPLES, LogCapture, PREVIOUS, PRIVATE_KEY, SECRET } from "./ingress-support.js";

const APP = { APP_ID: "123456", PRIVATE_KEY };
const GENERATE =
  "generate one with `openssl rand -hex 32` and set it both here and as the App's webhook secret on GitHub";

describe("npm start refuses to run the App without a real webhook secret", () => {
  it.each([
    [
      "unset",
      {},
      `WEBHOOK_SECRET is not set: without it Probot verifies deliveries with the publicly known secret "development", so anyone could forge one; set it to the App's webhook secret (GitHub: the App's settings → Webhook secret), or ${GENERATE}`,
    ],
    ["empty", { WEBHOOK_SECRET: "" }, /^WEBHOOK_SECRET is not set/],
    [
      "Probot's default",
      { WEBHOOK_SECRET: "development" },
      `WEBHOOK_SECRET is "development", Probot's publicly known default: anyone could sign a forged delivery with it; ${GENERATE}`,
    ],
    [
      "short",
      { WEBHOOK_SECRET: "5f1c0a9e7d2b4c6a8e0f1d3b5a7c9e1" },
      `WEBHOOK_SECRET is 31 characters long; at least 32 random characters are required, because anyone who sees one signed delivery can guess a short secret offline; ${GENERATE}`,
    ],
    [
      "not random",
      { WEBHOOK_SECRET: "abcabcabcabcabcabcabcabcabcabcabcabc" },
      `WEBHOOK_SECRET has only 3 different characters, so it is not random; ${GENERATE}`,
    ],
    [
      "previous: short",
      { WEBHOOK_SECRET: SECRET, WEBHOOK_SECRET_PREVIOUS: "old" },
      /^WEBHOOK_SECRET_PREVIOUS is 3 characters long/,
    ],
    [
      "previous: same",
      { WEBHOOK_SECRET: SECRET, WEBHOOK_SECRET_PREVIOUS: SECRET },
      "WEBHOOK_SECRET_PREVIOUS is the same as WEBHOOK_SECRET: set it to the secret being replaced, or remove it",
    ],
    [
      "previous: bad end",
      {
        WEBHOOK_SECRET: SECRET,
        WEBHOOK_SECRET_PREVIOUS: PREVIOUS,
        WEBHOOK_SECRET_PREVIOUS_UNTIL: "next week",
      },
      'WEBHOOK_SECRET_PREVIOUS_UNTIL must be a date and time such as 2026-12-01T12:00:00Z, not "next week"',
    ],
    [
      "end without previous",
      { WEBHOOK_SECRET: SECRET, WEBHOOK_SECRET_PREVIOUS_UNTIL: "2026-12-01T12:00:00Z" },
      "WEBHOOK_SECRET_PREVIOUS_UNTIL is set but WEBHOOK_SECRET_PREVIOUS is not: set both, or neither",
    ],
    [
      "buffer below the limit",
      { WEBHOOK_SECRET: SECRET, ROLECALL_WEBHOOK_BUFFER_BYTES: "1048576" },
      "ROLECALL_WEBHOOK_BUFFER_BYTES (1048576) is below ROLECALL_WEBHOOK_MAX_BYTES (26214400): a delivery at the limit could never be received",
    ],
    [
      "limit not a number",
      { WEBHOOK_SECRET: SECRET, ROLECALL_WEBHOOK_MAX_BYTES: "25MB" },
      'ROLECALL_WEBHOOK_MAX_BYTES must be a whole number of at least 1024, not "25MB"',
    ],
  ])("%s", (_name, env, message) => {
    expect(() => readServerConfig({ ...APP, ...env })).toThrow(message);
  });

  it("names PRIVATE_KEY when APP_ID is set without a key", async () => {
    const webhook = readWebhookConfig({ APP_ID: "1", WEBHOOK_SECRET: SECRET })!;
    await expect(
      startApp({
        env: { APP_ID: "1" },
        webhook,
        listen: { host: "127.0.0.1", port: 0 },
        appFn: () => {},
        log: new LogCapture().logger,
      }),
    ).rejects.toThrow(
      "PRIVATE_KEY is not set: give the App's private key as PRIVATE_KEY (the PEM text, or its base64) or PRIVATE_KEY_PATH (a file)",
    );
  });

  it("reads a real secret, the previous one and its window, and GitHub's 25 MB payload cap as the default limit", () => {
    const config = readServerConfig({
      ...APP,
      WEBHOOK_SECRET: SECRET,
      WEBHOOK_SECRET_PREVIOUS: PREVIOUS,
      WEBHOOK_SECRET_PREVIOUS_UNTIL: "2026-12-01T12:00:00Z",
    });
    expect(config.webhook).toEqual({
      secrets: [
        { value: SECRET, role: "current" },
        { value: PREVIOUS, role: "previous", until: new Date("2026-12-01T12:00:00Z") },
      ],
      path: "/api/github/webhooks",
      maxBodyBytes: 25 * 1024 * 1024,
      bodyTimeoutMs: 10_000,
      concurrency: 32,
      bufferBytes: 64 * 1024 * 1024,
    });
    expect(config.listen).toEqual({ host: "localhost", port: 3000 });
  });

  it("needs no secret for the setup flow (no APP_ID), which Probot serves", () => {
    expect(readServerConfig({}).webhook).toBeNull();
    expect(readServerConfig({ WEBHOOK_SECRET: "development" }).webhook).toBeNull();
  });
});

describe("the payload shapes the ingress requires", () => {
  const events = [
    "pull_request",
    "check_run",
    "check_suite",
    "issue_comment",
    "merge_group",
    "repository",
    "installation_repositories",
  ];

  it.each(events)("accept every published example of %s", (event) => {
    const examples = EXAMPLES.find((d) => d.name === event)?.examples ?? [];
    expect(examples.length).toBeGreaterThan(0);
    for (const payload of examples) expect(payloadProblem(event, payload)).toBeNull();
  });

  it("let other events through unchecked, but only as JSON objects", () => {
    expect(payloadProblem("ping", { zen: "Keep it logically awesome." })).toBeNull();
    expect(payloadProblem("ping", [])).toBe("the payload is an array, not a JSON object");
  });
});

describe("npm start (dist/app/main.js, as built by npm test)", () => {
  const main = fileURLToPath(new URL("../../dist/app/main.js", import.meta.url));
  const base = { PATH: process.env.PATH ?? "", NODE_ENV: "production", HOST: "127.0.0.1", PORT: "0" };

  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  function run(env: Record<string, string>) {
    const cwd = mkdtempSync(join(tmpdir(), "rolecall-start-")); // no .env here
    dirs.push(cwd);
    return spawn(process.execPath, [main], {
      cwd,
      env: { ...base, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
  }

  it("exits 2 with the reason when the App has Probot's default secret", async () => {
    const child = run({ APP_ID: "1", PRIVATE_KEY, WEBHOOK_SECRET: "development" });
    let stderr = "";
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const code = await new Promise((resolve) => child.on("exit", resolve));
    expect(code).toBe(2);
    expect(stderr).toContain(`rolecall: WEBHOOK_SECRET is "development", Probot's publicly known default`);
  });

  it("serves Probot's setup flow without APP_ID (no secret needed), and refuses it in production", async () => {
    const port = await new Promise<number>((resolve) => {
      const probe = createServer().listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const child = run({
      NODE_ENV: "development",
      NO_SMEE_SETUP: "true",
      PORT: String(port),
      LOG_FORMAT: "json",
    });
    try {
      let stdout = "";
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not started: ${stdout}`)), 15_000);
        child.stdout.on("data", (d: Buffer) => {
          stdout += d.toString();
          if (stdout.includes("Listening on")) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      const page = await fetch(`http://127.0.0.1:${port}/probot`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain("Register GitHub App");
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.on("exit", resolve));
    }

    const production = run({});
    let stderr = "";
    production.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    expect(await new Promise((resolve) => production.on("exit", resolve))).toBe(2);
    expect(stderr).toContain("rolecall: App ID is missing, and is required to run in production mode.");
  });

  it("serves /ping and refuses a forged delivery once started with a real secret", async () => {
    const child = run({ APP_ID: "1", PRIVATE_KEY, WEBHOOK_SECRET: SECRET, LOG_FORMAT: "json" });
    try {
      let stdout = "";
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not started: ${stdout}`)), 15_000);
        child.stdout.on("data", (d: Buffer) => {
          stdout += d.toString();
          const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(stdout);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        });
      });
      expect(await (await fetch(`${url}/ping`)).text()).toBe("PONG");
      const forged = await fetch(`${url}/api/github/webhooks`, {
        method: "POST",
        headers: deliveryHeaders("pull_request", "{}", "development", "forged-1"),
        body: "{}",
      });
      expect(forged.status).toBe(400);
      await new Promise((r) => setTimeout(r, 100));
      const refused = stdout
        .split("\n")
        .filter((l) => l.includes("webhook delivery refused"))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(refused).toEqual([expect.objectContaining({ level: 40, status: 400, delivery: "forged-1" })]);
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.on("exit", resolve));
    }
  });
});
