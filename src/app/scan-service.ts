import { createHash } from "node:crypto";
import type {
  CheckRunAnnotation,
  CheckRunConclusion,
  CheckRunOutput,
  GhResult,
  GitHubPublisher,
  GitHubReader,
  PullFile,
} from "../adapters/github/index.js";
import { parseConfig, type RolecallConfig } from "../core/config/config.js";
import { roleMapFrom } from "../core/config/role-map.js";
import type { RoleSource } from "../core/engine/analysis-types.js";
import { planScan, type ScanFile, type ScanPlan } from "../core/engine/plan.js";
import type { ScanResult } from "../core/engine/scan-types.js";
import type { ConfigProblem } from "../core/findings/index.js";
import { roleSourceOf } from "../core/iam/role-source.js";
import {
  type IncompleteConclusion,
  renderCheckRun,
  renderNoChanges,
  renderScanError,
} from "../core/render/check-run.js";
import { commentableLines } from "../core/render/diff.js";
import { parseMarker, parseMarkers, planReview } from "../core/render/review.js";
import { allRuleMeta, type RuleMeta } from "../core/rules/index.js";
import { runAnalysis, sharedAnalysisPool } from "../worker/analysis.js";
import type { RoleAccess } from "./aws-access.js";

/** What asked for a scan. */
export type ScanTrigger =
  /** A pull request opened, pushed to, reopened, made ready or retargeted (relevance checked). */
  | "pull_request"
  /** `/rolecall rescan` by a writer: AWS re-read, relevance not checked. */
  | "rescan"
  /** Re-run from the Checks tab: AWS re-read, relevance not checked. */
  | "rerequested"
  /** A merge queue's `checks_requested`: the merge group's head commit, relevance from base…head. */
  | "merge_group"
  /** A default-branch baseline (rename, transfer, newly installed, periodic drift check). */
  | "baseline";

/** One scan the App runs: a commit, usually a pull request's head. */
export interface ScanJob {
  owner: string;
  /** The owner's immutable id, for the tenancy boundary (a login can be renamed). */
  ownerId?: number | null;
  repo: string;
  headSha: string;
  /** The pull request, or null for a merge group's or a baseline's commit (no review then). */
  pullNumber: number | null;
  trigger: ScanTrigger;
  /** A merge group's base commit: relevance is what changed between it and `headSha`. */
  baseSha?: string;
  /**
   * Set when the pull request comes from a fork or from an author without write access (the
   * phrase says which, for the summary): only roles the base branch already uses are read.
   */
  outsider?: string | null;
}

/** A structured logger (Probot's pino child): never given tokens, keys or whole policies. */
export interface ScanLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export interface ScanDeps {
  reader: GitHubReader;
  publisher: GitHubPublisher;
  /** AWS role reads inside the tenancy boundary; null when the server has no AWS access configured. */
  roles: RoleAccess | null;
  log: ScanLog;
  /** Token issuer of this GitHub (github.com, or `HOST/_services/token` on GHES). */
  issuer: string;
  /** What a rule id is appended to for its docs link (`https://<App>/rules/`); "" for no links. */
  docsBase: string;
  /** The watchdog: a scan still running after this long completes its check run as failed (default 10 min). */
  deadlineMs?: number;
}

export type ScanOutcome =
  | {
      kind: "published";
      conclusion: string;
      findings: number;
      comments: number;
      /** ARN → a digest of the trust policy read (or of the failure): what a drift check compares. */
      roles: Map<string, string>;
    }
  | { kind: "irrelevant" }
  | { kind: "stale" }
  | { kind: "closed" }
  | { kind: "timed-out" }
  | { kind: "failed"; reason: string };

/** The check run name of default-branch baselines (not the required `rolecall` check). */
export const BASELINE_CHECK_NAME = "rolecall/baseline";
export const DEFAULT_SCAN_DEADLINE_MS = 10 * 60_000;

const CONFIG_PATHS = [".github/rolecall.yml", ".github/rolecall.yaml"];
const isWorkflowPath = (p: string) => /^\.github\/workflows\/[^/]+\.ya?ml$/.test(p);
const isActionPath = (p: string) => /(^|\/)action\.ya?ml$/.test(p);
const isConfigPath = (p: string) => CONFIG_PATHS.includes(p);

/** A pull request is relevant when it changes a workflow, a local action or rolecall's configuration. */
export function isRelevantChange(path: string): boolean {
  return isWorkflowPath(path) || isActionPath(path) || isConfigPath(path);
}

/** What a check run's `external_id` records, so a Re-run (which carries no pull request for forks) finds it again. */
export function externalIdOf(job: ScanJob): string {
  if (job.pullNumber !== null) return `pr:${job.pullNumber}`;
  if (job.trigger === "merge_group" && job.baseSha) return `merge_group:${job.baseSha}`;
  return "baseline";
}

/** The inverse of {@link externalIdOf}; null for anything rolecall did not write. */
export function parseExternalId(
  id: string | null | undefined,
): { pullNumber: number } | { baseSha: string } | { baseline: true } | null {
  if (!id) return null;
  const pr = /^pr:(\d{1,10})$/.exec(id);
  if (pr) return { pullNumber: Number(pr[1]) };
  const mg = /^merge_group:([0-9a-f]{40})$/.exec(id);
  if (mg) return { baseSha: mg[1]! };
  return id === "baseline" ? { baseline: true } : null;
}

function permissionNote<T>(r: GhResult<T>, what: string): string | null {
  if (r.ok) return null;
  return r.permission
    ? `${what} could not be read: grant the App the "${r.permission}" permission (${r.reason})`
    : `${what} could not be read: ${r.reason}`;
}

type Output = { title: string; summary: string; text?: string | null };

/** The state one scan shares with its watchdog. */
interface RunState {
  /** The check run, once created. */
  checkRunId: number | null;
  /** The create request in flight, so the watchdog does not create a second run. */
  creating: Promise<unknown> | null;
  /** Set once the watchdog took over: the scan writes nothing more. */
  abandoned: boolean;
  /** What an incomplete scan concludes: `failure` until the configuration says otherwise. */
  onIncomplete: IncompleteConclusion;
}

/**
 * The scan service, as numbered steps: 1 what changed, 2 start the check run, 3 read, 4 plan,
 * 5 fetch, 6 analyze, 7 render, 8 publish. A check run is never left in progress and never passes
 * what it could not verify: any failure completes it `failure` (`neutral` only when the
 * organisation configured `on-incomplete: neutral`), and a watchdog completes it when the scan
 * takes longer than `deadlineMs`. Transient GitHub errors are retried by the client (Octokit's
 * retry and throttling plugins, see `RolecallOctokit`) before they reach this service.
 */
export async function runScanJob(job: ScanJob, deps: ScanDeps): Promise<ScanOutcome> {
  const st: RunState = { checkRunId: null, creating: null, abandoned: false, onIncomplete: "failure" };
  const publisher = guarded(deps.publisher, st);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const watchdog = new Promise<ScanOutcome>((resolve) => {
    timer = setTimeout(() => {
      st.abandoned = true;
      resolve(timedOut(job, deps, st));
    }, deps.deadlineMs ?? DEFAULT_SCAN_DEADLINE_MS);
  });
  try {
    return await Promise.race([scanSteps(job, { ...deps, publisher }, st), watchdog]);
  } finally {
    clearTimeout(timer);
  }
}

/** The watchdog's completion: the run (created now if the scan had none) concludes `failure`. */
async function timedOut(job: ScanJob, deps: ScanDeps, st: RunState): Promise<ScanOutcome> {
  const minutes = Math.round((deps.deadlineMs ?? DEFAULT_SCAN_DEADLINE_MS) / 6000) / 10;
  deps.log.error({ deadlineMs: deps.deadlineMs ?? DEFAULT_SCAN_DEADLINE_MS }, "scan timed out");
  const output = renderScanError(
    `the scan did not finish within ${minutes} minutes (GitHub or AWS did not answer in time)`,
    st.onIncomplete,
  );
  if (st.creating) await st.creating.catch(() => undefined);
  const r =
    st.checkRunId !== null
      ? await deps.publisher.updateCheckRun(st.checkRunId, {
          status: "completed",
          conclusion: output.conclusion,
          output,
        })
      : await deps.publisher.createCheckRun(job.headSha, {
          ...checkRunIdentity(job),
          status: "completed",
          conclusion: output.conclusion,
          output,
        });
  if (!r.ok) deps.log.error({ status: r.status }, "could not complete the timed-out check run");
  return { kind: "timed-out" };
}

/** The publisher of a scan: after the watchdog took over, every write is dropped. */
function guarded(p: GitHubPublisher, st: RunState): GitHubPublisher {
  const dropped = { ok: false as const, status: 0, reason: "the scan timed out", permission: null };
  const write =
    <A extends unknown[], R>(f: (...a: A) => Promise<GhResult<R>>) =>
    async (...a: A): Promise<GhResult<R>> =>
      st.abandoned ? dropped : f(...a);
  return {
    ...p,
    createCheckRun: write(p.createCheckRun),
    updateCheckRun: write(p.updateCheckRun),
    publishAnnotations: write(p.publishAnnotations),
    createReview: write(p.createReview),
    resolveThread: write(p.resolveThread),
    commentOnIssue: write(p.commentOnIssue),
    reactToComment: write(p.reactToComment),
  };
}

function checkRunIdentity(job: ScanJob): { name?: string; externalId: string } {
  return job.trigger === "baseline"
    ? { name: BASELINE_CHECK_NAME, externalId: externalIdOf(job) }
    : { externalId: externalIdOf(job) };
}

async function scanSteps(job: ScanJob, deps: ScanDeps, st: RunState): Promise<ScanOutcome> {
  const { reader, publisher, log } = deps;
  const rules = allRuleMeta().map((r) => ({ ...r, docs: deps.docsBase && `${deps.docsBase}${r.id}` }));

  /** Completes the run (creating it completed when it does not exist yet); false when GitHub refused. */
  const complete = async (
    conclusion: CheckRunConclusion,
    output: Output & { annotations?: readonly CheckRunAnnotation[] },
  ): Promise<GhResult<unknown>> => {
    if (st.checkRunId !== null)
      return publisher.updateCheckRun(st.checkRunId, { status: "completed", conclusion, output });
    return publisher.createCheckRun(job.headSha, {
      ...checkRunIdentity(job),
      status: "completed",
      conclusion,
      output,
    });
  };
  const fail = async (reason: string): Promise<ScanOutcome> => {
    const r = await complete(st.onIncomplete, renderScanError(reason, st.onIncomplete));
    if (!r.ok) log.error({ status: r.status }, "could not complete the check run");
    return { kind: "failed", reason };
  };

  try {
    // 1. What changed: a pull request's files, or a merge group's base…head. A baseline reads everything.
    const notes: string[] = [];
    const incomplete: string[] = [];
    let changed: PullFile[] | null = null;
    if (job.trigger !== "baseline") {
      const listed =
        job.trigger === "merge_group" && job.baseSha
          ? await reader.compareFiles(job.baseSha, job.headSha)
          : job.pullNumber !== null
            ? await reader.pullFiles(job.pullNumber)
            : null;
      if (listed && !listed.ok) {
        const what = job.trigger === "merge_group" ? "The merge group's changes" : "The pull request's files";
        log.warn({ status: listed.status }, "could not list the changed files");
        return await fail(permissionNote(listed, what) ?? listed.reason);
      }
      if (listed?.data.truncated)
        notes.push(
          job.trigger === "merge_group"
            ? "This merge group changes more files than GitHub's compare lists; everything was checked."
            : "This pull request changes more than 3,000 files; GitHub lists only the first 3,000.",
        );
      changed = listed?.data.files ?? null;
      if (
        (job.trigger === "pull_request" || job.trigger === "merge_group") &&
        listed &&
        !listed.data.truncated && // a truncated list may hide a relevant file: scan anyway
        !listed.data.files.some(
          (f) => isRelevantChange(f.path) || (f.previousPath !== null && isRelevantChange(f.previousPath)),
        )
      ) {
        // Nothing to verify: one write, the run created already completed.
        const r = await complete("success", renderNoChanges());
        if (!r.ok) {
          log.error({ status: r.status, permission: r.permission }, "could not publish the check run");
          return { kind: "failed", reason: r.reason };
        }
        return { kind: "irrelevant" };
      }
    }

    // 2. Start: the check run appears, in progress.
    const creating = publisher.createCheckRun(job.headSha, {
      ...checkRunIdentity(job),
      status: "in_progress",
      output: {
        title: "Checking OIDC trust",
        summary: "rolecall is reading the workflows and the roles' trust policies.",
      },
    });
    st.creating = creating;
    const started = await creating;
    st.creating = null;
    if (!started.ok) {
      log.error({ status: started.status, permission: started.permission }, "could not create the check run");
      return { kind: "failed", reason: started.reason };
    }
    st.checkRunId = started.data.id;

    // 3. Read: repository facts, workflows, configuration, local actions.
    const configChanged = changed?.find((f) => isConfigPath(f.path));
    // The repository first (its default branch names where the configuration is read), then one
    // GraphQL request for the workflows at the head, the default branch's configuration and the
    // pull request's version of it: each GraphQL request costs a 1-second write-lane slot.
    const [repoFacts, subject] = await Promise.all([reader.repository(), reader.oidcSubject()]);
    if (!repoFacts.ok) throw new ScanError(permissionNote(repoFacts, "The repository") ?? repoFacts.reason);
    const repo = repoFacts.data;
    const configReads = [
      ...CONFIG_PATHS.map((path) => ({ ref: repo.defaultBranch, path })),
      ...(configChanged ? [{ ref: job.headSha, path: configChanged.path }] : []),
    ];
    const [snapshot, environments] = await Promise.all([
      reader.workflowFilesWith(job.headSha, configReads),
      // Environments: their stored names (case) feed the analysis, their protection trust-unprotected-ref.
      reader.environments(),
    ]);
    if (!snapshot.ok) throw new ScanError(permissionNote(snapshot, "The workflow files") ?? snapshot.reason);
    const workflows = { ok: true as const, data: snapshot.data.workflows };
    const configAt = (ref: string, paths: readonly string[]) =>
      ({
        ok: true as const,
        data: new Map(paths.map((p) => [p, snapshot.data.files.get(`${ref}:${p}`) ?? null])),
      }) satisfies GhResult<Map<string, string | null>>;
    const defaultConfig = configAt(repo.defaultBranch, CONFIG_PATHS);
    const headConfig = configChanged ? configAt(job.headSha, [configChanged.path]) : null;
    let subPrefix: string | null = null;
    let subTemplate: string[] | null = null;
    if (subject.ok) {
      subPrefix =
        subject.data.subClaimPrefix && subject.data.subClaimPrefix !== `repo:${repo.fullName}`
          ? subject.data.subClaimPrefix
          : null;
      subTemplate =
        !subject.data.useDefault && subject.data.includeClaimKeys?.length
          ? subject.data.includeClaimKeys
          : null;
      // OIDC-SEMANTICS §2.5: trust sub_claim_prefix; without it, use_immutable_subject means the
      // immutable form, built from the ids.
      if (!subject.data.subClaimPrefix && subject.data.useImmutableSubject === true) {
        const [ownerName, repoName] = repo.fullName.split("/");
        subPrefix = `repo:${ownerName}@${repo.ownerId}/${repoName}@${repo.id}`;
      }
      // §3.2: use_default false without keys means the organization's template applies, which an App
      // cannot read without organization administration: the subject format is unknown.
      if (!subject.data.useDefault && !subject.data.includeClaimKeys?.length) {
        incomplete.push(
          "The repository uses its organization's OIDC subject template, which rolecall cannot read; subjects were computed in the default format",
        );
      }
    } else {
      incomplete.push(permissionNote(subject, "The repository's OIDC subject format") ?? subject.reason);
    }

    const files: ScanFile[] = [];
    for (const w of workflows.data) {
      if (w.text !== null) files.push({ path: w.path, text: w.text });
      else incomplete.push(`${w.path}: ${w.note ?? "not readable as text"}`);
    }
    // Local actions the workflows use (`uses: ./path`), read in one batch.
    const actionDirs = new Set<string>();
    for (const f of files)
      for (const m of String(f.text).matchAll(/uses:\s*["']?\.\/([^\s"'@#]+)/g))
        actionDirs.add(m[1]!.replace(/\/$/, ""));
    const actionPaths = [...actionDirs]
      .filter((d) => !d.startsWith(".github/workflows/"))
      .flatMap((d) => [`${d}/action.yml`, `${d}/action.yaml`]);
    // Configuration from the default branch (a PR cannot loosen its own check), and the PR's version to validate.
    const actionFiles = actionPaths.length ? await reader.files(job.headSha, actionPaths) : null;
    if (actionFiles?.ok)
      for (const [path, text] of actionFiles.data) if (text !== null) files.push({ path, text });
    if (actionFiles && !actionFiles.ok)
      incomplete.push(permissionNote(actionFiles, "Local actions") ?? actionFiles.reason);
    // The effective configuration, layered as Probot's config plugin does it: the repository's
    // own file on its default branch, else the owner's `.github` repository's, each following
    // `_extends`. Problems in a file the repository does not own are reported as incomplete.
    const configProblems: ConfigProblem[] = [];
    let config: RolecallConfig = {};
    let own: { path: string; text: string } | null = null;
    for (const path of CONFIG_PATHS) {
      const text = defaultConfig.data.get(path);
      if (text !== null && text !== undefined) {
        own = { path, text };
        break;
      }
    }
    const layered = await layeredConfig(reader, job.owner, own, (p) =>
      configProblems.push({ ...p, message: `${p.message} (default branch)` }),
    );
    if (layered.problem) incomplete.push(layered.problem);
    config = layered.config;
    st.onIncomplete = config["on-incomplete"] ?? "failure";
    // The pull request's own edit of the file is validated in the analysis worker (it is input like
    // its workflows, and can be costly to read).
    const changedText = configChanged && headConfig?.ok ? headConfig.data.get(configChanged.path) : null;

    // 3–5. Plan, fetch, analyse. The pure analysis runs in the analysis pool's worker threads
    // (src/worker), never on this event loop, within the scan's CPU and memory budget; between its
    // rounds the roles (inside the tenancy boundary, cache bypassed on a rescan) and the branch
    // protection it asks for are read here.
    const sources = new Map(files.map((f) => [f.path, String(f.text)]));
    const facts = {
      fullName: repo.fullName,
      defaultBranch: repo.defaultBranch,
      subPrefix,
      subTemplate,
      issuer: deps.issuer,
      repositoryId: String(repo.id),
    };
    const roleDigests = new Map<string, string>();
    const analysis = await runAnalysis(
      sharedAnalysisPool(),
      {
        files,
        repo: facts,
        // The layered configuration in force (parsed above: it may name other repositories).
        config,
        configProblems,
        configFiles: {
          inForce: null,
          changed: configChanged && changedText ? { path: configChanged.path, text: changedText } : null,
        },
        incomplete,
        subject: `${job.owner}/${job.repo}`,
        roles: null,
        environments: environments.ok
          ? environments.data.map((e) => ({ name: e.name, protected: e.protected }))
          : {
              unreadable: permissionNote(environments, "Environment protection rules") ?? environments.reason,
            },
        branches: null,
      },
      {
        roles: async (arns) => {
          const roleSources = new Map<string, RoleSource>();
          // An outsider's pull request reads only the roles its base branch already uses (no oracle).
          const baseRoles = job.outsider
            ? await rolesOfBase(job, deps, facts, config, repo.defaultBranch)
            : null;
          await Promise.all(
            arns.map(async (arn) => {
              if (baseRoles && !baseRoles.has(arn)) {
                roleSources.set(arn, {
                  kind: "unreadable",
                  arn,
                  code: "error",
                  reason: `not read: ${job.outsider} and the base branch does not use this role, so rolecall does not read it (a maintainer can comment \`/rolecall rescan\` to have it read)`,
                });
                return;
              }
              if (!deps.roles) {
                roleSources.set(arn, {
                  kind: "unreadable",
                  arn,
                  code: "error",
                  reason: "this rolecall installation has no AWS access configured",
                });
                return;
              }
              const r = await deps.roles.getRole({ login: job.owner, id: job.ownerId ?? null }, arn, {
                fresh:
                  job.trigger === "rescan" || job.trigger === "rerequested" || job.trigger === "baseline",
              });
              roleDigests.set(arn, roleDigest(r));
              roleSources.set(
                arn,
                roleSourceOf(
                  r.kind === "found"
                    ? {
                        kind: "found",
                        arn,
                        policyText: r.policyText,
                        file: arn,
                        roleName: r.roleName,
                        maxSessionDuration: r.maxSessionDuration,
                      }
                    : { kind: r.kind, arn, message: r.message },
                ),
              );
            }),
          );
          return roleSources;
        },
        branches: async (names) => {
          const protections = await Promise.all(names.map((b) => reader.branchProtected(b)));
          return new Map(
            names.map((b, i) => {
              const p = protections[i]!;
              return [
                b,
                p.ok
                  ? { protected: p.data }
                  : { unreadable: permissionNote(p, `Protection of branch ${b}`) ?? p.reason },
              ];
            }),
          );
        },
      },
      { tenant: job.owner },
    );
    if (!analysis.ok) {
      // Past the budget (or with every worker busy and the queue full) nothing was verified: fail closed.
      log.warn({ kind: analysis.kind, exceeded: analysis.exceeded }, "analysis stopped");
      await complete("failure", {
        title:
          analysis.kind === "budget"
            ? "rolecall stopped: analysis budget exceeded"
            : "rolecall is overloaded",
        summary: [
          `⛔ **${analysis.reason}.**`,
          "",
          analysis.kind === "budget"
            ? "Nothing was verified, so this check fails. A very long branch or path filter, or a very large workflow, can cost this much: simplify it, or ask whoever runs rolecall to raise the budget (ROLECALL_ANALYSIS_CPU_SECONDS, ROLECALL_ANALYSIS_MEMORY_MB). Comment `/rolecall rescan` to try again."
            : "Nothing was verified, so this check fails. Comment `/rolecall rescan` or re-run the check from the Checks tab.",
        ].join("\n"),
      });
      return { kind: "failed", reason: analysis.reason };
    }
    const { result } = analysis;

    // 7. Render (pure). An outsider's scan shows no trust-policy contents.
    if (job.outsider && withholdPolicies(result) > 0)
      notes.push(
        `Suggested trust policies are not shown: ${job.outsider}. A maintainer can run \`rolecall scan\` locally to see them.`,
      );
    const failOn = config["fail-on"] ?? "high";
    const output = renderCheckRun(result, {
      failOn,
      headSha: job.headSha,
      notes,
      rules,
      onIncomplete: st.onIncomplete,
    });
    const reviewMode = job.pullNumber === null ? "off" : (config.review ?? "comments");

    // 8. Publish, unless the pull request was closed or a newer commit superseded this one.
    if (job.pullNumber !== null) {
      const pr = await publisher.pullRequest(job.pullNumber);
      if (pr.ok && pr.data.state !== "open") {
        await complete("cancelled", {
          title: pr.data.merged ? "Pull request merged during the scan" : "Pull request closed",
          summary: `The pull request was ${pr.data.merged ? "merged" : "closed"} while rolecall was checking it, so nothing was published.`,
        });
        return { kind: "closed" };
      }
      if (pr.ok && pr.data.headSha !== job.headSha) {
        // Never a passing conclusion on the old commit: `cancelled` does not satisfy a required check.
        await complete("cancelled", {
          title: "Superseded",
          summary: `A newer commit (${pr.data.headSha.slice(0, 7)}) was pushed; rolecall checks that one instead.`,
        });
        return { kind: "stale" };
      }
    }
    const annotations = output.annotations;
    const summary = { title: output.title, summary: output.summary, text: output.text };
    const done = await complete(output.conclusion, { ...summary, annotations: annotations.slice(0, 50) });
    if (!done.ok) {
      // A verdict GitHub would not take: complete the run as incomplete rather than leave it in progress.
      log.error({ status: done.status }, "could not complete the check run with the verdict");
      return await fail(`the check run could not be completed: ${done.reason}`);
    }
    if (annotations.length > 50 && st.checkRunId !== null) {
      const more = await publisher.publishAnnotations(st.checkRunId, summary, annotations.slice(50));
      if (!more.ok) log.warn({ status: more.status }, "some annotations could not be published");
    }
    let posted = 0;
    if (reviewMode !== "off" && job.pullNumber !== null)
      posted = await publishReview(job.pullNumber, result, {
        deps,
        publisher,
        reviewMode,
        changed: changed ?? [],
        sources,
        rules,
        headSha: job.headSha,
      });
    log.info(
      {
        conclusion: output.conclusion,
        findings: result.findings.length,
        comments: posted,
        complete: result.complete,
      },
      "scan published",
    );
    return {
      kind: "published",
      conclusion: output.conclusion,
      findings: result.findings.length,
      comments: posted,
      roles: roleDigests,
    };
  } catch (e) {
    const reason =
      e instanceof ScanError ? e.message : "rolecall ran into an internal error while checking this commit";
    log.error({ err: e instanceof ScanError ? undefined : (e as Error).message }, "scan failed");
    if (st.creating) await st.creating.catch(() => undefined);
    return await fail(reason);
  }
}

/**
 * The review: rolecall's own markers are listed right before posting (the App runs one scan of a
 * pull request at a time, so a concurrent scan cannot post the same finding twice). Threads of
 * findings a complete scan no longer finds are resolved. An anchor GitHub refuses (422) does not
 * drop the review: the comments are posted by halves until the refused ones are found, and those
 * findings go into the review body instead.
 */
async function publishReview(
  pullNumber: number,
  result: ScanResult,
  ctx: {
    deps: ScanDeps;
    publisher: GitHubPublisher;
    reviewMode: "comments" | "summary";
    changed: PullFile[];
    sources: Map<string, string>;
    rules: RuleMeta[];
    headSha: string;
  },
): Promise<number> {
  const { publisher, deps } = ctx;
  const [comments, reviews] = await Promise.all([
    publisher.listReviewCommentMarkers(pullNumber),
    publisher.listReviews(pullNumber),
  ]);
  if (!comments.ok || !reviews.ok) {
    // Without the markers a review would repeat what was posted before: post none this time.
    deps.log.warn({}, "could not list rolecall's earlier review comments; no review posted");
    return 0;
  }
  const commentMarkers = comments.data
    .filter((c) => c.userType === "Bot")
    .flatMap((c) => {
      const fp = parseMarker(c.body);
      return fp ? [{ fingerprint: fp, id: c.id }] : [];
    });
  // Threads, to resolve those of fixed findings (one GraphQL read, only when rolecall commented before).
  const threads = commentMarkers.length > 0 ? await publisher.reviewThreads(pullNumber) : null;
  const threadOf = new Map<number, { id: string; isResolved: boolean }>();
  if (threads?.ok) for (const t of threads.data) for (const c of t.commentIds) threadOf.set(c, t);
  const existing = [
    // A resolved thread's finding counts as settled: if it comes back, it is posted again.
    ...commentMarkers.filter((m) => threadOf.get(m.id)?.isResolved !== true),
    ...reviews.data
      .filter((r) => r.userType === "Bot")
      .flatMap((r) => parseMarkers(r.body).map((fp) => ({ fingerprint: fp, id: r.id }))),
  ];
  const commentable = new Map<string, Set<number>>(
    ctx.reviewMode === "comments" ? ctx.changed.map((f) => [f.path, commentableLines(f.patch)]) : [],
  );
  const plan = (refused: ReadonlySet<string>, posted: readonly { fingerprint: string; id: number }[]) =>
    planReview(result, {
      commentable: refused.size
        ? new Map(
            [...commentable].map(([path, lines]) => [
              path,
              new Set([...lines].filter((l) => !refused.has(`${path}:${l}`))),
            ]),
          )
        : commentable,
      existing: [...existing, ...posted],
      source: (p) => ctx.sources.get(p) ?? null,
      rules: ctx.rules,
    });
  const review = plan(new Set(), []);
  let posted = 0;
  if (review.body !== null || review.comments.length > 0) {
    const send = (cs: typeof review.comments, body: string) =>
      publisher.createReview(pullNumber, {
        commitId: ctx.headSha,
        event: "COMMENT",
        body,
        comments: cs.map(({ fingerprint: _fp, ...c }) => c),
      });
    const r = await send(review.comments, review.body ?? "");
    if (r.ok) posted = review.comments.length;
    else if (r.status === 422 && review.comments.length > 0) {
      // Find the refused anchors by halves (each half that GitHub takes is posted as is).
      const good: typeof review.comments = [];
      const refused = new Set<string>();
      const probe = async (cs: typeof review.comments, depth: number): Promise<void> => {
        if (cs.length === 0) return;
        const t = depth === 0 ? r : await send(cs, "");
        if (t.ok) good.push(...cs);
        else if (t.status === 422 && cs.length > 1 && depth < 6) {
          const mid = Math.ceil(cs.length / 2);
          await probe(cs.slice(0, mid), depth + 1);
          await probe(cs.slice(mid), depth + 1);
        } else for (const c of cs) refused.add(`${c.path}:${c.line}`);
      };
      await probe(review.comments, 0);
      deps.log.warn(
        { refused: refused.size },
        "GitHub refused some review comment anchors; moved to the body",
      );
      const rest = plan(
        refused,
        good.map((c) => ({ fingerprint: c.fingerprint, id: 0 })),
      );
      const last = rest.body !== null ? await send([], rest.body) : { ok: true as const };
      posted = good.length;
      if (!last.ok) deps.log.warn({ status: last.status }, "the review body could not be posted");
    } else deps.log.warn({ status: r.status, permission: r.permission }, "the review could not be posted");
  }
  // Resolve the threads of fixed findings (a complete scan no longer finds them).
  if (review.fixed.length > 0 && threads?.ok) {
    const fixed = new Set(review.fixed);
    const ids = new Set(
      commentMarkers
        .filter((m) => fixed.has(m.fingerprint))
        .flatMap((m) => {
          const t = threadOf.get(m.id);
          return t && !t.isResolved ? [t.id] : [];
        }),
    );
    for (const id of ids) {
      const done = await publisher.resolveThread(id);
      if (!done.ok) deps.log.warn({ status: done.status }, "a fixed finding's thread could not be resolved");
    }
  }
  return posted;
}

/**
 * The roles an outsider's pull request may have read: those the base branch's workflows already
 * name (same configuration, same repository facts). Anything else would let a fork learn whether a
 * guessed role exists and what it trusts.
 */
async function rolesOfBase(
  job: ScanJob,
  deps: ScanDeps,
  repo: Omit<ScanPlan["repo"], "environments">,
  config: RolecallConfig,
  defaultBranch: string,
): Promise<Set<string>> {
  const base = job.baseSha ?? defaultBranch;
  const workflows = await deps.reader.workflowFiles(base);
  if (!workflows.ok) return new Set();
  const files = workflows.data.flatMap((w) => (w.text !== null ? [{ path: w.path, text: w.text }] : []));
  // The base branch's own workflows (not the pull request's): planned here, a small and trusted input.
  const plan = planScan({
    files,
    repo: { ...repo, environments: null },
    roleMap: config.roles ? roleMapFrom(config.roles) : null,
  });
  return new Set(plan.roleArns);
}

/**
 * What an outsider's scan shows: decisions, findings and their fixes, but no suggested trust policy
 * (it would quote what the role trusts).
 */
function withholdPolicies(result: ScanResult): number {
  let withheld = 0;
  for (const f of result.findings) {
    if (f.suggestedPolicy !== undefined) {
      delete f.suggestedPolicy;
      withheld++;
    }
  }
  return withheld;
}

/** Probot's config plugin's fallback: the owner's `.github` repository. */
const ORG_CONFIG_REPO = ".github";
const CONFIG_FILE = ".github/rolecall.yml";

/**
 * The configuration as Probot's config plugin layers it: `own` (the repository's file), else the
 * owner's `.github` repository's `.github/rolecall.yml`; a file with `_extends: repo`,
 * `owner/repo` or `owner/repo:path` is merged over the one it names (objects merged key by key,
 * arrays and values replaced), up to 3 levels, without cycles. Only the repository's own file
 * reports located problems (`problem` lists those of files it does not own, or an unreadable one).
 */
async function layeredConfig(
  reader: GitHubReader,
  owner: string,
  own: { path: string; text: string } | null,
  report: (p: ConfigProblem) => void,
): Promise<{ config: RolecallConfig; problem: string | null }> {
  const chain: RolecallConfig[] = [];
  let problem: string | null = null;
  let next: { owner: string; repo: string; path: string } | null = null;
  const seen = new Set<string>();
  if (own) {
    const parsed = parseConfig(own.text, own.path);
    for (const p of parsed.problems) report(p);
    chain.push(parsed.config);
    next = extendsOf(parsed.config, owner);
  } else next = { owner, repo: ORG_CONFIG_REPO, path: CONFIG_FILE };
  let optional = !own; // the owner's .github repository may not exist: that is no configuration
  for (let depth = 0; next && depth < 3; depth++) {
    const key = `${next.owner}/${next.repo}:${next.path}`.toLowerCase();
    if (seen.has(key)) break;
    seen.add(key);
    const text = await reader.contentOf(next.owner, next.repo, next.path);
    if (!text.ok) {
      problem = permissionNote(text, `The configuration ${key}`) ?? text.reason;
      break;
    }
    if (text.data === null) {
      if (!optional) problem = `The configuration ${key} named by _extends does not exist`;
      break;
    }
    const parsed = parseConfig(text.data, `${next.owner}/${next.repo}/${next.path}`);
    if (parsed.problems.length > 0 && problem === null)
      problem = `The configuration ${key} has problems: ${parsed.problems[0]!.message}`;
    chain.push(parsed.config);
    next = extendsOf(parsed.config, next.owner);
    optional = false;
  }
  let config: Record<string, unknown> = {};
  for (const layer of chain.reverse()) config = mergeConfig(config, layer as Record<string, unknown>);
  delete config._extends;
  return { config: config as RolecallConfig, problem };
}

function extendsOf(
  config: RolecallConfig,
  owner: string,
): { owner: string; repo: string; path: string } | null {
  const target = (config as { _extends?: unknown })._extends;
  if (typeof target !== "string" || target.trim() === "") return null;
  const m = /^(?:([\w.-]+)\/)?([\w.-]+)(?::(.+))?$/.exec(target.trim());
  if (!m) return null;
  return { owner: m[1] ?? owner, repo: m[2]!, path: m[3] ?? CONFIG_FILE };
}

function mergeConfig(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] =
      v && typeof v === "object" && !Array.isArray(v) && b && typeof b === "object" && !Array.isArray(b)
        ? mergeConfig(b as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

/** What a drift check compares for a role: its trust policy's digest, or the kind of failure. */
export function roleDigest(r: { kind: string; policyText?: string }): string {
  return r.kind === "found" && typeof r.policyText === "string"
    ? createHash("sha256").update(r.policyText).digest("hex")
    : r.kind;
}

/** A failure the user can act on (a missing permission, a repository that cannot be read). */
class ScanError extends Error {}

export type { CheckRunOutput, RuleMeta };
