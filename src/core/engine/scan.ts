import type { ContextRule } from "../rules/context-rule.js";
import {
  configInvalidMeta,
  roleUnreadableMeta,
  roleUnresolvedMeta,
  workflowInvalidMeta,
} from "../rules/could-not-verify.js";
import { missingIdTokenPermission } from "../rules/missing-id-token-permission.js";
import { compareSeverity, type PolicyFinding } from "../rules/rule.js";
import { type WorkflowRule, workflowFinding } from "../rules/workflow-rule.js";
import { LineIndex } from "../span.js";
import type { AnalyzedAssumption, ScanModel } from "./analysis-types.js";
import { analyzeAssumptions, type RoleLookup } from "./analyze.js";
import { checkPolicy } from "./check-policy.js";
import { findingFingerprint } from "./fingerprint.js";
import type { ScanPlan } from "./plan.js";
import type { Assumption, Finding, IncompleteItem, ScanResult } from "./scan-types.js";

export interface ScanRules {
  workflow: readonly WorkflowRule[];
  context: readonly ContextRule[];
}

export interface ConfigProblem {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** Analyses a plan with the roles that were read, runs every rule, and assembles the JSON v1 result. Pure. */
export function runScan(
  plan: ScanPlan,
  roles: RoleLookup,
  rules: ScanRules,
  opts: { sources?: ReadonlyMap<string, string>; configProblems?: ConfigProblem[] } = {},
): { result: ScanResult; model: ScanModel } {
  const model = analyzeAssumptions(plan, roles);
  const findings: Finding[] = [];
  const incomplete: IncompleteItem[] = [];

  const parsedFiles = [
    ...plan.workflows.map((w) => ({
      file: w.file,
      readable: w.workflow !== null,
      diagnostics: w.diagnostics,
    })),
    ...plan.actions.map((x) => ({ file: x.file, readable: x.action !== null, diagnostics: x.diagnostics })),
  ];
  for (const w of parsedFiles) {
    for (const d of w.diagnostics) {
      if (d.severity !== "error") continue;
      findings.push(
        workflowFinding(
          workflowInvalidMeta,
          { file: w.file, span: d.span, route: d.route ?? "" },
          { message: d.message, discriminator: `${d.code}|${d.span.start.offset}` },
        ),
      );
    }
    const firstError = w.diagnostics.find((d) => d.severity === "error");
    if (firstError || !w.readable) {
      incomplete.push({
        subject: w.file,
        reason: firstError
          ? `line ${firstError.span.start.line}: ${firstError.message}`
          : "the file could not be read",
        rule: workflowInvalidMeta.id,
      });
    }
  }
  for (const p of plan.triggerProblems) {
    findings.push(
      workflowFinding(
        workflowInvalidMeta,
        { file: p.file, span: p.span, route: p.route },
        { message: p.message },
      ),
    );
    incomplete.push({
      subject: p.file,
      reason: `line ${p.span.start.line}: ${p.message}`,
      rule: workflowInvalidMeta.id,
    });
  }
  for (const c of opts.configProblems ?? []) {
    findings.push({
      rule: configInvalidMeta.id,
      severity: configInvalidMeta.severity,
      message: c.message,
      file: c.file,
      line: c.line,
      column: c.column,
      endLine: c.line,
      endColumn: c.column,
      job: null,
      role: null,
      fingerprint: findingFingerprint({ rule: configInvalidMeta.id, file: c.file, route: c.message }),
      related: [],
      fix: configInvalidMeta.fix,
    });
    incomplete.push({ subject: c.file, reason: c.message, rule: configInvalidMeta.id });
  }

  const roleFacts = (arn: string) => {
    const s = roles(arn);
    return s?.kind === "found" ? { arn, name: null, maxSessionDuration: s.maxSessionDuration } : null;
  };
  for (const w of plan.workflows) {
    if (!w.workflow) continue;
    for (const rule of rules.workflow)
      findings.push(...rule.checkWorkflow({ file: w.file, workflow: w.workflow, roleFacts }));
  }
  for (const rule of rules.context) findings.push(...rule.checkModel(model));

  // A reusable workflow's job capped by its caller's id-token grant: reported at the caller's `uses:`.
  const capped = new Set<string>();
  for (const a of model.assumptions) {
    for (const c of a.contexts) {
      if (c.decision !== "no-token" || !c.caller || capped.has(`${c.caller}|${a.file}#${a.job.id.value}`))
        continue;
      if (!/^(the caller|GitHub refuses)/.test(c.reason)) continue;
      capped.add(`${c.caller}|${a.file}#${a.job.id.value}`);
      const [callerFile, callerJob] = c.caller.split("#") as [string, string];
      const job = plan.workflows
        .find((w) => w.file === callerFile)
        ?.workflow?.jobs.find((j) => j.id.value === callerJob);
      const at = job?.call?.uses ?? job?.id;
      if (!at) continue;
      findings.push(
        workflowFinding(
          missingIdTokenPermission.meta,
          { file: callerFile, span: at.span, route: at.route },
          {
            message: `Job \`${callerJob}\` calls ${a.file}, whose job \`${a.job.id.value}\` assumes ${a.role ?? "a role"} through OIDC, but ${c.reason}.`,
            job: callerJob,
            role: a.role,
            discriminator: `${a.file}#${a.job.id.value}`,
            related: a.roleAt
              ? [
                  {
                    file: a.roleAt.file,
                    line: a.roleAt.span.start.line,
                    column: a.roleAt.span.start.column,
                    message: "the role the called job assumes",
                  },
                ]
              : [],
            fix: "Grant the token on the calling job (`permissions: { id-token: write, contents: read }`): a called workflow can never raise what its caller grants.",
          },
        ),
      );
    }
  }

  // Could not verify, and the policies' own breadth findings (once per role, at its first reference).
  const seenRole = new Set<string>();
  const seenProblem = new Set<string>();
  for (const a of model.assumptions) {
    const at = a.roleAt ? a.roleAt : { file: a.file, span: a.job.id.span, route: a.job.id.route };
    if (a.roleProblem && a.contexts.some((c) => c.decision === "unknown-role")) {
      const key = `${a.file}|${a.job.id.value}|${a.roleProblem}`;
      if (!seenProblem.has(key)) {
        seenProblem.add(key);
        const unresolved = a.role === null && a.roleSource === null;
        const meta = unresolved ? roleUnresolvedMeta : roleUnreadableMeta;
        if (
          unresolved &&
          a.roleNode &&
          !a.roleNode.value.startsWith("arn:") &&
          !a.roleNode.value.includes("${{")
        ) {
          // A bare role name: role-name-not-arn reports it; nothing to read.
        } else {
          findings.push(
            workflowFinding(meta, at, {
              message: unresolved
                ? `The role of job \`${a.job.id.value}\` is \`${a.roleNode?.value ?? "?"}\`: ${a.roleProblem}; its trust was not checked.`
                : `The trust policy of ${a.role} could not be read: ${a.roleProblem}; job \`${a.job.id.value}\` was not checked.`,
              job: a.job.id.value,
              role: a.role ?? a.roleNode?.value ?? null,
            }),
          );
          incomplete.push({
            subject: a.role ?? a.roleNode?.value ?? a.job.id.value,
            reason: a.roleProblem,
            rule: meta.id,
          });
        }
      }
    }
    if (a.role && a.roleSource?.kind === "found" && !seenRole.has(a.role)) {
      seenRole.add(a.role);
      for (const pf of checkPolicy(a.roleSource.policy, { expectedIssuer: plan.repo.issuer }))
        findings.push(policyFindingAt(a, pf, at));
    }
  }

  const lines = new Map<string, LineIndex>();
  const lineIndex = (file: string) => {
    const text = opts.sources?.get(file);
    if (text === undefined) return undefined;
    let idx = lines.get(file);
    if (!idx) {
      idx = new LineIndex(text);
      lines.set(file, idx);
    }
    return idx;
  };
  const kept = dedupe(findings).filter((f) => !ignoredInline(f, lineIndex(f.file)));
  kept.sort(
    (x, y) =>
      x.file.localeCompare(y.file) ||
      x.line - y.line ||
      x.column - y.column ||
      compareSeverity(x.severity, y.severity) ||
      x.rule.localeCompare(y.rule),
  );
  const uniqIncomplete = [
    ...new Map(incomplete.map((i) => [`${i.rule}|${i.subject}|${i.reason}`, i])).values(),
  ];
  const result: ScanResult = {
    version: 1,
    complete: uniqIncomplete.length === 0,
    repository: {
      fullName: plan.repo.fullName,
      defaultBranch: plan.repo.defaultBranch,
      subPrefix: plan.repo.subPrefix,
      subTemplate: plan.repo.subTemplate,
      issuer: plan.repo.issuer,
    },
    assumptions: model.assumptions.map(toAssumption),
    findings: kept,
    incomplete: uniqIncomplete,
  };
  return { result, model };
}

function policyFindingAt(
  a: AnalyzedAssumption,
  pf: PolicyFinding,
  at: { file: string; span: import("../span.js").Span; route: string },
): Finding {
  const src = a.roleSource?.kind === "found" ? a.roleSource : null;
  const decoded = src?.policy.decoded ?? false;
  return workflowFinding(
    {
      id: pf.rule,
      severity: pf.severity,
      category: "over-broad",
      title: "",
      explanation: "",
      fix: pf.fix,
      docs: "",
    },
    at,
    {
      message: `${a.role}: ${pf.message}`,
      job: a.job.id.value,
      role: a.role,
      fix: pf.fix,
      discriminator: pf.location.pointer,
      related: [
        {
          file: src?.file ?? a.role ?? "",
          line: decoded ? null : pf.location.span.start.line,
          column: decoded ? null : pf.location.span.start.column,
          pointer: pf.location.pointer,
          message: "in the trust policy",
        },
      ],
    },
  );
}

function toAssumption(a: AnalyzedAssumption): Assumption {
  return {
    file: a.file,
    job: a.job.id.value,
    role: a.role,
    line: a.roleAt?.file === a.file ? a.roleAt.span.start.line : a.stepAt.span.start.line,
    column: a.roleAt?.file === a.file ? a.roleAt.span.start.column : a.stepAt.span.start.column,
    contexts: a.contexts.map((c) => ({
      event: c.trigger.event,
      ref: c.ref,
      environment: c.environment,
      fork: c.trigger.fork,
      sub: c.sub,
      decision: c.decision,
      reason: c.reason,
      ...(c.caller ? { caller: c.caller } : {}),
      ...(c.decision === "deny" && c.trigger.optional ? { guard: true as const } : {}),
      ...(c.trigger.conditional ? { conditional: c.trigger.conditional } : {}),
    })),
  };
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Map<string, Finding>();
  for (const f of findings) if (!seen.has(f.fingerprint)) seen.set(f.fingerprint, f);
  return [...seen.values()];
}

/** `# rolecall: ignore[rule-id]` (or `ignore[a, b]`) on the finding's line or the line above suppresses it. */
function ignoredInline(f: Finding, idx: LineIndex | undefined): boolean {
  if (!idx) return false;
  for (const line of [f.line, f.line - 1]) {
    const m = /#\s*rolecall:\s*ignore\[([^\]]+)\]/.exec(idx.lineText(line));
    if (
      m?.[1]
        ?.split(",")
        .map((s) => s.trim())
        .includes(f.rule)
    )
      return true;
  }
  return false;
}
