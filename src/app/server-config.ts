import { type AccountBoundary, parseAccountBoundary } from "./aws-access.js";

/** The server's own settings (12-factor: environment variables), beyond Probot's APP_ID, PRIVATE_KEY, WEBHOOK_SECRET. */
export interface ServerConfig {
  boundary: AccountBoundary;
  readerRoleTemplate: string | undefined;
  /** `ROLECALL_READER_EXTERNAL_ID`: the external id the reader roles' trust policies require, if any. */
  readerExternalId: string | undefined;
  issuer: string;
  docsBase: string;
  /** Whether AWS reads are configured at all (ROLECALL_ACCOUNTS set). */
  awsEnabled: boolean;
}

const DEFAULT_DOCS = "https://github.com/rolecall-dev/rolecall/blob/main/docs/rules.md";

/** Reads the server configuration; throws a plain-language Error for a bad value (the server refuses to start). */
export function readServerConfig(env: Readonly<Record<string, string | undefined>>): ServerConfig {
  const boundary = parseAccountBoundary(env.ROLECALL_ACCOUNTS);
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
    docsBase: env.ROLECALL_DOCS_URL || DEFAULT_DOCS,
    awsEnabled: boundary.size > 0,
  };
}
