import type {
  Job,
  MatrixCombination,
  MatrixValue,
  StringMap,
  Workflow,
  WorkflowInput,
} from "../workflow/index.js";
import { findExpressions } from "../workflow/index.js";

/** What an expression in a job may read, for one run variant. */
export interface ResolveScope {
  matrix: MatrixCombination | null;
  /** Why `matrix` is null when the matrix is static but too large to expand. */
  matrixUnknown?: string;
  /** `env` maps from innermost (step) to outermost (workflow). */
  envs: (StringMap | undefined)[];
  /** Inputs: `with:` values of a local caller, else the workflow's declared inputs (defaults, choices). */
  callerWith: StringMap | undefined;
  inputs: WorkflowInput[];
  /** For runs not started by workflow_dispatch (push, schedule, …): every `inputs.X` is empty. */
  inputsEmpty?: boolean;
}

/** One possible value of a string, or why it cannot be known. */
export type Resolved =
  | { ok: true; value: string; via: string[] }
  | { ok: false; reason: string; expression: string };

const MAX_ALTERNATIVES = 64;

function matrixText(v: MatrixValue | undefined): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v === "object") return null;
  return String(v);
}

function lookupMap(map: StringMap | undefined, name: string): string | null {
  if (!map) return null;
  for (let i = map.entries.length - 1; i >= 0; i--) {
    const e = map.entries[i]!;
    if (e.key.value === name) return e.value.value;
  }
  return null;
}

/**
 * Resolves the `${{ }}` expressions of a value as far as the workflow determines them:
 * `matrix.X`, `env.X`, `inputs.X` / `github.event.inputs.X` (caller `with:`, choice options,
 * defaults). Returns every alternative (choice inputs branch). Anything else is unresolved, with
 * the expression text (to look up in a role map).
 */
export function resolveValue(text: string, scope: ResolveScope, depth = 0): Resolved[] {
  const segments = findExpressions(text);
  if (segments.length === 0) return [{ ok: true, value: text, via: [] }];
  let partial: { value: string; via: string[] }[] = [{ value: "", via: [] }];
  let last = 0;
  for (const seg of segments) {
    const literal = text.slice(last, seg.start);
    last = seg.end;
    const expr = seg.source.trim();
    const alternatives = resolveReference(expr, scope, depth);
    if (alternatives.length === 0 || alternatives.some((a) => !a.ok)) {
      const why = alternatives.find((a): a is Extract<Resolved, { ok: false }> => !a.ok);
      // A value that is one expression passes on what it refers to (env.X → secrets.Y), so a role
      // map keyed by the innermost expression applies.
      const whole = segments.length === 1 && text.trim() === text.slice(seg.start, seg.end).trim();
      return [
        {
          ok: false,
          reason: why?.reason ?? `\`${expr}\` is only known at run time`,
          expression: whole && why && why.expression !== expr ? why.expression : text,
        },
      ];
    }
    const next: { value: string; via: string[] }[] = [];
    for (const p of partial)
      for (const a of alternatives as Extract<Resolved, { ok: true }>[])
        next.push({ value: p.value + literal + a.value, via: [...p.via, ...a.via] });
    if (next.length > MAX_ALTERNATIVES) {
      // Never drop values silently: the rest is reported as unresolved (the scan is incomplete).
      return [
        ...next.slice(0, MAX_ALTERNATIVES).map((p) => ({ ok: true as const, value: p.value, via: p.via })),
        {
          ok: false,
          reason: `more than ${MAX_ALTERNATIVES} possible values; only the first ${MAX_ALTERNATIVES} were checked`,
          expression: text,
        },
      ];
    }
    partial = next;
  }
  const tail = text.slice(last);
  return partial.map((p) => ({ ok: true, value: p.value + tail, via: p.via }));
}

function resolveReference(expr: string, scope: ResolveScope, depth: number): Resolved[] {
  const m = /^([A-Za-z_]+)((?:\.[A-Za-z0-9_-]+|\[\s*'[^']*'\s*\])+)$/.exec(expr);
  if (!m) return [{ ok: false, reason: `\`${expr}\` is only known at run time`, expression: expr }];
  const context = m[1]!.toLowerCase();
  const path = [...m[2]!.matchAll(/\.([A-Za-z0-9_-]+)|\[\s*'([^']*)'\s*\]/g)].map((x) => x[1] ?? x[2]!);
  const unresolved = (reason: string): Resolved[] => [{ ok: false, reason, expression: expr }];
  if (context === "matrix" && path.length === 1) {
    if (!scope.matrix)
      return unresolved(
        scope.matrixUnknown
          ? `\`${expr}\` is not known: ${scope.matrixUnknown}`
          : `\`${expr}\` comes from a matrix computed at run time`,
      );
    const v = matrixText(scope.matrix.get(path[0]!)?.value);
    return v === null
      ? unresolved(`the matrix has no scalar \`${path[0]}\``)
      : [{ ok: true, value: v, via: [`matrix.${path[0]}=${v}`] }];
  }
  if (context === "env" && path.length === 1) {
    if (depth > 3) return unresolved(`\`${expr}\` refers to itself`);
    for (const map of scope.envs) {
      const v = lookupMap(map, path[0]!);
      if (v !== null) return resolveValue(v, scope, depth + 1);
    }
    return unresolved(
      `\`env.${path[0]}\` is not set in the workflow (it may come from $GITHUB_ENV at run time)`,
    );
  }
  const inputName =
    context === "inputs" && path.length === 1
      ? path[0]!
      : context === "github" && path.length === 3 && path[0] === "event" && path[1] === "inputs"
        ? path[2]!
        : null;
  if (inputName !== null) {
    if (scope.inputsEmpty && !scope.callerWith)
      return [{ ok: true, value: "", via: [`inputs.${inputName} is empty outside workflow_dispatch`] }];
    const w = lookupMap(scope.callerWith, inputName);
    if (w !== null) {
      if (depth > 3) return unresolved(`\`${expr}\` is too indirect`);
      // The caller's value may itself hold expressions (vars.X, secrets.X): resolve what the caller
      // determines; the rest stays unresolved, keyed by the caller's text for a role map.
      const caller: ResolveScope = { matrix: null, envs: [], callerWith: undefined, inputs: [] };
      return resolveValue(w, caller, depth + 1).map((r) =>
        r.ok ? { ...r, via: [`with.${inputName}`, ...r.via] } : r,
      );
    }
    const input = scope.inputs.find((i) => i.name.value === inputName);
    if (!input) return unresolved(`the input \`${inputName}\` is not declared`);
    const options = input.options?.value.map((o) => o.value);
    if (options && options.length > 0)
      return options.map((o) => ({ ok: true, value: o, via: [`inputs.${inputName}=${o}`] }));
    if (input.default !== undefined)
      return unresolved(
        `the input \`${inputName}\` can be given any value when the workflow is started (default ${String(input.default.value)})`,
      );
    return unresolved(`the input \`${inputName}\` is given when the workflow is started`);
  }
  return unresolved(`\`${expr}\` is only known at run time`);
}

/** The inputs a workflow declares (workflow_dispatch and workflow_call). */
export function declaredInputs(workflow: Workflow): WorkflowInput[] {
  return workflow.triggers.flatMap((t) => t.inputs ?? []);
}

/** Env maps for a step of a job: step, job, workflow. */
export function envChain(
  step: { env?: StringMap } | undefined,
  job: Job,
  workflow: Workflow,
): (StringMap | undefined)[] {
  return [step?.env, job.env, workflow.env];
}
