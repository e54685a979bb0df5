/**
 * Parsing of IAM role ARNs (`arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`).
 *
 * The parser never throws: it returns either the parts of the ARN or a located reason (a stable
 * code, a message for people, and the character offset/length of the offending part).
 */

/** Why a string is not a usable IAM role ARN. */
export type RoleArnErrorCode =
  | "empty"
  | "whitespace"
  | "bare-role-name"
  | "not-an-arn"
  | "bad-partition"
  | "wrong-service"
  | "region-not-empty"
  | "bad-account"
  | "not-a-role"
  | "bad-role-path"
  | "bad-role-name";

/** The parts of a valid IAM role ARN. */
export interface ParsedRoleArn {
  ok: true;
  /** The ARN exactly as given. */
  arn: string;
  /** `aws`, `aws-cn`, `aws-us-gov`, `aws-iso`, ... */
  partition: string;
  /** Twelve digits. */
  accountId: string;
  /** The last path segment: what `GetRole` takes as `RoleName`. */
  roleName: string;
  /** The role path, `/` or `/a/b/` (always starts and ends with `/`). */
  path: string;
}

/** A located reason why a string is not a usable IAM role ARN. */
export interface RoleArnError {
  ok: false;
  code: RoleArnErrorCode;
  message: string;
  /** 0-based offset into the input where the problem starts. */
  offset: number;
  /** Length of the offending part (0 when something is missing). */
  length: number;
}

/** Result of {@link parseRoleArn}. */
export type RoleArnParseResult = ParsedRoleArn | RoleArnError;

// Role names: IAM's pattern [\w+=,.@-]+, at most 64 characters (IAM API reference, CreateRole).
const ROLE_NAME = /^[\w+=,.@-]{1,64}$/;
// Role paths: "/" or "/" + printable ASCII + "/", at most 512 characters (IAM API reference, CreateRole).
const ROLE_PATH = /^\/(?:[\u0021-\u007E]*\/)?$/;
// Partition ids as they appear in ARNs: aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-eusc, ...
const PARTITION = /^aws(?:-[a-z0-9]+)*$/;
const ACCOUNT = /^\d{12}$/;

function fail(code: RoleArnErrorCode, message: string, offset: number, length: number): RoleArnError {
  return { ok: false, code, message, offset, length };
}

/**
 * Parse an IAM role ARN such as `arn:aws:iam::123456789012:role/service/deploy`.
 *
 * Role paths are kept apart from the name: for the example above `path` is `/service/` and
 * `roleName` is `deploy` (the value `GetRole` needs). Bare role names, ARNs of other services or
 * resource types, and malformed ARNs yield a {@link RoleArnError}.
 */
export function parseRoleArn(input: string): RoleArnParseResult {
  if (input.length === 0) return fail("empty", "The role ARN is empty.", 0, 0);
  const ws = input.search(/\s/);
  if (ws >= 0) {
    return fail("whitespace", `The role ARN contains whitespace at offset ${ws}.`, ws, 1);
  }
  if (!input.startsWith("arn:")) {
    const looksLikeName = /^(?:role\/)?(?:[\u0021-\u007E]*\/)?[\w+=,.@-]{1,64}$/.test(input);
    if (looksLikeName && !input.includes(":")) {
      return fail(
        "bare-role-name",
        `"${input}" is a role name, not a role ARN; use the full ARN arn:PARTITION:iam::ACCOUNT_ID:role/${input.replace(/^role\//, "")}.`,
        0,
        input.length,
      );
    }
    return fail("not-an-arn", 'A role ARN must start with "arn:".', 0, Math.min(input.length, 4));
  }

  const parts = input.split(":");
  if (parts.length < 6) {
    return fail(
      "not-an-arn",
      "A role ARN has six colon-separated fields: arn:PARTITION:iam::ACCOUNT_ID:role/NAME.",
      input.length,
      0,
    );
  }
  const [, partition = "", service = "", region = "", account = ""] = parts;
  // A role resource never contains ":"; everything after the fifth colon is the resource.
  const resource = parts.slice(5).join(":");
  const partitionAt = 4;
  const serviceAt = partitionAt + partition.length + 1;
  const regionAt = serviceAt + service.length + 1;
  const accountAt = regionAt + region.length + 1;
  const resourceAt = accountAt + account.length + 1;

  if (!PARTITION.test(partition)) {
    return fail(
      "bad-partition",
      `"${partition}" is not an AWS partition (expected aws, aws-cn, aws-us-gov, ...).`,
      partitionAt,
      partition.length,
    );
  }
  if (service !== "iam") {
    const hint =
      service === "sts" && resource.startsWith("assumed-role/")
        ? " This is an assumed-role session ARN; use the ARN of the role itself (arn:...:iam::ACCOUNT_ID:role/NAME)."
        : "";
    return fail(
      "wrong-service",
      `The ARN names the "${service}" service; a role ARN names "iam".${hint}`,
      serviceAt,
      service.length,
    );
  }
  if (region !== "") {
    return fail("region-not-empty", "IAM ARNs have an empty region field.", regionAt, region.length);
  }
  if (!ACCOUNT.test(account)) {
    return fail("bad-account", `"${account}" is not a 12-digit AWS account id.`, accountAt, account.length);
  }
  if (!resource.startsWith("role/")) {
    const type = resource.split("/")[0] ?? resource;
    return fail(
      "not-a-role",
      `The ARN names an IAM "${type}", not a role (expected role/NAME).`,
      resourceAt,
      type.length,
    );
  }

  const afterType = resource.slice("role".length); // "/path/name" or "/name"
  const lastSlash = afterType.lastIndexOf("/");
  const path = afterType.slice(0, lastSlash + 1);
  const roleName = afterType.slice(lastSlash + 1);
  const pathAt = resourceAt + "role".length;
  const nameAt = pathAt + path.length;

  if (path.length > 512 || !ROLE_PATH.test(path)) {
    return fail(
      "bad-role-path",
      "The role path must be / or /segments/ of printable ASCII characters, at most 512 long.",
      pathAt,
      path.length,
    );
  }
  if (!ROLE_NAME.test(roleName)) {
    const why =
      roleName.length === 0
        ? "is missing"
        : /[*?]/.test(roleName)
          ? "contains a wildcard; a role to assume must name exactly one role"
          : roleName.length > 64
            ? "is longer than 64 characters"
            : "may only contain letters, digits and + = , . @ _ -";
    return fail("bad-role-name", `The role name ${why}.`, nameAt, roleName.length);
  }

  return { ok: true, arn: input, partition, accountId: account, roleName, path };
}

/** Build a role ARN from its parts (the inverse of {@link parseRoleArn}). */
export function formatRoleArn(parts: {
  partition: string;
  accountId: string;
  roleName: string;
  path?: string;
}): string {
  return `arn:${parts.partition}:iam::${parts.accountId}:role${parts.path ?? "/"}${parts.roleName}`;
}

/** True when `s` is a valid IAM role ARN (the one role-ARN grammar of rolecall). */
export function isRoleArn(s: string): boolean {
  return parseRoleArn(s).ok;
}
