#!/usr/bin/env node
import { existsSync, readFileSync } from "node:fs";
import { run } from "probot";
import { createRoleReader, validateReaderRoleTemplate } from "../adapters/aws/index.js";
import { readAnalysisSettings, sharedAnalysisPool } from "../worker/analysis.js";
import { baselineFromEnv, RolecallOctokit, rolecallApp } from "./app.js";
import { createRoleAccess } from "./aws-access.js";
import { createLogger } from "./http/logger.js";
import { type StartedApp, startApp } from "./http/start.js";
import { withRuleDocs } from "./rule-docs.js";
import { readServerConfig } from "./server-config.js";
import { setupManifestProblems } from "./setup-manifest.js";

// npm start: the GitHub App server. Without APP_ID Probot serves its setup flow on http://localhost:3000.
// Probot reads .env itself, but only later: load it first so rolecall's own settings in it apply too.
if (existsSync(".env")) process.loadEnvFile(".env");
// Setup mode registers the App from app.yml through a page that cannot carry every character.
const manifestProblems =
  !process.env.APP_ID && existsSync("app.yml") ? setupManifestProblems(readFileSync("app.yml", "utf8")) : [];
if (manifestProblems.length > 0) {
  for (const p of manifestProblems) console.error(`rolecall: ${p}`);
  process.exit(2);
}

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
  // The analysis pool (ROLECALL_ANALYSIS_*): checked and started before the first delivery.
  sharedAnalysisPool(readAnalysisSettings(process.env));
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
if (!config.docsBase)
  console.warn(
    "rolecall: ROLECALL_PUBLIC_URL is not set; findings will name rules without linking their docs.",
  );
const baseline = baselineFromEnv(process.env);
const appFn = withRuleDocs(
  rolecallApp({
    roles,
    issuer: config.issuer,
    docsBase: config.docsBase,
    now: Date.now,
    ...(baseline ? { baseline } : {}),
  }),
);

// 3. No APP_ID: Probot's setup flow (register the App from app.yml), which loads no handler.
if (!config.webhook) {
  try {
    await run(appFn, { Octokit: RolecallOctokit });
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
      // Octokit's production throttling and retry, with secondary rate limits retried (app.ts).
      Octokit: RolecallOctokit,
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
