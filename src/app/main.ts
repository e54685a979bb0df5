#!/usr/bin/env node
import { existsSync } from "node:fs";
import { run } from "probot";
import { createRoleReader, validateReaderRoleTemplate } from "../adapters/aws/index.js";
import { rolecallApp } from "./app.js";
import { createRoleAccess } from "./aws-access.js";
import { createLogger } from "./http/logger.js";
import { type StartedApp, startApp } from "./http/start.js";
import { readServerConfig } from "./server-config.js";

// npm start: the GitHub App server. Without APP_ID Probot serves its setup flow on http://localhost:3000.
// Probot reads .env itself, but only later: load it first so rolecall's own settings in it apply too.
if (existsSync(".env")) process.loadEnvFile(".env");

function refuse(message: string): never {
  console.error(`rolecall: ${message}`);
  process.exit(2);
}

// 1. Settings: a bad one, or an App configured without a real webhook secret, stops the server here.
let config: ReturnType<typeof readServerConfig>;
try {
  config = readServerConfig(process.env);
  const problem = config.readerRoleTemplate
    ? validateReaderRoleTemplate(config.readerRoleTemplate)
    : undefined;
  if (problem) throw new Error(`ROLECALL_READER_ROLE_TEMPLATE: ${problem}`);
} catch (e) {
  refuse((e as Error).message);
}

// 2. AWS access, when configured.
const roles = config.awsEnabled
  ? createRoleAccess(
      createRoleReader({
        env: process.env,
        assumeRoleTemplate: config.readerRoleTemplate,
        externalId: config.readerExternalId,
      }),
      config.boundary,
      { now: Date.now },
    )
  : null;
if (!roles)
  console.warn(
    "rolecall: ROLECALL_ACCOUNTS is not set; trust policies will not be read from AWS (scans will be incomplete).",
  );
const appFn = rolecallApp({ roles, issuer: config.issuer, docsBase: config.docsBase, now: Date.now });

// 3. No APP_ID: Probot's setup flow (register the App from app.yml), which loads no handler.
if (!config.webhook) {
  try {
    await run(appFn);
  } catch (e) {
    refuse((e as Error).message);
  }
} else {
  // 4. The App, behind rolecall's own HTTP server (bounded, redacted webhook ingress).
  if (process.env.WEBHOOK_PROXY_URL)
    console.warn(
      `rolecall: WEBHOOK_PROXY_URL is not relayed by rolecall's server; for local development run \`npx smee-client --url ${process.env.WEBHOOK_PROXY_URL} --target http://localhost:${config.listen.port}${config.webhook.path}\` beside it.`,
    );
  let started: StartedApp;
  try {
    started = await startApp({
      env: process.env,
      webhook: config.webhook,
      listen: config.listen,
      appFn,
      log: await createLogger(process.env),
    });
  } catch (e) {
    refuse((e as Error).message);
  }
  const stop = (signal: string) => {
    console.info(`rolecall: ${signal}: stopping the server`);
    started.server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
    setTimeout(() => process.exit(0), 10_000).unref();
  };
  process.once("SIGINT", () => stop("SIGINT"));
  process.once("SIGTERM", () => stop("SIGTERM"));
}
