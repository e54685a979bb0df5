import type { ClaimSet } from "../iam/claims.js";
import { describeClaim } from "../iam/claims.js";
import type { ConditionTrace, Evaluation } from "../iam/evaluate.js";
import type { PatternEvaluation } from "../iam/evaluate-pattern.js";
import type { PolicyDiagnostic } from "../iam/policy-diagnostic.js";
import type { TrustPolicy } from "../iam/policy-model.js";
import type { Tri } from "../iam/tri.js";
import type { PolicyFinding } from "../rules/rule.js";
import type { Span } from "../span.js";
import { proseLines, safeProse, safeText } from "./scan-text.js";
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
  /** How the claims were chosen (a defaulted `aud`, a derived subject's alternatives). */
  notes?: string[];
  /** Why the claims may not be what GitHub mints (claims that cannot come from one token, key typos). */
  warnings?: string[];
}

/** Longest policy or claim value shown whole in the text trace; longer ones are cut. */
export const MAX_SHOWN_VALUE = 200;

/** A value for the text trace: cut when long, quoted, control characters escaped. */
function q(v: string): string {
  return (
    safeText(JSON.stringify(v.length > MAX_SHOWN_VALUE ? `${v.slice(0, MAX_SHOWN_VALUE)}…` : v)) +
    (v.length > MAX_SHOWN_VALUE ? ` (${v.length} characters)` : "")
  );
}

/** A value shown bare (no quotes), cut and escaped the same way. */
function bare(v: string): string {
  return safeProse(v);
}

/** Values of a condition, at most 20 of them shown. */
function valuesText(values: readonly string[]): string {
  const shown = values.slice(0, 20).map(q).join(", ");
  return values.length > 20 ? `${shown}, … and ${values.length - 20} more` : shown;
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
    ? `${safeText(r.file)} (decoded policy) ${span.start.line}:${span.start.column}`
    : `${safeText(r.file)}:${span.start.line}:${span.start.column}`;
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
    notes: r.notes ?? [],
    warnings: r.warnings ?? [],
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
  out.push(`${st.bold("rolecall explain")}: ${safeText(r.file)}${bare(role)}`);
  out.push(`issuer: ${safeText(r.issuer)}`);
  const named = Object.entries(r.claims);
  out.push("claims:");
  for (const [k, v] of named) {
    out.push(
      `  ${safeText(k)} = ${bare(describeClaim(v, r.pattern && v.kind === "pattern" ? { [v.variable]: `(${r.pattern.description})` } : undefined))}`,
    );
  }
  out.push("  (every other claim absent)");
  for (const n of r.notes ?? []) out.push(`note: ${bare(n)}`);
  out.push("");
  if ((r.warnings ?? []).length > 0) {
    for (const w of r.warnings ?? []) out.push(`${st.yellow(st.bold("warning:"))} ${safeText(w)}`);
    out.push("");
  }
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
  for (const reason of r.pattern ? r.pattern.result.reasons : r.evaluation.reasons)
    out.push(`  ${bare(reason)}`);
  if (r.pattern) {
    const p = r.pattern.result;
    if (p.admittedExample !== null) out.push(`  admitted, e.g.: ${bare(p.admittedExample)}`);
    if (p.deniedExample !== null) out.push(`  denied, e.g.:   ${bare(p.deniedExample)}`);
  }
  out.push("");

  if (r.pattern) {
    for (const s of r.pattern.result.statements) {
      out.push(
        `${mark(s.coverage, st)} Statement ${s.index}${s.sid ? ` ${q(s.sid)}` : ""} ${s.effect ?? "(invalid Effect)"}: applies to ${s.coverage} of the values  ${st.dim(location(r, s.span))}`,
      );
      out.push(
        `    ${mark(s.principal.outcome, st)} Principal ${principalText(r, s.index)}${s.principal.note ? `: ${bare(s.principal.note)}` : ""}`,
      );
      out.push(
        `    ${mark(s.action.outcome, st)} Action ${actionText(r, s.index)}${s.action.note ? `: ${bare(s.action.note)}` : ""}`,
      );
      for (const c of s.conditions) {
        out.push(
          `    ${mark(c.coverage, st)} ${bare(c.operator)} ${bare(c.key)}: ${c.coverage}  ${st.dim(location(r, c.span))}`,
        );
        out.push(`        policy: ${valuesText(c.values)}`);
        if (c.satisfiedBy !== null && c.coverage !== "all")
          out.push(`        passes for ${bare(c.satisfiedBy)}`);
        if (c.failedBy !== null && c.coverage !== "none") out.push(`        fails for  ${bare(c.failedBy)}`);
        if (c.note) out.push(`        ${st.dim(bare(c.note))}`);
      }
      out.push("");
    }
  } else {
    for (const s of r.evaluation.statements) {
      const verb =
        s.applies === true ? "applies" : s.applies === false ? "does not apply" : "may or may not apply";
      out.push(
        `${mark(s.applies, st)} Statement ${s.index}${s.sid ? ` ${q(s.sid)}` : ""} ${s.effect ?? "(invalid Effect)"}: ${verb}  ${st.dim(location(r, s.span))}`,
      );
      out.push(
        `    ${mark(s.principal.outcome, st)} Principal ${principalText(r, s.index)}${s.principal.note ? `: ${bare(s.principal.note)}` : ""}`,
      );
      out.push(
        `    ${mark(s.action.outcome, st)} Action ${actionText(r, s.index)}${s.action.note ? `: ${bare(s.action.note)}` : ""}`,
      );
      for (const c of s.conditions) {
        out.push(
          `    ${mark(c.outcome, st)} ${bare(c.operator)} ${bare(c.key)}  ${st.dim(location(r, c.span))}`,
        );
        out.push(`        policy: ${valuesText(c.values)}`);
        const token =
          c.claimValue.kind === "value"
            ? q(c.claimValue.value)
            : c.claimValue.kind === "absent"
              ? "(absent)"
              : c.claimValue.kind === "unknown"
                ? `(unknown: ${bare(c.claimValue.reason)})`
                : "(a set of values)";
        out.push(`        token:  ${token}`);
        if (c.decidingValue !== null && c.values.length > 1)
          out.push(`        matched ${q(c.decidingValue)}`);
        if (c.outcome === false && c.claimValue.kind === "value" && c.values.length > 0) {
          const claim = c.claimValue.value;
          // One pass: the value sharing the longest prefix with the token (the first of equals).
          let nearest = c.values[0]!;
          let at = divergence(nearest, claim);
          for (const v of c.values) {
            const d = divergence(v, claim);
            if (d > at) {
              nearest = v;
              at = d;
            }
          }
          if (at > 0 && !c.operator.includes("Not")) {
            out.push(`        nearest value ${q(nearest)} differs from the token at character ${at + 1}:`);
            if (
              at < MAX_SHOWN_VALUE &&
              nearest.length <= MAX_SHOWN_VALUE &&
              claim.length <= MAX_SHOWN_VALUE
            ) {
              out.push(`          policy: ${safeText(nearest)}`);
              out.push(`          token:  ${safeText(claim)}`);
              out.push(`                  ${" ".repeat(safeText(claim.slice(0, at)).length)}^`);
            }
          }
        }
        if (
          c.outcome === false &&
          c.claim === "sub" &&
          c.claimValue.kind === "value" &&
          !c.operator.includes("Not")
        ) {
          out.push(`        to admit this token, add ${q(c.claimValue.value)} to these values`);
        }
        if (c.note) out.push(`        ${st.dim(bare(c.note))}`);
      }
      out.push("");
    }
  }

  if (r.diagnostics.length > 0) {
    out.push(st.bold("Policy problems"));
    for (const d of r.diagnostics) {
      out.push(
        `  ${d.severity === "error" ? st.red("error") : st.yellow("warning")} ${location(r, d.span)} ${bare(d.message)}`,
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
      out.push(`    ${safeProse(f.message)}`);
      const [first = "", ...rest] = proseLines(f.fix);
      out.push(`    fix: ${first}`);
      for (const l of rest) out.push(l === "" ? "" : `      ${l}`);
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
    ...p.federated.map((f) => `Federated ${bare(f.value)}`),
    ...p.aws.map((a) => `AWS ${bare(a.value)}`),
    ...p.service.map((s) => `Service ${bare(s.value)}`),
  ];
  return all.join(", ");
}

function actionText(r: ExplainReport, index: number): string {
  const a = statementOf(r, index)?.action;
  return a
    ? `${a.kind === "NotAction" ? "NotAction " : ""}${a.values.map((v) => bare(v.value)).join(", ")}`
    : "";
}
