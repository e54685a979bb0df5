import { forkPrNoToken } from "./fork-pr-no-token.js";
import { idTokenTooBroad } from "./id-token-too-broad.js";
import { jobOutlivesSession } from "./job-outlives-session.js";
import { missingIdTokenPermission } from "./missing-id-token-permission.js";
import { privilegedTriggerWithRole } from "./privileged-trigger-with-role.js";
import { roleNameNotArn } from "./role-name-not-arn.js";
import { sessionDurationExceedsMax } from "./session-duration-exceeds-max.js";
import { staticAwsKeys } from "./static-aws-keys.js";
import { unpinnedCredentialsAction } from "./unpinned-credentials-action.js";
import type { WorkflowRule } from "./workflow-rule.js";

/** Rules that need one workflow (and the facts of the roles it names), in catalogue order (DESIGN §5). */
export const workflowRules: readonly WorkflowRule[] = [
  missingIdTokenPermission,
  forkPrNoToken,
  sessionDurationExceedsMax,
  jobOutlivesSession,
  roleNameNotArn,
  staticAwsKeys,
  privilegedTriggerWithRole,
  idTokenTooBroad,
  unpinnedCredentialsAction,
];
