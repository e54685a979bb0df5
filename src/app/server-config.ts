import { type AccountBoundary, parseAccountBoundary } from "./aws-access.js";
import type { WebhookSecret } from "./http/signature.js";
import { RULES_PATH } from "./rule-docs.js";

/** The server's own settings (12-factor: environment variables), beyond Probot's APP_ID and PRIVATE_KEY. */
export interface ServerConfig {
  boundary: AccountBoundary;
  readerRoleTemplate: string | undefined;
  /** `ROLECALL_READER_EXTERNAL_ID`: the external id the reader roles' trust policies require, if any. */
  readerExternalId: string | undefined;
  issuer: string;
  /** `ROLECALL_PUBLIC_URL`: where users reach this server, which serves the rule docs at `/rules`. */
  publicUrl: string | undefined;
  /** What a rule id is appended to for its docs link (`<public URL>/rules/`); "" when there is no page to link. */
  docsBase: string;
  /** Whether AWS reads are configured at all (ROLECALL_ACCOUNTS set). */
  awsEnabled: boolean;
  /** The webhook endpoint; null without `APP_ID`, when `npm start` serves Probot's setup flow instead. */
  webhook: WebhookConfig | null;
  /** `HOST` and `PORT`, as Probot reads them. */
  listen: { host: string; port: number };
}

/** The webhook endpoint's secrets and limits (README, "Configure" and "Threat model"). */
export interface WebhookConfig {
  /** `WEBHOOK_SECRET` first, then `WEBHOOK_SECRET_PREVIOUS` (with its window's end) during a rotation. */
  secrets: WebhookSecret[];
  path: string;
  maxBodyBytes: number;
  bodyTimeoutMs: number;
  concurrency: number;
  bufferBytes: number;
}

/** An absolute http(s) URL without credentials, query or fragment, with no trailing slash; throws otherwise. */
function baseUrl(name: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new Error(
      `${name} must be an absolute http(s) URL, e.g. https://rolecall.example.com (got ${JSON.stringify(value)})`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new Error(`${name} must be an http(s) URL (got ${url.protocol})`);
  if (url.username || url.password || url.search || url.hash)
    throw new Error(`${name} must not carry credentials, a query or a fragment`);
  return url.href.replace(/\/+$/, "");
}

/**
 * GitHub caps webhook payloads at 25 MB and does not deliver larger ones ("About webhook events and
 * payloads", Payload cap): read as 25 MiB, the larger reading, so no delivery GitHub sends is refused.
 */
export const GITHUB_PAYLOAD_CAP = 25 * 1024 * 1024;
/** GitHub waits 10 s for an answer; a body still arriving after that is not a delivery it waits on. */
export const DEFAULT_BODY_TIMEOUT_MS = 10_000;
export const DEFAULT_CONCURRENCY = 32;
export const DEFAULT_BUFFER_BYTES = 64 * 1024 * 1024;

/**
 * The shortest webhook secret accepted. Every delivery carries the HMAC-SHA256 of its body under the
 * secret, so whoever sees one signed delivery (a proxy, a log, a debugging session) can guess secrets
 * offline at the speed of SHA-256: 32 random characters (128 bits as hex, more in base64) put that out
 * of reach. `openssl rand -hex 32` gives 64; the secret GitHub's App manifest flow generates has 40.
 */
export const MIN_SECRET_LENGTH = 32;
const MIN_DISTINCT_CHARACTERS = 8;
const GENERATE =
  "generate one with `openssl rand -hex 32` and set it both here and as the App's webhook secret on GitHub";

function secretProblem(name: string, value: string): string | null {
  if (value === "development")
    return `${name} is "development", Probot's publicly known default: anyone could sign a forged delivery with it; ${GENERATE}`;
  if (value.length < MIN_SECRET_LENGTH)
    return `${name} is ${value.length} characters long; at least ${MIN_SECRET_LENGTH} random characters are required, because anyone who sees one signed delivery can guess a short secret offline; ${GENERATE}`;
  const distinct = new Set(value).size;
  if (distinct < MIN_DISTINCT_CHARACTERS)
    return `${name} has only ${distinct} different characters, so it is not random; ${GENERATE}`;
  return null;
}

function positiveInteger(name: string, raw: string | undefined, fallback: number, min = 1): number {
  if (raw === undefined || raw === "") return fallback;
  if (!/^\d+$/.test(raw) || Number(raw) < min || !Number.isSafeInteger(Number(raw)))
    throw new Error(`${name} must be a whole number of at least ${min}, not "${raw}"`);
  return Number(raw);
}

/**
 * The webhook settings, or null when `APP_ID` is unset (setup flow). Throws when the App is
 * configured without a real secret: Probot would otherwise verify with "development".
 */
export function readWebhookConfig(env: Readonly<Record<string, string | undefined>>): WebhookConfig | null {
  const appId = env.APP_ID;
  if (appId === undefined || appId === "") return null;
  if (!/^\d+$/.test(appId)) throw new Error(`APP_ID must be the App's numeric id, not "${appId}"`);
  const current = env.WEBHOOK_SECRET;
  if (current === undefined || current === "")
    throw new Error(
      `WEBHOOK_SECRET is not set: without it Probot verifies deliveries with the publicly known secret "development", so anyone could forge one; set it to the App's webhook secret (GitHub: the App's settings → Webhook secret), or ${GENERATE}`,
    );
  const problem = secretProblem("WEBHOOK_SECRET", current);
  if (problem) throw new Error(problem);
  const secrets: WebhookSecret[] = [{ value: current, role: "current" }];

  const previous = env.WEBHOOK_SECRET_PREVIOUS;
  const untilRaw = env.WEBHOOK_SECRET_PREVIOUS_UNTIL;
  if (previous !== undefined && previous !== "") {
    const previousProblem = secretProblem("WEBHOOK_SECRET_PREVIOUS", previous);
    if (previousProblem) throw new Error(previousProblem);
    if (previous === current)
      throw new Error(
        "WEBHOOK_SECRET_PREVIOUS is the same as WEBHOOK_SECRET: set it to the secret being replaced, or remove it",
      );
    let until: Date | undefined;
    if (untilRaw !== undefined && untilRaw !== "") {
      until = new Date(untilRaw);
      if (!/^\d{4}-\d{2}-\d{2}T/.test(untilRaw) || Number.isNaN(until.getTime()))
        throw new Error(
          `WEBHOOK_SECRET_PREVIOUS_UNTIL must be a date and time such as 2026-12-01T12:00:00Z, not "${untilRaw}"`,
        );
    }
    secrets.push({ value: previous, role: "previous", until });
  } else if (untilRaw !== undefined && untilRaw !== "") {
    throw new Error(
      "WEBHOOK_SECRET_PREVIOUS_UNTIL is set but WEBHOOK_SECRET_PREVIOUS is not: set both, or neither",
    );
  }

  const maxBodyBytes = positiveInteger(
    "ROLECALL_WEBHOOK_MAX_BYTES",
    env.ROLECALL_WEBHOOK_MAX_BYTES,
    GITHUB_PAYLOAD_CAP,
    1024,
  );
  const bufferBytes = positiveInteger(
    "ROLECALL_WEBHOOK_BUFFER_BYTES",
    env.ROLECALL_WEBHOOK_BUFFER_BYTES,
    Math.max(DEFAULT_BUFFER_BYTES, maxBodyBytes),
  );
  if (bufferBytes < maxBodyBytes)
    throw new Error(
      `ROLECALL_WEBHOOK_BUFFER_BYTES (${bufferBytes}) is below ROLECALL_WEBHOOK_MAX_BYTES (${maxBodyBytes}): a delivery at the limit could never be received`,
    );
  const path = env.WEBHOOK_PATH || "/api/github/webhooks";
  if (!path.startsWith("/")) throw new Error(`WEBHOOK_PATH must start with "/", not "${path}"`);
  return {
    secrets,
    path,
    maxBodyBytes,
    bodyTimeoutMs: positiveInteger(
      "ROLECALL_WEBHOOK_BODY_TIMEOUT_MS",
      env.ROLECALL_WEBHOOK_BODY_TIMEOUT_MS,
      DEFAULT_BODY_TIMEOUT_MS,
      100,
    ),
    concurrency: positiveInteger(
      "ROLECALL_WEBHOOK_CONCURRENCY",
      env.ROLECALL_WEBHOOK_CONCURRENCY,
      DEFAULT_CONCURRENCY,
    ),
    bufferBytes,
  };
}

/** Reads the server configuration; throws a plain-language Error for a bad value (the server refuses to start). */
export function readServerConfig(env: Readonly<Record<string, string | undefined>>): ServerConfig {
  const boundary = parseAccountBoundary(env.ROLECALL_ACCOUNTS);
  const publicUrl = env.ROLECALL_PUBLIC_URL
    ? baseUrl("ROLECALL_PUBLIC_URL", env.ROLECALL_PUBLIC_URL)
    : undefined;
  const ghes = env.GHE_HOST?.replace(/^https?:\/\//, "").replace(/\/$/, "");
  return {
    boundary,
    readerRoleTemplate: env.ROLECALL_READER_ROLE_TEMPLATE || undefined,
    readerExternalId: env.ROLECALL_READER_EXTERNAL_ID || undefined,
    // ROLECALL_ISSUER: an enterprise-slug issuer (token.actions.githubusercontent.com/<slug>) or any
    // other; GHE.com (data residency, <sub>.ghe.com) issues from token.actions.<sub>.ghe.com.
    issuer:
      env.ROLECALL_ISSUER?.replace(/^https:\/\//, "").replace(/\/$/, "") ||
      (ghes?.endsWith(".ghe.com")
        ? `token.actions.${ghes.replace(/^api\./, "")}`
        : ghes
          ? `${ghes}/_services/token`
          : "token.actions.githubusercontent.com"),
    publicUrl,
    // Links go where a page exists: the App's own /rules/<id>, else an operator's page with one
    // anchor per rule id (ROLECALL_DOCS_URL), else nowhere (findings name the rule without a link).
    docsBase: publicUrl
      ? `${publicUrl}${RULES_PATH}/`
      : env.ROLECALL_DOCS_URL
        ? `${baseUrl("ROLECALL_DOCS_URL", env.ROLECALL_DOCS_URL)}#`
        : "",
    awsEnabled: boundary.size > 0,
    webhook: readWebhookConfig(env),
    listen: {
      host: env.HOST || "localhost",
      port: positiveInteger("PORT", env.PORT, 3000, 0),
    },
  };
}
