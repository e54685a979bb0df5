import { roleReference } from "../engine/role-reference.js";
import { awsCredentialsPath, effectiveIdTokenGrant } from "../workflow/index.js";
import { defineRule } from "./define-rule.js";
import { docsUrl } from "./rule.js";
import { nodeAt, workflowFinding } from "./workflow-rule.js";

const id = "role-name-not-arn";

const FAILURE = "Source Account ID is needed if the Role Name is provided and not the Role Arn.";

/** `role-name-not-arn`: a literal bare role name in `role-to-assume` on the OIDC path. */
export const roleNameNotArn = defineRule({
  meta: {
    id,
    severity: "high",
    category: "will-fail",
    title: "`role-to-assume` is a role name, not an ARN",
    explanation: `configure-aws-credentials turns a bare role name into an ARN with the account of the credentials it already has. On the OIDC path it has none, so the step fails with \`${FAILURE}\` (OIDC-SEMANTICS P-15). Only literal values are checked; a \`\${{ }}\` expression is resolved elsewhere.`,
    fix: "Give the full ARN: `role-to-assume: arn:aws:iam::<account-id>:role/<role-name>` (`arn:aws-cn:` or `arn:aws-us-gov:` in those partitions).",
    docs: docsUrl(id),
  },
  // Every credentials step a job runs, inside local composite actions too.
  onCredentialsStep({ file, view, workflow, job }) {
    const role = view.inputs["role-to-assume"];
    if (!role || role.isExpression || roleReference(role.value) !== "bare-name") return [];
    if (awsCredentialsPath(view).path !== "oidc") return [];
    const calledOnly =
      workflow.triggers.length > 0 && workflow.triggers.every((t) => t.event === "workflow_call");
    // Without a token the action takes the default chain, whose account completes the name; a
    // called workflow without `permissions:` has its caller's grant (assumed to include the token).
    const grant = effectiveIdTokenGrant(job, workflow);
    if (grant.level !== "write" && !(calledOnly && grant.source === "default")) return [];
    return [
      workflowFinding(this.meta, nodeAt(file, role.node), {
        message: `Job \`${job.id.value}\` passes the role name \`${role.value}\` to \`role-to-assume\` on the OIDC path, where the action needs an ARN such as \`arn:aws:iam::<account-id>:role/${role.value.trim()}\` and otherwise fails with \`${FAILURE}\`.`,
        job: job.id.value,
        role: role.value,
      }),
    ];
  },
});
