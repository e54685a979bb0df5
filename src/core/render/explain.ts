import type { ClaimSet } from "../iam/claims.js";
import { describeClaim } from "../iam/claims.js";
import type { ConditionTrace, Evaluation } from "../iam/evaluate.js";
import type { PatternEvaluation } from "../iam/evaluate-pattern.js";
import type { PolicyDiagnostic } from "../iam/policy-diagnostic.js";
import type { TrustPolicy } from "../iam/policy-model.js";
import type { Tri } from "../iam/tri.js";
import type { PolicyFinding } from "../rules/rule.js";
import type { Span } from "../span.js";
import { plainStyle, type Style } from "./style.js";

/** Everything `rolecall explain` reports, ready to render. */
export interface ExplainReport {
  file: string;
  policy: TrustPolicy;
  issuer: string;
  roleArn: string | null;
  claims: ClaimSet;
  /** Set when a claim is a pattern: the variable's description (e.g. `refs/heads/release/**`). */
  pattern: { description: string; result: PatternEvaluation } | null;
  evaluation: Evaluation;
  findings: PolicyFinding[];
  diagnostics: PolicyDiagnostic[];
}

export type ExplainDecision = "allow" | "deny" | "indeterminate";

/** The decision the report stands for: for a pattern, `allow` only when every value is admitted. */
export function explainDecision(r: ExplainReport): ExplainDecision {
  if (!r.pattern) return r.evaluation.decision;
  const c = r.pattern.result.coverage;
  return c === "all" ? "allow" : c === "indeterminate" ? "indeterminate" : "deny";
}

function location(r: ExplainReport, span: Span): string {
  return r.policy.decoded
    ? `${r.file} (decoded policy) ${span.start.line}:${span.start.column}`
    : `${r.file}:${span.start.line}:${span.start.column}`;
}

const triJson = (t: Tri) => t;

/** The `--format json` document (`"version": 1`). */
export function renderExplainJson(r: ExplainReport): unknown {
  const claimJson = (c: ConditionTrace) => ({
    name: c.claim,
    state: c.claimValue.kind,
    value: c.claimValue.kind === "value" ? c.claimValue.value : null,
  });
  const at = (span: Span) => ({
    line: span.start.line,
    column: span.start.column,
    endLine: span.end.line,
    endColumn: span.end.column,
  });
  const base = {
    version: 1,
    decision: explainDecision(r),
    explicitDeny: r.pattern ? false : r.evaluation.explicitDeny,
    reasons: r.pattern ? r.pattern.result.reasons : r.evaluation.reasons,
    policy: {
      file: r.file,
      origin: r.policy.origin,
      version: r.policy.version,
      roleArn: r.roleArn,
      maxSessionDuration: r.policy.role.maxSessionDuration,
      decoded: r.policy.decoded,
    },
    issuer: r.issuer,
    claims: Object.fromEntries(
      Object.entries(r.claims).map(([k, v]) => [
        k,
        v.kind === "value"
          ? v.value
          : v.kind === "pattern"
            ? { pattern: describeClaim(v, r.pattern ? { [v.variable]: r.pattern.description } : undefined) }
            : null,
      ]),
    ),
  };
  const statements = r.pattern
    ? r.pattern.result.statements.map((s) => ({
        index: s.index,
        sid: s.sid,
        effect: s.effect,
        applies: s.coverage,
        principal: s.principal,
        action: s.action,
        conditions: s.conditions.map((c) => ({
          operator: c.operator,
          key: c.key,
          values: c.values,
          claim: { name: c.claim },
          outcome: c.coverage,
          satisfiedBy: c.satisfiedBy,
          failedBy: c.failedBy,
          note: c.note,
          pointer: c.pointer,
          ...at(c.span),
        })),
        pointer: s.pointer,
        ...at(s.span),
      }))
    : r.evaluation.statements.map((s) => ({
        index: s.index,
        sid: s.sid,
        effect: s.effect,
        applies: triJson(s.applies),
        principal: s.principal,
        action: s.action,
        conditions: s.conditions.map((c) => ({
          operator: c.operator,
          key: c.key,
          values: c.values,
          claim: claimJson(c),
          outcome: triJson(c.outcome),
          matchedValue: c.decidingValue,
          note: c.note,
          pointer: c.pointer,
          ...at(c.span),
        })),
        pointer: s.pointer,
        ...at(s.span),
      }));
  return {
    ...base,
    ...(r.pattern
      ? {
          pattern: {
            of: r.pattern.description,
            coverage: r.pattern.result.coverage,
            admittedExample: r.pattern.result.admittedExample,
            deniedExample: r.pattern.result.deniedExample,
          },
        }
      : {}),
    statements,
    findings: r.findings.map((f) => ({
      rule: f.rule,
      severity: f.severity,
      message: f.message,
      pointer: f.location.pointer,
      ...at(f.location.span),
      fix: f.fix,
    })),
    diagnostics: r.diagnostics.map((d) => ({
      code: d.code,
      severity: d.severity,
      message: d.message,
      pointer: d.pointer,
      ...at(d.span),
    })),
  };
}

const mark = (t: Tri | string, st: Style) =>
  t === true || t === "all" ? st.green("✓") : t === false || t === "none" ? st.red("✗") : st.yellow("?");

/** Where two strings first differ, as a caret line under `b`, for the trace of a failed match. */
export function divergence(policyValue: string, claim: string): number {
  let i = 0;
  while (
    i < policyValue.length &&
    i < claim.length &&
    policyValue[i] === claim[i] &&
    policyValue[i] !== "*" &&
    policyValue[i] !== "?"
  )
    i++;
  return i;
}

/** The trace a person debugging an AccessDenied reads. */
export function renderExplainText(r: ExplainReport, st: Style = plainStyle): string {
  const out: string[] = [];
  const decision = explainDecision(r);
  const role = r.roleArn ? ` for ${r.roleArn}` : "";
  out.push(`${st.bold("rolecall explain")}: ${r.file}${role}`);
  out.push(`issuer: ${r.issuer}`);
  const named = Object.entries(r.claims);
  out.push("claims:");
  for (const [k, v] of named) {
    out.push(
      `  ${k} = ${describeClaim(v, r.pattern && v.kind === "pattern" ? { [v.variable]: `(${r.pattern.description})` } : undefined)}`,
    );
  }
  out.push("  (every other claim absent)");
  out.push("");
  const head =
    decision === "allow"
      ? st.green(st.bold("ALLOW"))
      : decision === "deny"
        ? st.red(
            st.bold(
              r.pattern
                ? "NOT ALL ADMITTED"
                : r.evaluation.explicitDeny
                  ? "DENY (explicit)"
                  : "DENY (implicit)",
            ),
          )
        : st.yellow(st.bold("INDETERMINATE"));
  out.push(`Decision: ${head}`);
  for (const reason of r.pattern ? r.pattern.result.reasons : r.evaluation.reasons) out.push(`  ${reason}`);
  if (r.pattern) {
    const p = r.pattern.result;
    if (p.admittedExample !== null) out.push(`  admitted, e.g.: ${p.admittedExample}`);
    if (p.deniedExample !== null) out.push(`  denied, e.g.:   ${p.deniedExample}`);
  }
  out.push("");

  if (r.pattern) {
    for (const s of r.pattern.result.statements) {
      out.push(
        `${mark(s.coverage, st)} Statement ${s.index}${s.sid ? ` "${s.sid}"` : ""} ${s.effect ?? "(invalid Effect)"}: applies to ${s.coverage} of the values  ${st.dim(location(r, s.span))}`,
      );
      out.push(
        `    ${mark(s.principal.outcome, st)} Principal ${principalText(r, s.index)}${s.principal.note ? `: ${s.principal.note}` : ""}`,
      );
      out.push(
        `    ${mark(s.action.outcome, st)} Action ${actionText(r, s.index)}${s.action.note ? `: ${s.action.note}` : ""}`,
      );
      for (const c of s.conditions) {
        out.push(
          `    ${mark(c.coverage, st)} ${c.operator} ${c.key}: ${c.coverage}  ${st.dim(location(r, c.span))}`,
        );
        out.push(`        policy: ${c.values.map((v) => JSON.stringify(v)).join(", ")}`);
        if (c.satisfiedBy !== null && c.coverage !== "all") out.push(`        passes for ${c.satisfiedBy}`);
        if (c.failedBy !== null && c.coverage !== "none") out.push(`        fails for  ${c.failedBy}`);
        if (c.note) out.push(`        ${st.dim(c.note)}`);
      }
      out.push("");
    }
  } else {
    for (const s of r.evaluation.statements) {
      const verb =
        s.applies === true ? "applies" : s.applies === false ? "does not apply" : "may or may not apply";
      out.push(
        `${mark(s.applies, st)} Statement ${s.index}${s.sid ? ` "${s.sid}"` : ""} ${s.effect ?? "(invalid Effect)"}: ${verb}  ${st.dim(location(r, s.span))}`,
      );
      out.push(
        `    ${mark(s.principal.outcome, st)} Principal ${principalText(r, s.index)}${s.principal.note ? `: ${s.principal.note}` : ""}`,
      );
      out.push(
        `    ${mark(s.action.outcome, st)} Action ${actionText(r, s.index)}${s.action.note ? `: ${s.action.note}` : ""}`,
      );
      for (const c of s.conditions) {
        out.push(`    ${mark(c.outcome, st)} ${c.operator} ${c.key}  ${st.dim(location(r, c.span))}`);
        out.push(`        policy: ${c.values.map((v) => JSON.stringify(v)).join(", ")}`);
        const token =
          c.claimValue.kind === "value"
            ? JSON.stringify(c.claimValue.value)
            : c.claimValue.kind === "absent"
              ? "(absent)"
              : c.claimValue.kind === "unknown"
                ? `(unknown: ${c.claimValue.reason})`
                : "(a set of values)";
        out.push(`        token:  ${token}`);
        if (c.decidingValue !== null && c.values.length > 1)
          out.push(`        matched ${JSON.stringify(c.decidingValue)}`);
        if (c.outcome === false && c.claimValue.kind === "value" && c.values.length > 0) {
          const claim = c.claimValue.value;
          const nearest = [...c.values].sort((a, b) => divergence(b, claim) - divergence(a, claim))[0]!;
          const at = divergence(nearest, claim);
          if (at > 0 && !c.operator.includes("Not")) {
            out.push(
              `        nearest value ${JSON.stringify(nearest)} differs from the token at character ${at + 1}:`,
            );
            out.push(`          policy: ${nearest}`);
            out.push(`          token:  ${claim}`);
            out.push(`                  ${" ".repeat(at)}^`);
          }
        }
        if (
          c.outcome === false &&
          c.claim === "sub" &&
          c.claimValue.kind === "value" &&
          !c.operator.includes("Not")
        ) {
          out.push(`        to admit this token, add ${JSON.stringify(c.claimValue.value)} to these values`);
        }
        if (c.note) out.push(`        ${st.dim(c.note)}`);
      }
      out.push("");
    }
  }

  if (r.diagnostics.length > 0) {
    out.push(st.bold("Policy problems"));
    for (const d of r.diagnostics) {
      out.push(
        `  ${d.severity === "error" ? st.red("error") : st.yellow("warning")} ${location(r, d.span)} ${d.message}`,
      );
    }
    out.push("");
  }
  if (r.findings.length > 0) {
    out.push(st.bold("Findings about the policy"));
    for (const f of r.findings) {
      const sev =
        f.severity === "critical" || f.severity === "high"
          ? st.red(f.severity)
          : f.severity === "medium"
            ? st.yellow(f.severity)
            : f.severity;
      out.push(`  ${sev} ${st.cyan(f.rule)} ${location(r, f.location.span)}`);
      out.push(`    ${f.message}`);
      out.push(`    fix: ${f.fix}`);
    }
  } else {
    out.push("No findings about the policy.");
  }
  return `${out.join("\n")}\n`;
}

function statementOf(r: ExplainReport, index: number) {
  return r.policy.statements.find((s) => s.index === index);
}

function principalText(r: ExplainReport, index: number): string {
  const p = statementOf(r, index)?.principal;
  if (!p) return "";
  if (p.everyone) return '"*"';
  const all = [
    ...p.federated.map((f) => `Federated ${f.value}`),
    ...p.aws.map((a) => `AWS ${a.value}`),
    ...p.service.map((s) => `Service ${s.value}`),
  ];
  return all.join(", ");
}

function actionText(r: ExplainReport, index: number): string {
  const a = statementOf(r, index)?.action;
  return a ? `${a.kind === "NotAction" ? "NotAction " : ""}${a.values.map((v) => v.value).join(", ")}` : "";
}
