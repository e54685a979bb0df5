import type { Finding, RelatedLocation } from "../engine/scan-types.js";
import { awsCredentialsPath, awsCredentialsSteps, effectiveIdTokenGrant } from "../workflow/index.js";
import { defineRule } from "./define-rule.js";
import { docsUrl } from "./rule.js";
import { nodeAt, workflowFinding } from "./workflow-rule.js";

const id = "missing-id-token-permission";

const OIDC_HINT =
  "It looks like you might be trying to authenticate with OIDC. Did you mean to set the `id-token` permission?";
const FAILURE =
  "Credentials could not be loaded, please check your action inputs: Could not load credentials from any providers";

/** `missing-id-token-permission`: a job assumes a role through OIDC without `id-token: write`. */
export const missingIdTokenPermission = defineRule({
  meta: {
    id,
    severity: "high",
    category: "will-fail",
    title: "The job cannot mint an OIDC token",
    explanation: `A job gets an OIDC token only with \`id-token: write\`, granted by its own \`permissions:\` or, when it has none, the workflow's; the default is \`none\`, and a job-level block sets every scope it does not list to \`none\`. Without the token, configure-aws-credentials logs \`\` ${OIDC_HINT} \`\`, falls back to the default credential chain and, on GitHub-hosted runners, fails with \`${FAILURE}\`. A job of a workflow that only runs through \`workflow_call\` and has no \`permissions:\` of its own takes its caller's grant, so it is checked with the caller, not here.`,
    fix: "Grant the token on the job:\n\n```yaml\npermissions:\n  id-token: write\n  contents: read\n```\n\nA job-level `permissions:` block replaces the workflow's, so list every scope the job needs.",
    docs: docsUrl(id),
  },
  onWorkflow({ file, workflow }) {
    const out: Finding[] = [];
    const calledOnly =
      workflow.triggers.length > 0 && workflow.triggers.every((t) => t.event === "workflow_call");
    const views = awsCredentialsSteps(workflow).filter((v) => awsCredentialsPath(v).path === "oidc");
    const seen = new Set<string>();
    for (const view of views) {
      const job = view.job!;
      if (seen.has(job.id.value)) continue;
      seen.add(job.id.value);
      const grant = effectiveIdTokenGrant(job, workflow);
      if (grant.level === "write") continue;
      if (calledOnly && grant.source === "default") continue; // the caller's grant decides
      const role = view.inputs["role-to-assume"]!;
      const related: RelatedLocation[] = [
        {
          file,
          line: role.node.span.start.line,
          column: role.node.span.start.column,
          message: `\`role-to-assume\` is \`${role.value}\``,
        },
      ];
      let why: string;
      if (grant.source === "job") {
        why = `its \`permissions:\` block leaves \`id-token\` at \`${grant.level}\``;
      } else if (grant.source === "workflow") {
        why = `the workflow's \`permissions:\` block (line ${grant.block!.span.start.line}), which the job inherits, leaves \`id-token\` at \`${grant.level}\``;
        related.push({
          file,
          line: grant.block!.span.start.line,
          column: grant.block!.span.start.column,
          message: "the workflow-level `permissions:` the job inherits",
        });
      } else {
        why = "neither the job nor the workflow grants `id-token: write` (the default is `none`)";
      }
      const at = job.permissions ? nodeAt(file, job.permissions) : nodeAt(file, job.id);
      out.push(
        workflowFinding(this.meta, at, {
          message: `Job \`${job.id.value}\` assumes \`${role.value}\` through OIDC, but ${why}, so the action logs \`\` ${OIDC_HINT} \`\` and fails with \`${FAILURE}\`.`,
          job: job.id.value,
          role: role.value,
          related,
        }),
      );
    }
    return out;
  },
  // A reusable workflow's job capped by its caller's id-token grant: reported at the caller's `uses:`.
  onAnalysis(model, _facts, { plan }) {
    const out: Finding[] = [];
    const capped = new Set<string>();
    for (const a of model.assumptions) {
      for (const c of a.contexts) {
        if (c.decision !== "no-token" || c.noTokenCause !== "caller" || !c.caller) continue;
        if (capped.has(`${c.caller}|${a.file}#${a.job.id.value}`)) continue;
        capped.add(`${c.caller}|${a.file}#${a.job.id.value}`);
        const [callerFile, callerJob] = c.caller.split("#") as [string, string];
        const job = plan.workflows
          .find((w) => w.file === callerFile)
          ?.workflow?.jobs.find((j) => j.id.value === callerJob);
        const at = job?.call?.uses ?? job?.id;
        if (!at) continue;
        out.push(
          workflowFinding(this.meta, nodeAt(callerFile, at), {
            message: `Job \`${callerJob}\` calls ${a.file}, whose job \`${a.job.id.value}\` assumes ${a.role ?? "a role"} through OIDC, but ${c.reason}.`,
            job: callerJob,
            role: a.role,
            discriminator: `${a.file}#${a.job.id.value}`,
            related: a.roleAt
              ? [
                  {
                    file: a.roleAt.file,
                    line: a.roleAt.span.start.line,
                    column: a.roleAt.span.start.column,
                    message: "the role the called job assumes",
                  },
                ]
              : [],
            fix: "Grant the token on the calling job (`permissions: { id-token: write, contents: read }`): a called workflow can never raise what its caller grants.",
          }),
        );
      }
    }
    return out;
  },
});
