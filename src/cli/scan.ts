import { readFile } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { Octokit } from "@octokit/rest";
import { createRoleReader, validateReaderRoleTemplate } from "../adapters/aws/index.js";
import { gitDefaultBranch, gitRemoteRepo, readCheckout } from "../adapters/fs/checkout.js";
import { readRoleFiles } from "../adapters/fs/roles-dir.js";
import { readActionsHistory } from "../adapters/github/actions-history.js";
import { parseConfig, type RolecallConfig } from "../core/config/config.js";
import { type RoleMap, roleMapFrom } from "../core/config/role-map.js";
import { parseRoleMap } from "../core/config/role-map-schema.js";
import { DEFAULT_HISTORY_OPTIONS, type HistoryFacts, type JobHistory } from "../core/durations/index.js";
import type { RoleSource, ScanModel } from "../core/engine/analysis-types.js";
import { planScan, type ScanPlan } from "../core/engine/plan.js";
import type { ConfigProblem, IncompleteItem } from "../core/findings/index.js";
import { GITHUB_ISSUER } from "../core/iam/index.js";
import { roleSourceOf } from "../core/iam/role-source.js";
import { renderSarif } from "../core/render/sarif.js";
import { renderScanJson } from "../core/render/scan-json.js";
import { renderScanText } from "../core/render/scan-text.js";
import { colorStyle, plainStyle } from "../core/render/style.js";
import { analyzeScan, report } from "../core/report/index.js";
import { allRuleMeta, atLeast, SEVERITIES, type Severity } from "../core/rules/index.js";
import { historyNeeds } from "../core/rules/runs-outgrow-session.js";
import { type CliIo, useColor } from "./io.js";
import { EXIT, UsageError } from "./usage-error.js";

export const SCAN_HELP = `Usage: rolecall scan [DIR] [options]

Finds every GitHub Actions job in DIR (default .) that assumes an AWS role through OIDC, works out
every claim set GitHub will mint for it (branches, tags, pull requests, environments, reusable
workflows), and decides for each whether the role's trust policy lets it in, and whether the trust
is broader than the workflows need.

Roles:
  --roles PATH            a file or folder of trust policies: 'aws iam get-role' output (matched by
                          ARN) or bare policy JSON named <role-name>.json (repeatable)
  --aws                   read the roles from AWS IAM (standard credential chain; iam:GetRole)
  --assume-role-template T  with --aws: assume T per account first, e.g.
                          'arn:aws:iam::{account}:role/rolecall-reader'
  --role-map FILE         map role expressions (secrets.X, vars.X) to ARNs, per environment

Repository (what GitHub puts in the subject):
  --repo OWNER/NAME       default: from the checkout's origin remote
  --repo-id ID            the numeric repository id (the repository_id claim)
  --default-branch NAME   default: origin/HEAD, else main
  --sub-prefix PREFIX     immutable subjects, e.g. repo:octo-org@1001/octo-repo@2002
  --sub-template KEYS     custom subject template, e.g. repo,context,job_workflow_ref
  --issuer HOST[/PATH]    token issuer (default ${GITHUB_ISSUER})

Run history (rule runs-outgrow-session; skipped without a token):
  --github-token T        read the jobs' recent runs from the GitHub Actions API (default:
                          GITHUB_TOKEN; needs actions:read on the repository)
  --github-api URL        API root for GHE.com or GHES (default https://api.github.com;
                          GHES: https://HOST/api/v3)
  --history-margin PCT    a finding above PCT % of the session (default 80)
  --history-horizon DAYS  a finding when the trend crosses the session within DAYS (default 90)
  --history-min-runs N    never a margin or trend finding from fewer runs (default 5)

Output:
  --format text|json|sarif  (default text)
  --fail-on SEVERITY      exit 1 when a finding is at or above it (default: fail-on in
                          .github/rolecall.yml, else high; critical, high, medium, low, info)

Configuration: DIR/.github/rolecall.yml (fail-on, ignore.rules, ignore.paths, roles) is read when
present; an invalid file is reported (config-invalid) and makes the scan incomplete.
  -h, --help

Exit codes: 0 complete and nothing at or above --fail-on; 1 findings at or above --fail-on;
2 usage error; 3 incomplete (something could not be read, or no workflow was found).
`;

function parseScanArgs(argv: string[]) {
  const spec = {
    roles: { type: "string", multiple: true },
    aws: { type: "boolean" },
    "assume-role-template": { type: "string" },
    "role-map": { type: "string" },
    repo: { type: "string" },
    "repo-id": { type: "string" },
    "default-branch": { type: "string" },
    "sub-prefix": { type: "string" },
    "sub-template": { type: "string" },
    issuer: { type: "string" },
    format: { type: "string" },
    "fail-on": { type: "string" },
    "github-token": { type: "string" },
    "github-api": { type: "string" },
    "history-margin": { type: "string" },
    "history-horizon": { type: "string" },
    "history-min-runs": { type: "string" },
    help: { type: "boolean", short: "h" },
  } as const;
  let parsed: ReturnType<typeof parseArgs<{ options: typeof spec; allowPositionals: true }>>;
  try {
    parsed = parseArgs({ args: argv, options: spec, allowPositionals: true, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (parsed.positionals.length > 1)
    throw new UsageError(`scan takes one folder, not ${parsed.positionals.length}`);
  const format = v.format ?? "text";
  if (!["text", "json", "sarif"].includes(format))
    throw new UsageError(`--format must be text, json or sarif, not ${format}`);
  const failOn = v["fail-on"] as Severity | undefined;
  if (failOn !== undefined && !SEVERITIES.includes(failOn))
    throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(", ")}`);
  if (v.repo !== undefined && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(v.repo))
    throw new UsageError(`--repo must be OWNER/NAME, not ${v.repo}`);
  if (v["sub-prefix"] !== undefined && !/^repo:[^/:]+\/[^/:]+$/.test(v["sub-prefix"]))
    throw new UsageError(
      `--sub-prefix must look like repo:owner@OWNER_ID/name@REPO_ID, not ${v["sub-prefix"]}`,
    );
  if (v["repo-id"] !== undefined && !/^\d+$/.test(v["repo-id"]))
    throw new UsageError(`--repo-id must be a number, not ${v["repo-id"]}`);
  const template =
    v["sub-template"]
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean) ?? null;
  if (template?.some((k) => !/^[A-Za-z0-9_]+$/.test(k)))
    throw new UsageError("--sub-template keys are claim names separated by commas");
  if (v["assume-role-template"] !== undefined) {
    if (!v.aws) throw new UsageError("--assume-role-template goes with --aws");
    const problem = validateReaderRoleTemplate(v["assume-role-template"]);
    if (problem) throw new UsageError(`--assume-role-template: ${problem}`);
  }
  const positive = (flag: string, value: string | undefined, max: number): number | undefined => {
    if (value === undefined) return undefined;
    const n = Number(value);
    if (!/^\d+(\.\d+)?$/.test(value) || n <= 0 || n > max)
      throw new UsageError(`--${flag} must be a number above 0 and at most ${max}, not ${value}`);
    return n;
  };
  const margin = positive("history-margin", v["history-margin"], 100);
  const horizon = positive("history-horizon", v["history-horizon"], 3650);
  const minRuns = positive("history-min-runs", v["history-min-runs"], 1000);
  if (v["github-api"] !== undefined && !/^https?:\/\/[^\s/]+(\/[^\s]*)?$/.test(v["github-api"]))
    throw new UsageError(`--github-api must be a URL such as https://github.example.com/api/v3`);
  return {
    githubToken: v["github-token"],
    githubApi: v["github-api"]?.replace(/\/+$/, ""),
    historyOptions: {
      margin: margin === undefined ? DEFAULT_HISTORY_OPTIONS.margin : margin / 100,
      horizonDays: horizon ?? DEFAULT_HISTORY_OPTIONS.horizonDays,
      minRuns: minRuns === undefined ? DEFAULT_HISTORY_OPTIONS.minRuns : Math.ceil(minRuns),
    },
    help: v.help === true,
    dir: parsed.positionals[0] ?? ".",
    roles: v.roles ?? [],
    aws: v.aws === true,
    assumeRoleTemplate: v["assume-role-template"],
    roleMap: v["role-map"],
    repo: v.repo,
    repoId: v["repo-id"] ?? null,
    defaultBranch: v["default-branch"],
    subPrefix: v["sub-prefix"] ?? null,
    subTemplate: template && template.length > 0 ? template : null,
    issuer: (v.issuer ?? GITHUB_ISSUER).replace(/^https:\/\//, "").replace(/\/$/, ""),
    format: format as "text" | "json" | "sarif",
    failOn,
  };
}

/** `rolecall scan`: returns the exit code. */
export async function runScanCommand(argv: string[], io: CliIo, version: string): Promise<number> {
  const opts = parseScanArgs(argv);
  if (opts.help) {
    io.stdout.write(SCAN_HELP);
    return EXIT.ok;
  }
  const dir = resolve(io.cwd, opts.dir);
  const checkout = await readCheckout(dir);
  const remote = opts.repo ? null : await gitRemoteRepo(dir);
  const fullName = opts.repo ?? remote?.fullName ?? null;
  const defaultBranch = opts.defaultBranch ?? (await gitDefaultBranch(dir)) ?? "main";

  const configProblems: ConfigProblem[] = [];
  // Repository configuration: .github/rolecall.yml (flags win over it).
  let config: RolecallConfig = {};
  for (const name of [".github/rolecall.yml", ".github/rolecall.yaml"]) {
    let text: string | null = null;
    try {
      text = await readFile(join(dir, name), "utf8");
    } catch {
      continue;
    }
    const parsed = parseConfig(text, name);
    config = parsed.config;
    configProblems.push(...parsed.problems);
    break;
  }
  let roleMap: RoleMap | null = config.roles ? roleMapFrom(config.roles) : null;
  if (opts.roleMap) {
    let text: string;
    try {
      text = await readFile(resolve(io.cwd, opts.roleMap), "utf8");
    } catch {
      throw new UsageError(`cannot read --role-map ${opts.roleMap}`);
    }
    const r = parseRoleMap(text, opts.roleMap);
    roleMap = r.map && roleMap ? new Map([...roleMap, ...r.map]) : (r.map ?? roleMap);
    configProblems.push(...r.problems);
  }

  const plan = planScan({
    files: checkout.files,
    repo: {
      fullName,
      defaultBranch,
      subPrefix: opts.subPrefix,
      subTemplate: opts.subTemplate,
      issuer: opts.issuer,
      repositoryId: opts.repoId,
    },
    roleMap,
  });

  // Fetch: role files, then AWS for what is still missing.
  const roleSources = new Map<string, RoleSource>();
  const fileRoles =
    opts.roles.length > 0 ? await readRoleFiles(opts.roles.map((p) => resolve(io.cwd, p))) : null;
  for (const p of fileRoles?.problems ?? [])
    configProblems.push({ file: p.path, line: 1, column: 1, message: `--roles: ${p.message}` });
  for (const arn of plan.roleArns) {
    const s = fileRoles?.lookup(arn);
    if (s) roleSources.set(arn, s.kind === "found" ? { ...s, file: relative(io.cwd, s.file) || s.file } : s);
  }
  if (opts.aws) {
    const reader = createRoleReader({ env: io.env, assumeRoleTemplate: opts.assumeRoleTemplate });
    try {
      const missing = plan.roleArns.filter((a) => !roleSources.has(a));
      const results = await Promise.all(missing.map((arn) => reader.getRole(arn)));
      for (const r of results)
        roleSources.set(
          r.arn,
          roleSourceOf(
            r.kind === "found"
              ? {
                  kind: "found",
                  arn: r.arn,
                  policyText: r.policyText,
                  file: r.arn,
                  roleName: r.roleName,
                  maxSessionDuration: r.maxSessionDuration,
                }
              : { kind: r.kind, arn: r.arn, message: r.message },
          ),
        );
    } finally {
      reader.destroy();
    }
  }

  const sources = new Map<string, string>();
  for (const f of checkout.files)
    sources.set(f.path, typeof f.text === "string" ? f.text : Buffer.from(f.text).toString("utf8"));
  // The CLI reads no GitHub API: rules that need it (protection) are listed as skipped.
  const incomplete: IncompleteItem[] = [];
  if (checkout.files.every((f) => /(^|\/)action\.ya?ml$/.test(f.path)))
    incomplete.push({
      subject: ".github/workflows",
      reason: `no workflow file found under ${dir}/.github/workflows`,
      rule: "workflow-invalid",
    });
  for (const p of checkout.problems)
    incomplete.push({ subject: p.path, reason: p.message, rule: "workflow-invalid" });
  const analysis = analyzeScan(plan, (arn) => roleSources.get(arn));
  const history = await readHistory(opts, io, version, fullName, analysis.plan, analysis.model, incomplete);
  const result = report(analysis, { sources, configProblems, ignore: config.ignore, incomplete, history });

  const failOn = opts.failOn ?? config["fail-on"] ?? "high";
  if (opts.format === "json") io.stdout.write(`${JSON.stringify(renderScanJson(result), null, 2)}\n`);
  else if (opts.format === "sarif")
    io.stdout.write(
      `${JSON.stringify(renderSarif(result, allRuleMeta(), { toolVersion: version }), null, 2)}\n`,
    );
  else {
    io.stdout.write(
      renderScanText(result, {
        style: useColor(io) ? colorStyle : plainStyle,
        source: (f) => sources.get(f) ?? null,
      }),
    );
    const skippedHistory = result.skipped?.find((s) => s.rule === "runs-outgrow-session");
    if (skippedHistory && historyNeeds(plan.steps, analysis.model).length > 0)
      io.stderr.write(`rolecall: runs-outgrow-session skipped: ${skippedHistory.reason}\n`);
  }

  if (result.findings.some((f) => atLeast(f.severity, failOn))) return EXIT.findings;
  if (!result.complete) return EXIT.incomplete;
  return EXIT.ok;
}

/**
 * The jobs' run history for runs-outgrow-session, when a token was given (`--github-token` or
 * GITHUB_TOKEN): null otherwise (the rule is then listed as skipped). A read that fails makes
 * the scan incomplete for that workflow; the token is never printed.
 */
async function readHistory(
  opts: ReturnType<typeof parseScanArgs>,
  io: CliIo,
  version: string,
  fullName: string | null,
  plan: ScanPlan,
  model: ScanModel,
  incomplete: IncompleteItem[],
): Promise<HistoryFacts | null> {
  const token = opts.githubToken ?? io.env.GITHUB_TOKEN;
  if (!token) return null;
  const now = (io.now ?? Date.now)();
  const needs = historyNeeds(plan.steps, model);
  const found = new Map<string, JobHistory>();
  if (needs.length > 0 && !fullName) {
    incomplete.push({
      subject: "run history",
      reason: "the repository is unknown (no --repo and no origin remote), so its runs were not read",
      rule: "runs-outgrow-session",
    });
  } else if (needs.length > 0 && fullName) {
    const [owner, repo] = fullName.split("/") as [string, string];
    const octokit = new Octokit({
      auth: token,
      baseUrl: opts.githubApi ?? "https://api.github.com",
      userAgent: `rolecall/${version}`,
    });
    const results = await readActionsHistory(octokit, { owner, repo }, needs, { now });
    for (const r of results) {
      if (r.ok) {
        found.set(`${r.request.workflowFile}\n${r.request.jobId}`, r.history);
        const seen = r.history.runs.filter((x) => x.conclusion === "success").length;
        if (seen < opts.historyOptions.minRuns)
          io.stderr.write(
            `rolecall: runs-outgrow-session: job ${r.request.jobId} of ${r.request.workflowFile}: ${seen} successful run${seen === 1 ? "" : "s"} seen, ${opts.historyOptions.minRuns} needed for the margin and trend (expiries still count)\n`,
          );
      } else
        incomplete.push({
          subject: `${r.request.workflowFile} (job ${r.request.jobId}): run history`,
          reason: r.reason,
          rule: "runs-outgrow-session",
        });
    }
  }
  return { now, options: opts.historyOptions, job: (file, jobId) => found.get(`${file}\n${jobId}`) ?? null };
}
