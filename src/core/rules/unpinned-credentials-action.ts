import { configureAwsCredentialsRelease } from "../workflow/index.js";
import { defineRule } from "./define-rule.js";
import { docsUrl } from "./rule.js";
import { nodeAt, workflowFinding } from "./workflow-rule.js";

const id = "unpinned-credentials-action";

/** The newest release commit of aws-actions/configure-aws-credentials the model knows. */
const LATEST_SHA = "e6de054238d6b7531b4efff3b6587d9aade6a06c";
const LATEST = configureAwsCredentialsRelease(LATEST_SHA);
/** Majors below this are outdated: v1–v3 target the retired Node 12/16 runtimes. */
const FIRST_SUPPORTED_MAJOR = 4;

const ACTION = "aws-actions/configure-aws-credentials";

/** The line to suggest, with the release in a comment when the model knows the SHA's release. */
function pinnedUses(): string {
  return LATEST
    ? `uses: ${ACTION}@${LATEST_SHA} # ${LATEST}`
    : `uses: ${ACTION}@<full commit SHA> # <version>`;
}

function majorOf(ref: string): number | undefined {
  const m = /^v(\d+)(?!\d)/.exec(ref);
  return m ? Number(m[1]) : undefined;
}

/** `unpinned-credentials-action`: configure-aws-credentials not pinned to a commit SHA, or an outdated major. */
export const unpinnedCredentialsAction = defineRule({
  meta: {
    id,
    severity: "low",
    category: "hygiene",
    title: "configure-aws-credentials is not pinned to a commit, or is an outdated major",
    explanation: `The credentials step receives the job's OIDC token and hands out AWS credentials: a tag or branch can be moved to other code by whoever controls it, a full 40-character commit SHA cannot. Majors v1–v3 target Node runtimes GitHub has retired (12 and 16) and miss later changes (v1 and v2 give key-based sessions 6 hours; only v4.2.0 and later read inputs from environment variables)${LATEST ? `; the newest release rolecall knows is ${LATEST}` : ""}. A SHA that is not a known release commit is left alone.`,
    fix: `Pin the action to the full commit SHA of a current release, with the version in a comment, and let Dependabot or Renovate keep it current:\n\n\`\`\`yaml\n- ${pinnedUses()}\n\`\`\``,
    docs: docsUrl(id),
  },
  // Every credentials step a job runs, inside local composite actions too.
  onCredentialsStep({ file, view, job }) {
    const { ref, refKind, release } = view.action;
    // A tag such as `v1-node16` names its major too.
    const major = view.action.major ?? majorOf(ref.value);
    const outdated = major !== undefined && major < FIRST_SUPPORTED_MAJOR;
    const uses = `${view.action.owner}/${view.action.repo}${view.action.path ? `/${view.action.path}` : ""}@${ref.value}`;
    const latest = LATEST ? ` (the newest release is ${LATEST})` : "";
    let message: string;
    if (refKind === "sha") {
      if (!outdated) return [];
      message = `\`${uses}\` pins ${release}, of the outdated major v${major}${latest}.`;
    } else if (refKind === "version") {
      message = outdated
        ? `\`${uses}\` follows the movable tag \`${ref.value}\` of the outdated major v${major}${latest}, not a commit SHA.`
        : `\`${uses}\` follows the movable tag \`${ref.value}\`, not a full commit SHA, so whoever moves the tag changes the code that receives the job's AWS credentials.`;
    } else if (outdated) {
      message = `\`${uses}\` follows \`${ref.value}\`, a tag or branch of the outdated major v${major}${latest}, not a commit SHA.`;
    } else {
      message = `\`${uses}\` follows \`${ref.value}\`, a branch or tag rather than a full commit SHA, so whoever moves it changes the code that receives the job's AWS credentials.`;
    }
    const role = view.inputs["role-to-assume"];
    return [
      workflowFinding(this.meta, nodeAt(file, ref), {
        message,
        job: job.id.value,
        role: role?.value ?? null,
      }),
    ];
  },
});
