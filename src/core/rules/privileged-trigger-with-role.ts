import type { Finding } from "../engine/scan-types.js";
import {
  awsCredentials,
  awsCredentialsPath,
  effectiveIdTokenGrant,
  type Node,
  type Step,
} from "../workflow/index.js";
import { defineRule } from "./define-rule.js";
import { conditionMayHold, forkRunFacts, jobMayRun } from "./fork-pr-no-token.js";
import { docsUrl } from "./rule.js";
import { nodeAt, workflowFinding } from "./workflow-rule.js";

const id = "privileged-trigger-with-role";

/** Events that run with the base repository's privileges for pull requests from forks. */
const PRIVILEGED_EVENTS: readonly string[] = ["pull_request_target", "workflow_run", "issue_comment"];

/** Expression text naming the pull request's head (or merge) code. */
const PR_CODE_REF =
  /github\.event\.pull_request\.(?:head\.|merge_commit_sha)|github\.head_ref|refs\/pull\/|github\.event\.workflow_run\.head_(?:sha|branch|commit)|github\.event\.(?:pull_request\.head\.repo|workflow_run\.head_repository)\.full_name/i;

/** Shell commands that fetch or check out pull request code. */
const PR_CODE_RUN = [
  /\bgh\s+pr\s+checkout\b/i,
  /\bgit\s+fetch\b[^\n]*\bpull\//i,
  /\bgit\s+(?:checkout|switch|reset|fetch)\b[^\n]*(?:github\.event\.pull_request\.head\.|github\.head_ref|github\.event\.workflow_run\.head_)/i,
];

/** Where and how the step brings pull request code into the job, if it does. */
function prCode(step: Step): { node: Node<string>; what: string } | undefined {
  const target = step.uses?.target;
  if (
    target?.kind === "repository" &&
    target.owner.toLowerCase() === "actions" &&
    target.repo.toLowerCase() === "checkout"
  ) {
    const entry = step.with?.entries.find(
      (e) => ["ref", "repository"].includes(e.key.value.toLowerCase()) && PR_CODE_REF.test(e.value.value),
    );
    return entry
      ? { node: entry.value, what: `checks out \`${entry.key.value}: ${entry.value.value.trim()}\`` }
      : undefined;
  }
  for (const re of PR_CODE_RUN) {
    const m = step.run ? re.exec(step.run.value) : null;
    if (m) return { node: step.run!, what: `runs \`${m[0].trim()}\`` };
  }
  return undefined;
}

/** `privileged-trigger-with-role`: a `pull_request_target` / `workflow_run` / `issue_comment` job that can assume a role and brings in pull request code. */
export const privilegedTriggerWithRole = defineRule({
  meta: {
    id,
    severity: "high",
    category: "hygiene",
    title: "A privileged trigger runs pull request code in a job that can assume a role",
    explanation:
      "`pull_request_target`, `workflow_run` and `issue_comment` run in the base repository with its secrets and, with `id-token: write`, its OIDC token, also when a fork's pull request triggers them. A job that checks out or fetches the pull request's code (`ref:` set to `github.event.pull_request.head.sha` or `refs/pull/…`, `github.event.workflow_run.head_sha`, `gh pr checkout`) lets the pull request's author run code (build scripts, tests, local actions) that can mint a token and assume the role. rolecall stays silent when the job's or the steps' `if:` rules out fork runs (e.g. `github.event.pull_request.head.repo.full_name == github.repository`).",
    fix: "Split the work: run untrusted pull request code in a `pull_request` workflow without `id-token: write`, and assume the role only in a job that never checks out the pull request (pass results through artifacts and treat them as data). If the job must build the pull request, restrict it with `if: github.event.pull_request.head.repo.full_name == github.repository`.",
    docs: docsUrl(id),
  },
  onWorkflow({ file, workflow }) {
    const out: Finding[] = [];
    const triggers = workflow.triggers.filter((t) => PRIVILEGED_EVENTS.includes(t.event));
    if (triggers.length === 0) return out;
    for (const job of workflow.jobs) {
      if (job.call || effectiveIdTokenGrant(job, workflow).level !== "write") continue;
      for (const trigger of triggers) {
        const facts = forkRunFacts(trigger);
        if (!jobMayRun(job, workflow, facts)) continue;
        const runs = job.steps.filter((s) => conditionMayHold(s.if, facts));
        const role = runs
          .map((s) => awsCredentials(s, job, workflow))
          .find((v) => v !== undefined && awsCredentialsPath(v).path === "oidc")?.inputs["role-to-assume"];
        if (!role) continue;
        const code = runs.map(prCode).find((c) => c !== undefined);
        if (!code) continue;
        out.push(
          workflowFinding(this.meta, nodeAt(file, code.node), {
            message: `Job \`${job.id.value}\` runs on \`${trigger.event}\` with \`id-token: write\` and ${code.what}, so a fork's pull request can run its own code in a job that assumes \`${role.value}\`.`,
            job: job.id.value,
            role: role.value,
            related: [
              {
                file,
                line: role.node.span.start.line,
                column: role.node.span.start.column,
                message: `the job assumes \`${role.value}\``,
              },
              {
                file,
                line: trigger.name.span.start.line,
                column: trigger.name.span.start.column,
                message: `\`${trigger.event}\` runs with the base repository's privileges`,
              },
            ],
          }),
        );
        break;
      }
    }
    return out;
  },
});
