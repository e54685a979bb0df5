import { lookupRole, type RoleMap } from "../config/role-map.js";
import { isRoleArn } from "../iam/arn.js";
import type { EnvSpec, RepoFacts } from "../oidc/claims-for.js";
import { isReusable, type TriggerContext, triggerContexts } from "../oidc/run-context.js";
import type { Span } from "../span.js";
import {
  type ActionManifest,
  type AwsCredentials,
  type AwsCredentialsPath,
  actionAwsCredentialsSteps,
  awsCredentials,
  awsCredentialsPath,
  calledJobGrant,
  type EffectivePermissions,
  effectiveIdTokenGrant,
  effectivePermissions,
  expandMatrix,
  type Job,
  type MatrixCombination,
  type Node,
  parseActionManifest,
  parseWorkflow,
  type StringMap,
  type Workflow,
  type WorkflowDiagnostic,
} from "../workflow/index.js";
import { declaredInputs, type ResolveScope, resolveValue } from "./resolve-value.js";

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

/** How a role reference resolved for one run variant. */
export type RoleResolution =
  | { kind: "arn"; arn: string; via: string[] }
  | { kind: "unresolved"; expression: string; reason: string };

/** One variant of a job: a matrix combination / input choice, with its environment and role. */
export interface JobVariant {
  environment: EnvSpec;
  environmentAt: { span: Span; route: string } | null;
  role: RoleResolution;
  label: string | null;
  /** Which runs the variant applies to, when it reads `inputs.X` (set only by workflow_dispatch). */
  events?: "dispatch" | "other";
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
  triggerProblems: { file: string; message: string; span: Span; route: string }[];
  /** Every credentials step of every job, composite actions included (the grain of step rules). */
  steps: PlannedStep[];
  /**
   * Local actions (`uses: ./path`) that are not among the scanned files: missing, unreadable, or
   * skipped by the reader (too deep, under vendor/, dist/ or build/). The steps they hold are unknown.
   */
  missingActions: { file: string; message: string; span: Span; route: string }[];
}

const isAction = (p: string) => /(^|\/)action\.ya?ml$/.test(p);

/** Reads and models every file and decides which roles must be fetched. Pure. */
export function planScan(input: PlanInput): ScanPlan {
  const workflows: ScanPlan["workflows"] = [];
  const actions: ScanPlan["actions"] = [];
  for (const f of [...input.files].sort((a, b) => a.path.localeCompare(b.path))) {
    if (isAction(f.path)) {
      const r = parseActionManifest(f.text, f.path);
      actions.push({ file: f.path, action: r.action, diagnostics: r.diagnostics });
    } else {
      const r = parseWorkflow(f.text, f.path);
      workflows.push({ file: f.path, workflow: r.workflow, diagnostics: r.diagnostics });
    }
  }
  const byPath = new Map(workflows.filter((w) => w.workflow).map((w) => [w.file, w.workflow!]));
  const actionByDir = new Map(
    actions.filter((a) => a.action).map((a) => [a.file.replace(/\/?action\.ya?ml$/, ""), a.action!]),
  );
  const triggerProblems: ScanPlan["triggerProblems"] = [];
  const assumptions: PlannedAssumption[] = [];

  // Local callers of each reusable workflow.
  const callers = new Map<string, { workflow: Workflow; file: string; job: Job }[]>();
  for (const [file, wf] of byPath) {
    for (const job of wf.jobs) {
      const t = job.call?.target;
      if (t?.kind === "local" || t?.kind === "self") {
        const called = normalizePath(t.path);
        if (!callers.has(called)) callers.set(called, []);
        callers.get(called)!.push({ workflow: wf, file, job });
        if (!byPath.has(called) && !workflows.some((w) => w.file === called) && job.call) {
          triggerProblems.push({
            file,
            message: `job \`${job.id.value}\` calls ${t.path}, which is not a workflow file of this repository: GitHub fails the run`,
            span: job.call.uses.span,
            route: job.call.uses.route,
          });
        }
      }
    }
  }

  const ownTriggers = new Map<string, TriggerContext[]>();
  const triggersOf = (file: string, wf: Workflow) => {
    let t = ownTriggers.get(file);
    if (!t) {
      const r = triggerContexts(wf, input.repo.defaultBranch);
      t = r.contexts;
      for (const p of r.problems)
        triggerProblems.push({ file, message: p.message, span: p.at.span, route: p.at.route });
      ownTriggers.set(file, t);
    }
    return t;
  };

  /**
   * The runs a workflow file can have: its own triggers, plus — through each local caller, however
   * deeply nested — the callers' runs (with the calling jobs' `if:`). Cycles are cut.
   */
  type Run = {
    trigger: TriggerContext;
    conditions: (string | undefined)[];
    noToken: string | null;
    workflowName: string;
    /** What the job calling this file grants in this run (null when the file runs on its own trigger). */
    callerPermissions: EffectivePermissions | null;
  };
  /** The permissions a calling job has in a run: its own, capped by its caller's when it is called itself. */
  const callingJobPermissions = (
    c: { workflow: Workflow; job: Job },
    r: Run,
  ): { permissions: EffectivePermissions } | { refused: string } => {
    if (!r.callerPermissions) return { permissions: effectivePermissions(c.job, c.workflow) };
    const g = calledJobGrant(c.job, c.workflow, r.callerPermissions);
    return g.kind === "refused" ? { refused: g.message } : { permissions: g.permissions };
  };
  const runsOf = (file: string, seen: Set<string>): Run[] => {
    const wf = byPath.get(file);
    if (!wf || seen.has(file)) return [];
    const next = new Set([...seen, file]);
    const own: Run[] = triggersOf(file, wf).map((trigger) => ({
      trigger,
      conditions: [],
      noToken: null,
      workflowName: wf.name?.value ?? file,
      callerPermissions: null,
    }));
    for (const c of callers.get(file) ?? []) {
      for (const r of runsOf(c.file, next)) {
        const p = callingJobPermissions(c, r);
        own.push({
          ...r,
          conditions: [...r.conditions, c.job.if?.value],
          noToken: r.noToken ?? ("refused" in p ? `GitHub refuses to start the run: ${p.refused}` : null),
          callerPermissions: "refused" in p ? null : p.permissions,
        });
      }
    }
    return own;
  };

  const plannedSteps: PlannedStep[] = [];
  const missingActions: ScanPlan["missingActions"] = [];
  const actionFiles = new Set(actions.map((a) => a.file));
  for (const [file, wf] of byPath) {
    for (const job of wf.jobs) {
      missingActions.push(...missingLocalActions(file, job, actionFiles));
      const steps = credentialSteps(job, wf, actionByDir);
      for (const { view, step, actionFile } of steps)
        plannedSteps.push({
          file: actionFile ?? file,
          view,
          workflowFile: file,
          workflow: wf,
          job,
          via: actionFile ? step : null,
        });
      if (steps.length === 0) continue;
      const base = {
        file,
        workflow: wf,
        job,
        workflowName: wf.name?.value ?? file,
        jobWorkflowFile: file,
      };
      // Direct runs of this workflow, then runs through each local caller (with the caller's `with:`).
      const grant = effectiveIdTokenGrant(job, wf);
      const direct = triggersOf(file, wf).map((trigger) => ({
        trigger,
        caller: null as string | null,
        conditions: [job.if?.value],
        noToken:
          grant.level !== "write"
            ? `the job's id-token permission is ${grant.level} (${grant.source === "default" ? "not granted anywhere" : `set at ${grant.source} level`})`
            : null,
        noTokenCause: grant.level !== "write" ? ("job" as const) : null,
      }));
      const groups: {
        triggers: PlannedAssumption["triggers"];
        callerWith: StringMap | undefined;
        workflowName: string;
      }[] = [];
      if (direct.length > 0)
        groups.push({ triggers: direct, callerWith: undefined, workflowName: base.workflowName });
      for (const c of callers.get(file) ?? []) {
        // The caller's own runs: its triggers, or (a reusable workflow calling this one) its callers' runs.
        const runs = runsOf(c.file, new Set([file]));
        if (runs.length === 0) continue;
        groups.push({
          triggers: runs.map((r) => {
            const p = callingJobPermissions(c, r);
            let cap: string | null;
            if ("refused" in p) cap = `GitHub refuses to start the run: ${p.refused}`;
            else {
              const g = calledJobGrant(job, wf, p.permissions);
              cap =
                g.kind === "refused"
                  ? `GitHub refuses to start the run: ${g.message}`
                  : g.idToken.level !== "write"
                    ? `the caller ${c.file}#${c.job.id.value} grants id-token: ${g.idToken.level}, and a called workflow cannot raise it`
                    : null;
            }
            const noToken = r.noToken ?? cap;
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
      const unknownCaller =
        isReusable(wf) && groups.length === 0
          ? "this reusable workflow has no caller in the repository; its runs take the caller's repository, event and ref"
          : null;
      if (groups.length === 0)
        groups.push({ triggers: [], callerWith: undefined, workflowName: base.workflowName });
      for (const { view, step, callerWith: actionWith, actionFile } of steps) {
        const path = awsCredentialsPath(view);
        const roleInput = view.inputs["role-to-assume"];
        for (const group of groups) {
          assumptions.push({
            ...base,
            workflowName: group.workflowName,
            credentials: view,
            path,
            roleNode: roleInput?.node ?? null,
            roleAt: roleInput
              ? { file: actionFile ?? file, span: roleInput.node.span, route: roleInput.node.route }
              : null,
            stepAt: { span: step.span, route: step.route },
            variants: jobVariants(
              job,
              wf,
              view,
              roleInput?.value ?? null,
              actionWith ?? group.callerWith,
              input.roleMap,
            ),
            triggers: group.triggers.map((d) => ({ ...d, conditions: [...d.conditions, step.if?.value] })),
            unknownCaller,
          });
        }
      }
    }
  }
  const roleArns = [
    ...new Set(
      assumptions.flatMap((a) =>
        a.variants.flatMap((v) => (v.role.kind === "arn" && isRoleArn(v.role.arn) ? [v.role.arn] : [])),
      ),
    ),
  ].sort();
  return {
    repo: input.repo,
    files: input.files.map((f) => f.path).sort(),
    workflows,
    actions,
    assumptions,
    roleArns,
    triggerProblems,
    steps: plannedSteps,
    missingActions,
  };
}

/** The job's `uses: ./path` steps whose `action.yml` is not among the scanned files. */
function missingLocalActions(
  file: string,
  job: Job,
  actionFiles: ReadonlySet<string>,
): ScanPlan["missingActions"] {
  const out: ScanPlan["missingActions"] = [];
  for (const step of job.steps) {
    const t = step.uses?.target;
    if (!step.uses || (t?.kind !== "local" && t?.kind !== "self")) continue;
    const dir = normalizePath(t.path).replace(/\/$/, "");
    const manifest = (name: string) => (dir === "" ? name : `${dir}/${name}`);
    if (actionFiles.has(manifest("action.yml")) || actionFiles.has(manifest("action.yaml"))) continue;
    if (dir.startsWith(".github/workflows/")) continue; // a workflow, reported as a call problem
    out.push({
      file,
      message: `job \`${job.id.value}\` uses the local action \`${step.uses.node.value}\`, but ${manifest("action.yml")} was not read (missing, unreadable, or skipped: deeper than the search limit or under vendor/, dist/ or build/), so the credentials steps it may hold were not checked`,
      span: step.uses.node.span,
      route: step.uses.node.route,
    });
  }
  return out;
}

function normalizePath(p: string): string {
  return p.replace(/^\.?\//, "").replace(/^\$\//, "");
}

/** Credentials steps of a job: its own, and those inside local composite actions it uses. */
function credentialSteps(
  job: Job,
  wf: Workflow,
  actionByDir: Map<string, ActionManifest>,
): {
  view: AwsCredentials;
  step: Job["steps"][number];
  callerWith: StringMap | undefined;
  actionFile: string | null;
}[] {
  const out: {
    view: AwsCredentials;
    step: Job["steps"][number];
    callerWith: StringMap | undefined;
    actionFile: string | null;
  }[] = [];
  for (const step of job.steps) {
    const view = awsCredentials(step, job, wf);
    if (view) {
      out.push({ view, step, callerWith: undefined, actionFile: null });
      continue;
    }
    const t = step.uses?.target;
    if (t?.kind === "local" || t?.kind === "self") {
      const action = actionByDir.get(normalizePath(t.path).replace(/\/$/, ""));
      if (action)
        for (const v of actionAwsCredentialsSteps(action))
          out.push({ view: v, step, callerWith: step.with, actionFile: action.file });
    }
  }
  return out;
}

function matrixCombos(job: Job): (MatrixCombination | null)[] {
  const m = job.strategy?.matrix;
  if (!m) return [null];
  const e = expandMatrix(m, 64);
  return e.kind === "static" && e.combinations.length > 0 ? e.combinations : [null];
}

function jobVariants(
  job: Job,
  wf: Workflow,
  view: AwsCredentials,
  roleText: string | null,
  callerWith: StringMap | undefined,
  roleMap: RoleMap | null,
): JobVariant[] {
  const out: JobVariant[] = [];
  const seen = new Set<string>();
  const inputs = declaredInputs(wf);
  const envAt = job.environment
    ? { span: job.environment.name.span, route: job.environment.name.route }
    : null;
  // `inputs.X` has a value only when workflow_dispatch (or a caller's `with:`) sets it; on other
  // events it is empty. A value that reads inputs therefore resolves differently per event.
  const readsInputs = [job.environment?.name.value ?? "", roleText ?? ""].some((t) => /\binputs\./.test(t));
  const events = wf.triggers.map((t) => t.event).filter((e) => e !== "workflow_call");
  const passes: { events: JobVariant["events"]; inputsEmpty: boolean }[] =
    !readsInputs || callerWith
      ? [{ events: undefined, inputsEmpty: false }]
      : [
          ...(events.includes("workflow_dispatch")
            ? [{ events: "dispatch" as const, inputsEmpty: false }]
            : []),
          ...(events.some((e) => e !== "workflow_dispatch")
            ? [{ events: "other" as const, inputsEmpty: true }]
            : []),
        ];
  if (passes.length === 0) passes.push({ events: undefined, inputsEmpty: false });
  for (const pass of passes)
    for (const combo of matrixCombos(job)) {
      const scope: ResolveScope = {
        matrix: combo,
        envs: [view.step.env, job.env, wf.env],
        callerWith,
        inputs,
        inputsEmpty: pass.inputsEmpty,
      };
      const envs: { env: EnvSpec; via: string[] }[] = [];
      if (!job.environment) envs.push({ env: { kind: "none" }, via: [] });
      else {
        for (const r of resolveValue(job.environment.name.value, scope)) {
          // GitHub treats an empty environment name as no environment.
          envs.push(
            r.ok
              ? { env: r.value === "" ? { kind: "none" } : { kind: "value", name: r.value }, via: r.via }
              : { env: { kind: "unknown", text: job.environment.name.value }, via: [] },
          );
        }
      }
      for (const { env, via: envVia } of envs) {
        const envName = env.kind === "value" ? env.name : null;
        const roles: RoleResolution[] = [];
        if (roleText === null)
          roles.push({ kind: "unresolved", expression: "", reason: "no role-to-assume" });
        else {
          for (const r of resolveValue(roleText, scope)) {
            if (r.ok) roles.push({ kind: "arn", arn: r.value, via: r.via });
            else {
              const mapped =
                lookupRole(roleMap, r.expression, envName) ?? lookupRole(roleMap, roleText, envName);
              roles.push(
                mapped
                  ? {
                      kind: "arn",
                      arn: mapped,
                      via: [`role map: ${roleText}${envName ? ` (${envName})` : ""}`],
                    }
                  : { kind: "unresolved", expression: roleText, reason: r.reason },
              );
            }
          }
        }
        for (const role of roles) {
          const key = `${pass.events ?? ""}|${JSON.stringify(env)}|${role.kind === "arn" ? role.arn : role.expression}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const via = [...envVia, ...(role.kind === "arn" ? role.via : [])];
          out.push({
            environment: env,
            environmentAt: envAt,
            role,
            label: via.length ? via.join(", ") : null,
            events: pass.events,
          });
        }
      }
    }
  return out;
}
