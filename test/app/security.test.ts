/**
 * Security: webhook signatures verified end to end through Probot's HTTP middleware; logs that never
 * carry the installation token, the App's private key or a whole trust policy; and one repository's
 * data never reaching another repository's pull request.
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sign } from "@octokit/webhooks-methods";
import nock from "nock";
import { createNodeMiddleware } from "probot";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RoleReader } from "../../src/adapters/aws/index.js";
import type { RoleAccess } from "../../src/app/aws-access.js";
import { rfc3986 } from "../adapters/aws/aws-wire.js";
import {
  ACCOUNT,
  BOTH_WORKFLOWS,
  commentEvent,
  DEPLOY_PATH,
  DEPLOY_ROLE,
  DEPLOY_YML,
  deployPullFiles,
  expectDone,
  MASTER_ONLY_POLICY,
  mockScan,
  pullRequestEvent,
  TOKEN,
  worldOfPull,
} from "./flows.js";
import {
  addedPatch,
  appFunction,
  Clock,
  createApp,
  createProbot,
  deliver,
  GitHubFake,
  IamFake,
  PRIVATE_KEY,
  PRIVATE_KEY_BODY,
  pullFile,
  roleAccess,
  trustPolicy,
  Unmatched,
  WEBHOOK_SECRET,
} from "./harness.js";

const unmatched = new Unmatched();
let clock: Clock;
let roles: RoleAccess;
let reader: RoleReader;

beforeAll(() => nock.disableNetConnect());
beforeEach(() => {
  unmatched.start();
  clock = new Clock();
  ({ roles, reader } = roleAccess(`codertocat=${ACCOUNT};octo-org=444455556666`, clock));
});
afterEach(() => {
  unmatched.stop();
  reader.destroy();
  nock.cleanAll();
  nock.disableNetConnect();
});
afterAll(() => nock.enableNetConnect());

describe("webhook signatures, through the HTTP middleware", () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server = undefined;
  });

  async function listen(): Promise<string> {
    const { probot } = createProbot();
    const middleware = await createNodeMiddleware(appFunction({ roles, now: clock.now }), { probot });
    server = createServer((req, res) => {
      void middleware(req, res, () => {
        res.writeHead(404).end();
      });
    });
    await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
    nock.enableNetConnect(/^(localhost|127\.0\.0\.1)(:\d+)?$/);
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/github/webhooks`;
  }

  function post(url: string, body: string, signature: string | null) {
    const headers: Record<string, string> = {
      "content-type": "application/json",
      "x-github-event": "pull_request",
      "x-github-delivery": randomUUID(),
      "x-github-hook-id": "292430182",
      "user-agent": "GitHub-Hookshot/044aadd",
    };
    if (signature !== null) headers["x-hub-signature-256"] = signature;
    return fetch(url, { method: "POST", headers, body });
  }

  /** The cheapest scan: a README-only pull request. */
  function readmeScan() {
    const payload = pullRequestEvent("opened");
    const world = worldOfPull(payload);
    const gh = new GitHubFake(world)
      .token()
      .createCheckRun()
      .pullFiles([pullFile(world, "README.md", "@@ -1 +1 @@\n-Hello World\n+Hello World!")]);
    return { payload, gh };
  }

  it("accepts a correctly signed delivery and scans", async () => {
    const url = await listen();
    const { payload, gh } = readmeScan();
    const body = JSON.stringify(payload);

    const res = await post(url, body, await sign(WEBHOOK_SECRET, body));

    expect([200, 202]).toContain(res.status);
    await res.text();
    for (let i = 0; i < 100 && !gh.done(); i++) await new Promise((r) => setTimeout(r, 20));
    expectDone(gh);
    expect(unmatched.seen).toEqual([]);
    expect(gh.checkRunCreates[0]).toMatchObject({ status: "completed", conclusion: "success" });
  });

  it("answers 400 to a badly signed or unsigned delivery and starts no scan", async () => {
    const url = await listen();
    const { payload, gh } = readmeScan();
    const body = JSON.stringify(payload);
    const forged = await sign("not-the-secret", body);
    // Signed for another body: the payload was tampered with after signing.
    const tampered = await sign(WEBHOOK_SECRET, body.replace('"opened"', '"closed"'));

    for (const signature of [forged, tampered, null]) {
      const res = await post(url, body, signature);
      expect(res.status).toBe(400);
      await res.text();
    }

    await new Promise((r) => setTimeout(r, 50));
    expect(gh.requests).toEqual([]);
    expect(gh.auth.isDone()).toBe(false); // not even the installation token was asked for
    expect(unmatched.seen).toEqual([]);
  });
});

describe("logs", () => {
  it("never contain the installation token, the private key or a whole trust policy", async () => {
    const { probot, logs } = await createApp({ roles, now: clock.now });
    // A full scan with a review, then a refused rescan, then a rescan whose role read is denied.
    const payload = pullRequestEvent("opened");
    const world = worldOfPull(payload);
    const gh = mockScan(new GitHubFake(world), {
      files: deployPullFiles(world),
      workflows: BOTH_WORKFLOWS,
      review: true,
    });
    const iam = new IamFake().getRole(DEPLOY_ROLE, MASTER_ONLY_POLICY);
    await deliver(probot, "pull_request", payload);
    expectDone(gh, iam);

    const refused = commentEvent("/rolecall rescan");
    const gh2 = new GitHubFake(world).collaboratorPermission(refused.sender.login, "read").issueComment(2);
    await deliver(probot, "issue_comment", refused);
    expectDone(gh2);

    const rescan = commentEvent("/rolecall rescan");
    const gh3 = new GitHubFake(world)
      .collaboratorPermission(rescan.sender.login, "admin")
      .reaction(rescan.comment.id)
      .pullHead();
    mockScan(gh3, { token: false, files: deployPullFiles(world), workflows: BOTH_WORKFLOWS, review: true });
    iam.accessDenied(DEPLOY_ROLE);
    await deliver(probot, "issue_comment", rescan);
    expectDone(gh3, iam);
    expect(unmatched.seen).toEqual([]);

    // The capture works: the scans were logged (with their delivery, repository and pull request).
    expect(logs.entries("scan published")).toHaveLength(2);
    expect(logs.entries("scan published")[0]).toMatchObject({ repo: "Codertocat/Hello-World", pr: 2 });
    expect(logs.entries("rescan refused")).toHaveLength(1);

    // Every level, trace included: no token, no key, no trust policy as IAM returned it.
    const text = logs.text;
    expect(text).not.toContain(TOKEN);
    expect(text).not.toContain(PRIVATE_KEY_BODY.slice(0, 64));
    expect(text).not.toContain(PRIVATE_KEY_BODY.slice(-64));
    expect(text).not.toContain(PRIVATE_KEY.split("\n")[1]!);
    for (const form of [
      MASTER_ONLY_POLICY,
      JSON.stringify(JSON.parse(MASTER_ONLY_POLICY)),
      rfc3986(MASTER_ONLY_POLICY),
      encodeURIComponent(MASTER_ONLY_POLICY),
    ])
      expect(text).not.toContain(form);
    // At info and above (Probot's default level) no policy document at all. (At debug, Probot's own
    // request logging prints every request body, so the suggested policy of the check run's text
    // shows there; the policy read from IAM never does.)
    const info = logs.textAtLeast(30);
    expect(info).toContain("scan published");
    expect(info).not.toContain("AssumeRoleWithWebIdentity");
    expect(info).not.toContain('"Statement"');
  });
});

describe("tenancy", () => {
  it("one repository's findings and roles never reach another repository's pull request", async () => {
    const app = await createApp({ roles, now: clock.now });

    // Repository A (installation 1): Codertocat/Hello-World, its role in 111122223333.
    const payloadA = pullRequestEvent("opened");
    const worldA = worldOfPull(payloadA);
    const ghA = mockScan(new GitHubFake(worldA), {
      files: deployPullFiles(worldA),
      workflows: BOTH_WORKFLOWS,
      review: true,
    });
    const iam = new IamFake().getRole(DEPLOY_ROLE, MASTER_ONLY_POLICY);
    await deliver(app.probot, "pull_request", payloadA);
    expectDone(ghA, iam);

    // Repository B (installation 2): octo-org/octo-repo, its role in 444455556666. One of its
    // workflows names A's role, which is cached by now: it must be neither read nor reused.
    const payloadB = pullRequestEvent("opened");
    const repoB = {
      ...payloadB.repository,
      id: 2002,
      name: "octo-repo",
      full_name: "octo-org/octo-repo",
      default_branch: "main",
      owner: { ...payloadB.repository.owner, login: "octo-org", id: 1001, type: "Organization" },
    };
    payloadB.repository = repoB;
    payloadB.pull_request.base.repo = repoB;
    payloadB.pull_request.head.repo = repoB;
    payloadB.pull_request.head.sha = "d6fde92930d4715a2b49857d24b940956b26d2d3";
    payloadB.installation = { id: 2, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMg==" };
    const TOKEN_B = "ghs_OtherInstallationToken00000000000000";
    const worldB = worldOfPull(payloadB, TOKEN_B);
    const roleB = "arn:aws:iam::444455556666:role/octo-deploy";
    const deployB = DEPLOY_YML.replace(DEPLOY_ROLE, roleB).replace("branches: [master]", "branches: [main]");
    const borrowed = DEPLOY_YML.replace("name: Deploy", "name: Borrowed").replace(
      "branches: [master]",
      "branches: [main]",
    );
    const workflowsB = { [DEPLOY_PATH]: deployB, ".github/workflows/borrowed.yml": borrowed };
    const ghB = mockScan(new GitHubFake(worldB), {
      files: Object.entries(workflowsB).map(([p, t]) => pullFile(worldB, p, addedPatch(t), "added")),
      workflows: workflowsB,
      review: true,
    });
    iam.getRole(roleB, trustPolicy("444455556666", ["repo:octo-org/octo-repo:environment:production"]));
    await deliver(app.probot, "pull_request", payloadB);
    expectDone(ghB, iam);
    expect(unmatched.seen).toEqual([]);

    // IAM was asked once for A's role (by A) and once for B's.
    expect(iam.calls).toEqual(["hello-deploy", "octo-deploy"]);
    // B's check run and review carry nothing of A's: not its trusted subjects, files or findings.
    const outB = JSON.stringify([ghB.checkRunCreates, ghB.checkRunUpdates, ghB.reviews]);
    for (const leak of ["Codertocat", "Hello-World", "nightly", "refs/heads/master", "static-aws-keys"])
      expect(outB).not.toContain(leak);
    // A's role named in B's workflow is reported as outside B's accounts.
    expect(ghB.completed().output?.summary).toContain(
      "account 111122223333 is not in this rolecall installation's ROLECALL_ACCOUNTS for octo-org",
    );
    expect(ghB.completed().conclusion).not.toBe("success");
    // And A's outputs carry nothing of B's.
    const outA = JSON.stringify([ghA.checkRunCreates, ghA.checkRunUpdates, ghA.reviews]);
    for (const leak of ["octo-org", "octo-repo", "444455556666"]) expect(outA).not.toContain(leak);
  });
});
