import {
  type ActionManifest,
  type AwsCredentials,
  actionAwsCredentialsSteps,
  awsCredentials,
  type Job,
  type StringMap,
  type Workflow,
} from "../workflow/index.js";
import type { ScanPlan } from "./plan.js";

/** The job's `uses: ./path` steps whose `action.yml` is not among the scanned files. */
export function missingLocalActions(
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

export function normalizePath(p: string): string {
  return p.replace(/^\.?\//, "").replace(/^\$\//, "");
}

/** Credentials steps of a job: its own, and those inside local composite actions it uses. */
export function credentialSteps(
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
