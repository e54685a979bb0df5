/**
 * Reads IAM roles (trust policy text and MaxSessionDuration) with `iam:GetRole`, optionally through
 * a per-account reader role assumed with `sts:AssumeRole`.
 *
 * The reader fetches; it never decides. Every AWS-side failure becomes a {@link RoleFetchResult}
 * (never a throw, never an empty value), and no message carries a credential.
 */
import { GetRoleCommand, IAMClient, type IAMClientConfig } from "@aws-sdk/client-iam";
import {
  AssumeRoleCommand,
  GetCallerIdentityCommand,
  STSClient,
  type STSClientConfig,
} from "@aws-sdk/client-sts";
import { type ParsedRoleArn, parseRoleArn } from "./arn.js";
import { type Env, type PartitionEndpoints, resolveEndpoints, type ServiceEndpoint } from "./endpoints.js";
import { type AwsErrorInfo, classifyAwsError, isRetryableCategory, safeMessage } from "./errors.js";
import {
  DEFAULT_BASE_DELAY_MS,
  DEFAULT_MAX_ATTEMPTS,
  DEFAULT_MAX_DELAY_MS,
  type RetryPolicy,
  realSleep,
  withRetries,
} from "./retry.js";

/** What reading one role produced. */
export type RoleFetchResult =
  | {
      kind: "found";
      arn: string;
      roleName: string;
      accountId: string;
      partition: string;
      maxSessionDuration: number;
      /** The trust policy as JSON text, URL-decoded (not parsed). */
      policyText: string;
    }
  | { kind: "not-found"; arn: string; message: string }
  | {
      kind: "access-denied";
      arn: string;
      message: string /** reader role ARN if one was used */;
      via?: string;
    }
  | { kind: "error"; arn: string; code: string; message: string; retryable: boolean };

/** Credentials as the SDK clients take them: static values or a provider function. */
export type AwsCredentials = NonNullable<IAMClientConfig["credentials"]>;

/** Builds the SDK clients (tests and embedders can wrap or instrument them). */
export interface AwsClientFactory {
  iam(config: IAMClientConfig): IAMClient;
  sts(config: STSClientConfig): STSClient;
}

/** Options of {@link createRoleReader}. */
export interface RoleReaderOptions {
  /** Environment for `AWS_ENDPOINT_URL*` (the CLI passes `process.env`; nothing reads it otherwise). */
  env?: Env;
  /** Base credentials; when absent the SDK's standard credential chain is used. */
  credentials?: AwsCredentials;
  /**
   * Reader role to assume per target account, e.g. `arn:{partition}:iam::{account}:role/rolecall-reader`.
   * When set, GetRole runs with that role's temporary credentials.
   */
  assumeRoleTemplate?: string;
  /** `ExternalId` to pass when assuming the reader role (when its trust policy requires one). */
  externalId?: string;
  clientFactory?: AwsClientFactory;
  /** Total attempts per request, first included (default 4). */
  maxAttempts?: number;
  /** Waits between attempts (default: a real timer). */
  sleep?: (ms: number) => Promise<void>;
  /** Jitter source, uniform in [0, 1) (default `Math.random`). */
  random?: () => number;
  /** Clock in epoch milliseconds, used for reader-session expiry (default `Date.now`). */
  now?: () => number;
  /**
   * How long a refused reader-role AssumeRole is remembered before it is tried again (default
   * 2 minutes): IAM is eventually consistent, and a reader role's trust policy gets fixed.
   */
  refusalTtlMs?: number;
  /** Per-request timeouts of the IAM and STS clients (default: connect 3 s, answer 10 s). */
  timeouts?: { connectionMs: number; requestMs: number };
}

/** Default AWS request timeouts: a hung IAM or STS connection must not hang the scan. */
export const AWS_CONNECTION_TIMEOUT_MS = 3_000;
export const AWS_REQUEST_TIMEOUT_MS = 10_000;
/** How long a refused reader-role session is remembered (default). */
export const READER_REFUSAL_TTL_MS = 2 * 60_000;

/** Reads roles; one instance per scan (or per process), sharing clients and reader sessions. */
export interface RoleReader {
  /** Read one role. Resolves for every outcome; never rejects. */
  getRole(arn: string): Promise<RoleFetchResult>;
  /** Forget refused reader-role sessions now (`/rolecall rescan` after the reader role was fixed). */
  forgetRefusals(): void;
  /** Release the SDK clients' sockets. */
  destroy(): void;
}

/** Session name and duration used for reader roles. */
export const READER_SESSION_NAME = "rolecall";
export const READER_SESSION_SECONDS = 900;
// Re-assume a reader role this long before its credentials expire (the SDK uses the same margin).
const EXPIRY_MARGIN_MS = 5 * 60 * 1000;

/**
 * Fill `{account}` and `{partition}` in a reader-role template. Returns the ARN text (not yet
 * validated; see {@link parseRoleArn}).
 */
export function expandReaderRoleTemplate(
  template: string,
  target: { accountId: string; partition: string },
): string {
  return template.replaceAll("{account}", target.accountId).replaceAll("{partition}", target.partition);
}

/**
 * Check a reader-role template up front (for a usage error in the CLI). Returns a message saying
 * what is wrong, or `undefined` when the template expands to a valid role ARN.
 */
export function validateReaderRoleTemplate(template: string): string | undefined {
  const leftover = template
    .replaceAll("{account}", "")
    .replaceAll("{partition}", "")
    .match(/\{[^}]*\}/);
  if (leftover) return `Unknown placeholder ${leftover[0]} (use {account} and {partition}).`;
  const parsed = parseRoleArn(
    expandReaderRoleTemplate(template, { accountId: "123456789012", partition: "aws" }),
  );
  return parsed.ok ? undefined : `The reader role template is not a role ARN: ${parsed.message}`;
}

type Failure = Exclude<RoleFetchResult, { kind: "found" }>;
type FailureWithoutArn = Failure extends infer F ? (F extends Failure ? Omit<F, "arn"> : never) : never;

interface TemporaryCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration?: Date;
}

type ReaderSession =
  | { ok: true; readerArn: string; credentials: TemporaryCredentials; client: IAMClient }
  | { ok: false; readerArn: string; failure: FailureWithoutArn; cache: boolean; at?: number };

const defaultFactory: AwsClientFactory = {
  iam: (config) => new IAMClient(config),
  sts: (config) => new STSClient(config),
};

function clientConfig(
  endpoint: ServiceEndpoint,
  credentials: AwsCredentials | undefined,
  timeouts: { connectionMs: number; requestMs: number },
) {
  return {
    region: endpoint.region,
    endpoint: endpoint.url,
    // A hung connection is an error (retried as a transient one), never a scan that waits forever.
    requestHandler: {
      connectionTimeout: timeouts.connectionMs,
      requestTimeout: timeouts.requestMs,
      throwOnRequestTimeout: true,
    },
    // Retries are ours (countable, testable): one HTTP request per SDK call.
    maxAttempts: 1,
    // An explicit endpoint with FIPS/dual-stack flags set in the user's config is an SDK error.
    useFipsEndpoint: false,
    useDualstackEndpoint: false,
    ...(credentials === undefined ? {} : { credentials }),
  };
}

function credentialMessage(info: AwsErrorInfo, partition: string, acting: string): string | undefined {
  switch (info.category) {
    case "credentials-expired":
      return `AWS credentials expired; refresh them (e.g. aws sso login) and run again. ${acting} failed with ${info.code}.`;
    case "credentials-invalid":
      return `AWS rejected the credentials (${info.code}) while ${acting}; check them, and that they belong to the ${partition} partition.`;
    case "credentials-missing":
      return `No AWS credentials found while ${acting}: configure the standard AWS credential chain (environment variables, profile, SSO, instance or task role). ${info.message}`;
    default:
      return undefined;
  }
}

/**
 * Create a role reader. Clients are built lazily per partition (and per reader role); reader-role
 * sessions are cached per account for the life of the reader and renewed shortly before they
 * expire; concurrent `getRole` calls for the same ARN share one request.
 */
export function createRoleReader(options: RoleReaderOptions = {}): RoleReader {
  const env = options.env ?? {};
  const factory = options.clientFactory ?? defaultFactory;
  const now = options.now ?? Date.now;
  const policy: RetryPolicy = {
    maxAttempts: options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    baseDelayMs: DEFAULT_BASE_DELAY_MS,
    maxDelayMs: DEFAULT_MAX_DELAY_MS,
    sleep: options.sleep ?? realSleep,
    random: options.random ?? Math.random,
  };
  const template = options.assumeRoleTemplate;
  const timeouts = options.timeouts ?? {
    connectionMs: AWS_CONNECTION_TIMEOUT_MS,
    requestMs: AWS_REQUEST_TIMEOUT_MS,
  };
  const refusalTtlMs = options.refusalTtlMs ?? READER_REFUSAL_TTL_MS;

  const baseIamClients = new Map<string, IAMClient>();
  const stsClients = new Map<string, STSClient>();
  const readerSessions = new Map<string, Promise<ReaderSession>>();
  const callerAccounts = new Map<string, Promise<string | undefined>>();
  const inflight = new Map<string, Promise<RoleFetchResult>>();
  const allClients = new Set<{ destroy(): void }>();

  const retryable = (error: unknown) => isRetryableCategory(classifyAwsError(error).category);

  function baseIam(endpoints: PartitionEndpoints): IAMClient {
    let client = baseIamClients.get(endpoints.partition);
    if (!client) {
      client = factory.iam(clientConfig(endpoints.iam, options.credentials, timeouts));
      baseIamClients.set(endpoints.partition, client);
      allClients.add(client);
    }
    return client;
  }

  function sts(endpoints: PartitionEndpoints): STSClient {
    let client = stsClients.get(endpoints.partition);
    if (!client) {
      client = factory.sts(clientConfig(endpoints.sts, options.credentials, timeouts));
      stsClients.set(endpoints.partition, client);
      allClients.add(client);
    }
    return client;
  }

  /** Account of the base credentials in this partition, or undefined when it cannot be learnt. */
  function callerAccount(endpoints: PartitionEndpoints): Promise<string | undefined> {
    let pending = callerAccounts.get(endpoints.partition);
    if (!pending) {
      pending = withRetries(
        () => sts(endpoints).send(new GetCallerIdentityCommand({})),
        retryable,
        policy,
      ).then((outcome) => (outcome.ok ? outcome.value.Account : undefined));
      const key = endpoints.partition;
      callerAccounts.set(key, pending);
      void pending.then((account) => {
        if (account === undefined) callerAccounts.delete(key);
      });
    }
    return pending;
  }

  async function assumeReader(readerArn: string, endpoints: PartitionEndpoints): Promise<ReaderSession> {
    const outcome = await withRetries(
      () =>
        sts(endpoints).send(
          new AssumeRoleCommand({
            RoleArn: readerArn,
            RoleSessionName: READER_SESSION_NAME,
            DurationSeconds: READER_SESSION_SECONDS,
            ...(options.externalId ? { ExternalId: options.externalId } : {}),
          }),
        ),
      retryable,
      policy,
    );
    if (outcome.ok) {
      const c = outcome.value.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken) {
        return {
          ok: false,
          readerArn,
          cache: false,
          failure: {
            kind: "error",
            code: "MalformedResponse",
            message: `STS AssumeRole for reader role ${readerArn} returned no credentials.`,
            retryable: true,
          },
        };
      }
      const credentials: TemporaryCredentials = {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        ...(c.Expiration ? { expiration: c.Expiration } : {}),
      };
      const client = factory.iam(clientConfig(endpoints.iam, credentials, timeouts));
      allClients.add(client);
      return { ok: true, readerArn, credentials, client };
    }

    const info = classifyAwsError(outcome.error);
    const acting = `assuming reader role ${readerArn}`;
    const credMessage = credentialMessage(info, endpoints.partition, acting);
    let failure: FailureWithoutArn;
    if (info.category === "access-denied") {
      failure = {
        kind: "access-denied",
        via: readerArn,
        message: `Could not assume reader role ${readerArn} (${info.code}): ${info.message}`,
      };
    } else if (credMessage) {
      failure = { kind: "error", code: info.code, message: credMessage, retryable: false };
    } else {
      const transient = isRetryableCategory(info.category);
      failure = {
        kind: "error",
        code: info.code,
        message: transient
          ? `Could not assume reader role ${readerArn}: still failing after ${outcome.attempts} attempts (${info.code}): ${info.message}`
          : `Could not assume reader role ${readerArn} (${info.code}): ${info.message}`,
        retryable: transient,
      };
    }
    // A refusal is remembered for a while (refusalTtlMs), not for the reader's life: IAM is
    // eventually consistent and reader roles get fixed. A throttle or outage is not remembered.
    return { ok: false, readerArn, failure, cache: !isRetryableCategory(info.category), at: now() };
  }

  function readerSession(readerArn: string, endpoints: PartitionEndpoints): Promise<ReaderSession> {
    const cached = readerSessions.get(readerArn);
    if (cached) {
      return cached.then((session) => {
        const expiresAt = session.ok ? session.credentials.expiration?.getTime() : undefined;
        const stale = session.ok
          ? expiresAt !== undefined && expiresAt - now() < EXPIRY_MARGIN_MS
          : now() - (session.at ?? 0) >= refusalTtlMs;
        if (!stale) return session;
        if (readerSessions.get(readerArn) === cached) readerSessions.delete(readerArn);
        return readerSession(readerArn, endpoints);
      });
    }
    const pending = assumeReader(readerArn, endpoints);
    readerSessions.set(readerArn, pending);
    void pending.then((session) => {
      if (!session.ok && !session.cache && readerSessions.get(readerArn) === pending) {
        readerSessions.delete(readerArn);
      }
    });
    return pending;
  }

  function crossAccount(arn: string, target: ParsedRoleArn, credentialAccount: string, reader?: string) {
    const whose = reader
      ? `Reader role ${reader} is in account ${credentialAccount}`
      : `The AWS credentials belong to account ${credentialAccount}`;
    return {
      kind: "error",
      arn,
      code: "CrossAccountRead",
      message: `${whose}, but ${arn} is in account ${target.accountId}; iam:GetRole only reads roles of the caller's own account. Use a reader role template with {account}, or credentials for account ${target.accountId}.`,
      retryable: false,
    } as const;
  }

  async function fetchRole(arn: string): Promise<RoleFetchResult> {
    const target = parseRoleArn(arn);
    if (!target.ok) {
      return { kind: "error", arn, code: "InvalidRoleArn", message: target.message, retryable: false };
    }
    const resolved = resolveEndpoints(target.partition, env);
    if (!resolved.ok)
      return { kind: "error", arn, code: resolved.code, message: resolved.message, retryable: false };
    const endpoints = resolved.endpoints;

    let client: IAMClient;
    let via: string | undefined;
    if (template !== undefined) {
      const readerArn = expandReaderRoleTemplate(template, target);
      const reader = parseRoleArn(readerArn);
      if (!reader.ok) {
        return {
          kind: "error",
          arn,
          code: "InvalidReaderRoleTemplate",
          message: `Reader role template expands to "${readerArn}", which is not a role ARN: ${reader.message}`,
          retryable: false,
        };
      }
      if (reader.partition !== target.partition || reader.accountId !== target.accountId) {
        return crossAccount(arn, target, reader.accountId, readerArn);
      }
      const session = await readerSession(readerArn, endpoints);
      if (!session.ok) return { ...session.failure, arn } as RoleFetchResult;
      client = session.client;
      via = readerArn;
    } else {
      client = baseIam(endpoints);
    }

    const outcome = await withRetries(
      () => client.send(new GetRoleCommand({ RoleName: target.roleName })),
      retryable,
      policy,
    );

    if (!outcome.ok) {
      const info = classifyAwsError(outcome.error);
      const viaText = via ? ` (as reader role ${via})` : "";
      switch (info.category) {
        case "not-found": {
          if (!via) {
            const account = await callerAccount(endpoints);
            if (account !== undefined && account !== target.accountId) {
              return crossAccount(arn, target, account);
            }
          }
          return {
            kind: "not-found",
            arn,
            message: `IAM has no role named ${target.roleName} in account ${target.accountId} (${info.code}): ${info.message}`,
          };
        }
        case "access-denied": {
          const message = `Not allowed to call iam:GetRole on ${arn}${viaText} (${info.code}): ${info.message}`;
          return via ? { kind: "access-denied", arn, message, via } : { kind: "access-denied", arn, message };
        }
        case "throttling":
        case "transient":
          return {
            kind: "error",
            arn,
            code: info.code,
            message: `IAM GetRole for ${arn} still failing after ${outcome.attempts} attempts (${info.code}): ${info.message}`,
            retryable: true,
          };
        default: {
          const credMessage = credentialMessage(info, target.partition, `reading ${arn}${viaText}`);
          return {
            kind: "error",
            arn,
            code: info.code,
            message: credMessage ?? `IAM GetRole for ${arn}${viaText} failed (${info.code}): ${info.message}`,
            retryable: false,
          };
        }
      }
    }

    const role = outcome.value.Role;
    const malformed = (what: string): RoleFetchResult => ({
      kind: "error",
      arn,
      code: "MalformedResponse",
      message: `IAM GetRole for ${arn} returned ${what}.`,
      retryable: false,
    });
    if (!role) return malformed("no role");
    if (role.AssumeRolePolicyDocument === undefined || role.AssumeRolePolicyDocument === "") {
      return malformed("no trust policy document");
    }

    // Guard against reading a same-named role elsewhere: GetRole takes only a name and reads the
    // caller's account, and role names are unique per account whatever their path.
    if (role.Arn) {
      const actual = parseRoleArn(role.Arn);
      if (actual.ok && actual.accountId !== target.accountId) {
        return crossAccount(arn, target, actual.accountId, via);
      }
      if (actual.ok && actual.path !== target.path) {
        return {
          kind: "not-found",
          arn,
          message: `No role ${arn}: the role named ${target.roleName} in account ${target.accountId} has path ${actual.path} (${role.Arn}).`,
        };
      }
    }

    let policyText: string;
    try {
      // GetRole returns the document percent-encoded (RFC 3986): "+" is a literal plus, so
      // decodeURIComponent (not form decoding) restores the exact text.
      policyText = decodeURIComponent(role.AssumeRolePolicyDocument);
    } catch (error) {
      return {
        kind: "error",
        arn,
        code: "MalformedPolicyDocument",
        message: `The trust policy of ${arn} is not valid percent-encoded text: ${safeMessage(String(error))}`,
        retryable: false,
      };
    }

    return {
      kind: "found",
      arn,
      roleName: role.RoleName ?? target.roleName,
      accountId: target.accountId,
      partition: target.partition,
      // IAM's default when a role was created without one (IAM API reference, Role).
      maxSessionDuration: role.MaxSessionDuration ?? 3600,
      policyText,
    };
  }

  async function getRole(arn: string): Promise<RoleFetchResult> {
    const shared = inflight.get(arn);
    if (shared) return shared;
    const pending = fetchRole(arn)
      .catch(
        (error: unknown): RoleFetchResult => ({
          kind: "error",
          arn,
          code: "InternalError",
          message: `Unexpected failure while reading ${arn}: ${safeMessage(error instanceof Error ? error.message : String(error))}`,
          retryable: false,
        }),
      )
      .finally(() => inflight.delete(arn));
    inflight.set(arn, pending);
    return pending;
  }

  return {
    getRole,
    forgetRefusals() {
      for (const [arn, pending] of readerSessions)
        void pending.then((session) => {
          if (!session.ok && readerSessions.get(arn) === pending) readerSessions.delete(arn);
        });
    },
    destroy() {
      for (const client of allClients) client.destroy();
      allClients.clear();
      baseIamClients.clear();
      stsClients.clear();
      readerSessions.clear();
      callerAccounts.clear();
    },
  };
}
