import { parseConfig, type RolecallConfig } from "../core/config/config.js";
import { roleMapFrom } from "../core/config/role-map.js";
import type { RoleSource } from "../core/engine/analysis-types.js";
import { planScan, type ScanFile } from "../core/engine/plan.js";
import type { ScanResult } from "../core/engine/scan-types.js";
import type { ConfigProblem } from "../core/findings/index.js";
import type { RepoFacts } from "../core/oidc/claims-for.js";
import { analyzeScan, report } from "../core/report/index.js";
import { protectionNeeds } from "../core/rules/index.js";

/** A branch's protection as the App read it. */
export type BranchFact = { protected: boolean } | { unreadable: string };

/**
 * Everything one scan's analysis needs, as plain data (it crosses to a worker thread by structured
 * clone). The analysis asks for facts it needs and does not have yet (`needs`): the caller reads
 * them (AWS, GitHub) and runs it again with them — the analysis itself never does I/O.
 */
export interface AnalysisInput {
  files: ScanFile[];
  repo: RepoFacts;
  /** The configuration in force (the default branch's), and the problems found reading it. */
  config: RolecallConfig;
  configProblems: ConfigProblem[];
  /**
   * Or the configuration files' texts, read here: the one in force (the default branch's, whose
   * problems are marked "(default branch)") replaces `config`, and the pull request's version when
   * it changes it, validated only. Its problems come after `configProblems`.
   */
  configFiles?: {
    inForce: { path: string; text: string } | null;
    changed: { path: string; text: string } | null;
  };
  /** What could not be read before the analysis (each reason names the permission), about `subject`. */
  incomplete: string[];
  subject: string;
  /** The roles read so far, by ARN; null before any was read. */
  roles: Map<string, RoleSource> | null;
  /** Environments with their protection, or why they could not be read. */
  environments: { name: string; protected: boolean }[] | { unreadable: string };
  /** Protection of the branches the analysis asked for; null before it asked. */
  branches: Map<string, BranchFact> | null;
}

export type AnalysisOutput =
  | { kind: "needs-roles"; roleArns: string[] }
  | { kind: "needs-branches"; branches: string[] }
  /** `config`: the configuration in force, as read (for rendering: fail-on, review). */
  | { kind: "done"; result: ScanResult; config: RolecallConfig };

/**
 * One scan's analysis, pure: plan → analyse → rules → the finished result, as far as the facts in
 * `input` allow. The worker runs this one function (`analysis-entry.ts`); replacing the core entry
 * it calls is a change here only.
 */
export function analyse(input: AnalysisInput, progress: (stage: string) => void = () => {}): AnalysisOutput {
  const { files } = input;
  progress("configuration");
  let config = input.config;
  const configProblems = [...input.configProblems];
  if (input.configFiles) {
    const { inForce, changed } = input.configFiles;
    if (inForce) {
      const parsed = parseConfig(inForce.text, inForce.path);
      config = parsed.config;
      configProblems.push(
        ...parsed.problems.map((p) => ({ ...p, message: `${p.message} (default branch)` })),
      );
    }
    if (changed) configProblems.push(...parseConfig(changed.text, changed.path).problems);
  }
  progress("planning");
  const environmentsRead = Array.isArray(input.environments) ? input.environments : null;
  const plan = planScan({
    files,
    repo: { ...input.repo, environments: environmentsRead ? environmentsRead.map((e) => e.name) : null },
    roleMap: config.roles ? roleMapFrom(config.roles) : null,
  });
  if (input.roles === null && plan.roleArns.length > 0)
    return { kind: "needs-roles", roleArns: plan.roleArns };
  const roles = input.roles ?? new Map<string, RoleSource>();

  progress("analysing");
  const sources = new Map(files.map((f) => [f.path, String(f.text)]));
  const analysis = analyzeScan(plan, (arn) => roles.get(arn));
  const needs = protectionNeeds(analysis.model);
  const known = input.branches ?? new Map<string, BranchFact>();
  const missing = needs.branches.filter((b) => !known.has(b));
  if (missing.length > 0) return { kind: "needs-branches", branches: missing };

  progress("checking");
  const incomplete = [...input.incomplete];
  // Environment names are case-insensitive on GitHub.
  const envFacts = new Map(
    environmentsRead ? environmentsRead.map((e) => [e.name.toLowerCase(), e.protected]) : [],
  );
  // Protection that could not be read leaves trust-unprotected-ref unchecked: the scan is incomplete.
  if (!environmentsRead && needs.environments && "unreadable" in input.environments)
    incomplete.push(input.environments.unreadable);
  for (const b of needs.branches) {
    const f = known.get(b);
    if (f && "unreadable" in f) incomplete.push(f.unreadable);
  }
  const branchProtected = (b: string) => {
    const f = known.get(b);
    return f && "protected" in f ? f.protected : null;
  };
  // The decide phase, once: rules, dedupe, ignores, order and completeness (src/core/report).
  const result = report(analysis, {
    sources,
    configProblems,
    ignore: config.ignore,
    protection: {
      branch: branchProtected,
      environment: (e) => (environmentsRead ? (envFacts.get(e.toLowerCase()) ?? false) : null),
      declaredProtected: new Set((config.environments?.protected ?? []).map((e) => e.toLowerCase())),
    },
    // GitHub reads that failed: the scan could not check everything (the reason names the permission).
    incomplete: incomplete.map((reason) => ({ subject: input.subject, reason, rule: "config-invalid" })),
  });
  return { kind: "done", result, config };
}
