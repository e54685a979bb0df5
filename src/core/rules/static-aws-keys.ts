import type { Finding } from "../engine/scan-types.js";
import {
  awsCredentialsSteps,
  type Entry,
  type Job,
  type Step,
  type StringMap,
  scanExpressions,
} from "../workflow/index.js";
import { defineRule } from "./define-rule.js";
import { docsUrl } from "./rule.js";
import { nodeAt, workflowFinding } from "./workflow-rule.js";

const id = "static-aws-keys";

/** The variables the AWS SDKs and CLI read long-lived keys from; the key id is reported first. */
const KEY_VARIABLES = ["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"];

const OIDC_STEP = [
  "```yaml",
  "permissions:",
  "  id-token: write",
  "  contents: read",
  "steps:",
  "  - uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3",
  "    with:",
  "      role-to-assume: arn:aws:iam::<account-id>:role/<role-name>",
  "      aws-region: <region>",
  "```",
].join("\n");

/** True when the value reads a secret (`${{ secrets.X }}`). */
function readsSecret(value: string): boolean {
  return scanExpressions(value).references.some((r) => r.context === "secrets");
}

/** True when an `env:` block points the AWS tools at another endpoint (S3-compatible storage, an emulator). */
function otherEndpoint(env: StringMap | undefined): boolean {
  return env?.entries.some((e) => e.key.value.startsWith("AWS_ENDPOINT_URL")) ?? false;
}

/**
 * The first key variable of an `env:` block set from a secret, unless a block in scope (`scope`:
 * this one and the enclosing ones) points the tools at a non-AWS endpoint, where OIDC cannot help.
 */
function keyFromSecret(
  env: StringMap | undefined,
  scope: (StringMap | undefined)[],
): Entry<string> | undefined {
  if (scope.some(otherEndpoint)) return undefined;
  for (const name of KEY_VARIABLES) {
    const entry = env?.entries.find((e) => e.key.value === name);
    if (entry && readsSecret(entry.value.value)) return entry;
  }
  return undefined;
}

/** `static-aws-keys`: long-lived AWS keys (configure-aws-credentials inputs or `env:`) instead of OIDC. */
export const staticAwsKeys = defineRule({
  meta: {
    id,
    severity: "medium",
    category: "hygiene",
    title: "Long-lived AWS keys instead of OIDC",
    explanation:
      "Access keys stored as secrets never expire on their own, work from anywhere, and leak through logs, forks of the workflow and compromised actions. A role assumed with the job's OIDC token gives credentials that last an hour and that the trust policy limits to named repositories, branches or environments. rolecall flags `aws-access-key-id` on configure-aws-credentials (except keys a previous step produced: `steps.<id>.outputs.aws-access-key-id`, or `env.AWS_ACCESS_KEY_ID` as a credentials step exports it), and `AWS_ACCESS_KEY_ID` or `AWS_SECRET_ACCESS_KEY` set from secrets in a workflow, job or step `env:` — unless `AWS_ENDPOINT_URL*` or `--endpoint-url` points the tools at S3-compatible storage elsewhere, where OIDC to AWS cannot replace the keys.",
    fix: `Assume a role through OIDC instead, then delete the keys (and the IAM user's access key):\n\n${OIDC_STEP}\n\nScope the role's trust policy to this job's subjects, e.g. \`repo:<owner>/<repo>:environment:<environment>\` or \`repo:<owner>/<repo>:ref:refs/heads/main\`.`,
    docs: docsUrl(id),
  },
  onWorkflow({ file, workflow }) {
    const out: Finding[] = [];
    const envFinding = (entry: Entry<string>, where: string, job: Job | null): void => {
      out.push(
        workflowFinding(this.meta, nodeAt(file, entry.key), {
          message: `${where} exports \`${entry.key.value}\` from \`${entry.value.value.trim()}\`, a long-lived access key, instead of assuming a role with the job's OIDC token.`,
          job: job?.id.value ?? null,
        }),
      );
    };
    const workflowKey = keyFromSecret(workflow.env, [workflow.env]);
    if (workflowKey) envFinding(workflowKey, "The workflow", null);
    for (const job of workflow.jobs) {
      const jobKey = keyFromSecret(job.env, [job.env, workflow.env]);
      if (jobKey) envFinding(jobKey, `Job \`${job.id.value}\``, job);
      for (const step of job.steps) {
        if (step.run && /--endpoint-url\b/.test(step.run.value)) continue;
        const stepKey = keyFromSecret(step.env, [step.env, job.env, workflow.env]);
        if (stepKey) envFinding(stepKey, `Step ${stepLabel(step)} of job \`${job.id.value}\``, job);
      }
    }
    for (const view of awsCredentialsSteps(workflow)) {
      const keys = view.inputs["aws-access-key-id"];
      if (!keys || keys.value.trim() === "") continue;
      // Keys a previous step minted are short-lived session keys: its outputs (`output-credentials`),
      // or the variables a credentials step exports (`env.AWS_ACCESS_KEY_ID`, reported where an
      // `env:` block sets it from a secret).
      const refs = scanExpressions(keys.value).references;
      if (refs.length > 0 && refs.every((r) => ["steps", "needs", "env"].includes(r.context))) continue;
      const role = view.inputs["role-to-assume"];
      const job = view.job!;
      out.push(
        workflowFinding(this.meta, nodeAt(file, keys.key), {
          message: `Job \`${job.id.value}\` passes \`aws-access-key-id: ${keys.value.trim()}\` to configure-aws-credentials, a long-lived access key, instead of assuming ${role ? `\`${role.value}\`` : "a role"} with the job's OIDC token.`,
          job: job.id.value,
          role: role?.value ?? null,
        }),
      );
    }
    return out;
  },
});

/** A step in messages: its name, else its position. */
function stepLabel(step: Step): string {
  return step.name ? `\`${step.name.value}\`` : `#${step.index + 1}`;
}
