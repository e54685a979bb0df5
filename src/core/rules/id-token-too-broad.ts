import type { Finding } from "../engine/scan-types.js";
import {
  awsCredentials,
  awsCredentialsPath,
  type Job,
  type Permissions,
  permissionLevel,
  type Step,
  type StringMap,
  type Workflow,
} from "../workflow/index.js";
import { defineRule } from "./define-rule.js";
import { docsUrl } from "./rule.js";
import { nodeAt, workflowFinding } from "./workflow-rule.js";

const id = "id-token-too-broad";

/**
 * Actions known not to request an OIDC token (`owner/repo[/path]`, lower case; a trailing `*`
 * matches any suffix). Any other action may call `core.getIDToken()` — `actions/github-script`,
 * `codecov/codecov-action` (`use_oidc`), `azure/login`, `google-github-actions/auth`,
 * `pypa/gh-action-pypi-publish`, `actions/attest-build-provenance`, `sigstore/*`,
 * `actions/deploy-pages`, `hashicorp/vault-action`, `octo-sts/action`… — and keeps the rule silent.
 */
const NO_TOKEN_ACTIONS: readonly string[] = [
  "actions/checkout",
  "actions/cache",
  "actions/cache/*",
  "actions/upload-artifact",
  "actions/download-artifact",
  "actions/setup-*",
  "actions/labeler",
  "actions/stale",
  "actions/dependency-review-action",
  "actions/create-github-app-token",
  "actions/upload-pages-artifact",
  "aws-actions/amazon-ecr-login",
  "aws-actions/aws-codebuild-run-build",
  "aws-actions/aws-secretsmanager-get-secrets",
  "aws-actions/setup-sam",
  "azure/setup-helm",
  "azure/setup-kubectl",
  "docker/build-push-action",
  "docker/login-action",
  "docker/metadata-action",
  "docker/setup-buildx-action",
  "docker/setup-qemu-action",
  "dorny/paths-filter",
  "dtolnay/rust-toolchain",
  "actions-rust-lang/setup-rust-toolchain",
  "github/codeql-action/*",
  "golangci/golangci-lint-action",
  "gradle/actions/*",
  "hashicorp/setup-terraform",
  "astral-sh/setup-uv",
  "denoland/setup-deno",
  "oven-sh/setup-bun",
  "pnpm/action-setup",
  "ruby/setup-ruby",
  "peter-evans/create-pull-request",
  "peter-evans/create-or-update-comment",
  "peter-evans/find-comment",
  "slackapi/slack-github-action",
  "softprops/action-gh-release",
  "step-security/harden-runner",
  "swatinem/rust-cache",
  "taiki-e/install-action",
  "terraform-linters/setup-tflint",
  "tj-actions/changed-files",
];

/** Words in a `run:` script or an `env:` entry that suggest the job requests a token itself. */
const TOKEN_HINT =
  /ACTIONS_ID_TOKEN|id[-_]?token|oidc|web[-_]?identity|publish|provenance|attest|cosign|sigstore|gitsign|semantic-release|changeset|goreleaser|twine|gcloud|az\s+login|pulumi|vault|jfrog|\bjf\s/i;

function knownNoTokenAction(step: Step): boolean {
  const target = step.uses?.target;
  if (target?.kind !== "repository") return false;
  const name = [target.owner, target.repo, ...(target.path ? [target.path] : [])].join("/").toLowerCase();
  return NO_TOKEN_ACTIONS.some((p) => (p.endsWith("*") ? name.startsWith(p.slice(0, -1)) : name === p));
}

function envHints(env: StringMap | undefined): boolean {
  return env?.entries.some((e) => TOKEN_HINT.test(e.key.value) || TOKEN_HINT.test(e.value.value)) ?? false;
}

/**
 * Whether a job may request an OIDC token: `uses` (configure-aws-credentials on or possibly on the
 * OIDC path), `maybe` (a reusable-workflow call, an action not known to do without, a script or
 * `env:` that hints at it), or `none` (only `run:` steps and known actions, none hinting at a token).
 */
function tokenUse(job: Job, workflow: Workflow): "uses" | "maybe" | "none" {
  if (job.call) return "maybe";
  if (envHints(workflow.env) || envHints(job.env)) return "maybe";
  let use: "maybe" | "none" = "none";
  for (const step of job.steps) {
    const view = awsCredentials(step, job, workflow);
    if (view) {
      const path = awsCredentialsPath(view);
      if (path.path === "oidc" || path.uncertain.length > 0) return "uses";
      continue;
    }
    if (envHints(step.env)) use = "maybe";
    if (step.uses && !knownNoTokenAction(step)) use = "maybe";
    if (step.run && TOKEN_HINT.test(step.run.value)) use = "maybe";
  }
  return use;
}

/** Where a block grants `id-token: write`: its `id-token` entry, or the block for `write-all`. */
function grantAt(file: string, block: Permissions) {
  const entry = block.scopes.find((e) => e.key.value === "id-token");
  return entry ? nodeAt(file, entry.key) : nodeAt(file, block);
}

function grantText(block: Permissions): string {
  return block.form === "write-all"
    ? "`permissions: write-all` (which includes `id-token: write`)"
    : "`id-token: write`";
}

function jobList(jobs: Job[]): string {
  return jobs.map((j) => `\`${j.id.value}\``).join(", ");
}

/** `id-token-too-broad`: `id-token: write` granted to jobs that certainly never request a token. */
export const idTokenTooBroad = defineRule({
  meta: {
    id,
    severity: "low",
    category: "hygiene",
    title: "`id-token: write` is granted to jobs that never use it",
    explanation:
      "Every step of a job with `id-token: write`, including third-party actions and build scripts, can mint an OIDC token and assume any role whose trust policy admits the job's subject. Granting it at workflow level hands it to every job without its own `permissions:`. Many actions legitimately request a token (`google-github-actions/auth`, `azure/login`, `pypa/gh-action-pypi-publish`, `actions/attest-build-provenance`, `sigstore/*`…), so rolecall flags a job only when it certainly does without: all its steps are `run:` scripts that do not mention tokens, OIDC, publishing or signing, or actions known not to request a token (`actions/checkout`, `actions/setup-*`, `actions/cache`, `actions/upload-artifact`…). A job calling a reusable workflow, or using any other action, is assumed to need it.",
    fix: "Grant `id-token: write` only on the jobs that assume a role, and keep the workflow-level block read-only:\n\n```yaml\npermissions:\n  contents: read\njobs:\n  deploy:\n    permissions:\n      id-token: write\n      contents: read\n```",
    docs: docsUrl(id),
  },
  onWorkflow({ file, workflow }) {
    const out: Finding[] = [];
    const wf = workflow.permissions;
    if (wf && permissionLevel(wf, "id-token") === "write") {
      const idle = workflow.jobs.filter((j) => !j.permissions && tokenUse(j, workflow) === "none");
      if (idle.length > 0) {
        const jobs = idle.length === 1 ? `job ${jobList(idle)}` : `jobs ${jobList(idle)}`;
        out.push(
          workflowFinding(this.meta, grantAt(file, wf), {
            message: `The workflow grants ${grantText(wf)} to every job without its own \`permissions:\`, including ${jobs}, which never ${idle.length === 1 ? "requests" : "request"} an OIDC token.`,
          }),
        );
      }
    }
    for (const job of workflow.jobs) {
      const block = job.permissions;
      if (!block || permissionLevel(block, "id-token") !== "write") continue;
      if (tokenUse(job, workflow) !== "none") continue;
      out.push(
        workflowFinding(this.meta, grantAt(file, block), {
          message: `Job \`${job.id.value}\` has ${grantText(block)} but none of its steps requests an OIDC token.`,
          job: job.id.value,
        }),
      );
    }
    return out;
  },
});
