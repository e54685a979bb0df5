import { type TriggerContext, triggerContexts } from "../oidc/run-context.js";
import type { Span } from "../span.js";
import {
  calledJobGrant,
  type EffectivePermissions,
  effectivePermissions,
  type Job,
  type Workflow,
} from "../workflow/index.js";
import { normalizePath } from "./credential-steps.js";

/** A problem of the repository's workflows that GitHub fails the run for (reported as workflow-invalid). */
export interface TriggerProblem {
  file: string;
  message: string;
  span: Span;
  route: string;
}

/** A local job that calls a reusable workflow (`uses: ./.github/workflows/x.yml`). */
export interface Caller {
  workflow: Workflow;
  file: string;
  job: Job;
}

/**
 * One run of a workflow file: its own trigger, or a caller's run reaching it. `noToken` says why
 * GitHub mints no token for it (a caller's grant, GitHub refusing the call).
 */
export interface CallerRun {
  trigger: TriggerContext;
  conditions: (string | undefined)[];
  noToken: string | null;
  workflowName: string;
  /** What the job calling this file grants in this run (null when the file runs on its own trigger). */
  callerPermissions: EffectivePermissions | null;
}

/** What a calling job lets the job it calls have: its permissions, or GitHub refusing the run. */
export type CallerGrant = { permissions: EffectivePermissions } | { refused: string };

/**
 * The repository's reusable-workflow call graph: who calls each workflow, the trigger contexts of
 * each file (computed once), and the runs a file can have through its callers, however deeply
 * nested (cycles cut). Problems (a missing callee, an invalid trigger) are collected as found.
 */
export class CallGraph {
  readonly problems: TriggerProblem[] = [];
  private readonly callers = new Map<string, Caller[]>();
  private readonly ownTriggers = new Map<string, TriggerContext[]>();

  constructor(
    private readonly byPath: ReadonlyMap<string, Workflow>,
    private readonly defaultBranch: string,
    /** Every workflow file, parsed or not (a call to an unparseable one is reported there, not here). */
    workflowFiles: ReadonlySet<string>,
  ) {
    for (const [file, wf] of byPath) {
      for (const job of wf.jobs) {
        const t = job.call?.target;
        if (t?.kind !== "local" && t?.kind !== "self") continue;
        const called = normalizePath(t.path);
        if (!this.callers.has(called)) this.callers.set(called, []);
        this.callers.get(called)!.push({ workflow: wf, file, job });
        if (!workflowFiles.has(called) && job.call)
          this.problems.push({
            file,
            message: `job \`${job.id.value}\` calls ${t.path}, which is not a workflow file of this repository: GitHub fails the run`,
            span: job.call.uses.span,
            route: job.call.uses.route,
          });
      }
    }
  }

  /** The local jobs calling `file`. */
  callersOf(file: string): readonly Caller[] {
    return this.callers.get(file) ?? [];
  }

  /** The trigger contexts of a workflow's own `on:` (computed once per file). */
  triggersOf(file: string, wf: Workflow): TriggerContext[] {
    let t = this.ownTriggers.get(file);
    if (!t) {
      const r = triggerContexts(wf, this.defaultBranch);
      t = r.contexts;
      for (const p of r.problems)
        this.problems.push({ file, message: p.message, span: p.at.span, route: p.at.route });
      this.ownTriggers.set(file, t);
    }
    return t;
  }

  /**
   * The runs a workflow file can have: its own triggers, plus, through each local caller, the
   * callers' runs (with the calling jobs' `if:`). Cycles are cut.
   */
  runsOf(file: string, seen: ReadonlySet<string>): CallerRun[] {
    const wf = this.byPath.get(file);
    if (!wf || seen.has(file)) return [];
    const next = new Set([...seen, file]);
    const own: CallerRun[] = this.triggersOf(file, wf).map((trigger) => ({
      trigger,
      conditions: [],
      noToken: null,
      workflowName: wf.name?.value ?? file,
      callerPermissions: null,
    }));
    for (const c of this.callersOf(file)) {
      for (const r of this.runsOf(c.file, next)) {
        const p = callerGrant(c, r);
        own.push({
          ...r,
          conditions: [...r.conditions, c.job.if?.value],
          noToken: r.noToken ?? ("refused" in p ? refusedRun(p.refused) : null),
          callerPermissions: "refused" in p ? null : p.permissions,
        });
      }
    }
    return own;
  }
}

/** The permissions a calling job has in a run: its own, capped by its caller's when it is called itself. */
export function callerGrant(c: { workflow: Workflow; job: Job }, r: CallerRun): CallerGrant {
  if (!r.callerPermissions) return { permissions: effectivePermissions(c.job, c.workflow) };
  const g = calledJobGrant(c.job, c.workflow, r.callerPermissions);
  return g.kind === "refused" ? { refused: g.message } : { permissions: g.permissions };
}

/** The no-token reason of a run GitHub refuses to start. */
export function refusedRun(message: string): string {
  return `GitHub refuses to start the run: ${message}`;
}

/**
 * Why the called job `job` of `wf` gets no token in a run through caller `c` (GitHub refusing the
 * call, or the caller's id-token grant, which a called workflow cannot raise); null when it gets one.
 */
export function calledJobCap(c: Caller, r: CallerRun, job: Job, wf: Workflow): string | null {
  const p = callerGrant(c, r);
  if ("refused" in p) return refusedRun(p.refused);
  const g = calledJobGrant(job, wf, p.permissions);
  if (g.kind === "refused") return refusedRun(g.message);
  return g.idToken.level !== "write"
    ? `the caller ${c.file}#${c.job.id.value} grants id-token: ${g.idToken.level}, and a called workflow cannot raise it`
    : null;
}
