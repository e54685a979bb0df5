/**
 * Re-scans asked for by people: the `/rolecall` slash command in a pull request comment, and the
 * "Re-run" buttons of the Checks UI (check_run.rerequested, check_suite.rerequested).
 */
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RoleReader } from "../../src/adapters/aws/index.js";
import { HELP_TEXT } from "../../src/app/app.js";
import type { RoleAccess } from "../../src/app/aws-access.js";
import {
  ACCOUNT,
  BOTH_WORKFLOWS,
  commentEvent,
  DEPLOY_ROLE,
  deployPullFiles,
  expectDone,
  MASTER_ONLY_POLICY,
  mockScan,
  NEXT_SHA,
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
  type IssueCommentEvent,
  roleAccess,
  type TestApp,
  Unmatched,
  type World,
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
  ({ roles, reader } = roleAccess(`codertocat=${ACCOUNT};github=${ACCOUNT}`, clock));
});
afterEach(() => {
  unmatched.stop();
  reader.destroy();
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

/** The world of pull request #2 of Codertocat/Hello-World (the comment examples' repository). */
function pullWorld(headSha?: string): World {
  return worldOfPull(pullRequestEvent("opened", headSha));
}

describe("/rolecall rescan", () => {
  it("from a user with write access: 👀, then a scan that re-reads AWS even within the cache TTL", async () => {
    const app = await createApp({ roles, now: clock.now });
    const world = pullWorld();
    // 1. The pull request is opened: the role is read and cached.
    const opened = mockScan(new GitHubFake(world), {
      files: deployPullFiles(world),
      workflows: BOTH_WORKFLOWS,
      review: true,
    });
    const iam = new IamFake().getRole(DEPLOY_ROLE, MASTER_ONLY_POLICY);
    await deliver(app.probot, "pull_request", pullRequestEvent("opened"));
    expectDone(opened, iam);
    expect(iam.calls).toEqual(["hello-deploy"]);

    // 2. A push a minute later: the role comes from the cache.
    clock.ms += 60_000;
    const pushed = pullWorld(NEXT_SHA);
    const existing: Parameters<GitHubFake["existing"]> = [
      opened.reviews[0]!.comments.map((c, i) => ({ id: 1001 + i, path: c.path, line: c.line, body: c.body })),
      [{ id: 80, body: opened.reviews[0]!.body }],
    ];
    const sync = mockScan(new GitHubFake(pushed), {
      token: false,
      files: deployPullFiles(pushed),
      workflows: BOTH_WORKFLOWS,
      existing,
    });
    await deliver(app.probot, "pull_request", pullRequestEvent("synchronize", NEXT_SHA));
    expectDone(sync, iam);
    expect(iam.calls).toEqual(["hello-deploy"]);

    // 3. `/rolecall rescan` another minute later (still within the 5-minute TTL): AWS is read again.
    clock.ms += 60_000;
    const event = commentEvent("/rolecall rescan");
    const gh = new GitHubFake(pushed)
      .collaboratorPermission(event.sender.login, "write")
      .reaction(event.comment.id)
      .pullHead(NEXT_SHA);
    mockScan(gh, {
      token: false,
      files: deployPullFiles(pushed),
      workflows: BOTH_WORKFLOWS,
      existing,
    });
    iam.getRole(DEPLOY_ROLE, MASTER_ONLY_POLICY);

    await deliver(app.probot, "issue_comment", event);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]);
    expect(iam.calls).toEqual(["hello-deploy", "hello-deploy"]);
    expect(gh.reactions).toEqual([{ content: "eyes" }]);
    // Acknowledged before the scan starts.
    const order = gh.requests.map((r) => `${r.method} ${r.path.replace(/\?.*$/, "")}`);
    expect(order.indexOf(`POST ${gh.repoPath}/issues/comments/${event.comment.id}/reactions`)).toBeLessThan(
      order.indexOf(`POST ${gh.repoPath}/check-runs`),
    );
    expect(gh.checkRunCreates[0]?.head_sha).toBe(NEXT_SHA);
    expect(gh.completed().conclusion).toBe("failure");
  });

  it("from a user with read access: a polite answer and no scan", async () => {
    const { probot } = await createApp({ roles, now: clock.now });
    const event = commentEvent("/rolecall rescan");
    const gh = new GitHubFake(pullWorld())
      .token()
      .collaboratorPermission(event.sender.login, "read")
      .issueComment(2);
    const iam = new IamFake();

    await deliver(probot, "issue_comment", event);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]); // no reaction, no check run
    expect(gh.issueComments).toHaveLength(1);
    const body = gh.issueComments[0]!.body;
    expect(body).toContain(`@${event.sender.login}`);
    expect(body).toContain("only people with write access to this repository can ask rolecall to rescan");
    expect(gh.checkRunCreates).toEqual([]);
    expect(iam.calls).toEqual([]);
  });

  it("ignores a comment by a bot: no request at all", async () => {
    const { probot } = await createApp({ roles, now: clock.now });
    const event = commentEvent("/rolecall rescan");
    event.sender.type = "Bot";
    event.sender.login = "dependabot[bot]";
    event.comment.user.type = "Bot";
    event.comment.user.login = "dependabot[bot]";
    const gh = new GitHubFake(pullWorld());

    await deliver(probot, "issue_comment", event);

    expectDone(gh);
    expect(unmatched.seen).toEqual([]);
    expect(gh.requests).toEqual([]);
  });

  it("ignores the command on an issue that is not a pull request", async () => {
    const { probot } = await createApp({ roles, now: clock.now });
    const event = commentEvent("/rolecall rescan", { onPull: false });
    expect(event.issue.pull_request).toBeUndefined();
    const gh = new GitHubFake(pullWorld());

    await deliver(probot, "issue_comment", event);

    expectDone(gh);
    expect(unmatched.seen).toEqual([]);
    expect(gh.requests).toEqual([]);
  });

  it("ignores edits (issue_comment.edited)", async () => {
    const { probot } = await createApp({ roles, now: clock.now });
    const created = commentEvent("/rolecall rescan");
    const event = example<IssueCommentEvent>("issue_comment", (p) => p.action === "edited");
    event.comment.body = "/rolecall rescan";
    event.issue.number = 2;
    event.issue.pull_request = created.issue.pull_request;
    event.installation = created.installation;
    const gh = new GitHubFake(pullWorld());

    await deliver(probot, "issue_comment", event);

    expectDone(gh);
    expect(unmatched.seen).toEqual([]);
    expect(gh.requests).toEqual([]);
  });

  it("answers /rolecall help with the help text", async () => {
    const { probot } = await createApp({ roles, now: clock.now });
    const gh = new GitHubFake(pullWorld()).token().issueComment(2);

    await deliver(probot, "issue_comment", commentEvent("/rolecall help"));

    expectDone(gh);
    expect(unmatched.seen).toEqual([]);
    expect(gh.issueComments).toEqual([{ body: HELP_TEXT }]);
  });

  it("answers an unknown command with the help text, and ignores comments that are not commands", async () => {
    const { probot } = await createApp({ roles, now: clock.now });
    const gh = new GitHubFake(pullWorld()).token().issueComment(2);

    await deliver(probot, "issue_comment", commentEvent("/rolecall scna"));
    await deliver(probot, "issue_comment", commentEvent("LGTM, thanks! Will /rolecall later maybe"));

    expectDone(gh);
    expect(unmatched.seen).toEqual([]);
    expect(gh.issueComments).toHaveLength(1);
    expect(gh.issueComments[0]!.body).toContain("rolecall does not know `scna`");
    expect(gh.issueComments[0]!.body).toContain(HELP_TEXT);
  });
});

describe("re-runs from the Checks UI", () => {
  async function rescanWithWarmCache(app: TestApp) {
    // Warm the cache with the pull request's first scan.
    const world = pullWorld();
    const gh = mockScan(new GitHubFake(world), {
      files: deployPullFiles(world),
      workflows: BOTH_WORKFLOWS,
      review: true,
    });
    const iam = new IamFake().getRole(DEPLOY_ROLE, MASTER_ONLY_POLICY);
    await deliver(app.probot, "pull_request", pullRequestEvent("opened"));
    expectDone(gh, iam);
    return {
      iam,
      existing: [
        gh.reviews[0]!.comments.map((c, i) => ({ id: 1001 + i, path: c.path, line: c.line, body: c.body })),
        [{ id: 80, body: gh.reviews[0]!.body }],
      ] as Parameters<GitHubFake["existing"]>,
    };
  }

  it("check_run.rerequested on the rolecall check re-scans the pull request, re-reading AWS", async () => {
    const event = example<CheckRunEvent>("check_run", (p) => p.action === "rerequested");
    const pr = example<CheckRunEvent>("check_run", (p) => p.action === "created").check_run.pull_requests[0]!;
    event.check_run.name = "rolecall";
    event.check_run.pull_requests = [pr];
    const world = worldOf(event, { token: TOKEN, headSha: event.check_run.head_sha, pullNumber: 2 });
    expect(world.owner).toBe("github");
    const app = await createApp({ roles, now: clock.now });
    // Same installation (1) as the first scan's repository, so its token is cached.
    const { iam } = await rescanWithWarmCache(app);
    const gh = mockScan(new GitHubFake(world), {
      token: false,
      files: [],
      workflows: BOTH_WORKFLOWS,
      review: true,
    }).pullHead(); // the pull request's current head, read first
    iam.getRole(DEPLOY_ROLE, MASTER_ONLY_POLICY);

    await deliver(app.probot, "check_run", event);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]);
    expect(iam.calls).toHaveLength(2); // the cache was bypassed
    expect(gh.checkRunCreates[0]).toMatchObject({
      head_sha: event.check_run.head_sha,
      status: "in_progress",
    });
    expect(gh.completed().conclusion).toBe("failure");
  });

  it("ignores check_run.rerequested for another App's check", async () => {
    const event = example<CheckRunEvent>("check_run", (p) => p.action === "rerequested");
    event.check_run.pull_requests = example<CheckRunEvent>(
      "check_run",
      (p) => p.action === "created",
    ).check_run.pull_requests;
    expect(event.check_run.name).not.toBe("rolecall");
    const { probot } = await createApp({ roles, now: clock.now });
    await deliver(probot, "check_run", event);
    expect(unmatched.seen).toEqual([]);
  });

  it("check_suite.rerequested re-scans the suite's pull request, re-reading AWS", async () => {
    const event = example<CheckSuiteEvent>(
      "check_suite",
      (p) =>
        p.action === "rerequested" &&
        (p.check_suite as { pull_requests: unknown[] }).pull_requests.length > 0,
    );
    const app = await createApp({ roles, now: clock.now });
    const { iam, existing } = await rescanWithWarmCache(app);
    const world = worldOf(event, {
      token: "ghs_SuiteInstallationToken0000000000000",
      headSha: event.check_suite.head_sha,
      pullNumber: 2,
    });
    expect(world.installationId).toBe(957387);
    const gh = mockScan(new GitHubFake(world), {
      files: deployPullFiles(world),
      workflows: BOTH_WORKFLOWS,
      existing,
    }).pullHead(); // the pull request's current head, read first
    iam.getRole(DEPLOY_ROLE, MASTER_ONLY_POLICY);

    await deliver(app.probot, "check_suite", event);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]);
    expect(iam.calls).toHaveLength(2);
    expect(gh.completed().conclusion).toBe("failure");
    expect(gh.reviews).toEqual([]); // nothing new to say
  });
});
