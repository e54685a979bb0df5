/**
 * One pull request can never freeze the App: a delivery whose workflow is pathological (bad-input
 * F14: one branch filter of 4,000 characters, which froze the whole server for about 18 s when the
 * analysis ran on the event loop) is analysed in a worker thread. While it runs, another
 * installation's ordinary pull request and `/ping` are answered in their normal time; the budget
 * stops the slow scan, its check run fails with the reason, and memory returns to the baseline.
 */
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { sign } from "@octokit/webhooks-methods";
import nock from "nock";
import { createNodeMiddleware } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { closeSharedAnalysisPool, sharedAnalysisPool } from "../../src/worker/analysis.js";
import { largeDeployWorkflow } from "../support/large-workflow.js";
import {
  ACCOUNT,
  DEPLOY_PATH,
  DEPLOY_ROLE,
  DEPLOY_YML,
  deployPullFiles,
  expectDone,
  mockScan,
  pullRequestEvent,
  worldOfPull,
} from "./flows.js";
import {
  addedPatch,
  appFunction,
  Clock,
  createProbot,
  GitHubFake,
  IamFake,
  pullFile,
  roleAccess,
  trustPolicy,
  Unmatched,
  WEBHOOK_SECRET,
} from "./harness.js";

/** The CPU budget of this test's scans: small, so the pathological scan is stopped quickly. */
const BUDGET_MS = 1_000;
const unmatched = new Unmatched();
let server: Server | undefined;

beforeAll(async () => {
  nock.disableNetConnect();
  await closeSharedAnalysisPool();
  const pool = sharedAnalysisPool({ workers: 2, cpuMs: BUDGET_MS, memoryMb: 1024, maxQueue: 100 });
  await pool.warm();
});
afterEach(async () => {
  unmatched.stop();
  nock.cleanAll();
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
  server = undefined;
});
afterAll(async () => {
  nock.enableNetConnect();
  await closeSharedAnalysisPool();
});

/** The App behind a real HTTP server: Probot's webhook middleware (signatures checked) and `/ping`. */
async function listen(clock: Clock, accounts: string) {
  const { roles, reader } = roleAccess(accounts, clock);
  const { probot, logs } = createProbot();
  const middleware = await createNodeMiddleware(appFunction({ roles, now: clock.now }), { probot });
  server = createServer((req, res) => {
    // What Probot's server answers on /ping (its health check).
    if (req.method === "GET" && req.url === "/ping") {
      res.writeHead(200, { "content-type": "text/plain" }).end("PONG");
      return;
    }
    void middleware(req, res, () => res.writeHead(404).end());
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  nock.enableNetConnect(/^(localhost|127\.0\.0\.1)(:\d+)?$/);
  const base = `http://127.0.0.1:${(server!.address() as AddressInfo).port}`;
  return {
    logs,
    reader,
    async deliver(payload: object): Promise<Response> {
      const body = JSON.stringify(payload);
      return fetch(`${base}/api/github/webhooks`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-github-event": "pull_request",
          "x-github-delivery": randomUUID(),
          "x-github-hook-id": "292430182",
          "user-agent": "GitHub-Hookshot/044aadd",
          "x-hub-signature-256": await sign(WEBHOOK_SECRET, body),
        },
        body,
      });
    },
    async ping(): Promise<number> {
      const t0 = performance.now();
      const res = await fetch(`${base}/ping`);
      expect(await res.text()).toBe("PONG");
      return performance.now() - t0;
    },
  };
}

/** Another installation (2): octo-org/octo-repo, with an ordinary deploy workflow its role admits. */
function ordinaryPull(headSha: string) {
  const payload = pullRequestEvent("opened");
  const repo = {
    ...payload.repository,
    id: 2002,
    name: "octo-repo",
    full_name: "octo-org/octo-repo",
    default_branch: "main",
    owner: { ...payload.repository.owner, login: "octo-org", id: 1001, type: "Organization" },
  };
  payload.repository = repo;
  payload.pull_request.base.repo = repo;
  payload.pull_request.head.repo = repo;
  payload.pull_request.head.sha = headSha;
  payload.installation = { id: 2, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMg==" };
  const world = worldOfPull(payload, "ghs_OtherInstallationToken00000000000000");
  const role = "arn:aws:iam::444455556666:role/octo-deploy";
  const deploy = DEPLOY_YML.replace(DEPLOY_ROLE, role).replace("branches: [master]", "branches: [main]");
  return { payload, world, role, workflows: { [DEPLOY_PATH]: deploy } };
}

const timeUntil = async (done: () => boolean, limitMs: number): Promise<number> => {
  const t0 = performance.now();
  while (!done() && performance.now() - t0 < limitMs) await new Promise((r) => setTimeout(r, 5));
  return performance.now() - t0;
};

const mb = (bytes: number) => Math.round(bytes / 2 ** 20);

describe("analysis budget", () => {
  it("a pathological workflow is stopped by the budget and fails its check, while another installation's pull request and /ping are answered in their normal time", async () => {
    unmatched.start();
    const clock = new Clock();
    const app = await listen(clock, `codertocat=${ACCOUNT};octo-org=444455556666`);
    const iam = new IamFake();

    // Baseline: the ordinary pull request on its own (after one warm-up scan), and /ping on an idle server.
    iam.getRole(
      ordinaryPull("0").role,
      trustPolicy("444455556666", ["repo:octo-org/octo-repo:environment:production"]),
      3,
    );
    const ordinaryScan = async (headSha: string, token: boolean) => {
      clock.ms += 6 * 60_000; // past the role cache: every ordinary scan reads IAM, as in production's first
      const pull = ordinaryPull(headSha);
      const gh = mockScan(new GitHubFake(pull.world), {
        files: Object.entries(pull.workflows).map(([p, t]) =>
          pullFile(pull.world, p, addedPatch(t), "added"),
        ),
        workflows: pull.workflows,
        review: true,
        token,
      });
      const t = performance.now();
      const res = await app.deliver(pull.payload);
      const answeredMs = performance.now() - t;
      await res.text();
      await timeUntil(() => gh.done(), 10_000);
      const ms = performance.now() - t;
      expectDone(gh);
      expect(gh.completed().conclusion).toBe("success");
      return { ms, answeredMs };
    };
    await ordinaryScan("d6fde92930d4715a2b49857d24b940956b26d2d3", true);
    const baseline = await ordinaryScan("1b2c3d4e5f60718293a4b5c6d7e8f90123456789", false);
    const baselineMs = baseline.ms;
    const idlePings: number[] = [];
    for (let i = 0; i < 5; i++) idlePings.push(await app.ping());
    global.gc?.();
    const rssBefore = process.memoryUsage().rss;

    // The pathological pull request: Codertocat/Hello-World, installation 1.
    const slowPayload = pullRequestEvent("opened");
    const slowWorld = worldOfPull(slowPayload);
    // A large but valid workflow (4,700 jobs that each assume a role, under the 1 MiB file limit):
    // linear work, but seconds of it, so it outlasts the 1 s budget however fast each part becomes.
    const slowYml = largeDeployWorkflow();
    const ghSlow = new GitHubFake(slowWorld)
      .token()
      .createCheckRun()
      .pullFiles(deployPullFiles(slowWorld))
      .repository()
      .oidc()
      .workflows({ [DEPLOY_PATH]: slowYml })
      .contentOf(null)
      .environments()
      .updateCheckRun();
    const slowSent = performance.now();
    const slowRes = app.deliver(slowPayload);
    // Wait until the slow scan is being analysed (it holds one of the two workers).
    await timeUntil(() => sharedAnalysisPool().stats().busy > 0, 10_000);
    expect(sharedAnalysisPool().stats().busy).toBe(1);

    // Meanwhile: /ping every 20 ms, and the other installation's pull request (a re-read of its role).
    let rssPeak = rssBefore;
    const pings: number[] = [];
    let pinging = true;
    const pinger = (async () => {
      while (pinging) {
        pings.push(await app.ping());
        rssPeak = Math.max(rssPeak, process.memoryUsage().rss);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const during = await ordinaryScan("0a1b2c3d4e5f60718293a4b5c6d7e8f901234567", false);
    const concurrentMs = during.ms;
    const secondAnswerMs = during.answeredMs;
    // (With Octokit's production throttling, the ordinary scan's writes are a second apart: the slow
    // one may be stopped before or after it finishes. What matters is that it did not wait on it.)

    // The budget stops the slow scan; its check run fails, saying why and what was analysed.
    await (await slowRes).text();
    await timeUntil(() => ghSlow.done(), 80_000);
    const slowMs = performance.now() - slowSent;
    pinging = false;
    await pinger;
    expectDone(ghSlow);
    const slow = ghSlow.completed();
    expect(slow.conclusion).toBe("failure");
    expect(slow.output?.title).toBe("rolecall stopped: analysis budget exceeded");
    expect(slow.output?.summary).toContain(
      `rolecall stopped analysing this pull request: it exceeded the analysis budget (more than 1 s of CPU time while reading the workflows and working out their runs, in 1 file of Codertocat/Hello-World, ${Math.ceil(Buffer.byteLength(slowYml) / 1024)} KB: \`.github/workflows/deploy.yml\`)`,
    );
    expect(slow.output?.summary).toContain("Nothing was verified, so this check fails.");
    expect(sharedAnalysisPool().stats()).toMatchObject({ stopped: 1, busy: 0, queued: 0 });
    expect(unmatched.seen).toEqual([]);
    app.reader.destroy();

    // Memory: the stopped worker's heap is gone with it.
    await new Promise((r) => setTimeout(r, 200));
    global.gc?.();
    const rssAfter = process.memoryUsage().rss;

    const worst = Math.max(...pings);
    console.info(
      [
        `ordinary PR alone: ${baselineMs.toFixed(0)} ms; during the slow scan: ${concurrentMs.toFixed(0)} ms (webhook answered in ${secondAnswerMs.toFixed(0)} ms)`,
        `/ping idle: worst ${Math.max(...idlePings).toFixed(1)} ms; during the slow scan: worst ${worst.toFixed(1)} ms over ${pings.length} pings`,
        `slow scan stopped and reported after ${slowMs.toFixed(0)} ms (budget ${BUDGET_MS} ms CPU)`,
        `RSS before ${mb(rssBefore)} MB, peak ${mb(rssPeak)} MB, after the stop ${mb(rssAfter)} MB`,
      ].join("\n"),
    );
    // Normal times: an event loop blocked by the analysis would show at least the whole budget (1 s)
    // in every figure (several seconds on a busy machine), and the ordinary scan would end after the
    // slow one, not before it (asserted above). The slow scan's worker takes one core away from the
    // rest, so the ordinary scan may be a few times slower on a 2-core machine, not blocked.
    expect(worst).toBeLessThan(BUDGET_MS / 2);
    expect(concurrentMs).toBeLessThan(8 * baselineMs);
    expect(concurrentMs).toBeLessThan(slowMs);
    expect(pings.length).toBeGreaterThan(10);
    // Back to the baseline: within 64 MB of it (the allocator may keep some freed pages).
    expect(mb(rssAfter)).toBeLessThan(mb(rssBefore) + 64);
  }, 120_000);

  it("a pull request's own .github/rolecall.yml is read in the worker too: a costly one is stopped by the budget", async () => {
    unmatched.start();
    const clock = new Clock();
    const app = await listen(clock, `codertocat=${ACCOUNT}`);
    const stoppedBefore = sharedAnalysisPool().stats().stopped;
    // 20,000 top-level keys: about 80 s of reading on this machine when it ran on the event loop.
    const config = Array.from({ length: 20_000 }, (_, i) => `key${i}: 1`).join("\n");
    const payload = pullRequestEvent("opened");
    const world = worldOfPull(payload);
    const gh = new GitHubFake(world)
      .token()
      .createCheckRun()
      .pullFiles([pullFile(world, ".github/rolecall.yml", addedPatch(config), "added")])
      .repository()
      .oidc()
      .along(world.headSha, { ".github/rolecall.yml": config })
      .workflows({ [DEPLOY_PATH]: DEPLOY_YML })
      .contentOf(null)
      .environments()
      .updateCheckRun();
    const t0 = performance.now();
    const res = await app.deliver(payload);
    await res.text();
    await timeUntil(() => gh.done(), 80_000);
    expect(await app.ping()).toBeLessThan(1_000);
    expectDone(gh);
    expect(unmatched.seen).toEqual([]);
    const done = gh.completed();
    expect(done.conclusion).toBe("failure");
    expect(done.output?.summary).toContain(
      `rolecall stopped analysing this pull request: it exceeded the analysis budget (more than 1 s of CPU time while reading rolecall's configuration, in 1 file of Codertocat/Hello-World, ${Math.ceil(config.length / 1024)} KB: \`.github/rolecall.yml\`)`,
    );
    expect(sharedAnalysisPool().stats().stopped).toBe(stoppedBefore + 1);
    app.reader.destroy();
    console.info(`costly configuration stopped and reported after ${(performance.now() - t0).toFixed(0)} ms`);
  }, 120_000);
});
