import type { RoleMap } from "../../../src/core/config/role-map.js";
import type { RoleSource, ScanModel } from "../../../src/core/engine/analysis-types.js";
import { planScan, type ScanPlan } from "../../../src/core/engine/plan.js";
import type { Finding, RunContextResult, ScanResult } from "../../../src/core/engine/scan-types.js";
import { parseTrustPolicy } from "../../../src/core/iam/index.js";
import type { RepoFacts } from "../../../src/core/oidc/claims-for.js";
import { analyzeScan, report } from "../../../src/core/report/index.js";

/** The worked examples' setup (OIDC-SEMANTICS §10). */
export const ACCOUNT = "111122223333";
export const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`;
export const ROLE = `arn:aws:iam::${ACCOUNT}:role/deploy`;
export const roleArn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
export const K = (claim: string, issuer = "token.actions.githubusercontent.com") => `${issuer}:${claim}`;
export const SUB = (ctx: string) => `repo:octo-org/octo-repo:${ctx}`;
export const MAIN_SUB = SUB("ref:refs/heads/main");

/** A trust policy: the base statement (provider, action, `aud = sts.amazonaws.com`) plus `conditions`. */
export function trustPolicy(
  conditions: Record<string, Record<string, unknown>>,
  opts: { extra?: unknown[]; provider?: string; audKey?: string | null } = {},
): string {
  const cond: Record<string, Record<string, unknown>> = {};
  if (opts.audKey !== null) cond.StringEquals = { [opts.audKey ?? K("aud")]: "sts.amazonaws.com" };
  for (const [op, block] of Object.entries(conditions)) cond[op] = { ...(cond[op] ?? {}), ...block };
  return JSON.stringify(
    {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Federated: opts.provider ?? PROVIDER },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: cond,
        },
        ...(opts.extra ?? []),
      ],
    },
    null,
    2,
  );
}

/** `StringEquals sub = values` on the base statement. */
export const subEquals = (...values: string[]) =>
  trustPolicy({ StringEquals: { [K("sub")]: values.length === 1 ? values[0] : values } });
/** `StringLike sub = values` on the base statement. */
export const subLike = (...values: string[]) =>
  trustPolicy({ StringLike: { [K("sub")]: values.length === 1 ? values[0] : values } });

export interface RoleSpec {
  policy: string;
  maxSessionDuration?: number;
}

export interface ScanInput {
  /** Workflow (and action) files by repository path. */
  files: Record<string, string>;
  /** Trust policies by role ARN. */
  roles?: Record<string, string | RoleSpec>;
  repo?: Partial<RepoFacts>;
  roleMap?: RoleMap | null;
}

export const OCTO_REPO: RepoFacts = {
  fullName: "octo-org/octo-repo",
  defaultBranch: "main",
  subPrefix: null,
  subTemplate: null,
  issuer: "token.actions.githubusercontent.com",
};

/** Runs the pure pipeline as every front door does (`planScan` → `analyzeScan` → `report`). */
export function scan(input: ScanInput): { result: ScanResult; plan: ScanPlan; model: ScanModel } {
  const sources = new Map(Object.entries(input.files));
  const plan = planScan({
    files: [...sources].map(([path, text]) => ({ path, text })),
    repo: { ...OCTO_REPO, ...input.repo },
    roleMap: input.roleMap ?? null,
  });
  const roles = new Map<string, RoleSource>();
  for (const [arn, spec] of Object.entries(input.roles ?? {})) {
    const s = typeof spec === "string" ? { policy: spec } : spec;
    const parsed = parseTrustPolicy(s.policy);
    if (!parsed.policy) throw new Error(`test policy did not parse: ${JSON.stringify(parsed.diagnostics)}`);
    roles.set(arn, {
      kind: "found",
      arn,
      policy: parsed.policy,
      file: `roles/${arn.split("/").pop()}.json`,
      maxSessionDuration: s.maxSessionDuration ?? 3600,
    });
  }
  const analysis = analyzeScan(plan, (arn) => roles.get(arn));
  return { result: report(analysis, { sources }), plan, model: analysis.model };
}

/** The rows a user reads in the context table. */
export function rows(result: ScanResult, job?: string): Partial<RunContextResult>[] {
  return result.assumptions
    .filter((a) => job === undefined || a.job === job)
    .flatMap((a) =>
      a.contexts.map((c) => ({
        event: c.event,
        ref: c.ref,
        environment: c.environment,
        fork: c.fork,
        sub: c.sub,
        decision: c.decision,
      })),
    );
}

/** Every context of the scan (all assumptions). */
export function contexts(result: ScanResult, job?: string): RunContextResult[] {
  return result.assumptions.filter((a) => job === undefined || a.job === job).flatMap((a) => a.contexts);
}

/** The single context for an event (and ref), failing loudly otherwise. */
export function contextOf(
  result: ScanResult,
  event: string,
  opts: { ref?: string | null; fork?: boolean; job?: string; environment?: string | null } = {},
): RunContextResult {
  const found = contexts(result, opts.job).filter(
    (c) =>
      c.event === event &&
      (opts.ref === undefined || c.ref === opts.ref) &&
      (opts.fork === undefined || c.fork === opts.fork) &&
      (opts.environment === undefined || c.environment === opts.environment),
  );
  if (found.length !== 1)
    throw new Error(
      `expected one ${event} context matching ${JSON.stringify(opts)}, found ${found.length}: ${JSON.stringify(contexts(result, opts.job), null, 1)}`,
    );
  return found[0]!;
}

export function findingsOf(result: ScanResult, rule: string): Finding[] {
  return result.findings.filter((f) => f.rule === rule);
}

/** 1-based line and column of the first occurrence of `needle` (after `after`, when given) in `text`. */
export function locate(text: string, needle: string, after?: string): { line: number; column: number } {
  const from = after === undefined ? 0 : text.indexOf(after);
  if (from < 0) throw new Error(`anchor ${after} not in text`);
  const i = text.indexOf(needle, from);
  if (i < 0) throw new Error(`${needle} not in text`);
  const before = text.slice(0, i).split("\n");
  return { line: before.length, column: before[before.length - 1]!.length + 1 };
}

export interface WorkflowSpec {
  name?: string;
  /** The body of `on:` (indented two spaces). */
  on?: string;
  /** Workflow-level lines (e.g. `env:` blocks), at column 0. */
  top?: string;
  /** Lines under the job (indented four spaces), before `permissions:`. */
  jobExtra?: string;
  /** The job's `permissions:` body (indented six spaces); null for no job-level block. */
  permissions?: string | null;
  /** Lines under the credentials step (indented eight spaces), before `with:`. */
  stepExtra?: string;
  /** Extra `with:` lines (indented ten spaces). */
  withExtra?: string;
  /** `role-to-assume`; null to omit the input. */
  role?: string | null;
  jobId?: string;
}

/** A realistic deploy workflow: one job, one configure-aws-credentials step. */
export function workflow(spec: WorkflowSpec = {}): string {
  const perms =
    spec.permissions === null
      ? ""
      : `    permissions:\n${spec.permissions ?? "      id-token: write\n      contents: read"}\n`;
  const role = spec.role === null ? "" : `          role-to-assume: ${spec.role ?? ROLE}\n`;
  return `name: ${spec.name ?? "Deploy"}

on:
${spec.on ?? "  push:\n    branches: [main]"}

${spec.top ?? ""}jobs:
  ${spec.jobId ?? "deploy"}:
    runs-on: ubuntu-latest
${spec.jobExtra ?? ""}${perms}    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
      - name: Configure AWS credentials
${spec.stepExtra ?? ""}        uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3
        with:
${role}          aws-region: eu-west-1
${spec.withExtra ?? ""}      - run: make deploy
`;
}
