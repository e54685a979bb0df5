/**
 * Every event that changes the answer: merge queues (merge_group.checks_requested), a retargeted
 * base (pull_request.edited), Re-run on a fork's pull request (check_run/check_suite.rerequested
 * with `pull_requests: []`), pull requests closed mid-scan, repository renames and newly installed
 * repositories (baselines of the default branch), and pull requests from outsiders (no oracle).
 * Real payload shapes from `@octokit/webhooks-examples`; GitHub and IAM faked at the HTTP level.
 */
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RoleReader } from "../../src/adapters/aws/index.js";
import type { BaselineScheduler } from "../../src/app/app.js";
import type { RoleAccess } from "../../src/app/aws-access.js";
import {
  ACCOUNT,
  BOTH_WORKFLOWS,
  DEPLOY_PATCH,
  DEPLOY_PATH,
  DEPLOY_ROLE,
  DEPLOY_YML,
  deployPullFiles,
  expectDone,
  MASTER_ONLY_POLICY,
  mockScan,
  NIGHTLY_PATH,
  NIGHTLY_YML,
  PRODUCTION_POLICY,
  PRODUCTION_SUB,
  pullRequestEvent,
  TOKEN,
  worldOfPull,
} from "./flows.js";
import {
  type CheckRunEvent,
  type CheckSuiteEvent,
  Clock,
  createApp,
  deliver,
  example,
  GitHubFake,
  IamFake,
  pullFile,
  type RepositoryPayload,
  roleAccess,
  trustPolicy,
  Unmatched,
  worldOf,
} from "./harness.js";

const unmatched = new Unmatched();
let clock: Clock;
let roles: RoleAccess;
let reader: RoleReader;

beforeAll(() => nock.disableNetConnect());
beforeEach(() => {
  unmatched.start();
  clock = new Clock();
  ({ roles, reader } = roleAccess(`*=${ACCOUNT}`, clock));
});
afterEach(() => {
  unmatched.stop();
  reader.destroy();
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

const BASE_SHA = "f95f852bd8fca8fcc58a9a2d6c842781e32a215e"; // the base GET /pulls/{n} answers

interface MergeGroupEvent {
  action: string;
  merge_group: { head_sha: string; base_sha: string; head_ref: string; base_ref: string };
  repository: RepositoryPayload;
  installation: { id: number; node_id: string };
}

function mergeGroup() {
  const event = example<MergeGroupEvent>("merge_group", (p) => p.action === "checks_requested");
  const world = worldOf(event, { token: TOKEN, headSha: event.merge_group.head_sha, pullNumber: 0 });
  return { event, world };
}

describe("merge queues: merge_group.checks_requested", () => {
  it("reports rolecall success on the group's head at once when no deploy configuration changed (one read, one write)", async () => {
    const { event, world } = mergeGroup();
    const { base_sha: base, head_sha: head } = event.merge_group;
    const gh = new GitHubFake(world)
      .token()
      .compare(base, head, [pullFile(world, "README.md", "@@ -1 +1 @@\n-a\n+b")])
      .createCheckRun();
    const { probot } = await createApp({ roles, now: clock.now });

    await deliver(probot, "merge_group", event);

    expectDone(gh);
    expect(unmatched.seen).toEqual([]);
    expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      `GET ${gh.repoPath}/compare/${base}...${head}`,
      `POST ${gh.repoPath}/check-runs`,
    ]);
    expect(gh.checkRunCreates).toEqual([
      expect.objectContaining({
        name: "rolecall",
        head_sha: head,
        external_id: `merge_group:${base}`,
        status: "completed",
        conclusion: "success",
      }),
    ]);
  });

  it("scans the group's head commit when a workflow changed, and posts no review", async () => {
    const { event, world } = mergeGroup();
    const { base_sha: base, head_sha: head } = event.merge_group;
    const gh = new GitHubFake(world)
      .token()
      .compare(base, head, [pullFile(world, DEPLOY_PATH, DEPLOY_PATCH)])
      .createCheckRun()
      .repository()
      .oidc()
      .workflows({ [DEPLOY_PATH]: DEPLOY_YML }, head)
      .environments()
      .contentOf(null) // no configuration in the owner's .github repository either
      .updateCheckRun();
    const iam = new IamFake().getRole(DEPLOY_ROLE, MASTER_ONLY_POLICY);
    const { probot } = await createApp({ roles, now: clock.now });

    await deliver(probot, "merge_group", event);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]);
    expect(gh.checkRunCreates[0]).toMatchObject({ head_sha: head, status: "in_progress" });
    expect(gh.completed().conclusion).toBe("failure"); // the deploy is denied: the queue must not merge it
    expect(gh.requests.some((r) => r.path.includes("/pulls/"))).toBe(false); // no review, no PR reads
  });
});

describe("pull_request.edited", () => {
  it("re-scans when the base branch changed (the head, where checks live, did not)", async () => {
    const payload = pullRequestEvent("opened") as ReturnType<typeof pullRequestEvent> & {
      changes?: unknown;
    };
    payload.action = "edited";
    payload.changes = { base: { ref: { from: "release" }, sha: { from: BASE_SHA } } };
    const world = worldOfPull(payload);
    const gh = mockScan(new GitHubFake(world), {
      files: deployPullFiles(world),
      workflows: { [DEPLOY_PATH]: DEPLOY_YML },
      review: true,
    });
    const iam = new IamFake().getRole(DEPLOY_ROLE, MASTER_ONLY_POLICY);
    const { probot } = await createApp({ roles, now: clock.now });

    await deliver(probot, "pull_request", payload);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]);
    expect(gh.completed().conclusion).toBe("failure");
  });

  it("does nothing when only the title or body was edited", async () => {
    const payload = pullRequestEvent("opened") as ReturnType<typeof pullRequestEvent> & {
      changes?: unknown;
    };
    payload.action = "edited";
    payload.changes = { title: { from: "Update the README with new information" } };
    const { probot } = await createApp({ roles, now: clock.now });
    await deliver(probot, "pull_request", payload);
    expect(unmatched.seen).toEqual([]);
  });
});

describe("Re-run on a fork's pull request (pull_requests: [])", () => {
  it("check_run.rerequested finds the pull request in the run's external_id, and reads no role the base does not use", async () => {
    const event = example<CheckRunEvent & { check_run: { external_id: string } }>(
      "check_run",
      (p) => p.action === "rerequested",
    );
    expect(event.check_run.pull_requests).toEqual([]); // as GitHub sends it for forks
    event.check_run.name = "rolecall";
    event.check_run.external_id = "pr:2";
    const world = worldOf(event, { token: TOKEN, headSha: event.check_run.head_sha, pullNumber: 2 });
    const gh = new GitHubFake(world)
      .token()
      // The pull request, read to find its head: from a fork (another head repository).
      .pullHead(world.headSha, 2, { headRepoId: 999_001, association: "CONTRIBUTOR", author: "forker" })
      .pullFiles(deployPullFiles(world))
      .repository()
      .oidc()
      .workflows({ [DEPLOY_PATH]: DEPLOY_YML })
      // The base branch's workflows: no deploy role there, so the fork cannot have it read.
      .workflows({ [NIGHTLY_PATH]: NIGHTLY_YML }, BASE_SHA)
      .environments()
      .contentOf(null) // no configuration in the owner's .github repository either
      .createCheckRun()
      .pullHead(world.headSha, 2, { headRepoId: 999_001, association: "CONTRIBUTOR", author: "forker" })
      .updateCheckRun()
      .existing()
      .createReview();
    const iam = new IamFake(); // any IAM request would be unmatched
    const { probot } = await createApp({ roles, now: clock.now });

    await deliver(probot, "check_run", event);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]);
    expect(iam.calls).toEqual([]);
    expect(gh.checkRunCreates[0]).toMatchObject({ head_sha: world.headSha, external_id: "pr:2" });
    const done = gh.completed();
    expect(done.conclusion).toBe("failure"); // not verified, so not passed
    expect(done.output?.summary).toContain("this pull request comes from a fork");
  });

  it("check_suite.rerequested finds rolecall's run in the suite and its pull request", async () => {
    const event = example<CheckSuiteEvent & { check_suite: { id: number } }>(
      "check_suite",
      (p) => p.action === "rerequested",
    );
    event.check_suite.pull_requests = []; // a fork's suite
    const world = worldOf(event, {
      token: "ghs_SuiteInstallationToken0000000000000",
      headSha: event.check_suite.head_sha,
      pullNumber: 2,
    });
    const gh = new GitHubFake(world)
      .token()
      .suiteRuns(event.check_suite.id, [null, "pr:2"])
      .pullHead(world.headSha, 2, { state: "closed" }); // closed since: nothing to do
    const { probot } = await createApp({ roles, now: clock.now });

    await deliver(probot, "check_suite", event);

    expectDone(gh);
    expect(unmatched.seen).toEqual([]);
    expect(gh.checkRunCreates).toEqual([]);
  });
});

describe("outsiders: no oracle", () => {
  it("a fork's pull request naming a role its base uses gets a verdict, but no trust-policy contents", async () => {
    const payload = pullRequestEvent("opened");
    payload.pull_request.head.repo = { ...payload.pull_request.head.repo, id: 999_001 };
    payload.pull_request.base.sha = BASE_SHA;
    const world = worldOfPull(payload);
    const gh = mockScan(new GitHubFake(world), {
      files: deployPullFiles(world),
      workflows: { [DEPLOY_PATH]: DEPLOY_YML },
      review: true,
    }).workflows({ [DEPLOY_PATH]: DEPLOY_YML.replace("    environment: production\n", "") }, BASE_SHA);
    const iam = new IamFake().getRole(DEPLOY_ROLE, MASTER_ONLY_POLICY);
    const { probot } = await createApp({ roles, now: clock.now });

    await deliver(probot, "pull_request", payload);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]);
    const done = gh.completed();
    expect(done.conclusion).toBe("failure");
    expect(done.output?.summary).toContain("❌ deny");
    expect(done.output?.text ?? null).toBeNull(); // no suggested policy: it would quote what the role trusts
    expect(done.output?.summary).toContain("Suggested trust policies are not shown");
    for (const r of gh.reviews) expect(JSON.stringify(r)).not.toContain("sts:AssumeRoleWithWebIdentity");
  });
});

describe("outsiders: an author without write access", () => {
  it("a same-repository pull request by a reader cannot have a role read that its base does not use", async () => {
    const payload = pullRequestEvent("opened");
    payload.pull_request.base.sha = BASE_SHA;
    (payload.pull_request as Record<string, unknown>).author_association = "CONTRIBUTOR";
    (payload.pull_request as Record<string, unknown>).user = { login: "drive-by", id: 77, type: "User" };
    const guessed = `arn:aws:iam::${ACCOUNT}:role/guess-admin`;
    const world = worldOfPull(payload);
    const gh = mockScan(new GitHubFake(world), {
      files: deployPullFiles(world),
      workflows: { [DEPLOY_PATH]: DEPLOY_YML.replace(DEPLOY_ROLE, guessed) },
      review: true,
    })
      .collaboratorPermission("drive-by", "read")
      .workflows({ [DEPLOY_PATH]: DEPLOY_YML }, BASE_SHA);
    const iam = new IamFake(); // guess-admin must never be requested
    const { probot } = await createApp({ roles, now: clock.now });

    await deliver(probot, "pull_request", payload);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]);
    expect(iam.calls).toEqual([]);
    const done = gh.completed();
    expect(done.conclusion).toBe("failure");
    expect(done.output?.summary).toContain("has no write access");
    // Whether guess-admin exists is not said: it was never read.
    expect(done.output?.summary).not.toMatch(/NoSuchEntity|IAM has no role named|cannot be found/i);
  });
});

describe("pull requests closed mid-scan", () => {
  it("publish nothing: no verdict, no review; the run is cancelled, not left in progress", async () => {
    const payload = pullRequestEvent("opened");
    const world = worldOfPull(payload);
    const gh = new GitHubFake(world)
      .token()
      .createCheckRun()
      .pullFiles(deployPullFiles(world))
      .repository()
      .oidc()
      .workflows({ [DEPLOY_PATH]: DEPLOY_YML })
      .environments()
      .contentOf(null) // no configuration in the owner's .github repository either
      .pullHead(world.headSha, world.pullNumber, { state: "closed", merged: true })
      .updateCheckRun();
    const iam = new IamFake().getRole(DEPLOY_ROLE, PRODUCTION_POLICY);
    const { probot } = await createApp({ roles, now: clock.now });

    await deliver(probot, "pull_request", payload);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]);
    expect(gh.reviews).toEqual([]);
    expect(gh.completed()).toMatchObject({
      conclusion: "cancelled",
      output: { title: "Pull request merged during the scan" },
    });
  });
});

interface RepositoryEvent {
  action: string;
  repository: RepositoryPayload;
  installation?: { id: number; node_id: string };
}

describe("baselines of the default branch", () => {
  it("repository.renamed: the default branch's head is scanned and published as rolecall/baseline on that commit", async () => {
    const event = example<RepositoryEvent>(
      "repository",
      (p) => p.action === "renamed" && p.installation !== undefined,
    );
    const head = "1f2e3d4c5b6a79880123456789abcdef01234567";
    const world = worldOf(event, { token: TOKEN, headSha: head, pullNumber: 0 });
    const policy = MASTER_ONLY_POLICY; // trusts Codertocat/Hello-World: after the rename, nothing matches
    const gh = new GitHubFake(world)
      .token()
      .repository()
      .branchHead(world.defaultBranch, head)
      .createCheckRun()
      .repository()
      .oidc()
      .workflows(BOTH_WORKFLOWS, head)
      .environments()
      .contentOf(null) // no configuration in the owner's .github repository either
      .updateCheckRun();
    const iam = new IamFake().getRole(DEPLOY_ROLE, policy);
    const { probot } = await createApp({ roles, now: clock.now });

    await deliver(probot, "repository", event);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]);
    expect(gh.checkRunCreates[0]).toMatchObject({
      name: "rolecall/baseline",
      head_sha: head,
      external_id: "baseline",
    });
    expect(gh.completed().conclusion).toBe("failure");
    expect(gh.completed().output?.summary).toContain("repo:Octocoders/Hello-World");
  });

  it("installation_repositories.added: each new repository gets a baseline", async () => {
    const event = example<{
      action: string;
      installation: { id: number };
      repositories_added: { full_name: string; name: string; id: number }[];
      repository?: RepositoryPayload;
    }>("installation_repositories", (p) => p.action === "added");
    const head = "0a1b2c3d4e5f60718293a4b5c6d7e8f901234567";
    const added = event.repositories_added[0]!;
    const world = {
      ...worldOf(
        {
          repository: {
            id: added.id,
            name: added.name,
            full_name: added.full_name,
            private: false,
            owner: { login: "Codertocat", id: 21031067, type: "User" },
            default_branch: "main",
          },
          installation: event.installation,
        },
        { token: TOKEN, headSha: head, pullNumber: 0 },
      ),
    };
    const gh = new GitHubFake(world)
      .token()
      .repository()
      .branchHead("main", head)
      .createCheckRun()
      .repository()
      .oidc()
      .workflows({}, head) // no workflows yet: nothing to verify
      .environments()
      .contentOf(null) // no configuration in the owner's .github repository either
      .updateCheckRun();
    const { probot } = await createApp({ roles, now: clock.now });

    await deliver(probot, "installation_repositories", event);

    expectDone(gh);
    expect(unmatched.seen).toEqual([]);
    expect(gh.checkRunCreates[0]).toMatchObject({ name: "rolecall/baseline", head_sha: head });
    expect(gh.completed().conclusion).toBe("success");
  });
});

describe("periodic baseline (drift)", () => {
  it("checks each repository cheaply: a 304 on the default branch and unchanged policies publish nothing; a policy changed in AWS gets a new baseline", async () => {
    const payload = pullRequestEvent("opened");
    const head = "2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e";
    const world = worldOfPull(payload);
    const repos = [
      {
        id: world.repoId,
        name: world.repo,
        ownerLogin: world.owner,
        ownerId: world.ownerId,
        defaultBranch: world.defaultBranch,
      },
    ];
    let scheduler: BaselineScheduler | undefined;
    await createApp({
      roles,
      now: clock.now,
      baseline: { intervalMs: 24 * 3_600_000, paceMs: 0, onScheduler: (s) => (scheduler = s) },
    });
    const etag = `W/"${head.slice(0, 12)}"`;

    // 1. The first tick: no baseline yet, so one is scanned and published.
    const first = new GitHubFake({ ...world, headSha: head })
      .token()
      .installedRepositories(repos)
      .branchHead(world.defaultBranch, head, etag)
      .createCheckRun()
      .repository()
      .oidc()
      .workflows({ [DEPLOY_PATH]: DEPLOY_YML }, head)
      .environments()
      .contentOf(null) // no configuration in the owner's .github repository either
      .updateCheckRun();
    const iam = new IamFake().getRole(DEPLOY_ROLE, PRODUCTION_POLICY);
    expect(await scheduler!.tick()).toEqual({ checked: 1, scanned: 1 });
    expectDone(first, iam);
    expect(first.checkRunCreates[0]).toMatchObject({ name: "rolecall/baseline", head_sha: head });
    expect(first.completed().conclusion).toBe("success");

    // 2. Nothing changed: one conditional read (304) and the role re-read; nothing published.
    const second = new GitHubFake({ ...world, headSha: head })
      .installedRepositories(repos)
      .branchNotModified(world.defaultBranch, etag);
    iam.getRole(DEPLOY_ROLE, PRODUCTION_POLICY);
    expect(await scheduler!.tick()).toEqual({ checked: 1, scanned: 0 });
    expectDone(second, iam);
    expect(second.writes()).toEqual([]);

    // 3. Someone narrowed the trust policy in AWS (no GitHub event): a new baseline shows the deny.
    const narrowed = trustPolicy(ACCOUNT, [PRODUCTION_SUB.replace("production", "staging")]);
    const third = new GitHubFake({ ...world, headSha: head })
      .installedRepositories(repos)
      .branchNotModified(world.defaultBranch, etag)
      .branchNotModified(world.defaultBranch, etag)
      .createCheckRun()
      .repository()
      .oidc()
      .workflows({ [DEPLOY_PATH]: DEPLOY_YML }, head)
      .environments()
      .contentOf(null) // no configuration in the owner's .github repository either
      .updateCheckRun();
    iam.getRole(DEPLOY_ROLE, narrowed, 2);
    expect(await scheduler!.tick()).toEqual({ checked: 1, scanned: 1 });
    expectDone(third, iam);
    expect(third.completed().conclusion).toBe("failure");
    expect(unmatched.seen).toEqual([]);
  });
});
