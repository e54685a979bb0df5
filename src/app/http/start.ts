/**
 * Starts the configured App (`APP_ID` set) behind rolecall's own HTTP server: a real Probot for
 * authentication, Octokit and handlers, logging through the redacting serializers; the webhook
 * endpoint and the routes the App function adds served by {@link AppServer}.
 */

import type { Logger } from "pino";
import { type ApplicationFunction, createProbot, type Probot, type ProbotOctokit } from "probot";
import type { WebhookConfig } from "../server-config.js";
import { redactingLogger } from "./safe-log.js";
import { AppServer, type RouteHandler } from "./server.js";

export interface StartOptions {
  /** Probot's own settings: `APP_ID`, `PRIVATE_KEY`/`PRIVATE_KEY_PATH`, `GHE_HOST`, `GHE_PROTOCOL`. */
  env: Readonly<Record<string, string | undefined>>;
  webhook: WebhookConfig;
  listen: { host: string; port: number };
  appFn: ApplicationFunction;
  /** The base logger; every line the server and Probot write goes through its redacting child. */
  log: Logger;
  /** An Octokit class for Probot (tests switch nothing off; the default is Probot's own). */
  Octokit?: typeof ProbotOctokit;
  now?: () => number;
  /** GitHub waits 10 s; Probot answered 202 after 9 s, and so does this server. */
  answerAfterMs?: number;
}

export interface StartedApp {
  server: AppServer;
  probot: Probot;
  /** `http://host:port`, as bound. */
  url: string;
}

export async function startApp(options: StartOptions): Promise<StartedApp> {
  const log = redactingLogger(options.log);
  const now = options.now ?? Date.now;
  const current = options.webhook.secrets[0];
  if (!current) throw new Error("WEBHOOK_SECRET is not set");
  let probot: Probot;
  try {
    probot = createProbot({
      env: { ...options.env, WEBHOOK_SECRET: current.value },
      overrides: { log, ...(options.Octokit ? { Octokit: options.Octokit } : {}) },
    });
  } catch (error) {
    throw new Error(
      /privateKey/.test((error as Error).message)
        ? "PRIVATE_KEY is not set: give the App's private key as PRIVATE_KEY (the PEM text, or its base64) or PRIVATE_KEY_PATH (a file)"
        : (error as Error).message,
    );
  }
  await probot.ready();
  const server = new AppServer({
    path: options.webhook.path,
    secrets: options.webhook.secrets,
    maxBodyBytes: options.webhook.maxBodyBytes,
    bodyTimeoutMs: options.webhook.bodyTimeoutMs,
    admission: { maxRequests: options.webhook.concurrency, maxBytes: options.webhook.bufferBytes },
    answerAfterMs: options.answerAfterMs ?? 9_000,
    lingerMs: 1_000,
    refusalLog: { perSecond: 10, burst: 50 },
    log: log.child({ name: "http" }),
    receive: (delivery) => probot.receive(delivery as unknown as Parameters<Probot["receive"]>[0]),
    now,
  });
  await probot.load(options.appFn, {
    cwd: process.cwd(),
    addHandler: (handler: RouteHandler) => server.addHandler(handler),
  });
  const address = await server.listen(options.listen.port, options.listen.host);
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  const url = `http://${host}:${address.port}`;
  const previous = options.webhook.secrets.find((s) => s.role === "previous");
  if (previous) {
    const closed = previous.until !== undefined && previous.until.getTime() <= now();
    log.warn(
      { until: previous.until?.toISOString() },
      closed
        ? "WEBHOOK_SECRET_PREVIOUS is set but its window has closed: deliveries signed with it are refused; remove it"
        : "WEBHOOK_SECRET_PREVIOUS is set: deliveries signed with it are accepted (and logged) until it is removed or its window closes",
    );
  }
  log.info(
    {
      webhookPath: options.webhook.path,
      maxBodyBytes: options.webhook.maxBodyBytes,
      bodyTimeoutMs: options.webhook.bodyTimeoutMs,
    },
    `rolecall listening on ${url} (Probot v${probot.version})`,
  );
  return { server, probot, url };
}
