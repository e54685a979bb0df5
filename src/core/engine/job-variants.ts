import { lookupRole, type RoleMap } from "../config/role-map.js";
import type { EnvSpec } from "../oidc/claims-for.js";
import type { Span } from "../span.js";
import {
  type AwsCredentials,
  expandMatrix,
  type Job,
  type MatrixCombination,
  type StringMap,
  type Workflow,
} from "../workflow/index.js";
import { declaredInputs, type ResolveScope, resolveValue } from "./resolve-value.js";

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

function matrixCombos(job: Job): (MatrixCombination | null)[] {
  const m = job.strategy?.matrix;
  if (!m) return [null];
  const e = expandMatrix(m, 64);
  return e.kind === "static" && e.combinations.length > 0 ? e.combinations : [null];
}

/** The variants of a job: matrix combinations × input choices, each with its environment and role. */
export function jobVariants(
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
