import { type AccountBoundary, parseAccountBoundary } from "./aws-access.js";
import { RULES_PATH } from "./rule-docs.js";

/** The server's own settings (12-factor: environment variables), beyond Probot's APP_ID, PRIVATE_KEY, WEBHOOK_SECRET. */
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
    issuer: ghes ? `${ghes}/_services/token` : "token.actions.githubusercontent.com",
    publicUrl,
    // Links go where a page exists: the App's own /rules/<id>, else an operator's page with one
    // anchor per rule id (ROLECALL_DOCS_URL), else nowhere (findings name the rule without a link).
    docsBase: publicUrl
      ? `${publicUrl}${RULES_PATH}/`
      : env.ROLECALL_DOCS_URL
        ? `${baseUrl("ROLECALL_DOCS_URL", env.ROLECALL_DOCS_URL)}#`
        : "",
    awsEnabled: boundary.size > 0,
  };
}
