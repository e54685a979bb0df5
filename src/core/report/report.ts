import type { HistoryFacts } from "../durations/history.js";
import type { AnalyzedAssumption, ScanModel } from "../engine/analysis-types.js";
import { analyzeAssumptions, type RoleLookup } from "../engine/analyze.js";
import { planScan, type ScanPlan } from "../engine/plan.js";
import type { Assumption, ScanResult, SkippedRule } from "../engine/scan-types.js";
import { workflowFinding } from "../findings/build.js";
import { compareFindings } from "../findings/compare.js";
import { dedupeFindings, dedupeIncomplete } from "../findings/dedupe.js";
import type { ConfigProblem, Finding, IncompleteItem, PolicyFinding } from "../findings/finding.js";
import { findingFingerprint } from "../findings/fingerprint.js";
import { type IgnoreConfig, suppressions } from "../findings/suppress.js";
import { GITHUB_ISSUER } from "../iam/condition-keys.js";
import type { RoleFacts } from "../iam/policy-model.js";
import { tooComplexValues } from "../iam/value-language.js";
import { LangTooComplexError } from "../lang/index.js";
import type { RepoFacts } from "../oidc/claims-for.js";
import {
  configInvalidMeta,
  roleUnreadableMeta,
  roleUnresolvedMeta,
  workflowInvalidMeta,
} from "../rules/could-not-verify.js";
import type { Rule, RuleFacts, RuleNeed } from "../rules/define-rule.js";
import { rules as registry } from "../rules/index.js";
import type { ProtectionFacts } from "../rules/trust-unprotected-ref.js";
import type { Span } from "../span.js";
import { checkPolicy } from "./check-policy.js";
import { groupByCause } from "./group.js";

/** The analysis of one repository: the plan, the roles that were read, and the evaluated model. */
export interface Analysis {
  plan: ScanPlan;
  roles: RoleLookup;
  model: ScanModel;
}

/** Evaluates every planned assumption with the roles that were read. Pure. */
export function analyzeScan(plan: ScanPlan, roles: RoleLookup): Analysis {
  return { plan, roles, model: analyzeAssumptions(plan, roles) };
}

/** What the front door gathered besides the analysis. */
export interface ReportInput {
  /** The repository's texts by path: inline `# rolecall: ignore[...]` comments are read from them. */
  sources?: ReadonlyMap<string, string>;
  /** `ignore.rules` / `ignore.paths` of the configuration (and the file they come from). */
  ignore?: IgnoreConfig | null;
  /** Located problems of the configuration files (`.github/rolecall.yml`, `--role-map`, `--roles`). */
  configProblems?: readonly ConfigProblem[];
  /** Branch and environment protection (the App); absent: the rules that need it are skipped. */
  protection?: ProtectionFacts | null;
  /** The jobs' recent runs (the Actions API); absent: `runs-outgrow-session` is skipped. */
  history?: HistoryFacts | null;
  /** What the front door could not read (a GitHub read that failed, a file of the checkout). */
  incomplete?: readonly IncompleteItem[];
  /** The rules to run (default: the whole registry). */
  rules?: readonly Rule[];
}

const NEED_REASON: Record<RuleNeed, string> = {
  protection: "needs branch and environment protection from the GitHub API, which only the GitHub App reads",
  history:
    "needs the jobs' run history from the GitHub Actions API (rolecall scan --github-token, or GITHUB_TOKEN)",
};

/**
 * The decide phase, once for every front door: runs every rule of the registry at its grain,
 * reports what could not be verified, then dedupes, suppresses (inline comments and configured
 * ignores; an invalid pattern makes the scan incomplete), sorts and decides completeness. Pure.
 */
export function report(analysis: Analysis, input: ReportInput = {}): ScanResult {
  const { plan, model, roles } = analysis;
  const rules = input.rules ?? registry;
  const findings: Finding[] = [];
  const incomplete: IncompleteItem[] = [...(input.incomplete ?? [])];
  const skipped: SkippedRule[] = [];

  couldNotVerify(analysis, input.configProblems ?? [], findings, incomplete);

  const facts: Partial<RuleFacts> = {};
  if (input.protection) facts.protection = input.protection;
  if (input.history) facts.history = input.history;
  const roleFacts = (arn: string) => {
    const s = roles(arn);
    return s?.kind === "found" ? { arn, name: null, maxSessionDuration: s.maxSessionDuration } : null;
  };
  const policyRules: Rule[] = [];
  for (const rule of rules) {
    const missing = (rule.needs ?? []).filter((n) => facts[n] === undefined);
    if (missing.length > 0) {
      skipped.push({ rule: rule.meta.id, reason: missing.map((n) => NEED_REASON[n]).join("; ") });
      continue;
    }
    if (rule.onPolicy) policyRules.push(rule);
    // A language too complex to compile exactly stops this rule, never the scan: the scan is incomplete.
    try {
      const own: Finding[] = workflowRuleFindings(rule, plan, roleFacts);
      if (rule.onAssumption) for (const a of model.assumptions) own.push(...rule.onAssumption(a, model));
      if (rule.onAnalysis) own.push(...rule.onAnalysis(model, facts as RuleFacts, { plan }));
      findings.push(...own);
    } catch (e) {
      if (!(e instanceof LangTooComplexError)) throw e;
      incomplete.push({
        subject: rule.meta.id,
        reason: `the rule could not finish: a language is too complex to analyse exactly (${e.message})`,
        rule: rule.meta.id,
      });
    }
  }

  // The policies' own findings, once per role, at its first reference.
  if (policyRules.length > 0) {
    const seenRole = new Set<string>();
    for (const a of model.assumptions) {
      if (!a.role || a.roleSource?.kind !== "found" || seenRole.has(a.role)) continue;
      seenRole.add(a.role);
      // A value too complex to analyse exactly is never silent: breadth findings about it may be missing.
      for (const t of tooComplexValues(a.roleSource.policy))
        incomplete.push({
          subject: a.role,
          reason: `the trust policy value \`${t.value.value.length > 80 ? `${t.value.value.slice(0, 60)}…` : t.value.value}\` is too complex to analyse exactly (${t.reason}): decisions on concrete runs are exact, but what it admits could not be compared, so breadth findings about it may be missing`,
          rule: "role-unreadable",
        });
      for (const pf of checkPolicy(a.roleSource.policy, { expectedIssuer: plan.repo.issuer }, policyRules))
        findings.push(policyFindingAt(a, pf, roleLocation(a)));
    }
  }

  const suppress = suppressions(input.ignore, input.sources);
  incomplete.push(...suppress.problems);
  const kept = groupByCause(
    dedupeFindings(findings)
      .filter((f) => !suppress.ignores(f))
      .sort(compareFindings),
  );
  const uniqIncomplete = dedupeIncomplete(incomplete);
  return {
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
    skipped,
  };
}

/** A rule's workflow hooks over a plan: every parsed workflow, every credentials step (composites included). */
export function workflowRuleFindings(
  rule: Rule,
  plan: Pick<ScanPlan, "workflows" | "steps">,
  roleFacts: (arn: string) => RoleFacts | null,
): Finding[] {
  const out: Finding[] = [];
  if (rule.onWorkflow)
    for (const w of plan.workflows)
      if (w.workflow) out.push(...rule.onWorkflow({ file: w.file, workflow: w.workflow, roleFacts }));
  if (rule.onCredentialsStep)
    for (const s of plan.steps) out.push(...rule.onCredentialsStep({ ...s, roleFacts }));
  return out;
}

/**
 * The findings of some rules on one workflow text alone (with local actions, when given): for the
 * rule fixtures and the review tests. The same hooks and walk as {@link report}.
 */
export function checkWorkflowFiles(
  rules: readonly Rule[],
  files: { path: string; text: string }[],
  roleFacts: (arn: string) => RoleFacts | null = () => null,
  repo: RepoFacts = {
    fullName: null,
    defaultBranch: "main",
    subPrefix: null,
    subTemplate: null,
    issuer: GITHUB_ISSUER,
  },
): Finding[] {
  const plan = planScan({ files, repo, roleMap: null });
  return rules.flatMap((r) => workflowRuleFindings(r, plan, roleFacts));
}

function roleLocation(a: AnalyzedAssumption): { file: string; span: Span; route: string } {
  return a.roleAt ? a.roleAt : { file: a.file, span: a.job.id.span, route: a.job.id.route };
}

/** What could not be read or resolved: findings of the could-not-verify rules, and incomplete items. */
function couldNotVerify(
  { plan, model }: Analysis,
  configProblems: readonly ConfigProblem[],
  findings: Finding[],
  incomplete: IncompleteItem[],
): void {
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
  for (const p of plan.missingActions)
    incomplete.push({
      subject: p.file,
      reason: `line ${p.span.start.line}: ${p.message}`,
      rule: workflowInvalidMeta.id,
    });
  for (const c of configProblems) {
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

  const seenProblem = new Set<string>();
  for (const a of model.assumptions) {
    if (!a.roleProblem || !a.contexts.some((c) => c.decision === "unknown-role")) continue;
    const key = `${a.file}|${a.job.id.value}|${a.roleProblem}`;
    if (seenProblem.has(key)) continue;
    seenProblem.add(key);
    const unresolved = a.role === null && a.roleSource === null;
    const meta = unresolved ? roleUnresolvedMeta : roleUnreadableMeta;
    // A bare role name: role-name-not-arn reports it (at every credentials step, composites included).
    if (a.roleReference === "bare-name") continue;
    findings.push(
      workflowFinding(meta, roleLocation(a), {
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

function policyFindingAt(
  a: AnalyzedAssumption,
  pf: PolicyFinding,
  at: { file: string; span: Span; route: string },
): Finding {
  const src = a.roleSource?.kind === "found" ? a.roleSource : null;
  const decoded = src?.policy.decoded ?? false;
  return workflowFinding({ id: pf.rule, severity: pf.severity, fix: pf.fix }, at, {
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
  });
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
