import { lstat, stat } from "node:fs/promises";
import { join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { isMainThread } from "node:worker_threads";
import { Octokit } from "@octokit/rest";
import { createRoleReader, validateReaderRoleTemplate } from "../adapters/aws/index.js";
import { gitDefaultBranch, gitRemoteRepo, readCheckout, readRepoConfig } from "../adapters/fs/checkout.js";
import { readErrorText, readRegularFile, readRoleFiles } from "../adapters/fs/roles-dir.js";
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
import { renderScanText, safeText } from "../core/render/scan-text.js";
import { colorStyle, plainStyle } from "../core/render/style.js";
import { analyzeScan, report } from "../core/report/index.js";
import { allRuleMeta, atLeast, SEVERITIES, type Severity } from "../core/rules/index.js";
import { historyNeeds } from "../core/rules/runs-outgrow-session.js";
import { nearest, parseCliArgs } from "./args.js";
import { type CliIo, useColor } from "./io.js";
import { scanWithTimeout } from "./timeout.js";
import { EXIT, UsageError } from "./usage-error.js";
import { branchNameProblem, parseIssuer, SUB_TEMPLATE_KEYS } from "./values.js";

export const SCAN_HELP = `Usage: rolecall scan [DIR] [options]

Finds every GitHub Actions job in DIR (default .) that assumes an AWS role through OIDC, works out
every claim set GitHub will mint for it (branches, tags, pull requests, environments, reusable
workflows), and decides for each whether the role's trust policy lets it in, and whether the trust
is broader than the workflows need.

Roles:
  --roles PATH            a file or folder (its *.json files) of roles: 'aws iam get-role' output,
                          a JSON array of such outputs, 'aws iam list-roles' output or several
                          documents back to back (matched by ARN), or a bare trust policy named
                          <role-name>.json (repeatable). Each file not used is named on stderr with
                          why; Terraform is not read yet
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
  --summary               text output for CI logs: the findings one line each, most severe first,
                          then the summary; no tables, excerpts or suggested policies
  --fail-on SEVERITY      exit 1 when a finding is at or above it (default: fail-on in
                          .github/rolecall.yml, else high; critical, high, medium, low, info)
  --timeout SECONDS       stop the scan after SECONDS and report it incomplete (exit 3), as the
                          App's analysis budget does (default: no limit)

Configuration: DIR/.github/rolecall.yml (fail-on, ignore.rules, ignore.paths, roles) is read when
present; an invalid file is reported (config-invalid) and makes the scan incomplete.
  -h, --help

Exit codes: 0 complete and nothing at or above --fail-on; 1 findings at or above --fail-on;
2 usage error (an unknown option, a bad value, a DIR or --roles path that does not exist), before
anything runs; 3 incomplete (something could not be read, or no workflow was found).
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
    summary: { type: "boolean" },
    timeout: { type: "string" },
    "github-token": { type: "string" },
    "github-api": { type: "string" },
    "history-margin": { type: "string" },
    "history-horizon": { type: "string" },
    "history-min-runs": { type: "string" },
    help: { type: "boolean", short: "h" },
  } as const;
  const parsed = parseCliArgs(argv, spec, () =>
    parseArgs({ args: argv, options: spec, allowPositionals: true, strict: true }),
  );
  const v = parsed.values;
  if (parsed.positionals.length > 1)
    throw new UsageError(`scan takes one folder, not ${parsed.positionals.length}`);
  const format = v.format ?? "text";
  if (!["text", "json", "sarif"].includes(format))
    throw new UsageError(`--format must be text, json or sarif, not ${format}`);
  if (v.summary && format !== "text")
    throw new UsageError("--summary shapes the text output; it does not go with --format json or sarif");
  const failOn = v["fail-on"] as Severity | undefined;
  if (failOn !== undefined && !SEVERITIES.includes(failOn))
    throw new UsageError(`--fail-on must be one of ${SEVERITIES.join(", ")}`);
  const timeout = v.timeout === undefined ? null : Number(v.timeout);
  if (timeout !== null && !(timeout > 0 && timeout <= 86_400))
    throw new UsageError(`--timeout must be a number of seconds, from 0.1 to 86400, not ${v.timeout}`);
  if (v.repo !== undefined && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(v.repo))
    throw new UsageError(`--repo must be OWNER/NAME, not ${v.repo}`);
  if (v["sub-prefix"] !== undefined && !/^repo:[^/:]+\/[^/:]+$/.test(v["sub-prefix"]))
    throw new UsageError(
      `--sub-prefix must look like repo:owner@OWNER_ID/name@REPO_ID, not ${v["sub-prefix"]}`,
    );
  if (v["repo-id"] !== undefined && !/^\d+$/.test(v["repo-id"]))
    throw new UsageError(`--repo-id must be a number, not ${v["repo-id"]}`);
  if (v["default-branch"] !== undefined) {
    const problem = branchNameProblem(v["default-branch"]);
    if (problem) throw new UsageError(`--default-branch is not a branch name: ${problem}`);
  }
  let issuer: string = GITHUB_ISSUER;
  if (v.issuer !== undefined) {
    const r = parseIssuer(v.issuer);
    if ("problem" in r) throw new UsageError(r.problem);
    issuer = r.issuer;
  }
  const template =
    v["sub-template"]
      ?.split(",")
      .map((s) => s.trim())
      .filter(Boolean) ?? null;
  if (v["sub-template"] !== undefined && (template === null || template.length === 0))
    throw new UsageError("--sub-template is empty; give claim keys separated by commas, e.g. repo,context");
  for (const k of template ?? []) {
    if ((SUB_TEMPLATE_KEYS as readonly string[]).includes(k) || /^repo_property_[A-Za-z0-9_]+$/.test(k))
      continue;
    const near = nearest(k, SUB_TEMPLATE_KEYS);
    throw new UsageError(
      `--sub-template: ${JSON.stringify(k)} is not a claim GitHub can put in the subject${near ? `; did you mean ${near}?` : ""} (keys: ${SUB_TEMPLATE_KEYS.join(", ")}, repo_property_*)`,
    );
  }
  if (template && new Set(template).size !== template.length)
    throw new UsageError("--sub-template names a key twice");
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
    issuer,
    format: format as "text" | "json" | "sarif",
    summary: v.summary === true,
    failOn,
    timeoutMs: timeout === null ? null : Math.round(timeout * 1000),
  };
}

/** `rolecall scan`: returns the exit code. */
export async function runScanCommand(argv: string[], io: CliIo, version: string): Promise<number> {
  const opts = parseScanArgs(argv);
  if (opts.help) {
    io.stdout.write(SCAN_HELP);
    return EXIT.ok;
  }
  // --timeout: the scan runs in a worker thread that is stopped past it (src/cli/timeout.ts).
  if (opts.timeoutMs !== null && isMainThread)
    return scanWithTimeout(argv, io, version, opts.timeoutMs, {
      dir: resolve(io.cwd, opts.dir),
      format: opts.format,
      repository: {
        fullName: opts.repo ?? null,
        defaultBranch: opts.defaultBranch ?? "main",
        subPrefix: opts.subPrefix,
        subTemplate: opts.subTemplate,
        issuer: opts.issuer,
      },
    });
  const dir = resolve(io.cwd, opts.dir);
  // Paths are checked before anything runs: a typo is a usage error, not an incomplete scan.
  const dirProblem = await folderProblem(dir);
  if (dirProblem) throw new UsageError(`DIR ${opts.dir}: ${dirProblem}`);
  for (const p of opts.roles) {
    try {
      await lstat(resolve(io.cwd, p));
    } catch (e) {
      throw new UsageError(`--roles ${p}: ${readErrorText(e)}`);
    }
  }
  const root = await workflowRootAbove(dir);
  if (root !== null)
    io.stderr.write(
      `rolecall: ${safeText(opts.dir)} has no .github/workflows, but ${safeText(relative(io.cwd, root) || ".")} above it has; GitHub runs only the workflows at the repository root: run rolecall scan ${safeText(relative(io.cwd, root) || ".")}\n`,
    );
  const checkout = await readCheckout(dir);
  const remote = opts.repo ? null : await gitRemoteRepo(dir);
  const remoteOnGithub = remote !== null && isGithubHost(remote.host, opts.issuer);
  if (remote && !remoteOnGithub)
    io.stderr.write(
      `rolecall: the origin remote is on ${safeText(remote.host)}, not GitHub; its name is not used as the repository (pass --repo OWNER/NAME)\n`,
    );
  const fullName = opts.repo ?? (remoteOnGithub ? remote.fullName : null);
  const defaultBranch = opts.defaultBranch ?? (await gitDefaultBranch(dir)) ?? "main";

  const configProblems: ConfigProblem[] = [];
  // Repository configuration: .github/rolecall.yml (flags win over it).
  let config: RolecallConfig = {};
  const configFile = await readRepoConfig(dir);
  if (configFile && "problem" in configFile)
    configProblems.push({ file: configFile.path, line: 1, column: 1, message: configFile.problem });
  else if (configFile) {
    const parsed = parseConfig(configFile.text, configFile.path);
    config = parsed.config;
    configProblems.push(...parsed.problems);
  }
  let roleMap: RoleMap | null = config.roles ? roleMapFrom(config.roles) : null;
  if (opts.roleMap) {
    let text: string;
    try {
      text = await readRegularFile(resolve(io.cwd, opts.roleMap), { maxBytes: 4 * 1024 * 1024 });
    } catch (e) {
      throw new UsageError(`cannot read --role-map ${opts.roleMap}: ${readErrorText(e)}`);
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
  const shown = (p: string) => {
    const rel = relative(io.cwd, p);
    return rel === "" || rel.startsWith("..") ? p : rel;
  };
  for (const p of fileRoles?.problems ?? [])
    configProblems.push({ file: shown(p.path), line: p.line, column: p.column, message: p.message });
  for (const arn of plan.roleArns) {
    const s = fileRoles?.lookup(arn);
    if (s) roleSources.set(arn, s.kind === "found" ? { ...s, file: shown(s.file) } : s);
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

  if (fileRoles) {
    // Roles neither in the files nor read from AWS: say what was looked for, and in what.
    for (const arn of plan.roleArns) {
      if (roleSources.has(arn)) continue;
      const name = /:role\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1] ?? "?";
      roleSources.set(arn, {
        kind: "unreadable",
        arn,
        code: "not-found",
        reason: `not in --roles: no document there has this ARN and no bare policy is named ${name}.json (${fileRoles.count} file${fileRoles.count === 1 ? "" : "s"} read)`,
      });
    }
    const notes = fileRoles.notes();
    const used = notes.filter((n) => n.status === "used").length;
    const documents = notes.filter((n) => n.status !== "skipped").length;
    for (const n of notes) {
      if (n.status === "used") continue;
      io.stderr.write(
        `rolecall: --roles ${safeText(shown(n.path))}${n.at ? `:${n.at}` : ""}: ${safeText(n.message)}\n`,
      );
    }
    if (used < documents) io.stderr.write(`rolecall: --roles: ${used} of ${documents} role documents used\n`);
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
        summary: opts.summary,
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

/** Why DIR cannot be scanned (missing, not a folder), or null. */
async function folderProblem(dir: string): Promise<string | null> {
  try {
    return (await stat(dir)).isDirectory() ? null : "not a folder; give the checkout's root folder";
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such folder" : readErrorText(e);
  }
}

/**
 * True when a remote host is GitHub: github.com, a GHE.com tenant, or the host of a GitHub
 * Enterprise Server issuer given with --issuer (`HOST/_services/token`).
 */
export function isGithubHost(host: string, issuer: string): boolean {
  const h = host.toLowerCase();
  if (h === "github.com" || h === "ssh.github.com" || h === "www.github.com") return true;
  if (/^([a-z0-9-]+\.)?[a-z0-9-]+\.ghe\.com$/.test(h)) return true;
  const ghes = /^([^/]+)\/_services\/token/i.exec(issuer)?.[1]?.toLowerCase();
  return ghes !== undefined && (h === ghes || h.endsWith(`.${ghes}`) || ghes.endsWith(`.${h}`));
}

/**
 * The nearest folder above `dir` (up to the git root) that has `.github/workflows`, when `dir` itself
 * has none: someone scanning `.github/` or a subfolder of the repository by mistake.
 */
async function workflowRootAbove(dir: string): Promise<string | null> {
  const has = async (d: string, name: string) => {
    try {
      await stat(join(d, name));
      return true;
    } catch {
      return false;
    }
  };
  if (await has(dir, ".github/workflows")) return null;
  let d = dir;
  for (let i = 0; i < 20; i++) {
    const up = resolve(d, "..");
    if (up === d) return null;
    d = up;
    if (await has(d, ".github/workflows")) return d;
    if (await has(d, ".git")) return null;
  }
  return null;
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
