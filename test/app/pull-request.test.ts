/**
 * The App on pull requests, end to end through a real Probot instance: the check run, the review,
 * re-scans, stale heads, redeliveries, repository configuration and the number of GitHub reads.
 */
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RoleReader } from "../../src/adapters/aws/index.js";
import type { RoleAccess } from "../../src/app/aws-access.js";
import {
  ACCOUNT,
  BOTH_WORKFLOWS,
  DEPLOY_PATCH,
  DEPLOY_PATH,
  DEPLOY_ROLE,
  DEPLOY_YML,
  deployPullFiles,
  ENVIRONMENT_LINE,
  expectCommentsOnDiff,
  expectDone,
  MARKER,
  MASTER_ONLY_POLICY,
  mockScan,
  modifiedPatch,
  NEXT_SHA,
  NIGHTLY_PATH,
  NIGHTLY_YML,
  PRODUCTION_POLICY,
  PRODUCTION_SUB,
  pullRequestEvent,
  ROLE_LINE,
  worldOfPull,
} from "./flows.js";
import {
  addedPatch,
  Clock,
  createApp,
  deliver,
  GitHubFake,
  IamFake,
  pullFile,
  roleAccess,
  Unmatched,
} from "./harness.js";

const unmatched = new Unmatched();
let clock: Clock;
let roles: RoleAccess;
let reader: RoleReader;

beforeAll(() => nock.disableNetConnect());
beforeEach(() => {
  unmatched.start();
  clock = new Clock();
  ({ roles, reader } = roleAccess(`codertocat=${ACCOUNT}`, clock));
});
afterEach(() => {
  unmatched.stop();
  reader.destroy();
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe("pull_request.opened touching a workflow", () => {
  it("starts the check run in progress, completes it failing with the sub and the decision table, and reviews the diff lines only", async () => {
    const payload = pullRequestEvent("opened");
    const world = worldOfPull(payload);
    const gh = mockScan(new GitHubFake(world), {
      files: deployPullFiles(world),
      workflows: BOTH_WORKFLOWS,
      review: true,
    });
    const iam = new IamFake().getRole(DEPLOY_ROLE, MASTER_ONLY_POLICY);
    const { probot } = await createApp({ roles, now: clock.now });

    await deliver(probot, "pull_request", payload);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]);
    // Once the files show a relevant change the check run appears, in progress; it is completed
    // before the review is posted.
    const repo = "/repos/Codertocat/Hello-World";
    expect(gh.writes().map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST ${repo}/check-runs`,
      `PATCH ${repo}/check-runs/4`,
      `POST ${repo}/pulls/2/reviews`,
    ]);
    expect(gh.requests[0]).toMatchObject({ method: "GET", path: `${repo}/pulls/2/files?per_page=100` });
    expect(gh.requests[1]).toMatchObject({ method: "POST", path: `${repo}/check-runs` });
    // Octokit's production throttle: writes and GraphQL requests (one lane) at least a second apart,
    // and the workflows and configuration come in one GraphQL request.
    const lane = gh.requests.filter((r) => r.method !== "GET");
    expect(lane.map((r) => `${r.method} ${r.path}`)).toEqual([
      `POST ${repo}/check-runs`,
      "POST /graphql",
      `PATCH ${repo}/check-runs/4`,
      `POST ${repo}/pulls/2/reviews`,
    ]);
    // (Bottleneck spaces the slots by 1 s; a request reaches GitHub a little after its slot.)
    for (let i = 1; i < lane.length; i++)
      expect(lane[i]!.at - lane[i - 1]!.at, `${lane[i]!.path} spaced`).toBeGreaterThanOrEqual(700);
    expect(lane.at(-1)!.at - lane[0]!.at).toBeGreaterThanOrEqual((lane.length - 1) * 1000 - 250);
    expect(gh.checkRunCreates).toEqual([
      {
        name: "rolecall",
        head_sha: world.headSha,
        external_id: `pr:${world.pullNumber}`,
        status: "in_progress",
        output: { title: expect.any(String), summary: expect.any(String) },
      },
    ]);

    const done = gh.completed();
    expect(done.conclusion).toBe("failure"); // a high finding, default fail-on high
    expect(done.output?.title).toBe("1 finding at or above high");
    const summary = done.output?.summary ?? "";
    expect(summary).toContain("- ❌ **`deploy`** → `hello-deploy`: denied");
    expect(summary).toContain(`**\`deploy\`** → \`hello-deploy\` · \`${DEPLOY_PATH}:`);
    expect(summary).toContain("| Decision | Run | `sub` |");
    expect(summary).toContain(
      `| ❌\u00a0deny\u00a0<sup>1</sup> | \`push\` \`refs/heads/master\` env \`production\` | \`${PRODUCTION_SUB}\` |`,
    );
    expect(summary).toContain("sub-not-trusted");
    // The suggested policy admits exactly the subject the job presents.
    expect(done.output?.text).toContain(`"token.actions.githubusercontent.com:sub": "${PRODUCTION_SUB}"`);

    // Annotations on workflow lines.
    const annotations = done.output?.annotations ?? [];
    expect(annotations).toContainEqual(
      expect.objectContaining({
        path: DEPLOY_PATH,
        start_line: ENVIRONMENT_LINE,
        end_line: ENVIRONMENT_LINE,
        annotation_level: "failure",
        title: expect.stringMatching(/^sub-not-trusted: /),
      }),
    );
    expect(annotations).toContainEqual(
      expect.objectContaining({ path: NIGHTLY_PATH, title: expect.stringMatching(/^static-aws-keys: /) }),
    );
    for (const a of annotations) expect(a.path).toMatch(/^\.github\/workflows\/[a-z]+\.yml$/);

    // The review: inline comments only on lines of the diff, each ending with its fingerprint.
    expect(gh.reviews).toHaveLength(1);
    const review = gh.reviews[0]!;
    expect(review).toMatchObject({ commit_id: world.headSha, event: "COMMENT" });
    expect(review.comments).toEqual([
      expect.objectContaining({ path: DEPLOY_PATH, line: ENVIRONMENT_LINE, side: "RIGHT" }),
    ]);
    expectCommentsOnDiff(review.comments, { [DEPLOY_PATH]: DEPLOY_PATCH });
    for (const c of review.comments) expect(c.body).toMatch(MARKER);
    expect(review.comments[0]!.body).toContain("sub-not-trusted");
    expect(review.comments[0]!.body).toContain(PRODUCTION_SUB);
    // Findings elsewhere (an unchanged workflow, a line outside the hunk) are in the review body.
    expect(review.body).toContain(`\`${NIGHTLY_PATH}:13\``);
    expect(review.body).toContain("static-aws-keys");
    expect(review.body).toContain(`\`${DEPLOY_PATH}:${ROLE_LINE}\``);
    expect(review.body).toContain("trust-name-based-subject");
    expect(review.body).toMatch(/<!-- rolecall:fps=[0-9a-f]+,[0-9a-f]+ -->$/);
  });

  it("passes an irrelevant pull request (README only) with one write, a check run created completed, and reads nothing else", async () => {
    const payload = pullRequestEvent("opened");
    const world = worldOfPull(payload);
    const gh = new GitHubFake(world)
      .token()
      .createCheckRun()
      .pullFiles([pullFile(world, "README.md", "@@ -1 +1 @@\n-Hello World\n+Hello World!")]);
    const iam = new IamFake();
    const { probot } = await createApp({ roles, now: clock.now });

    await deliver(probot, "pull_request", payload);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]);
    expect(gh.checkRunCreates).toEqual([
      expect.objectContaining({
        name: "rolecall",
        head_sha: world.headSha,
        external_id: `pr:${world.pullNumber}`,
        status: "completed",
        conclusion: "success",
        output: expect.objectContaining({ title: "No deploy configuration changed" }),
      }),
    ]);
    // Nothing else was read: no GraphQL, no repository facts, no AWS; one write.
    expect(gh.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      "GET /repos/Codertocat/Hello-World/pulls/2/files?per_page=100",
      "POST /repos/Codertocat/Hello-World/check-runs",
    ]);
    expect(iam.calls).toEqual([]);
  });

  it("stays quiet on a draft pull request", async () => {
    const payload = pullRequestEvent("opened");
    payload.pull_request.draft = true;
    const { probot } = await createApp({ roles, now: clock.now });
    await deliver(probot, "pull_request", payload);
    expect(unmatched.seen).toEqual([]);
  });
});

describe("re-scans", () => {
  /** The first scan of the main story; returns what it posted, as GitHub would list it. */
  async function firstScan() {
    const payload = pullRequestEvent("opened");
    const world = worldOfPull(payload);
    const gh = mockScan(new GitHubFake(world), {
      files: deployPullFiles(world),
      workflows: BOTH_WORKFLOWS,
      review: true,
    });
    const iam = new IamFake().getRole(DEPLOY_ROLE, MASTER_ONLY_POLICY);
    const app = await createApp({ roles, now: clock.now });
    await deliver(app.probot, "pull_request", payload);
    expectDone(gh, iam);
    const posted = gh.reviews[0]!;
    const existing: Parameters<GitHubFake["existing"]> = [
      posted.comments.map((c, i) => ({ id: 1001 + i, path: c.path, line: c.line, body: c.body })),
      [{ id: 80, body: posted.body }],
    ];
    return { app, existing, posted };
  }

  it("does not repeat a finding already posted (markers in review comments and review bodies)", async () => {
    const { app, existing } = await firstScan();
    const payload = pullRequestEvent("synchronize", NEXT_SHA);
    const world = worldOfPull(payload);
    const gh = mockScan(new GitHubFake(world), {
      token: false, // Probot keeps the installation token
      files: deployPullFiles(world),
      workflows: BOTH_WORKFLOWS,
      existing,
      review: false,
    });
    const iam = new IamFake(); // the role comes from the cache within its TTL

    await deliver(app.probot, "pull_request", payload);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]); // in particular: no second review
    expect(gh.reviews).toEqual([]);
    expect(gh.completed().conclusion).toBe("failure");
    expect(iam.calls).toEqual([]);
  });

  it("resolves the thread of an inline finding that was fixed", async () => {
    const { app, existing, posted } = await firstScan();
    expect(posted.comments.map((c) => c.path)).toEqual([DEPLOY_PATH]); // sub-not-trusted, inline
    // The role's trust policy was fixed in AWS; a re-run after the cache expired reads it again.
    clock.ms += 6 * 60_000;
    const payload = pullRequestEvent("synchronize", NEXT_SHA);
    const world = worldOfPull(payload);
    const gh = mockScan(new GitHubFake(world), {
      token: false,
      files: deployPullFiles(world),
      workflows: BOTH_WORKFLOWS,
      existing,
      review: true,
    }).resolveThread("PRRT_1001");
    const iam = new IamFake().getRole(DEPLOY_ROLE, PRODUCTION_POLICY);

    await deliver(app.probot, "pull_request", payload);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]);
    expect(gh.resolved).toEqual(["PRRT_1001"]);
    expect(gh.reviews[0]!.body).toContain("✅ **Fixed:** 1 finding");
  });

  it("reports a finding that is gone as fixed, and posts no inline comment again", async () => {
    const { app, existing } = await firstScan();
    // The second commit deletes the nightly workflow that used long-lived keys.
    const payload = pullRequestEvent("synchronize", NEXT_SHA);
    const world = worldOfPull(payload);
    const removed = NIGHTLY_YML.replace(/\n$/, "")
      .split("\n")
      .map((l) => `-${l}`);
    const gh = mockScan(new GitHubFake(world), {
      token: false,
      files: [
        ...deployPullFiles(world),
        pullFile(world, NIGHTLY_PATH, [`@@ -1,${removed.length} +0,0 @@`, ...removed].join("\n"), "removed"),
      ],
      workflows: { [DEPLOY_PATH]: DEPLOY_YML },
      existing,
      review: true,
    });

    await deliver(app.probot, "pull_request", payload);

    expectDone(gh);
    expect(unmatched.seen).toEqual([]);
    expect(gh.reviews).toHaveLength(1);
    const review = gh.reviews[0]!;
    expect(review.comments).toEqual([]);
    expect(review.body).toContain("✅ **Fixed:** 1 finding from an earlier review is no longer reported.");
    expect(review.body).toContain("2 findings from earlier reviews are still open.");
  });
});

describe("reviews that stay tidy", () => {
  it("one anchor GitHub refuses (422) falls back to the body for that finding; the others stay inline", async () => {
    const payload = pullRequestEvent("opened");
    const world = worldOfPull(payload);
    const patch = modifiedPatch(DEPLOY_YML, [ENVIRONMENT_LINE, ROLE_LINE]);
    const gh = mockScan(new GitHubFake(world), {
      files: [pullFile(world, DEPLOY_PATH, patch)],
      workflows: { [DEPLOY_PATH]: DEPLOY_YML },
    }).createReviewRefusing([ROLE_LINE], 4);
    const iam = new IamFake().getRole(DEPLOY_ROLE, MASTER_ONLY_POLICY);
    const { probot } = await createApp({ roles, now: clock.now });

    await deliver(probot, "pull_request", payload);

    expect(unmatched.seen).toEqual([]);
    expect(iam.done()).toBe(true);
    // Posted: the comment GitHub takes, inline; then the refused finding in a body.
    const inline = gh.reviews.flatMap((r) => r.comments);
    expect(inline.map((c) => c.line)).toEqual([ENVIRONMENT_LINE]);
    const bodies = gh.reviews.map((r) => r.body).join("\n");
    expect(bodies).toContain(`\`${DEPLOY_PATH}:${ROLE_LINE}\``);
    expect(bodies).toContain("trust-name-based-subject");
  });

  it("two scans of one pull request at once never post the same comment twice", async () => {
    const payload = pullRequestEvent("opened");
    const world = worldOfPull(payload);
    const gh = new GitHubFake(world)
      .token()
      .pullFiles(deployPullFiles(world))
      .pullFiles(deployPullFiles(world))
      .createCheckRun()
      .createCheckRun(5)
      .repository()
      .repository()
      .oidc()
      .oidc()
      .workflows(BOTH_WORKFLOWS, world.headSha, undefined, 2)
      .environments()
      .environments()
      .contentOf(null)
      .contentOf(null)
      .pullHead(world.headSha, world.pullNumber, { times: 2 })
      .updateCheckRun(4)
      .updateCheckRun(5)
      .existingFromPosted(2)
      .reviewThreads([])
      .createReview();
    const iam = new IamFake().getRole(DEPLOY_ROLE, MASTER_ONLY_POLICY);
    const { probot } = await createApp({ roles, now: clock.now });

    // A push's scan and a redelivery of it (another replica's retry, a Re-run) arrive together.
    const again = structuredClone(payload);
    again.action = "synchronize";
    await Promise.all([deliver(probot, "pull_request", payload), deliver(probot, "pull_request", again)]);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]);
    expect(gh.reviews).toHaveLength(1); // the second scan found the first one's markers
  });
});

describe("stale work and redeliveries", () => {
  it("publishes nothing but a cancelled 'Superseded' check run (never a passing one) when a newer commit was pushed", async () => {
    const payload = pullRequestEvent("opened");
    const world = worldOfPull(payload);
    const gh = mockScan(new GitHubFake(world), {
      files: deployPullFiles(world),
      workflows: BOTH_WORKFLOWS,
      headNow: NEXT_SHA,
      review: false,
    });
    const iam = new IamFake().getRole(DEPLOY_ROLE, MASTER_ONLY_POLICY);
    const { probot } = await createApp({ roles, now: clock.now });

    await deliver(probot, "pull_request", payload);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]); // no review
    expect(gh.reviews).toEqual([]);
    expect(gh.checkRunUpdates).toHaveLength(1);
    expect(gh.completed()).toMatchObject({
      conclusion: "cancelled",
      output: { title: "Superseded", summary: expect.stringContaining(NEXT_SHA.slice(0, 7)) },
    });
    expect(gh.completed().output?.annotations).toBeUndefined();
  });

  it("handles a redelivered webhook (same delivery id) once", async () => {
    const payload = pullRequestEvent("opened");
    const world = worldOfPull(payload);
    const gh = mockScan(new GitHubFake(world), {
      files: deployPullFiles(world),
      workflows: BOTH_WORKFLOWS,
      review: true,
    });
    const iam = new IamFake().getRole(DEPLOY_ROLE, MASTER_ONLY_POLICY);
    const { probot } = await createApp({ roles, now: clock.now });

    const id = "72d3162e-cc78-11e3-81ab-4c9367dc0958";
    await deliver(probot, "pull_request", payload, id);
    const after = gh.requests.length;
    await deliver(probot, "pull_request", structuredClone(payload), id);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]);
    expect(gh.requests).toHaveLength(after);
    expect(gh.checkRunCreates).toHaveLength(1);
    expect(gh.reviews).toHaveLength(1);
  });
});

describe("redelivery after a failure", () => {
  it("scans when GitHub redelivers a delivery whose first attempt published nothing", async () => {
    // The first attempt gets no token, so no check run, nothing posted. Redelivering
    // a failed delivery (GitHub's "Redeliver" button, or an automatic retry) is how it is recovered.
    const payload = pullRequestEvent("opened");
    const world = worldOfPull(payload);
    // A refusal Octokit does not retry (the installation was suspended for a while; a 5xx would be
    // retried first, faults.test.ts): the files cannot be read, nor the failed check run created.
    const outage = new GitHubFake(world).tokenFails(403, 2);
    const { probot } = await createApp({ roles, now: clock.now });
    const id = "9c4b5f0e-cc78-11e3-81ab-4c9367dc0958";
    await deliver(probot, "pull_request", payload, id).catch(() => undefined);
    expectDone(outage);
    expect(outage.checkRunCreates).toEqual([]);

    const gh = mockScan(new GitHubFake(world), {
      files: deployPullFiles(world),
      workflows: BOTH_WORKFLOWS,
      review: true,
    });
    const iam = new IamFake().getRole(DEPLOY_ROLE, MASTER_ONLY_POLICY);
    await deliver(probot, "pull_request", structuredClone(payload), id);

    expect(gh.checkRunCreates).toHaveLength(1);
    expectDone(gh, iam);
    expect(gh.completed().conclusion).toBe("failure");
  });
});

describe(".github/rolecall.yml", () => {
  it("reads fail-on from the default branch: `fail-on: critical` turns the high finding into a pass", async () => {
    const payload = pullRequestEvent("opened");
    const world = worldOfPull(payload);
    const gh = mockScan(new GitHubFake(world), {
      files: deployPullFiles(world),
      workflows: BOTH_WORKFLOWS,
      defaultConfig: { ".github/rolecall.yml": "fail-on: critical\n" },
      review: true,
    });
    const iam = new IamFake().getRole(DEPLOY_ROLE, MASTER_ONLY_POLICY);
    const { probot } = await createApp({ roles, now: clock.now });

    await deliver(probot, "pull_request", payload);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]);
    const done = gh.completed();
    expect(done.conclusion).toBe("success");
    expect(done.output?.summary).toContain("nothing at or above `critical`");
    expect(done.output?.summary).toContain("sub-not-trusted"); // still reported, below the threshold
  });

  it("falls back to the owner's .github repository, as Probot's config plugin does", async () => {
    const payload = pullRequestEvent("opened");
    const world = worldOfPull(payload);
    const gh = mockScan(new GitHubFake(world), {
      files: deployPullFiles(world),
      workflows: BOTH_WORKFLOWS,
      orgConfig: "fail-on: critical\nreview: off\n",
      listed: false, // review: off
    });
    const iam = new IamFake().getRole(DEPLOY_ROLE, MASTER_ONLY_POLICY);
    const { probot } = await createApp({ roles, now: clock.now });

    await deliver(probot, "pull_request", payload);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]);
    expect(gh.completed().conclusion).toBe("success"); // the organisation's fail-on applies
    expect(gh.reviews).toEqual([]); // and its review: off
  });

  it("follows _extends: the repository's file is merged over the one it names", async () => {
    const payload = pullRequestEvent("opened");
    const world = worldOfPull(payload);
    const gh = mockScan(new GitHubFake(world), {
      files: deployPullFiles(world),
      workflows: BOTH_WORKFLOWS,
      defaultConfig: { ".github/rolecall.yml": "_extends: platform-config\nreview: off\n" },
      listed: false, // review: off
    }).contentOf("fail-on: critical\nreview: comments\n", "platform-config");
    const iam = new IamFake().getRole(DEPLOY_ROLE, MASTER_ONLY_POLICY);
    const { probot } = await createApp({ roles, now: clock.now });

    await deliver(probot, "pull_request", payload);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]);
    expect(gh.completed().conclusion).toBe("success"); // fail-on: critical from platform-config
    expect(gh.reviews).toEqual([]); // review: off from the repository wins
    expect(gh.completed().output?.summary).not.toContain("config-invalid"); // _extends is a known key
  });

  it("validates the pull request's version: an invalid key is a located config-invalid finding and the check is not success", async () => {
    const payload = pullRequestEvent("opened");
    const world = worldOfPull(payload);
    const config = "fail-on: high\nreveiw: summary\n";
    const gh = mockScan(new GitHubFake(world), {
      files: [pullFile(world, ".github/rolecall.yml", addedPatch(config), "added")],
      workflows: { [DEPLOY_PATH]: DEPLOY_YML },
      headConfig: { ".github/rolecall.yml": config },
      review: true,
    });
    // A policy that admits the deploy: the configuration is the only problem.
    const iam = new IamFake().getRole(DEPLOY_ROLE, PRODUCTION_POLICY);
    const { probot } = await createApp({ roles, now: clock.now });

    await deliver(probot, "pull_request", payload);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]);
    const done = gh.completed();
    expect(done.conclusion).toBe("failure"); // incomplete fails closed
    expect(done.output?.title).toMatch(/^Incomplete: .*re-run$/);
    expect(done.output?.summary).toContain("config-invalid");
    expect(done.output?.summary).toContain("reveiw");
    expect(done.output?.annotations).toContainEqual(
      expect.objectContaining({
        path: ".github/rolecall.yml",
        start_line: 2,
        title: expect.stringMatching(/^config-invalid: /),
      }),
    );
    // The changed line gets the comment.
    expect(gh.reviews[0]?.comments).toContainEqual(
      expect.objectContaining({ path: ".github/rolecall.yml", line: 2, body: expect.stringMatching(MARKER) }),
    );
  });
});

describe("large reports", () => {
  it("sends more than 50 annotations in batches of 50 and caps inline comments at 50", async () => {
    const payload = pullRequestEvent("opened");
    const world = worldOfPull(payload);
    const workflows: Record<string, string> = {};
    for (let i = 1; i <= 51; i++) workflows[`.github/workflows/deploy-${i}.yml`] = DEPLOY_YML;
    const gh = mockScan(new GitHubFake(world), {
      files: Object.entries(workflows).map(([p, t]) => pullFile(world, p, addedPatch(t), "added")),
      workflows,
      review: true,
    });
    gh.updateCheckRun(); // the second annotation batch
    const iam = new IamFake().getRole(DEPLOY_ROLE, MASTER_ONLY_POLICY);
    const { probot } = await createApp({ roles, now: clock.now });

    await deliver(probot, "pull_request", payload);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]);
    // 51 denied jobs and the role's name-based subject: 52 annotations.
    expect(gh.checkRunUpdates.map((u) => u.output?.annotations?.length)).toEqual([50, 2]);
    expect(gh.checkRunUpdates[0]).toMatchObject({ status: "completed", conclusion: "failure" });
    // A batch repeats the title and summary (the Checks API requires them) and does not reopen the run.
    expect(gh.checkRunUpdates[1]!.output?.summary).toBe(gh.checkRunUpdates[0]!.output?.summary);
    expect(gh.checkRunUpdates[1]!.status).toBeUndefined();
    const review = gh.reviews[0]!;
    expect(review.comments).toHaveLength(50);
    // The most severe inline: 50 of the 51 denials; the last denial and the low finding in the body.
    expect(review.comments.filter((c) => c.body.includes("sub-not-trusted"))).toHaveLength(50);
    expect(review.body).toContain("trust-name-based-subject");
    expect(review.body).toContain("and 2 elsewhere");
  });
});

describe("request count", () => {
  it("reads a pull request touching 20 workflows in a bounded number of GitHub requests", async () => {
    const payload = pullRequestEvent("opened");
    const world = worldOfPull(payload);
    const workflows: Record<string, string> = {};
    for (let i = 1; i <= 20; i++)
      workflows[`.github/workflows/deploy-${i}.yml`] = DEPLOY_YML.replace("Deploy", `Deploy ${i}`).replace(
        "role/hello-deploy",
        `role/hello-deploy-${i}`,
      );
    const gh = mockScan(new GitHubFake(world), {
      files: Object.entries(workflows).map(([p, t]) => pullFile(world, p, addedPatch(t), "added")),
      workflows,
      review: true,
    });
    const iam = new IamFake();
    for (let i = 1; i <= 20; i++) iam.getRole(`${DEPLOY_ROLE}-${i}`, PRODUCTION_POLICY);
    const { probot } = await createApp({ roles, now: clock.now });

    await deliver(probot, "pull_request", payload);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]);
    const reads = gh.reads().map((r) => `${r.method} ${r.path}`);
    // DESIGN §8 targets ≤ 6 GitHub requests per scan. Measured: 9 reads (PR files, repository, OIDC
    // customization, workflows and configuration (one GraphQL), the owner's .github configuration
    // (none in the repository), environments, review comments, reviews, pull request head), all of
    // them fixed in number: none grows with the workflows.
    expect(reads).toHaveLength(9);
    expect(reads.filter((r) => r.endsWith("/graphql"))).toHaveLength(1);
    // Writes: the check run created in progress, completed, and the review (20 low findings inline).
    expect(gh.writes().map((r) => r.method)).toEqual(["POST", "PATCH", "POST"]);
    // IAM calls = distinct roles not in the cache.
    expect(new Set(iam.calls).size).toBe(20);
    expect(iam.calls).toHaveLength(20);
    expect(gh.completed().conclusion).toBe("success");
  });
});
