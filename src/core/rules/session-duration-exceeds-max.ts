import {
  type AwsCredentials,
  type AwsCredentialsPathKind,
  awsCredentialsPath,
  type ResolvedAwsInput,
} from "../workflow/index.js";
import { defineRule } from "./define-rule.js";
import { docsUrl } from "./rule.js";
import { nodeAt, workflowFinding } from "./workflow-rule.js";

const id = "session-duration-exceeds-max";

/** The action's default session length, and the largest `MaxSessionDuration` a role can have. */
export const DEFAULT_SESSION_SECONDS = 3600;
const LARGEST_MAX_SESSION = 43200;
const MIN_SESSION = 900;

/** Paths on which the action assumes a role, so `role-duration-seconds` reaches STS. */
export const ROLE_PATHS: ReadonlySet<AwsCredentialsPathKind> = new Set([
  "oidc",
  "role-chaining",
  "access-keys",
  "web-identity-token-file",
]);

/**
 * The session length the action asks STS for, as it computes it: `parseInt(input) || 3600`, so an
 * empty, zero or non-numeric value gives 3600 and `"900.5"` gives 900. Undefined when the input is
 * an expression.
 */
export function roleDurationSeconds(input: ResolvedAwsInput | undefined): number | undefined {
  if (!input) return DEFAULT_SESSION_SECONDS;
  if (input.isExpression) return undefined;
  return Number.parseInt(input.value.trim(), 10) || DEFAULT_SESSION_SECONDS;
}

/** The step's path when it assumes a role (`role-to-assume` set), else undefined. */
export function assumingPath(view: AwsCredentials): AwsCredentialsPathKind | undefined {
  const role = view.inputs["role-to-assume"];
  if (!role || role.value.trim() === "") return undefined;
  const path = awsCredentialsPath(view).path;
  return ROLE_PATHS.has(path) ? path : undefined;
}

/** `session-duration-exceeds-max`: a literal `role-duration-seconds` STS rejects. */
export const sessionDurationExceedsMax = defineRule({
  meta: {
    id,
    severity: "high",
    category: "will-fail",
    title: "`role-duration-seconds` is outside what STS accepts",
    explanation:
      "STS accepts a session of 900 seconds up to the role's `MaxSessionDuration` (3600 to 43200 seconds, 3600 by default), and at most 3600 seconds when one role's credentials assume another (`role-chaining: true`). Outside that range the step fails before any AWS call. configure-aws-credentials reads the input as `parseInt(value) || 3600`. The maximum is checked when rolecall could read the role (or the value exceeds 43200, which no role allows).",
    fix: "Set `role-duration-seconds` between 900 and the role's `MaxSessionDuration` (3600 with role chaining), or raise the role's `MaxSessionDuration` (`aws iam update-role --role-name <name> --max-session-duration <seconds>`, at most 43200).",
    docs: docsUrl(id),
  },
  // Every credentials step a job runs, inside local composite actions too.
  onCredentialsStep({ file, view, job: jobOf, roleFacts }) {
    const input = view.inputs["role-duration-seconds"];
    const path = assumingPath(view);
    if (!input || !path) return [];
    const seconds = roleDurationSeconds(input);
    if (seconds === undefined) return [];
    const role = view.inputs["role-to-assume"]!;
    const job = jobOf.id.value;
    const asked =
      String(seconds) === input.value.trim()
        ? `\`role-duration-seconds: ${input.value.trim()}\``
        : `\`role-duration-seconds: ${input.value.trim()}\` (read as ${seconds})`;
    const max = role.isExpression ? null : (roleFacts(role.value.trim())?.maxSessionDuration ?? null);
    let message: string | undefined;
    if (seconds < MIN_SESSION) {
      message = `Job \`${job}\` asks for ${asked} for \`${role.value}\`, below the 900-second minimum, so STS answers \`1 validation error detected: Value '${seconds}' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900\`.`;
    } else if (path === "role-chaining" && seconds > DEFAULT_SESSION_SECONDS) {
      message = `Job \`${job}\` chains into \`${role.value}\` with ${asked}, above the 3600-second limit for chained roles, so STS answers \`The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.\``;
    } else if (max !== null && seconds > max) {
      message = `Job \`${job}\` asks for ${asked} for \`${role.value}\`, whose \`MaxSessionDuration\` is ${max}, so STS answers \`The requested DurationSeconds exceeds the MaxSessionDuration set for this role.\``;
    } else if (seconds > LARGEST_MAX_SESSION) {
      message = `Job \`${job}\` asks for ${asked} for \`${role.value}\`, above 43200, the largest \`MaxSessionDuration\` a role can have, so STS answers \`The requested DurationSeconds exceeds the MaxSessionDuration set for this role.\``;
    }
    if (!message) return [];
    return [workflowFinding(this.meta, nodeAt(file, input.node), { message, job, role: role.value })];
  },
});
