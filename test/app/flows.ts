/**
 * The repositories, workflows, policies and request sequences the App tests share. The main story:
 * Codertocat/Hello-World (the `@octokit/webhooks-examples` repository) opens a pull request that
 * moves its deploy job into the `production` environment, while the role still trusts only
 * `refs/heads/master`, so the deploy will be denied.
 */
import { readFileSync } from "node:fs";
import { expect } from "vitest";
import { commentableLines } from "../../src/core/render/diff.js";
import {
  example,
  type GitHubFake,
  type IamFake,
  type IssueCommentEvent,
  type PullRequestEvent,
  pullFile,
  trustPolicy,
  type World,
  worldOf,
} from "./harness.js";

export const ACCOUNT = "111122223333";
export const DEPLOY_ROLE = `arn:aws:iam::${ACCOUNT}:role/hello-deploy`;
export const TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";
/** A later commit of the pull request (synchronize, stale scans). */
export const NEXT_SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e";

export function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/app/${name}`, import.meta.url), "utf8");
}

export const DEPLOY_PATH = ".github/workflows/deploy.yml";
export const NIGHTLY_PATH = ".github/workflows/nightly.yml";
export const DEPLOY_YML = fixture("deploy.yml");
export const NIGHTLY_YML = fixture("nightly.yml");
/** The line of deploy.yml the pull request adds: `environment: production`. */
export const ENVIRONMENT_LINE = 13;
/** The line of deploy.yml naming the role. */
export const ROLE_LINE = 21;

/** The `sub` GitHub mints for the deploy job of deploy.yml. */
export const PRODUCTION_SUB = "repo:Codertocat/Hello-World:environment:production";
/** A trust policy that admits only pushes to master: the deploy job (environment production) is denied. */
export const MASTER_ONLY_POLICY = trustPolicy(ACCOUNT, ["repo:Codertocat/Hello-World:ref:refs/heads/master"]);
/** A trust policy that admits the deploy job. */
export const PRODUCTION_POLICY = trustPolicy(ACCOUNT, [PRODUCTION_SUB]);

/**
 * A unified diff hunk of `text` in which `added` lines (1-based) are new and the lines around them
 * (`context` each side) unchanged, as GitHub's `patch` of a pull request file shows it.
 */
export function modifiedPatch(text: string, added: number[], context = 3): string {
  const lines = text.replace(/\n$/, "").split("\n");
  const from = Math.max(1, Math.min(...added) - context);
  const to = Math.min(lines.length, Math.max(...added) + context);
  const body: string[] = [];
  for (let i = from; i <= to; i++) body.push(`${added.includes(i) ? "+" : " "}${lines[i - 1]}`);
  const newCount = to - from + 1;
  return [`@@ -${from},${newCount - added.length} +${from},${newCount} @@ jobs:`, ...body].join("\n");
}

/** The repository's workflows at the head: the changed deploy.yml and an unchanged nightly.yml. */
export const BOTH_WORKFLOWS = { [DEPLOY_PATH]: DEPLOY_YML, [NIGHTLY_PATH]: NIGHTLY_YML };

export const DEPLOY_PATCH = modifiedPatch(DEPLOY_YML, [ENVIRONMENT_LINE]);

/** `pull_request.<action>` from the examples (one with `installation.id`), at `headSha`. */
export function pullRequestEvent(action = "opened", headSha?: string): PullRequestEvent {
  const payload = example<PullRequestEvent>(
    "pull_request",
    (p) => p.action === action && (p.installation as { id?: number } | undefined)?.id !== undefined,
  );
  if (headSha !== undefined) payload.pull_request.head.sha = headSha;
  return payload;
}

export function worldOfPull(payload: PullRequestEvent, token = TOKEN, api?: string): World {
  return worldOf(payload, {
    token,
    headSha: payload.pull_request.head.sha,
    pullNumber: payload.number,
    ...(api !== undefined ? { api } : {}),
  });
}

/** `issue_comment.created` on pull request #`pullNumber` of Codertocat/Hello-World, saying `body`. */
export function commentEvent(body: string, opts: { pullNumber?: number; onPull?: boolean } = {}) {
  const payload = example<IssueCommentEvent>(
    "issue_comment",
    (p) => p.action === "created" && (p.installation as { id?: number } | undefined)?.id !== undefined,
  );
  payload.comment.body = body;
  payload.issue.number = opts.pullNumber ?? 2;
  if (opts.onPull !== false) {
    const html = `https://github.com/Codertocat/Hello-World/pull/${payload.issue.number}`;
    payload.issue.pull_request = {
      url: `https://api.github.com/repos/Codertocat/Hello-World/pulls/${payload.issue.number}`,
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      merged_at: null,
    };
  }
  return payload;
}

/** What the App reads and writes for one scan; every part is a mocked request it must make. */
export interface ScanMocks {
  /** GET /pulls/{n}/files. */
  files: Record<string, unknown>[];
  /** `.github/workflows` at the head commit (one GraphQL query). */
  workflows: Record<string, string>;
  oidc?: { status: number; body: object };
  /** `.github/rolecall.yml` on the default branch (absent when not given). */
  defaultConfig?: Record<string, string>;
  /** The owner's `.github` repository's configuration (read when the repository has none; default: none). */
  orgConfig?: string | null;
  /** The pull request's version of the configuration, when it changes it. */
  headConfig?: Record<string, string>;
  /** The environments, or "refused" (403). */
  environments?: { name: string; reviewers?: boolean }[] | "refused";
  /** Branch name → protected, or "refused" (403). */
  branches?: Record<string, boolean | "refused">;
  existing?: Parameters<GitHubFake["existing"]>;
  /** What GET /pulls/{n} answers as the head (default: the scanned commit). */
  headNow?: string;
  /** Whether a review is expected. */
  review?: boolean;
  /** Whether rolecall's earlier review comments are listed (default: when the scan is published). */
  listed?: boolean;
  /** Whether the installation token is requested (false when the Probot instance has it cached). */
  token?: boolean;
}

/** Registers every request of a complete scan, in the App's order. */
export function mockScan(gh: GitHubFake, m: ScanMocks): GitHubFake {
  if (m.token !== false) gh.token();
  gh.createCheckRun()
    .pullFiles(m.files)
    .repository()
    .oidc(m.oidc)
    .along(gh.world.defaultBranch, m.defaultConfig ?? {})
    .along(gh.world.headSha, m.headConfig ?? {})
    .workflows(m.workflows);
  if (!m.defaultConfig || Object.keys(m.defaultConfig).length === 0) gh.contentOf(m.orgConfig ?? null);
  if (m.environments === "refused") gh.refused("/environments");
  else gh.environments(m.environments);
  for (const [b, p] of Object.entries(m.branches ?? {}))
    if (p === "refused") gh.refused(`/branches/${b}`);
    else gh.branch(b, p);
  gh.pullHead(m.headNow ?? gh.world.headSha).updateCheckRun();
  // The review's markers are listed only when the scan is published (not superseded).
  if (m.listed ?? (m.headNow ?? gh.world.headSha) === gh.world.headSha) {
    gh.existing(...(m.existing ?? []));
    // rolecall's earlier inline comments: their threads are read (to resolve those of fixed findings).
    const inline = m.existing?.[0] ?? [];
    if (inline.some((c) => c.type === undefined || c.type === "Bot"))
      gh.reviewThreads(inline.map((c) => ({ id: `PRRT_${c.id}`, commentIds: [c.id] })));
  }
  if (m.review) gh.createReview();
  return gh;
}

/** The files of the main story's pull request: deploy.yml gains `environment: production`. */
export function deployPullFiles(world: World): Record<string, unknown>[] {
  return [pullFile(world, DEPLOY_PATH, DEPLOY_PATCH)];
}

export const MARKER = /<!-- rolecall:fp=[A-Za-z0-9_.:-]+ -->$/;

/** Asserts that every fake's interceptors were all used, naming the ones left. */
export function expectDone(...fakes: (GitHubFake | IamFake)[]): void {
  for (const f of fakes) {
    const pending = "pending" in f ? f.pending() : [...f.iam.pendingMocks(), ...f.sts.pendingMocks()];
    expect(pending, "requests the App should have made").toEqual([]);
    expect(f.done()).toBe(true);
  }
}

/** Asserts that each inline comment of the review sits on a line of its file's diff. */
export function expectCommentsOnDiff(
  comments: { path: string; line: number }[],
  patches: Record<string, string>,
): void {
  for (const c of comments) {
    const lines = commentableLines(patches[c.path] ?? null);
    expect(lines.has(c.line), `${c.path}:${c.line} is in the diff`).toBe(true);
  }
}
