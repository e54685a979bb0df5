/**
 * Support for the ingress tests: the App started as `npm start` starts it (`startApp` with settings
 * read by `readWebhookConfig`) on 127.0.0.1 with a free port, a pino logger whose every line is
 * captured, real payloads from `@octokit/webhooks-examples`, and a raw HTTP client that streams
 * bodies (Content-Length or chunked, fast or slow) and reports the status even when the server
 * closes the connection before the body is sent. No nock here: it would sit between client and
 * server and buffer the bodies whose buffering is under test.
 */
import { createHmac, generateKeyPairSync, randomUUID } from "node:crypto";
import { request } from "node:http";
import { createRequire } from "node:module";
import type { AddressInfo } from "node:net";
import { pino } from "pino";
import type { ApplicationFunction } from "probot";
import { type StartedApp, startApp } from "../../src/app/http/start.js";
import { readWebhookConfig } from "../../src/app/server-config.js";

export const PRIVATE_KEY = generateKeyPairSync("rsa", {
  modulusLength: 2048,
  publicKeyEncoding: { type: "spki", format: "pem" },
  privateKeyEncoding: { type: "pkcs1", format: "pem" },
}).privateKey;

/** 64 hex digits, as `openssl rand -hex 32` gives. */
export const SECRET = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
export const PREVIOUS = "b5bb9d8014a0f9b1d61e21e796d78dccdf1352f23cd32812f4850b878ae4944c";

export function signature(secret: string, body: string | Buffer): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** Every line the server and Probot logged, as parsed JSON. */
export class LogCapture {
  readonly lines: string[] = [];
  readonly logger = pino({ level: "trace" }, { write: (line: string) => void this.lines.push(line) });

  get text(): string {
    return this.lines.join("");
  }

  /** Entries with message `msg` (without it), without pino's `time`, `pid` and `hostname`. */
  entries(msg?: string): Record<string, unknown>[] {
    return this.lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => msg === undefined || e.msg === msg)
      .map(({ time: _t, pid: _p, hostname: _h, ...rest }) => rest)
      .map(({ msg: m, ...rest }) => (msg === undefined ? { msg: m, ...rest } : rest));
  }

  atLeast(level: number): Record<string, unknown>[] {
    return this.entries().filter((e) => (e.level as number) >= level);
  }
}

interface ExampleDefinition {
  name: string;
  examples: Record<string, unknown>[];
}
const require = createRequire(import.meta.url);
export const EXAMPLES =
  require("@octokit/webhooks-examples/api.github.com/index.json") as ExampleDefinition[];

/** A deep copy of the first example of `event` with `action`. */
export function example(event: string, action?: string): Record<string, unknown> {
  const found = EXAMPLES.find((d) => d.name === event)?.examples.find(
    (p) => action === undefined || p.action === action,
  );
  if (!found) throw new Error(`no example of ${event}.${action}`);
  return structuredClone(found);
}

/** Every string in `value` of at least `min` characters (to search logs for payload bytes). */
export function strings(value: unknown, min = 8, out = new Set<string>()): Set<string> {
  if (typeof value === "string" && value.length >= min) out.add(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, min, out);
  else if (typeof value === "object" && value !== null)
    for (const v of Object.values(value)) strings(v, min, out);
  return out;
}

export interface Running extends StartedApp {
  logs: LogCapture;
  port: number;
  stop(): Promise<void>;
}

/** The App with `appFn` behind the real server, settings from `env` on top of a valid App. */
export async function start(
  appFn: ApplicationFunction,
  env: Record<string, string> = {},
  extra: { now?: () => number; answerAfterMs?: number } = {},
): Promise<Running> {
  const logs = new LogCapture();
  const fullEnv = { APP_ID: "1", PRIVATE_KEY, WEBHOOK_SECRET: SECRET, ...env };
  const webhook = readWebhookConfig(fullEnv);
  if (!webhook) throw new Error("no webhook config");
  const started = await startApp({
    env: fullEnv,
    webhook,
    listen: { host: "127.0.0.1", port: 0 },
    appFn,
    log: logs.logger,
    ...extra,
  });
  return {
    ...started,
    logs,
    port: (started.server.http.address() as AddressInfo).port,
    stop: () => started.server.close(),
  };
}

export interface Sent {
  status: number | undefined;
  body: string;
  /** Body bytes the client managed to write before the answer or the close. */
  written: number;
  /** Whether the server sent `100 Continue`. */
  continued: boolean;
  error?: string;
}

export interface PostOptions {
  path?: string;
  headers?: Record<string, string>;
  /** The body, or a chunk sent `times` times. */
  body: string | Buffer | { chunk: Buffer; times: number };
  /** Send `Transfer-Encoding: chunked` instead of `Content-Length`. */
  chunked?: boolean;
  /** Declare this `Content-Length` (default: the body's). */
  declare?: number;
  /** Wait this long between chunks. */
  delayMs?: number;
  /** Stop sending after this many chunks and keep the connection open (a stalled sender). */
  stallAfter?: number;
  /** Send `Expect: 100-continue` and wait for it before the body. */
  expectContinue?: boolean;
}

/** GitHub's delivery headers for `event`, signed over `body` with `secret` (null: unsigned). */
export function deliveryHeaders(
  event: string,
  body: string | Buffer,
  secret: string | null = SECRET,
  delivery: string = randomUUID(),
): Record<string, string> {
  return {
    "content-type": "application/json",
    "user-agent": "GitHub-Hookshot/044aadd",
    "x-github-event": event,
    "x-github-delivery": delivery,
    "x-github-hook-id": "292430182",
    "x-github-hook-installation-target-type": "integration",
    ...(secret === null ? {} : { "x-hub-signature-256": signature(secret, body) }),
  };
}

/** Posts through a raw connection; resolves once the answer has arrived (or the connection died). */
export function post(port: number, options: PostOptions): Promise<Sent> {
  const chunks =
    typeof options.body === "string" || Buffer.isBuffer(options.body)
      ? { chunk: Buffer.from(options.body), times: 1 }
      : options.body;
  const total = chunks.chunk.length * chunks.times;
  const headers: Record<string, string> = { ...options.headers };
  if (options.chunked) headers["transfer-encoding"] = "chunked";
  else headers["content-length"] = String(options.declare ?? total);
  if (options.expectContinue) headers.expect = "100-continue";
  return new Promise((resolve) => {
    const result: Sent = { status: undefined, body: "", written: 0, continued: false };
    let done = false;
    let stopped = false;
    const finish = (error?: string) => {
      if (done) return;
      done = true;
      stopped = true;
      if (error !== undefined && result.status === undefined) result.error = error;
      resolve(result);
    };
    const req = request({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: options.path ?? "/api/github/webhooks",
      headers,
    });
    req.on("response", (res) => {
      result.status = res.statusCode;
      stopped = true;
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        result.body += d;
      });
      res.on("end", () => finish());
      res.on("error", () => finish());
      res.on("close", () => finish());
    });
    req.on("error", (e) => finish((e as NodeJS.ErrnoException).code ?? e.message));
    const send = async () => {
      for (let i = 0; i < chunks.times && !stopped; i++) {
        if (options.stallAfter !== undefined && i >= options.stallAfter) return; // keep the connection open
        if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
        if (stopped) return;
        const ok = req.write(chunks.chunk);
        result.written += chunks.chunk.length;
        if (!ok)
          await new Promise<void>((r) => {
            const go = () => {
              req.off("drain", go);
              req.off("close", go);
              r();
            };
            req.on("drain", go);
            req.on("close", go);
          });
      }
      if (!stopped) req.end();
    };
    if (options.expectContinue) {
      req.on("continue", () => {
        result.continued = true;
        void send();
      });
      req.flushHeaders();
    } else void send();
  });
}

/** GET `path`; resolves with status and body. */
export function get(port: number, path: string): Promise<{ status: number | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    request({ host: "127.0.0.1", port, path }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        body += d;
      });
      res.on("end", () => resolve({ status: res.statusCode, body }));
    })
      .on("error", reject)
      .end();
  });
}

/** Samples `process.memoryUsage()` every few ms while `work` runs: the growth of heap and buffers over the start. */
export async function memoryHighWater<T>(work: () => Promise<T>): Promise<{ result: T; peakGrowth: number }> {
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const base = used();
  let peak = base;
  const timer = setInterval(() => {
    peak = Math.max(peak, used());
  }, 5);
  try {
    const result = await work();
    peak = Math.max(peak, used());
    return { result, peakGrowth: peak - base };
  } finally {
    clearInterval(timer);
  }
}
