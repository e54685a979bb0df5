import type { Finding } from "../engine/scan-types.js";
import { conditionMayHold as mayHold, type RunFacts, type RunValue } from "../oidc/condition.js";
import {
  type AwsCredentials,
  awsCredentialsPath,
  awsCredentialsSteps,
  effectiveIdTokenGrant,
  type Job,
  type Node,
  type Trigger,
  type Workflow,
} from "../workflow/index.js";
import { defineRule } from "./define-rule.js";
import { docsUrl } from "./rule.js";
import { nodeAt, workflowFinding } from "./workflow-rule.js";

export type { RunFacts, RunValue } from "../oidc/condition.js";

const id = "fork-pr-no-token";

const lit = (value: string | number | boolean | null): RunValue => ({ kind: "literal", value });
/** The fork's side: compared with any literal it is false (a literal `owner/name` names the base repository). */
const fork = (name: string): RunValue => ({ kind: "symbol", name, equalsLiteral: false });
const base = (name: string): RunValue => ({ kind: "symbol", name, equalsLiteral: undefined });
/** A fork's pull request author: anyone, but not a bot that only opens pull requests from the base repository. */
const FORK_AUTHOR: RunValue = {
  kind: "symbol",
  name: "fork-author",
  equalsLiteral: undefined,
  differsFrom: ["dependabot[bot]", "renovate[bot]", "github-actions[bot]"],
};

/** Events whose fork runs get no OIDC token (OIDC-SEMANTICS §2.6). */
export const FORK_PR_EVENTS: readonly string[] = [
  "pull_request",
  "pull_request_review",
  "pull_request_review_comment",
];

/**
 * The facts of a run of `trigger` caused by a pull request from a fork: what `if:` conditions that
 * restrict a job to same-repository pull requests test. For the pull request family, `workflow_run`
 * and `issue_comment` (payloads without a top-level `ref`). `pull_request*` events carry the fork in
 * `github.event.pull_request.head.repo`, `workflow_run` in `github.event.workflow_run.head_repository`.
 */
export function forkRunFacts(trigger: Trigger): RunFacts {
  const event = trigger.event;
  const types = trigger.types?.value.map((t) => t.value.trim()) ?? [];
  // A merged pull request's `closed` run has the base branch as its ref (OIDC-SEMANTICS §2.4).
  const mayBeClosed = types.includes("closed");
  const facts = new Map<string, RunValue>([
    ["github.event_name", lit(event)],
    ...(types.length > 0
      ? ([["github.event.action", { kind: "one-of", values: types }]] as [string, RunValue][])
      : []),
    ["github.repository", base("base-repo")],
    ["github.repository_owner", base("base-owner")],
    ["github.repository_id", base("base-repo-id")],
    ["github.event.repository.full_name", base("base-repo")],
    ["github.event.repository.id", base("base-repo-id")],
    ["github.event.repository.owner.login", base("base-owner")],
    // Only push-like payloads carry a top-level `ref`; these events' payloads do not.
    ["github.event.ref", lit(null)],
  ]);
  if (event === "pull_request" || event.startsWith("pull_request_")) {
    facts.set("github.event.pull_request.head.repo.full_name", fork("fork-repo"));
    facts.set("github.event.pull_request.head.repo.fork", lit(true));
    facts.set("github.event.pull_request.head.repo.id", fork("fork-repo-id"));
    facts.set("github.event.pull_request.head.repo.owner.login", fork("fork-owner"));
    facts.set("github.event.pull_request.head.user.login", fork("fork-owner"));
    facts.set("github.event.pull_request.user.login", FORK_AUTHOR);
    facts.set("github.event.pull_request.base.repo.full_name", base("base-repo"));
    facts.set("github.event.pull_request.base.repo.id", base("base-repo-id"));
    facts.set("github.event.pull_request.base.repo.owner.login", base("base-owner"));
    if (event !== "pull_request_target") {
      if (!mayBeClosed || event !== "pull_request") {
        facts.set("github.ref", { kind: "pattern", prefix: "refs/pull/", suffix: "/merge" });
        facts.set("github.ref_name", { kind: "pattern", prefix: "", suffix: "/merge" });
        facts.set("github.event.pull_request.merged", lit(false));
      }
    }
  }
  if (event === "workflow_run") {
    facts.set("github.event.workflow_run.event", lit("pull_request"));
    facts.set("github.event.workflow_run.head_repository.full_name", fork("fork-repo"));
    facts.set("github.event.workflow_run.head_repository.fork", lit(true));
    facts.set("github.event.workflow_run.head_repository.id", fork("fork-repo-id"));
    facts.set("github.event.workflow_run.head_repository.owner.login", fork("fork-owner"));
    facts.set("github.event.workflow_run.repository.full_name", base("base-repo"));
    facts.set("github.event.workflow_run.repository.id", base("base-repo-id"));
  }
  return facts;
}

/**
 * Whether an `if:` condition can hold in a run described by `facts`: false only when it certainly
 * cannot (e.g. `github.event.pull_request.head.repo.full_name == github.repository` in a fork run,
 * `github.event_name == 'push'` in a pull request run). No condition, an unparseable one, or one
 * that mixes text with `${{ }}` (always true) may hold.
 */
export function conditionMayHold(condition: Node<string> | undefined, facts: RunFacts): boolean {
  if (!condition) return true;
  const name = facts.get("github.event_name");
  const event = name?.kind === "literal" && typeof name.value === "string" ? name.value : "";
  // The core's one interpreter decides, with these facts taking precedence over the event's.
  return mayHold(condition.value, { event, baseRef: null, headRef: null, values: facts });
}

const STATUS_OVERRIDE = /\b(?:always|failure|cancelled)\s*\(/i;

/**
 * Whether a job may run in a run described by `facts`: its `if:` may hold, and no job it `needs`
 * is certainly skipped (a skipped need skips the job unless its `if:` uses a status function).
 */
export function jobMayRun(job: Job, workflow: Workflow, facts: RunFacts): boolean {
  const memo = new Map<string, boolean>();
  const visit = (j: Job, depth: number): boolean => {
    const known = memo.get(j.id.value);
    if (known !== undefined) return known;
    memo.set(j.id.value, true); // cycles (invalid workflows) end here
    let runs = conditionMayHold(j.if, facts);
    if (runs && depth < 50 && !(j.if && STATUS_OVERRIDE.test(j.if.value))) {
      for (const need of j.needs) {
        const needed = workflow.jobs.find((other) => other.id.value === need.value.trim());
        if (needed && !visit(needed, depth + 1)) {
          runs = false;
          break;
        }
      }
    }
    memo.set(j.id.value, runs);
    return runs;
  };
  return visit(job, 0);
}

/** The credentials steps of `job` that take the OIDC path (a role, no keys, no token file, no chaining). */
function oidcSteps(job: Job, workflow: Workflow): AwsCredentials[] {
  return awsCredentialsSteps({ ...workflow, jobs: [job] }).filter(
    (v) => awsCredentialsPath(v).path === "oidc",
  );
}

/** `fork-pr-no-token`: a pull request job assumes a role through OIDC, which fork runs cannot. */
export const forkPrNoToken = defineRule({
  meta: {
    id,
    severity: "medium",
    category: "will-fail",
    title: "Fork pull requests get no OIDC token",
    explanation:
      "GitHub gives runs of `pull_request`, `pull_request_review` and `pull_request_review_comment` from forks (and Dependabot's pull requests) at most `id-token: none`, whatever the workflow asks for. The credentials step then falls back to the default credential chain and fails with `Credentials could not be loaded, please check your action inputs: Could not load credentials from any providers`. rolecall stays silent when the job's or the step's `if:` (or a job it `needs`) already rules out fork runs, e.g. `github.event.pull_request.head.repo.full_name == github.repository` (or `== 'owner/name'`), `!github.event.pull_request.head.repo.fork` or `github.event.pull_request.user.login == 'dependabot[bot]'`, or when it rules out pull request events altogether (`github.event_name == 'push'`, `github.ref == 'refs/heads/main'`). A guard computed in a step and passed through outputs is not followed.",
    fix: "Skip the role for fork pull requests, e.g. `if: github.event.pull_request.head.repo.full_name == github.repository` on the job or the credentials step (add `&& github.actor != 'dependabot[bot]'` if Dependabot opens pull requests), or run the AWS part after merge on `push`.",
    docs: docsUrl(id),
  },
  onWorkflow({ file, workflow }) {
    const out: Finding[] = [];
    const triggers = workflow.triggers.filter((t) => FORK_PR_EVENTS.includes(t.event));
    if (triggers.length === 0) return out;
    for (const job of workflow.jobs) {
      if (effectiveIdTokenGrant(job, workflow).level !== "write") continue; // missing-id-token-permission
      for (const trigger of triggers) {
        const facts = forkRunFacts(trigger);
        if (!jobMayRun(job, workflow, facts)) continue;
        const view = oidcSteps(job, workflow).find((v) => conditionMayHold(v.step.if, facts));
        if (!view) continue;
        const role = view.inputs["role-to-assume"]!;
        out.push(
          workflowFinding(this.meta, nodeAt(file, view.action.uses), {
            message: `Job \`${job.id.value}\` assumes \`${role.value}\` on \`${trigger.event}\`, but runs from fork pull requests get no OIDC token, so this step fails for them with \`Credentials could not be loaded, please check your action inputs: Could not load credentials from any providers\`.`,
            job: job.id.value,
            role: role.value,
            related: [
              {
                file,
                line: trigger.name.span.start.line,
                column: trigger.name.span.start.column,
                message: `\`${trigger.event}\` runs for pull requests from forks`,
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
