import type { RoleMap } from "../config/role-map.js";
import { isRoleArn } from "../iam/arn.js";
import type { RepoFacts } from "../oidc/claims-for.js";
import { isReusable, type TriggerContext } from "../oidc/run-context.js";
import type { Span } from "../span.js";
import {
  type ActionManifest,
  type AwsCredentials,
  type AwsCredentialsPath,
  awsCredentialsPath,
  effectiveIdTokenGrant,
  type Job,
  type Node,
  parseActionManifest,
  parseWorkflow,
  type StringMap,
  type Workflow,
  type WorkflowDiagnostic,
} from "../workflow/index.js";
import { CallGraph, calledJobCap, type TriggerProblem } from "./call-graph.js";
import { credentialSteps, missingLocalActions } from "./credential-steps.js";
import { type JobVariant, jobVariants } from "./job-variants.js";

export type { JobVariant, RoleResolution } from "./job-variants.js";

/** A file of the repository to scan: a workflow, or a local action's `action.yml`. */
export interface ScanFile {
  /** Repository-relative path with `/` separators. */
  path: string;
  text: string | Uint8Array;
}

export interface PlanInput {
  files: ScanFile[];
  repo: RepoFacts;
  roleMap: RoleMap | null;
}

/** One job × credentials step, with its variants and the runs it can have. */
export interface PlannedAssumption {
  file: string;
  workflow: Workflow;
  job: Job;
  credentials: AwsCredentials;
  path: AwsCredentialsPath;
  roleNode: Node<string> | null;
  /** Where the role is named: the workflow, or the local composite action that runs the credentials step. */
  roleAt: { file: string; span: Span; route: string } | null;
  /** The workflow step that assumes the role (the `uses: ./action` step for a composite action). */
  stepAt: { span: Span; route: string };
  variants: JobVariant[];
  /** The trigger contexts of the run (the caller's for reusable workflows), with pruning applied later. */
  triggers: {
    trigger: TriggerContext;
    caller: string | null;
    conditions: (string | undefined)[];
    noToken: string | null;
    /** Who withholds the token: the job's own grant, or a calling job's (a called workflow cannot raise it). */
    noTokenCause: "job" | "caller" | null;
  }[];
  /** Workflow name as the `workflow` claim carries it (the top-level workflow's). */
  workflowName: string;
  /** `job_workflow_ref` path: the file that defines the job. */
  jobWorkflowFile: string;
  /** For reusable workflows without a known caller: why contexts are unknown. */
  unknownCaller: string | null;
}

/**
 * One `configure-aws-credentials` step a job runs: in the job itself, or inside a local composite
 * action the job uses (`file` is then the action's manifest and `via` the job's `uses: ./…` step).
 */
export interface PlannedStep {
  file: string;
  view: AwsCredentials;
  workflowFile: string;
  workflow: Workflow;
  job: Job;
  via: Job["steps"][number] | null;
}

export interface ScanPlan {
  repo: RepoFacts;
  files: string[];
  workflows: { file: string; workflow: Workflow | null; diagnostics: WorkflowDiagnostic[] }[];
  actions: { file: string; action: ActionManifest | null; diagnostics: WorkflowDiagnostic[] }[];
  assumptions: PlannedAssumption[];
  /** Every ARN the analysis needs (read from --roles or AWS). */
  roleArns: string[];
  triggerProblems: TriggerProblem[];
  /** Every credentials step of every job, composite actions included (the grain of step rules). */
  steps: PlannedStep[];
  /**
   * Local actions (`uses: ./path`) that are not among the scanned files: missing, unreadable, or
   * skipped by the reader (too deep, under vendor/, dist/ or build/). The steps they hold are unknown.
   */
  missingActions: { file: string; message: string; span: Span; route: string }[];
}

const isAction = (p: string) => /(^|\/)action\.ya?ml$/.test(p);

/**
 * Reads and models every file and decides which roles must be fetched. Pure. The steps:
 * 1. parse every workflow and action manifest;
 * 2. build the reusable-workflow call graph (callers, trigger contexts, runs through callers);
 * 3. per job: its credentials steps (composite actions included) and local actions not read;
 * 4. per job: the groups of runs (its own triggers, and each caller's runs with the caller's `with:`);
 * 5. one planned assumption per credentials step × run group, with the job's variants;
 * 6. the role ARNs to read.
 */
export function planScan(input: PlanInput): ScanPlan {
  const { workflows, actions } = parseFiles(input.files);
  const byPath = new Map(workflows.filter((w) => w.workflow).map((w) => [w.file, w.workflow!]));
  const actionByDir = new Map(
    actions.filter((a) => a.action).map((a) => [a.file.replace(/\/?action\.ya?ml$/, ""), a.action!]),
  );
  const graph = new CallGraph(byPath, input.repo.defaultBranch, new Set(workflows.map((w) => w.file)));
  const actionFiles = new Set(actions.map((a) => a.file));
  const steps: PlannedStep[] = [];
  const missingActions: ScanPlan["missingActions"] = [];
  const assumptions: PlannedAssumption[] = [];
  for (const [file, wf] of byPath) {
    for (const job of wf.jobs) {
      missingActions.push(...missingLocalActions(file, job, actionFiles));
      const jobSteps = credentialSteps(job, wf, actionByDir);
      for (const { view, step, actionFile } of jobSteps)
        steps.push({
          file: actionFile ?? file,
          view,
          workflowFile: file,
          workflow: wf,
          job,
          via: actionFile ? step : null,
        });
      if (jobSteps.length === 0) continue;
      const groups = runGroups(graph, file, wf, job);
      const unknownCaller =
        isReusable(wf) && groups.length === 0
          ? "this reusable workflow has no caller in the repository; its runs take the caller's repository, event and ref"
          : null;
      if (groups.length === 0)
        groups.push({ triggers: [], callerWith: undefined, workflowName: wf.name?.value ?? file });
      for (const s of jobSteps)
        for (const group of groups)
          assumptions.push(plannedAssumption(file, wf, job, s, group, unknownCaller, input.roleMap));
    }
  }
  return {
    repo: input.repo,
    files: input.files.map((f) => f.path).sort(),
    workflows,
    actions,
    assumptions,
    roleArns: roleArnsOf(assumptions),
    triggerProblems: graph.problems,
    steps,
    missingActions,
  };
}

/** Step 1: every file parsed, workflows and action manifests apart, in path order. */
function parseFiles(files: readonly ScanFile[]): Pick<ScanPlan, "workflows" | "actions"> {
  const workflows: ScanPlan["workflows"] = [];
  const actions: ScanPlan["actions"] = [];
  for (const f of [...files].sort((a, b) => a.path.localeCompare(b.path))) {
    if (isAction(f.path)) {
      const r = parseActionManifest(f.text, f.path);
      actions.push({ file: f.path, action: r.action, diagnostics: r.diagnostics });
    } else {
      const r = parseWorkflow(f.text, f.path);
      workflows.push({ file: f.path, workflow: r.workflow, diagnostics: r.diagnostics });
    }
  }
  return { workflows, actions };
}

/** The runs of one job that share a caller's `with:` (the job's own triggers, or one local caller's runs). */
interface RunGroup {
  triggers: PlannedAssumption["triggers"];
  callerWith: StringMap | undefined;
  workflowName: string;
}

/** Step 4: the job's direct runs, then its runs through each local caller (with the caller's `with:`). */
function runGroups(graph: CallGraph, file: string, wf: Workflow, job: Job): RunGroup[] {
  const groups: RunGroup[] = [];
  const grant = effectiveIdTokenGrant(job, wf);
  const jobNoToken =
    grant.level !== "write"
      ? `the job's id-token permission is ${grant.level} (${grant.source === "default" ? "not granted anywhere" : `set at ${grant.source} level`})`
      : null;
  const direct = graph.triggersOf(file, wf).map((trigger: TriggerContext) => ({
    trigger,
    caller: null as string | null,
    conditions: [job.if?.value],
    noToken: jobNoToken,
    noTokenCause: jobNoToken ? ("job" as const) : null,
  }));
  if (direct.length > 0)
    groups.push({ triggers: direct, callerWith: undefined, workflowName: wf.name?.value ?? file });
  for (const c of graph.callersOf(file)) {
    // The caller's own runs: its triggers, or (a reusable workflow calling this one) its callers' runs.
    const runs = graph.runsOf(c.file, new Set([file]));
    if (runs.length === 0) continue;
    groups.push({
      triggers: runs.map((r) => {
        const noToken = r.noToken ?? calledJobCap(c, r, job, wf);
        return {
          trigger: r.trigger,
          caller: `${c.file}#${c.job.id.value}`,
          conditions: [...r.conditions, c.job.if?.value, job.if?.value],
          noToken,
          noTokenCause: noToken ? ("caller" as const) : null,
        };
      }),
      callerWith: c.job.call?.with,
      workflowName: runs[0]!.workflowName,
    });
  }
  return groups;
}

/** Step 5: one credentials step of a job in one group of runs. */
function plannedAssumption(
  file: string,
  wf: Workflow,
  job: Job,
  s: ReturnType<typeof credentialSteps>[number],
  group: RunGroup,
  unknownCaller: string | null,
  roleMap: RoleMap | null,
): PlannedAssumption {
  const { view, step, callerWith: actionWith, actionFile } = s;
  const roleInput = view.inputs["role-to-assume"];
  return {
    file,
    workflow: wf,
    job,
    workflowName: group.workflowName,
    jobWorkflowFile: file,
    credentials: view,
    path: awsCredentialsPath(view),
    roleNode: roleInput?.node ?? null,
    roleAt: roleInput
      ? { file: actionFile ?? file, span: roleInput.node.span, route: roleInput.node.route }
      : null,
    stepAt: { span: step.span, route: step.route },
    variants: jobVariants(job, wf, view, roleInput?.value ?? null, actionWith ?? group.callerWith, roleMap),
    triggers: group.triggers.map((d) => ({ ...d, conditions: [...d.conditions, step.if?.value] })),
    unknownCaller,
  };
}

/** Step 6: every valid role ARN the assumptions name, sorted. */
function roleArnsOf(assumptions: readonly PlannedAssumption[]): string[] {
  return [
    ...new Set(
      assumptions.flatMap((a) =>
        a.variants.flatMap((v) => (v.role.kind === "arn" && isRoleArn(v.role.arn) ? [v.role.arn] : [])),
      ),
    ),
  ].sort();
}
