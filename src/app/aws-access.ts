import type { RoleFetchResult, RoleReader } from "../adapters/aws/index.js";
import { parseRoleArn } from "../adapters/aws/index.js";
import { TtlLru } from "./lru.js";

/**
 * The tenancy boundary: which AWS accounts each GitHub owner may have rolecall read
 * (`ROLECALL_ACCOUNTS`). Format: `id:OWNER_ID=account,account;login=account`. An owner is keyed on
 * its immutable numeric id (`id:9919`, the `owner.id` of its repositories), which a rename does
 * not change; a login (case-insensitive) is accepted as a convenience and used only when no `id:`
 * entry names that owner. `*` is a default for every other owner. A repository can never make
 * rolecall read a role in an account not listed for its owner.
 */
export type AccountBoundary = ReadonlyMap<string, ReadonlySet<string>>;

/** The owner a scan reads roles for: its login and, when known, its immutable id. */
export interface OwnerRef {
  login: string;
  id: number | null;
}

/** Parses ROLECALL_ACCOUNTS; throws a plain-language Error on a malformed value (the server refuses to start). */
export function parseAccountBoundary(value: string | undefined): AccountBoundary {
  const map = new Map<string, Set<string>>();
  if (!value || value.trim() === "") return map;
  for (const part of value.split(";")) {
    if (part.trim() === "") continue;
    const m = /^\s*(id:\d{1,20}|[A-Za-z0-9][A-Za-z0-9-]*|\*)\s*=\s*([0-9,\s]+)\s*$/.exec(part);
    if (!m)
      throw new Error(
        `ROLECALL_ACCOUNTS: "${part.trim()}" is not id:OWNER_ID=account[,account] or owner=account[,account]`,
      );
    const accounts = m[2]!
      .split(",")
      .map((a) => a.trim())
      .filter(Boolean);
    for (const a of accounts)
      if (!/^\d{12}$/.test(a)) throw new Error(`ROLECALL_ACCOUNTS: "${a}" is not a 12-digit AWS account id`);
    map.set(m[1]!.toLowerCase(), new Set(accounts));
  }
  return map;
}

/**
 * Whether `owner` may have roles in `account` read: its `id:` entry, else its login's, else `*`.
 * With no boundary configured, nothing is allowed.
 */
export function accountAllowed(
  boundary: AccountBoundary,
  owner: OwnerRef | string,
  account: string,
): boolean {
  const o = typeof owner === "string" ? { login: owner, id: null } : owner;
  const own =
    (o.id !== null ? boundary.get(`id:${o.id}`) : undefined) ??
    boundary.get(o.login.toLowerCase()) ??
    boundary.get("*");
  return own?.has(account) === true;
}

export interface RoleAccess {
  /** Reads a role for a repository owner, inside the boundary, through the cache unless `fresh`. */
  getRole(
    owner: OwnerRef | string,
    arn: string,
    opts?: { fresh?: boolean },
  ): Promise<RoleFetchResult | { kind: "outside-boundary"; arn: string; message: string }>;
  /** Forget refused reader-role sessions (a `/rolecall rescan` after the reader role was fixed). */
  forgetRefusals?(): void;
}

/**
 * Role reads for the App: the tenancy boundary first (a role outside it is never requested), then an
 * LRU cache with a TTL keyed by ARN, bypassed (and refreshed) on `/rolecall rescan`.
 */
export function createRoleAccess(
  reader: RoleReader,
  boundary: AccountBoundary,
  opts: { now: () => number; ttlMs?: number; max?: number },
): RoleAccess {
  const cache = new TtlLru<string, RoleFetchResult>(opts.max ?? 1000, opts.ttlMs ?? 5 * 60_000, opts.now);
  return {
    forgetRefusals: () => reader.forgetRefusals(),
    async getRole(owner, arn, o = {}) {
      const parsed = parseRoleArn(arn);
      if (!parsed.ok)
        return { kind: "error", arn, code: "InvalidArn", message: parsed.message, retryable: false };
      if (!accountAllowed(boundary, owner, parsed.accountId)) {
        const login = typeof owner === "string" ? owner : owner.login;
        return {
          kind: "outside-boundary",
          arn,
          message: `account ${parsed.accountId} is not in this rolecall installation's ROLECALL_ACCOUNTS for ${login}, so the role was not read`,
        };
      }
      if (!o.fresh) {
        const hit = cache.get(arn);
        if (hit) return hit;
      }
      const r = await reader.getRole(arn);
      // Only definite answers are cached; errors are retried on the next scan.
      if (r.kind === "found" || r.kind === "not-found") cache.set(arn, r);
      return r;
    },
  };
}
