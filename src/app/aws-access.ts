import type { RoleFetchResult, RoleReader } from "../adapters/aws/index.js";
import { parseRoleArn } from "../adapters/aws/index.js";
import { TtlLru } from "./lru.js";

/**
 * The tenancy boundary: which AWS accounts each GitHub owner may have rolecall read
 * (`ROLECALL_ACCOUNTS`). Format: `owner=account,account;other-owner=account`, owner names
 * case-insensitive, `*` as an owner for a default. A repository can never make rolecall read a role
 * in an account not listed for its owner.
 */
export type AccountBoundary = ReadonlyMap<string, ReadonlySet<string>>;

/** Parses ROLECALL_ACCOUNTS; throws a plain-language Error on a malformed value (the server refuses to start). */
export function parseAccountBoundary(value: string | undefined): AccountBoundary {
  const map = new Map<string, Set<string>>();
  if (!value || value.trim() === "") return map;
  for (const part of value.split(";")) {
    if (part.trim() === "") continue;
    const m = /^\s*([A-Za-z0-9*][A-Za-z0-9-]*|\*)\s*=\s*([0-9,\s]+)\s*$/.exec(part);
    if (!m) throw new Error(`ROLECALL_ACCOUNTS: "${part.trim()}" is not owner=account[,account]`);
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

/** Whether `owner` may have roles in `account` read. With no boundary configured, nothing is allowed. */
export function accountAllowed(boundary: AccountBoundary, owner: string, account: string): boolean {
  const own = boundary.get(owner.toLowerCase()) ?? boundary.get("*");
  return own?.has(account) === true;
}

export interface RoleAccess {
  /** Reads a role for a repository owner, inside the boundary, through the cache unless `fresh`. */
  getRole(
    owner: string,
    arn: string,
    opts?: { fresh?: boolean },
  ): Promise<RoleFetchResult | { kind: "outside-boundary"; arn: string; message: string }>;
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
    async getRole(owner, arn, o = {}) {
      const parsed = parseRoleArn(arn);
      if (!parsed.ok)
        return { kind: "error", arn, code: "InvalidArn", message: parsed.message, retryable: false };
      if (!accountAllowed(boundary, owner, parsed.accountId)) {
        return {
          kind: "outside-boundary",
          arn,
          message: `account ${parsed.accountId} is not in this rolecall installation's ROLECALL_ACCOUNTS for ${owner}, so the role was not read`,
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
