import type { Entry, Node, Span } from "./node.js";
import type { ShapeReader } from "./shape-reader.js";
import type { YamlValue } from "./yaml-tree.js";

/** Access level of one `GITHUB_TOKEN` scope. */
export type PermissionLevel = "read" | "write" | "none";

/** A `permissions:` block as written: `read-all`, `write-all`, or a mapping (`{}` grants nothing). */
export interface Permissions {
  form: "read-all" | "write-all" | "map";
  /** The scopes listed in mapping form, e.g. `id-token: write`. */
  scopes: Entry<PermissionLevel>[];
  span: Span;
  route: string;
}

/** Scopes of the `permissions` mapping (workflow schema v1.0). */
export const PERMISSION_SCOPES: readonly string[] = [
  "actions",
  "artifact-metadata",
  "attestations",
  "checks",
  "code-quality",
  "contents",
  "copilot-requests",
  "deployments",
  "discussions",
  "drives",
  "id-token",
  "issues",
  "models",
  "packages",
  "pages",
  "pull-requests",
  "repository-projects",
  "security-events",
  "statuses",
  "vulnerability-alerts",
];

/** The repository's default `GITHUB_TOKEN` permissions, when known (Settings → Actions → General). */
export type DefaultPermissionsPolicy = "permissive" | "restricted";

/**
 * The permissions a job's token actually has. `level(scope)` answers `"unknown"` only for scopes
 * decided by the repository default when that default was not given (never for `id-token`, whose
 * default is `none` under both policies).
 */
export interface EffectivePermissions {
  /** Which block decides: the job's, the workflow's, the repository default, or a reusable caller's. */
  source: "job" | "workflow" | "default" | "caller";
  /** The deciding `permissions:` block, absent for the default. */
  block?: Permissions;
  level(scope: string): PermissionLevel | "unknown";
}

/** The effective `id-token` access of a job, with what decides it. */
export interface IdTokenGrant {
  /** Only `write` lets the job mint an OIDC token. */
  level: PermissionLevel;
  source: EffectivePermissions["source"];
  /** The deciding block, absent for the default. */
  block?: Permissions;
  /** The `id-token:` entry itself when the block lists it. */
  entry?: Entry<PermissionLevel>;
}

const RANK: Record<PermissionLevel, number> = { none: 0, read: 1, write: 2 };
const LEVELS = new Set(["read", "write", "none"]);

/** Reads a `permissions:` value. Invalid levels and shapes become diagnostics and are skipped. */
export function readPermissions(reader: ShapeReader, value: YamlValue | undefined): Permissions | undefined {
  if (!value) return undefined;
  if (value.kind === "scalar") {
    if (value.value === "read-all" || value.value === "write-all") {
      return { form: value.value, scopes: [], span: value.span, route: value.route };
    }
    if (value.value === null) {
      reader.invalid(
        value,
        "`permissions:` is empty; GitHub expects `read-all`, `write-all` or a mapping. Write `permissions: {}` to grant nothing.",
      );
      return { form: "map", scopes: [], span: value.span, route: value.route };
    }
    reader.invalid(
      value,
      `\`permissions: ${value.text}\` is not valid; use \`read-all\`, \`write-all\` or a mapping of scopes.`,
    );
    return undefined;
  }
  const map = reader.map(value, "`permissions`");
  if (!map) return undefined;
  const scopes: Entry<PermissionLevel>[] = [];
  for (const pair of map.pairs) {
    const level = reader.string(pair.value, `\`permissions.${pair.key.value}\``);
    if (!level) continue;
    if (!LEVELS.has(level.value)) {
      reader.invalid(
        level,
        `\`${pair.key.value}: ${level.value}\` is not a permission level; use read, write or none.`,
      );
      continue;
    }
    if (!PERMISSION_SCOPES.includes(pair.key.value)) {
      reader.invalid(
        pair.key,
        `\`${pair.key.value}\` is not a GITHUB_TOKEN permission scope; check the spelling.`,
      );
    }
    scopes.push({ key: pair.key, value: { ...level, value: level.value as PermissionLevel } });
  }
  return { form: "map", scopes, span: map.span, route: map.route };
}

/** The level a `permissions:` block gives `scope`: in mapping form, unlisted scopes are `none`. */
export function permissionLevel(permissions: Permissions, scope: string): PermissionLevel {
  if (permissions.form === "read-all") return "read";
  if (permissions.form === "write-all") return "write";
  return scopeEntry(permissions, scope)?.value.value ?? "none";
}

function scopeEntry(permissions: Permissions, scope: string): Entry<PermissionLevel> | undefined {
  return permissions.scopes.find((e) => e.key.value === scope);
}

/** Anything that may carry a `permissions:` block (a job or a workflow). */
export interface HasPermissions {
  permissions?: Permissions;
}

/**
 * The permissions a job's token has within its own workflow: the job's block replaces the
 * workflow's; with neither, the repository default applies (`id-token: none` under both policies).
 */
export function effectivePermissions(
  job: HasPermissions,
  workflow: HasPermissions,
  defaults?: DefaultPermissionsPolicy,
): EffectivePermissions {
  const block = job.permissions ?? workflow.permissions;
  if (block) {
    return {
      source: job.permissions ? "job" : "workflow",
      block,
      level: (scope) => permissionLevel(block, scope),
    };
  }
  return { source: "default", level: (scope) => defaultLevel(scope, defaults) };
}

function defaultLevel(
  scope: string,
  defaults: DefaultPermissionsPolicy | undefined,
): PermissionLevel | "unknown" {
  if (scope === "id-token") return "none";
  if (defaults === "restricted")
    return scope === "contents" || scope === "packages" || scope === "metadata" ? "read" : "none";
  if (defaults === "permissive") return scope === "metadata" || scope === "models" ? "read" : "write";
  return "unknown";
}

/**
 * The effective `id-token` access of a job in its own workflow (OIDC-SEMANTICS §2.6). For a job of
 * a reusable workflow, use {@link calledJobGrant} with the caller's permissions instead.
 */
export function effectiveIdTokenGrant(job: HasPermissions, workflow: HasPermissions): IdTokenGrant {
  return idTokenGrantOf(effectivePermissions(job, workflow));
}

function idTokenGrantOf(permissions: EffectivePermissions): IdTokenGrant {
  const level = permissions.level("id-token");
  const grant: IdTokenGrant = { level: level === "unknown" ? "none" : level, source: permissions.source };
  if (permissions.block) {
    grant.block = permissions.block;
    const entry = scopeEntry(permissions.block, "id-token");
    if (entry) grant.entry = entry;
  }
  return grant;
}

/** The outcome of {@link calledJobGrant}. */
export type CalledJobGrant =
  | {
      kind: "granted";
      idToken: IdTokenGrant;
      permissions: EffectivePermissions;
      /** Scopes the called job asks for whose caller-side level is unknown (repository default). */
      uncertainScopes: string[];
    }
  | {
      /** GitHub refuses to start the whole run (startup failure): no job runs, no token. */
      kind: "refused";
      scope: string;
      requested: PermissionLevel;
      allowed: PermissionLevel;
      /** The called job's or workflow's `permissions:` block that asks for too much. */
      block: Permissions;
      message: string;
    };

/**
 * The permissions of a job in a reusable workflow, given what its caller job grants
 * (`effectivePermissions(callerJob, callerWorkflow)`). A called job without `permissions` (and no
 * workflow-level block in the called file) inherits the caller's grant; one that asks for more
 * than the caller granted in any scope makes GitHub refuse the run — a distinct `refused` result,
 * which means no token (`no-token`).
 */
export function calledJobGrant(
  calledJob: HasPermissions & { id?: Node<string>; name?: Node<string> },
  calledWorkflow: HasPermissions,
  caller: EffectivePermissions,
): CalledJobGrant {
  const requested = calledJob.permissions ?? calledWorkflow.permissions;
  if (!requested) {
    const inherited: EffectivePermissions = { source: "caller", level: caller.level };
    if (caller.block) inherited.block = caller.block;
    return {
      kind: "granted",
      idToken: idTokenGrantOf(inherited),
      permissions: inherited,
      uncertainScopes: [],
    };
  }
  const uncertainScopes: string[] = [];
  const scopes = ["id-token", ...PERMISSION_SCOPES.filter((s) => s !== "id-token")];
  for (const extra of requested.scopes) if (!scopes.includes(extra.key.value)) scopes.push(extra.key.value);
  for (const scope of scopes) {
    const want = permissionLevel(requested, scope);
    const allowed = caller.level(scope);
    if (allowed === "unknown") {
      if (want !== "none") uncertainScopes.push(scope);
      continue;
    }
    if (RANK[want] > RANK[allowed]) {
      const who = calledJob.permissions
        ? `The nested job '${calledJob.name?.value ?? calledJob.id?.value ?? "?"}'`
        : "The called workflow";
      return {
        kind: "refused",
        scope,
        requested: want,
        allowed,
        block: requested,
        message: `${who} is requesting '${scope}: ${want}', but is only allowed '${scope}: ${allowed}'.`,
      };
    }
  }
  const permissions: EffectivePermissions = {
    source: calledJob.permissions ? "job" : "workflow",
    block: requested,
    level: (scope) => permissionLevel(requested, scope),
  };
  return { kind: "granted", idToken: idTokenGrantOf(permissions), permissions, uncertainScopes };
}
