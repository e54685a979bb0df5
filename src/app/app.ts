import type { Context, Probot } from "probot";
import { createGitHubPublisher, createGitHubReader, type GitHubClient } from "../adapters/github/index.js";
import type { RoleAccess } from "./aws-access.js";
import { TtlLru } from "./lru.js";
import { runScanJob, type ScanJob } from "./scan-service.js";

/** What the server provides to every scan. */
export interface AppOptions {
  roles: RoleAccess | null;
  /** Token issuer for this GitHub: `token.actions.githubusercontent.com`, or `GHE_HOST/_services/token`. */
  issuer: string;
  docsBase: string;
  now: () => number;
}

export const HELP_TEXT = [
  "**rolecall** checks that the GitHub Actions jobs of this pull request that assume AWS roles through OIDC will be let in by the roles' trust policies, and that the trust is no broader than needed.",
  "",
  "Commands (in a pull request comment, by someone with write access):",
  "- `/rolecall rescan`: check again, re-reading the roles from AWS.",
  "- `/rolecall help`: this message.",
].join("\n");

const COMMAND = /^\s*\/rolecall(?:\s+(\S+))?\s*$/m;
const WRITERS = new Set(["admin", "maintain", "write"]);

/**
 * The Probot app. Handlers only check relevance, build a scan request and call the scan service;
 * redelivered webhooks (same delivery id) are handled once.
 */
export function rolecallApp(options: AppOptions) {
  const deliveries = new TtlLru<string, true>(10_000, 6 * 60 * 60_000, options.now);

  const scan = async (context: Context, job: ScanJob) => {
    const client = context.octokit as unknown as GitHubClient;
    const repo = { owner: job.owner, repo: job.repo };
    const log = context.log.child({
      delivery: context.id,
      repo: `${job.owner}/${job.repo}`,
      pr: job.pullNumber,
      sha: job.headSha,
    });
    return runScanJob(job, {
      reader: createGitHubReader(client, repo),
      publisher: createGitHubPublisher(client, repo),
      roles: options.roles,
      log,
      issuer: options.issuer,
      docsBase: options.docsBase,
    });
  };

  /** False when this delivery was already handled (GitHub redelivers on timeouts and by hand). */
  const firstDelivery = (context: Context) => deliveries.add(context.id, true);

  /** Runs a scan; a delivery whose scan did not get through can be redelivered and is handled again. */
  const scanOnce = async (context: Context, job: ScanJob) => {
    try {
      const outcome = await scan(context, job);
      if (outcome.kind === "failed") deliveries.delete(context.id);
      return outcome;
    } catch (e) {
      deliveries.delete(context.id);
      throw e;
    }
  };

  return (app: Probot) => {
    app.on(
      [
        "pull_request.opened",
        "pull_request.synchronize",
        "pull_request.reopened",
        "pull_request.ready_for_review",
      ],
      async (context) => {
        if (!firstDelivery(context)) return;
        const pr = context.payload.pull_request;
        if (pr.draft && context.payload.action !== "ready_for_review") return; // quiet on drafts until ready
        if (pr.state !== "open") return;
        const { owner, repo } = context.repo();
        await scanOnce(context, {
          owner,
          repo,
          headSha: pr.head.sha,
          pullNumber: pr.number,
          trigger: "pull_request",
        });
      },
    );

    app.on("check_run.rerequested", async (context) => {
      if (!firstDelivery(context)) return;
      const run = context.payload.check_run;
      if (run.name !== "rolecall") return;
      const pr = run.pull_requests[0];
      if (!pr) return;
      const { owner, repo } = context.repo();
      await scanOnce(context, {
        owner,
        repo,
        headSha: run.head_sha,
        pullNumber: pr.number,
        trigger: "rerequested",
      });
    });

    app.on("check_suite.rerequested", async (context) => {
      if (!firstDelivery(context)) return;
      const suite = context.payload.check_suite;
      const pr = suite.pull_requests[0];
      if (!pr) return;
      const { owner, repo } = context.repo();
      await scanOnce(context, {
        owner,
        repo,
        headSha: suite.head_sha,
        pullNumber: pr.number,
        trigger: "rerequested",
      });
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
      const client = context.octokit as unknown as GitHubClient;
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
      if (!permission.ok || !WRITERS.has(permission.data)) {
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
      const head = await publisher.pullHeadSha(issue.number);
      if (!head.ok) {
        log.warn({ status: head.status }, "could not read the pull request head");
        return;
      }
      await scanOnce(context, {
        owner,
        repo,
        headSha: head.data,
        pullNumber: issue.number,
        trigger: "rescan",
      });
    });
  };
}
