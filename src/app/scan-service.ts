import type { GhResult, GitHubPublisher, GitHubReader } from "../adapters/github/index.js";
import { parseConfig, type RolecallConfig } from "../core/config/config.js";
import { roleMapFrom } from "../core/config/role-map.js";
import type { RoleSource } from "../core/engine/analysis-types.js";
import { planScan, type ScanFile } from "../core/engine/plan.js";
import type { ConfigProblem } from "../core/findings/index.js";
import { roleSourceOf } from "../core/iam/role-source.js";
import { renderCheckRun, renderNoChanges, renderScanError } from "../core/render/check-run.js";
import { commentableLines } from "../core/render/diff.js";
import { parseMarker, parseMarkers, planReview } from "../core/render/review.js";
import { analyzeScan, report } from "../core/report/index.js";
import { allRuleMeta, protectionNeeds, type RuleMeta } from "../core/rules/index.js";
import type { RoleAccess } from "./aws-access.js";

/** One scan the App runs: a pull request's head commit. */
export interface ScanJob {
  owner: string;
  repo: string;
  headSha: string;
  pullNumber: number;
  /** What asked for it; a rescan or re-run reads AWS afresh (cache bypassed). */
  trigger: "pull_request" | "rescan" | "rerequested";
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
  /** Absolute base for rule docs links (`…/docs/rules.md`). */
  docsBase: string;
}

export type ScanOutcome =
  | { kind: "published"; conclusion: string; findings: number; comments: number }
  | { kind: "irrelevant" }
  | { kind: "stale" }
  | { kind: "failed"; reason: string };

const CONFIG_PATHS = [".github/rolecall.yml", ".github/rolecall.yaml"];
const isWorkflowPath = (p: string) => /^\.github\/workflows\/[^/]+\.ya?ml$/.test(p);
const isActionPath = (p: string) => /(^|\/)action\.ya?ml$/.test(p);
const isConfigPath = (p: string) => CONFIG_PATHS.includes(p);

/** A pull request is relevant when it changes a workflow, a local action or rolecall's configuration. */
export function isRelevantChange(path: string): boolean {
  return isWorkflowPath(path) || isActionPath(path) || isConfigPath(path);
}

function permissionNote<T>(r: GhResult<T>, what: string): string | null {
  if (r.ok) return null;
  return r.permission
    ? `${what} could not be read: grant the App the "${r.permission}" permission (${r.reason})`
    : `${what} could not be read: ${r.reason}`;
}

/**
 * The scan service, as numbered steps: 1 start the check run, 2 read, 3 plan, 4 fetch, 5 analyze,
 * 6 render, 7 publish. A check run is never left in progress: any failure completes it `neutral`
 * with a plain-language summary.
 */
export async function runScanJob(job: ScanJob, deps: ScanDeps): Promise<ScanOutcome> {
  const { reader, publisher, log } = deps;
  const rules = allRuleMeta().map((r) => ({ ...r, docs: `${deps.docsBase}#${r.id}` }));

  // 1. Start: the check run appears at once, in progress.
  const started = await publisher.createCheckRun(job.headSha, {
    status: "in_progress",
    output: {
      title: "Checking OIDC trust",
      summary: "rolecall is reading the workflows and the roles' trust policies.",
    },
  });
  if (!started.ok) {
    log.error({ status: started.status, permission: started.permission }, "could not create the check run");
    return { kind: "failed", reason: started.reason };
  }
  const checkRunId = started.data.id;
  const finish = async (
    conclusion: "success" | "failure" | "neutral",
    output: { title: string; summary: string; text?: string | null },
  ) => {
    const r = await publisher.updateCheckRun(checkRunId, { status: "completed", conclusion, output });
    if (!r.ok) log.error({ status: r.status }, "could not complete the check run");
  };

  try {
    // 2. Read: changed files, repository facts, workflows, configuration, local actions.
    const notes: string[] = [];
    const incomplete: string[] = [];
    const pull = await reader.pullFiles(job.pullNumber);
    if (!pull.ok) {
      await finish(
        "neutral",
        renderScanError(permissionNote(pull, "The pull request's files") ?? pull.reason),
      );
      return { kind: "failed", reason: pull.reason };
    }
    if (pull.data.truncated)
      notes.push("This pull request changes more than 3,000 files; GitHub lists only the first 3,000.");
    const changed = pull.data.files;
    if (
      job.trigger === "pull_request" &&
      !pull.data.truncated && // a truncated list may hide a relevant file: scan anyway
      !changed.some(
        (f) => isRelevantChange(f.path) || (f.previousPath !== null && isRelevantChange(f.previousPath)),
      )
    ) {
      await finish("success", renderNoChanges());
      return { kind: "irrelevant" };
    }
    const [repoFacts, subject, workflows] = await Promise.all([
      reader.repository(),
      reader.oidcSubject(),
      reader.workflowFiles(job.headSha),
    ]);
    if (!repoFacts.ok) throw new ScanError(permissionNote(repoFacts, "The repository") ?? repoFacts.reason);
    if (!workflows.ok)
      throw new ScanError(permissionNote(workflows, "The workflow files") ?? workflows.reason);
    const repo = repoFacts.data;
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
    const configChanged = changed.find((f) => isConfigPath(f.path));
    const [actionFiles, defaultConfig, headConfig, environments] = await Promise.all([
      actionPaths.length ? reader.files(job.headSha, actionPaths) : Promise.resolve(null),
      reader.files(repo.defaultBranch, CONFIG_PATHS),
      configChanged ? reader.files(job.headSha, [configChanged.path]) : Promise.resolve(null),
      // Environments: their stored names (case) feed the analysis, their protection trust-unprotected-ref.
      reader.environments(),
    ]);
    if (actionFiles?.ok)
      for (const [path, text] of actionFiles.data) if (text !== null) files.push({ path, text });
    if (actionFiles && !actionFiles.ok)
      incomplete.push(permissionNote(actionFiles, "Local actions") ?? actionFiles.reason);
    const configProblems: ConfigProblem[] = [];
    let config: RolecallConfig = {};
    if (defaultConfig.ok) {
      for (const path of CONFIG_PATHS) {
        const text = defaultConfig.data.get(path);
        if (text === null || text === undefined) continue;
        const parsed = parseConfig(text, path);
        config = parsed.config;
        configProblems.push(
          ...parsed.problems.map((p) => ({ ...p, message: `${p.message} (default branch)` })),
        );
        break;
      }
    } else incomplete.push(permissionNote(defaultConfig, "The configuration") ?? defaultConfig.reason);
    if (configChanged && headConfig?.ok) {
      const text = headConfig.data.get(configChanged.path);
      if (text) configProblems.push(...parseConfig(text, configChanged.path).problems);
    }

    // 3. Plan: what the workflows need (pure).
    const plan = planScan({
      files,
      repo: {
        fullName: repo.fullName,
        defaultBranch: repo.defaultBranch,
        subPrefix,
        subTemplate,
        issuer: deps.issuer,
        repositoryId: String(repo.id),
        environments: environments.ok ? environments.data.map((e) => e.name) : null,
      },
      roleMap: config.roles ? roleMapFrom(config.roles) : null,
    });

    // 4. Fetch: the roles, concurrently, inside the tenancy boundary (cache bypassed on a rescan).
    const roleSources = new Map<string, RoleSource>();
    await Promise.all(
      plan.roleArns.map(async (arn) => {
        if (!deps.roles) {
          roleSources.set(arn, {
            kind: "unreadable",
            arn,
            code: "error",
            reason: "this rolecall installation has no AWS access configured",
          });
          return;
        }
        const r = await deps.roles.getRole(job.owner, arn, { fresh: job.trigger !== "pull_request" });
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

    // 5. Analyze (pure), plus protection of what the roles trust (needs the GitHub API).
    const sources = new Map(files.map((f) => [f.path, String(f.text)]));
    const analysis = analyzeScan(plan, (arn) => roleSources.get(arn));
    const needs = protectionNeeds(analysis.model);
    const branches = needs.branches;
    const protections = await Promise.all([...branches].map((b) => reader.branchProtected(b)));
    const branchFacts = new Map(
      [...branches].map((b, i) => [b, protections[i]?.ok ? protections[i].data : null]),
    );
    // Environment names are case-insensitive on GitHub.
    const envFacts = new Map(
      environments.ok ? environments.data.map((e) => [e.name.toLowerCase(), e.protected]) : [],
    );
    // Protection that could not be read leaves trust-unprotected-ref unchecked: the scan is incomplete.
    if (!environments.ok && needs.environments)
      incomplete.push(permissionNote(environments, "Environment protection rules") ?? environments.reason);
    [...branches].forEach((b, i) => {
      const p = protections[i];
      if (p && !p.ok) incomplete.push(permissionNote(p, `Protection of branch ${b}`) ?? p.reason);
    });
    // GitHub reads that failed: the scan could not check everything (the reason names the permission).
    const result = report(analysis, {
      sources,
      configProblems,
      ignore: config.ignore,
      protection: {
        branch: (b) => branchFacts.get(b) ?? null,
        environment: (e) => (environments.ok ? (envFacts.get(e.toLowerCase()) ?? false) : null),
        declaredProtected: new Set((config.environments?.protected ?? []).map((e) => e.toLowerCase())),
      },
      incomplete: incomplete.map((reason) => ({
        subject: `${job.owner}/${job.repo}`,
        reason,
        rule: "config-invalid",
      })),
    });

    // 6. Render (pure).
    const failOn = config["fail-on"] ?? "high";
    const output = renderCheckRun(result, { failOn, headSha: job.headSha, notes, rules });
    const reviewMode = config.review ?? "comments";
    let review: ReturnType<typeof planReview> | null = null;
    if (reviewMode !== "off") {
      const [comments, reviews] = await Promise.all([
        publisher.listReviewCommentMarkers(job.pullNumber),
        publisher.listReviews(job.pullNumber),
      ]);
      const existing = [
        ...(comments.ok
          ? comments.data
              .filter((c) => c.userType === "Bot")
              .flatMap((c) => {
                const fp = parseMarker(c.body);
                return fp ? [{ fingerprint: fp, id: c.id }] : [];
              })
          : []),
        ...(reviews.ok
          ? reviews.data
              .filter((r) => r.userType === "Bot")
              .flatMap((r) => parseMarkers(r.body).map((fp) => ({ fingerprint: fp, id: r.id })))
          : []),
      ];
      const commentable = new Map<string, Set<number>>(
        reviewMode === "comments" ? changed.map((f) => [f.path, commentableLines(f.patch)]) : [],
      );
      review = planReview(result, { commentable, existing, source: (p) => sources.get(p) ?? null, rules });
    }

    // 7. Publish, unless a newer commit superseded this one.
    const head = await publisher.pullHeadSha(job.pullNumber);
    if (head.ok && head.data !== job.headSha) {
      await finish("neutral", {
        title: "Superseded",
        summary: `A newer commit (${head.data.slice(0, 7)}) was pushed; rolecall checks that one instead.`,
      });
      return { kind: "stale" };
    }
    const annotations = output.annotations;
    const summary = { title: output.title, summary: output.summary, text: output.text };
    const done = await publisher.updateCheckRun(checkRunId, {
      status: "completed",
      conclusion: output.conclusion,
      output: { ...summary, annotations: annotations.slice(0, 50) },
    });
    if (!done.ok) throw new ScanError(`the check run could not be completed: ${done.reason}`);
    if (annotations.length > 50) {
      const more = await publisher.publishAnnotations(checkRunId, summary, annotations.slice(50));
      if (!more.ok) log.warn({ status: more.status }, "some annotations could not be published");
    }
    let posted = 0;
    if (review && (review.body !== null || review.comments.length > 0)) {
      const r = await publisher.createReview(job.pullNumber, {
        commitId: job.headSha,
        event: "COMMENT",
        body: review.body ?? "",
        comments: review.comments.map(({ fingerprint: _fp, ...c }) => c),
      });
      if (r.ok) posted = review.comments.length;
      else log.warn({ status: r.status, permission: r.permission }, "the review could not be posted");
    }
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
    };
  } catch (e) {
    const reason =
      e instanceof ScanError
        ? e.message
        : "rolecall ran into an internal error while checking this pull request";
    log.error({ err: e instanceof ScanError ? undefined : (e as Error).message }, "scan failed");
    await finish("neutral", renderScanError(reason));
    return { kind: "failed", reason };
  }
}

/** A failure the user can act on (a missing permission, a repository that cannot be read). */
class ScanError extends Error {}

export type { RuleMeta };
