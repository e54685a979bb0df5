import type { Context, Probot } from "probot";
import { ProbotOctokit } from "probot";
import {
  createGitHubPublisher,
  createGitHubReader,
  type GitHubClient,
  type RepositoryRole,
} from "../adapters/github/index.js";
import type { RoleAccess } from "./aws-access.js";
import { TtlLru } from "./lru.js";
import {
  BASELINE_CHECK_NAME,
  parseExternalId,
  roleDigest,
  runScanJob,
  type ScanJob,
  type ScanOutcome,
} from "./scan-service.js";

/** What the server provides to every scan. */
export interface AppOptions {
  roles: RoleAccess | null;
  /** Token issuer for this GitHub: `token.actions.githubusercontent.com`, or `GHE_HOST/_services/token`. */
  issuer: string;
  docsBase: string;
  now: () => number;
  /** The watchdog: a scan still running after this long completes its check run as failed (default 10 min). */
  scanDeadlineMs?: number;
  /**
   * Periodic baselines (drift: AWS trust policies change with no GitHub event): every `intervalMs`
   * each installed repository's default branch is checked, one repository every `paceMs`. Off when
   * absent. `onScheduler` receives the scheduler (tests drive `tick()` themselves).
   */
  baseline?: { intervalMs: number; paceMs?: number; onScheduler?: (s: BaselineScheduler) => void };
}

/** The periodic baseline: one `tick()` walks every installation's repositories, paced. */
export interface BaselineScheduler {
  tick(): Promise<{ checked: number; scanned: number }>;
  stop(): void;
}

/**
 * `ROLECALL_BASELINE_INTERVAL_HOURS` (e.g. 24) and `ROLECALL_BASELINE_PACE_SECONDS` (default 10):
 * the periodic baseline's settings, or undefined (off) when the interval is unset or not a number.
 */
export function baselineFromEnv(env: Readonly<Record<string, string | undefined>>): AppOptions["baseline"] {
  const hours = Number(env.ROLECALL_BASELINE_INTERVAL_HOURS);
  if (!env.ROLECALL_BASELINE_INTERVAL_HOURS || !Number.isFinite(hours) || hours <= 0) return undefined;
  const pace = Number(env.ROLECALL_BASELINE_PACE_SECONDS ?? "10");
  return { intervalMs: hours * 3_600_000, paceMs: (Number.isFinite(pace) && pace >= 0 ? pace : 10) * 1000 };
}

export const HELP_TEXT = [
  "**rolecall** checks that the GitHub Actions jobs of this pull request that assume AWS roles through OIDC will be let in by the roles' trust policies, and that the trust is no broader than needed.",
  "",
  "Commands (in a pull request comment, by someone with write access):",
  "- `/rolecall rescan`: check again, re-reading the roles from AWS.",
  "- `/rolecall help`: this message.",
].join("\n");

const COMMAND = /^\s*\/rolecall(?:\s+(\S+))?\s*$/m;
const WRITERS = new Set<string>(["admin", "maintain", "write"]);
const isWriter = (role: RepositoryRole | string) => WRITERS.has(role);

/** How often a request is retried after a secondary rate limit (GitHub: wait `retry-after`, then back off). */
export const SECONDARY_LIMIT_RETRIES = 3;
/** How often a request is retried after the primary rate limit (after the reset GitHub names). */
export const PRIMARY_LIMIT_RETRIES = 2;
/** Retries of 5xx and network errors (Octokit's retry plugin: after 1 s, then 4 s). */
export const SERVER_ERROR_RETRIES = 2;

/**
 * GitHub Enterprise Cloud with data residency serves its API at `https://api.<sub>.ghe.com`, not at
 * `https://<sub>.ghe.com/api/v3` where Probot points `GHE_HOST=<sub>.ghe.com`: the REST base (and
 * with it GraphQL, `…/graphql`) is moved there. Any other base URL is kept.
 */
export function gheComApi(baseUrl: string): string {
  const m = /^https:\/\/(?!api\.)([a-z0-9-]+\.ghe\.com)\/api\/v3\/?$/i.exec(baseUrl);
  return m ? `https://api.${m[1]}` : baseUrl;
}

interface ThrottleLog {
  warn(msg: string): void;
}

/** A throttle handler that logs the limit and retries it up to `max` times after the wait GitHub names. */
function retryUpTo(what: string, max: number) {
  return (
    retryAfter: number,
    o: { method: string; url: string },
    octokit: { log: ThrottleLog },
    retryCount: number,
  ): boolean => {
    octokit.log.warn(
      `${what} on ${o.method} ${o.url}: ${retryCount < max ? `retrying in ${retryAfter} s` : "giving up"}`,
    );
    return retryCount < max;
  };
}

/**
 * The Octokit the App runs on: Probot's, with the throttle handlers Probot replaces put back so that
 * a secondary rate limit (403/429 with `retry-after`) is retried after the wait GitHub asks for, a
 * bounded number of times; Probot's own handler only logs, so a completing PATCH hit by one used to
 * leave the check run in progress. Pass it to Probot as `Octokit` (`npm start` does).
 */
export const RolecallOctokit: typeof ProbotOctokit = ProbotOctokit.defaults(
  (options: Record<string, unknown>) => {
    const throttle = (options.throttle ?? {}) as Record<string, unknown>;
    const baseUrl = typeof options.baseUrl === "string" ? gheComApi(options.baseUrl) : undefined;
    if (throttle.enabled === false) return baseUrl ? { ...options, baseUrl } : options;
    return {
      ...options,
      ...(baseUrl ? { baseUrl } : {}),
      retry: { ...((options.retry as object | undefined) ?? {}), retries: SERVER_ERROR_RETRIES },
      throttle: {
        ...throttle,
        onSecondaryRateLimit: retryUpTo("secondary rate limit", SECONDARY_LIMIT_RETRIES),
        onRateLimit: retryUpTo("rate limit", PRIMARY_LIMIT_RETRIES),
      },
    };
  },
);

interface InstalledRepo {
  id: number;
  name: string;
  archived?: boolean;
  default_branch: string;
  owner: { login: string; id: number };
}

interface PullPayload {
  number: number;
  state: string;
  draft?: boolean;
  user?: { login: string } | null;
  author_association?: string;
  head: { sha: string; repo?: { id: number } | null };
  base: { sha: string; ref: string; repo: { id: number } };
}

/**
 * The Probot app. Handlers only check relevance, build a scan request and call the scan service;
 * redelivered webhooks (same delivery id) are handled once; scans of one pull request (or one
 * commit) run one at a time, so two never post the same review comment.
 */
export function rolecallApp(options: AppOptions) {
  const deliveries = new TtlLru<string, true>(10_000, 6 * 60 * 60_000, options.now);
  const running = new Map<string, Promise<unknown>>();

  /** Runs `f` after every earlier scan with the same key (installation, repository, pull request). */
  const serial = <T>(key: string, f: () => Promise<T>): Promise<T> => {
    const before = running.get(key) ?? Promise.resolve();
    const mine = before.then(f, f);
    const settled = mine.then(
      () => undefined,
      () => undefined,
    );
    running.set(key, settled);
    void settled.then(() => {
      if (running.get(key) === settled) running.delete(key);
    });
    return mine;
  };

  /**
   * The client of one delivery: the installation's own Octokit, so its throttle lanes (one write a
   * second) are per installation, not shared by every installation this process serves.
   */
  const clientOf = async (app: Probot, context: Context): Promise<GitHubClient> => {
    const id = (context.payload as { installation?: { id?: number } }).installation?.id;
    return (id ? await app.auth(id) : context.octokit) as unknown as GitHubClient;
  };

  const scan = async (app: Probot, context: Context, job: ScanJob): Promise<ScanOutcome> => {
    const client = await clientOf(app, context);
    const repo = { owner: job.owner, repo: job.repo };
    const log = context.log.child({
      delivery: context.id,
      repo: `${job.owner}/${job.repo}`,
      pr: job.pullNumber,
      sha: job.headSha,
      trigger: job.trigger,
    });
    const installation = (context.payload as { installation?: { id?: number } }).installation?.id ?? 0;
    const key = `${installation}/${job.owner}/${job.repo}/${job.pullNumber ?? job.headSha}`;
    return serial(key, () =>
      runScanJob(job, {
        reader: createGitHubReader(client, repo),
        publisher: createGitHubPublisher(client, repo),
        roles: options.roles,
        log,
        issuer: options.issuer,
        docsBase: options.docsBase,
        ...(options.scanDeadlineMs !== undefined ? { deadlineMs: options.scanDeadlineMs } : {}),
      }),
    );
  };

  /** False when this delivery was already handled (GitHub redelivers on timeouts and by hand). */
  const firstDelivery = (context: Context) => deliveries.add(context.id, true);

  /** Runs a scan; a delivery whose scan did not get through can be redelivered and is handled again. */
  const scanOnce = async (app: Probot, context: Context, job: ScanJob) => {
    try {
      const outcome = await scan(app, context, job);
      if (outcome.kind === "failed" || outcome.kind === "timed-out") deliveries.delete(context.id);
      return outcome;
    } catch (e) {
      deliveries.delete(context.id);
      throw e;
    }
  };

  const repoOf = (context: Context) => {
    const { owner, repo } = context.repo();
    const ownerId = (context.payload as { repository?: { owner?: { id?: number } } }).repository?.owner?.id;
    return { owner, repo, ownerId: ownerId ?? null };
  };

  /**
   * Whether a pull request is an outsider's: from a fork, or by an author without write access.
   * Such a pull request only gets the roles its base branch already uses read (no oracle).
   */
  const outsiderOf = async (app: Probot, context: Context, pr: PullPayload): Promise<string | null> => {
    if (!pr.head.repo || pr.head.repo.id !== pr.base.repo.id) return "this pull request comes from a fork";
    if (pr.author_association === "OWNER") return null;
    const login = pr.user?.login;
    if (!login) return "the pull request's author is unknown";
    const { owner, repo } = context.repo();
    const role = await createGitHubReader(await clientOf(app, context), {
      owner,
      repo,
    }).collaboratorPermission(login);
    if (role.ok && isWriter(role.data)) return null;
    return "the pull request's author has no write access to this repository";
  };

  /** A scan of pull request `number` at its current head (Re-run, where the payload names no PR). */
  const rescanPull = async (
    app: Probot,
    context: Context,
    number: number,
    trigger: ScanJob["trigger"],
    outsiderAllowed: boolean,
  ) => {
    const { owner, repo, ownerId } = repoOf(context);
    const client = await clientOf(app, context);
    const pr = await createGitHubPublisher(client, { owner, repo }).pullRequest(number);
    if (!pr.ok) {
      context.log.warn({ status: pr.status, pr: number }, "could not read the pull request");
      return;
    }
    const d = pr.data;
    if (d.state !== "open") return;
    const payload: PullPayload = {
      number,
      state: d.state,
      user: d.authorLogin ? { login: d.authorLogin } : null,
      ...(d.authorAssociation ? { author_association: d.authorAssociation } : {}),
      head: { sha: d.headSha, repo: d.headRepoId !== null ? { id: d.headRepoId } : null },
      base: { sha: d.baseSha ?? "", ref: d.baseRef ?? "", repo: { id: d.baseRepoId ?? -1 } },
    };
    await scanOnce(app, context, {
      owner,
      ownerId,
      repo,
      headSha: d.headSha,
      pullNumber: number,
      trigger,
      ...(d.baseSha ? { baseSha: d.baseSha } : {}),
      outsider: outsiderAllowed ? null : await outsiderOf(app, context, payload),
    });
  };

  /** A baseline: the default branch's head, as a `rolecall/baseline` check run on that commit. */
  const baseline = async (app: Probot, context: Context, owner: string, repo: string) => {
    if (!firstDelivery(context)) return;
    const id = (context.payload as { installation?: { id?: number } }).installation?.id;
    if (!id) return;
    const outcome = await baselineScan(app, id, owner, repo, context.log, context.id);
    if (!outcome || outcome.kind === "failed" || outcome.kind === "timed-out") deliveries.delete(context.id);
  };

  /** What the last baseline of each repository saw: its branch ETag and head, and the roles' digests. */
  const seen = new Map<string, { etag: string | null; sha: string; roles: Map<string, string> }>();

  const baselineScan = async (
    app: Probot,
    installationId: number,
    owner: string,
    repo: string,
    parentLog: Context["log"],
    delivery: string,
    known?: { defaultBranch: string; ownerId: number },
  ): Promise<ScanOutcome | null> => {
    const client = (await app.auth(installationId)) as unknown as GitHubClient;
    const reader = createGitHubReader(client, { owner, repo });
    let facts = known;
    if (!facts) {
      const r = await reader.repository();
      if (!r.ok) {
        parentLog.warn({ status: r.status, repo: `${owner}/${repo}` }, "baseline: repository unreadable");
        return null;
      }
      facts = { defaultBranch: r.data.defaultBranch, ownerId: r.data.ownerId };
    }
    const key = `${installationId}/${owner}/${repo}`;
    const before = seen.get(key);
    const head = await reader.branchHead(facts.defaultBranch, before?.etag ?? null);
    if (!head.ok) {
      parentLog.warn({ repo: `${owner}/${repo}` }, "baseline: default branch unreadable");
      return null;
    }
    const sha = "unchanged" in head.data ? (before?.sha ?? null) : head.data.sha;
    if (sha === null) return null;
    const log = parentLog.child({ delivery, repo: `${owner}/${repo}`, sha, trigger: "baseline" });
    const outcome = await serial(`${installationId}/${owner}/${repo}/${sha}`, () =>
      runScanJob(
        { owner, ownerId: facts.ownerId, repo, headSha: sha, pullNumber: null, trigger: "baseline" },
        {
          reader,
          publisher: createGitHubPublisher(client, { owner, repo }),
          roles: options.roles,
          log,
          issuer: options.issuer,
          docsBase: options.docsBase,
          ...(options.scanDeadlineMs !== undefined ? { deadlineMs: options.scanDeadlineMs } : {}),
        },
      ),
    );
    if (outcome.kind === "published")
      seen.set(key, {
        etag: "unchanged" in head.data ? (before?.etag ?? null) : head.data.etag,
        sha,
        roles: outcome.roles,
      });
    return outcome;
  };

  /**
   * Whether a repository's last baseline still stands: its default branch did not move (a
   * conditional request, answered 304 at no rate-limit cost) and every role it read has the same
   * trust policy in AWS now.
   */
  const unchanged = async (
    app: Probot,
    installationId: number,
    owner: string,
    ownerId: number,
    repo: string,
    defaultBranch: string,
  ): Promise<boolean> => {
    const before = seen.get(`${installationId}/${owner}/${repo}`);
    if (!before) return false;
    const client = (await app.auth(installationId)) as unknown as GitHubClient;
    const head = await createGitHubReader(client, { owner, repo }).branchHead(defaultBranch, before.etag);
    if (!head.ok || !("unchanged" in head.data)) return false;
    if (!options.roles) return true;
    for (const [arn, digest] of before.roles) {
      const now = await options.roles.getRole({ login: owner, id: ownerId }, arn, { fresh: true });
      if (roleDigest(now) !== digest) return false;
    }
    return true;
  };

  const scheduler = (app: Probot, paceMs: number): BaselineScheduler => {
    let timer: ReturnType<typeof setInterval> | null = null;
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    return {
      async tick() {
        let checked = 0;
        let scanned = 0;
        const appClient = (await app.auth()) as unknown as GitHubClient;
        const installations = await appClient
          .request("GET /app/installations", { per_page: 100 })
          .then((r) => (Array.isArray(r.data) ? (r.data as { id: number }[]) : []))
          .catch(() => []);
        for (const inst of installations) {
          const client = (await app.auth(inst.id)) as unknown as GitHubClient;
          const repos = await client
            .request("GET /installation/repositories", { per_page: 100 })
            .then((r) => (r.data as { repositories?: InstalledRepo[] }).repositories ?? [])
            .catch(() => [] as InstalledRepo[]);
          for (const r of repos) {
            if (r.archived) continue;
            if (checked > 0 && paceMs > 0) await sleep(paceMs);
            checked++;
            const owner = r.owner.login;
            if (await unchanged(app, inst.id, owner, r.owner.id, r.name, r.default_branch)) continue;
            const outcome = await baselineScan(
              app,
              inst.id,
              owner,
              r.name,
              app.log,
              `baseline/${inst.id}/${r.id}`,
              {
                defaultBranch: r.default_branch,
                ownerId: r.owner.id,
              },
            );
            if (outcome) scanned++;
          }
        }
        return { checked, scanned };
      },
      stop() {
        if (timer) clearInterval(timer);
        timer = null;
      },
      ...{
        start(intervalMs: number, run: () => void) {
          timer = setInterval(run, intervalMs);
          timer.unref();
        },
      },
    };
  };

  return (app: Probot) => {
    if (options.baseline) {
      const s = scheduler(app, options.baseline.paceMs ?? 10_000) as BaselineScheduler & {
        start(intervalMs: number, run: () => void): void;
      };
      let running = false;
      s.start(options.baseline.intervalMs, () => {
        if (running) return; // a slow tick is never overlapped by the next
        running = true;
        s.tick()
          .catch((e: unknown) => app.log.error({ err: (e as Error).message }, "periodic baseline failed"))
          .finally(() => {
            running = false;
          });
      });
      options.baseline.onScheduler?.(s);
    }
    app.on(
      [
        "pull_request.opened",
        "pull_request.synchronize",
        "pull_request.reopened",
        "pull_request.ready_for_review",
        "pull_request.edited",
      ],
      async (context) => {
        const payload = context.payload as typeof context.payload & { changes?: { base?: unknown } };
        // An edit matters only when the base changed: the head (where checks live) stays, the diff does not.
        if (payload.action === "edited" && payload.changes?.base === undefined) return;
        if (!firstDelivery(context)) return;
        const pr = context.payload.pull_request as unknown as PullPayload;
        if (pr.draft && context.payload.action !== "ready_for_review") return; // quiet on drafts until ready
        if (pr.state !== "open") return;
        const { owner, repo, ownerId } = repoOf(context);
        await scanOnce(app, context, {
          owner,
          ownerId,
          repo,
          headSha: pr.head.sha,
          pullNumber: pr.number,
          trigger: "pull_request",
          baseSha: pr.base.sha,
          outsider: await outsiderOf(app, context, pr),
        });
      },
    );

    app.on("check_run.rerequested", async (context) => {
      if (!firstDelivery(context)) return;
      const run = context.payload.check_run as typeof context.payload.check_run & {
        external_id?: string | null;
      };
      if (run.name !== "rolecall" && run.name !== BASELINE_CHECK_NAME) return;
      const { owner, repo, ownerId } = repoOf(context);
      // Fork pull requests arrive with `pull_requests: []`: the run's external_id names the PR.
      const target = run.pull_requests[0]
        ? { pullNumber: run.pull_requests[0].number }
        : parseExternalId(run.external_id);
      if (!target) return;
      if ("pullNumber" in target) {
        await rescanPull(app, context, target.pullNumber, "rerequested", false);
        return;
      }
      if ("baseline" in target) {
        deliveries.delete(context.id);
        await baseline(app, context, owner, repo);
        return;
      }
      await scanOnce(app, context, {
        owner,
        ownerId,
        repo,
        headSha: run.head_sha,
        pullNumber: null,
        trigger: "merge_group",
        baseSha: target.baseSha,
      });
    });

    app.on("check_suite.rerequested", async (context) => {
      if (!firstDelivery(context)) return;
      const suite = context.payload.check_suite;
      let number = suite.pull_requests[0]?.number;
      if (number === undefined) {
        // A fork's suite: find rolecall's run in it and the pull request it recorded.
        const { owner, repo } = repoOf(context);
        const ids = await createGitHubReader(await clientOf(app, context), {
          owner,
          repo,
        }).suiteExternalIds(suite.id, "rolecall");
        const target = ids.ok ? ids.data.map(parseExternalId).find((t) => t && "pullNumber" in t) : null;
        if (!target || !("pullNumber" in target)) return;
        number = target.pullNumber;
      }
      await rescanPull(app, context, number, "rerequested", false);
    });

    app.on("merge_group.checks_requested", async (context) => {
      if (!firstDelivery(context)) return;
      const group = context.payload.merge_group;
      const { owner, repo, ownerId } = repoOf(context);
      await scanOnce(app, context, {
        owner,
        ownerId,
        repo,
        headSha: group.head_sha,
        pullNumber: null,
        trigger: "merge_group",
        baseSha: group.base_sha,
      });
    });

    app.on(["repository.renamed", "repository.transferred"], async (context) => {
      // The `sub` of every workflow changes (and, after a rename, its format): check the default branch.
      const { owner, repo } = repoOf(context);
      await baseline(app, context, owner, repo);
    });

    app.on("installation_repositories.added", async (context) => {
      // Newly covered repositories get a baseline each, one after another (one write lane per installation).
      for (const r of context.payload.repositories_added) {
        const [owner, repo] = r.full_name.split("/");
        if (!owner || !repo) continue;
        await baseline(app, { ...context, id: `${context.id}/${r.id}` } as Context, owner, repo);
      }
    });

    app.on("issue_comment.created", async (context) => {
      if (!firstDelivery(context)) return;
      const { comment, issue, sender } = context.payload;
      if (!issue.pull_request) return; // a plain issue, not a pull request
      if (sender.type === "Bot" || comment.user?.type === "Bot") return;
      const m = COMMAND.exec(comment.body);
      if (!m) return;
      const command = (m[1] ?? "help").toLowerCase();
      const { owner, repo } = context.repo();
      const client = await clientOf(app, context);
      const publisher = createGitHubPublisher(client, { owner, repo });
      const reader = createGitHubReader(client, { owner, repo });
      const log = context.log.child({ delivery: context.id, repo: `${owner}/${repo}`, pr: issue.number });
      if (command === "help") {
        await publisher.commentOnIssue(issue.number, HELP_TEXT);
        return;
      }
      if (command !== "rescan") {
        await publisher.commentOnIssue(
          issue.number,
          `@${sender.login} rolecall does not know \`${command}\`.\n\n${HELP_TEXT}`,
        );
        return;
      }
      const permission = await reader.collaboratorPermission(sender.login);
      if (!permission.ok || !isWriter(permission.data)) {
        log.info(
          { user: sender.login, permission: permission.ok ? permission.data : "unknown" },
          "rescan refused",
        );
        await publisher.commentOnIssue(
          issue.number,
          `@${sender.login} thanks — only people with write access to this repository can ask rolecall to rescan. A maintainer can comment \`/rolecall rescan\`, or re-run the rolecall check from the Checks tab.`,
        );
        return;
      }
      await publisher.reactToComment(comment.id, "eyes");
      // A writer asked: the roles of an outsider's pull request are read too (the writer vouches for them).
      options.roles?.forgetRefusals?.();
      await rescanPull(app, context, issue.number, "rescan", true);
    });
  };
}
