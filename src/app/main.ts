#!/usr/bin/env node
import { existsSync, readFileSync } from "node:fs";
import { run } from "probot";
import { createRoleReader, validateReaderRoleTemplate } from "../adapters/aws/index.js";
import { rolecallApp } from "./app.js";
import { createRoleAccess } from "./aws-access.js";
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
let config: ReturnType<typeof readServerConfig>;
try {
  config = readServerConfig(process.env);
  const problem = config.readerRoleTemplate
    ? validateReaderRoleTemplate(config.readerRoleTemplate)
    : undefined;
  if (problem) throw new Error(`ROLECALL_READER_ROLE_TEMPLATE: ${problem}`);
} catch (e) {
  console.error(`rolecall: ${(e as Error).message}`);
  process.exit(2);
}
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
await run(
  withRuleDocs(rolecallApp({ roles, issuer: config.issuer, docsBase: config.docsBase, now: Date.now })),
);
