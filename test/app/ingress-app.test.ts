/**
 * rolecall's own App behind the ingress, as `npm start` runs it: a correctly signed
 * `pull_request.opened` (a real payload) posted to the real HTTP server on loopback reaches the scan,
 * which publishes its check run through Octokit with Probot's production throttling and retry on
 * (GitHub faked with nock, request bodies checked against GitHub's OpenAPI description); the log
 * carries neither the payload, the installation token, the private key nor the webhook secret.
 */
import nock from "nock";
import { afterAll, afterEach, beforeAll, expect, it } from "vitest";
import { expectDone, pullRequestEvent, TOKEN, worldOfPull } from "./flows.js";
import { appFunction, GitHubFake, pullFile, Unmatched } from "./harness.js";
import {
  deliveryHeaders,
  PRIVATE_KEY,
  post,
  type Running,
  SECRET,
  start,
  strings,
} from "./ingress-support.js";

const unmatched = new Unmatched();
let running: Running | undefined;

beforeAll(() => {
  nock.disableNetConnect();
  nock.enableNetConnect(/^(localhost|127\.0\.0\.1)(:\d+)?$/);
});
afterEach(async () => {
  await running?.stop();
  running = undefined;
  unmatched.stop();
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

it("scans a signed pull_request delivery end to end and logs nothing secret", async () => {
  unmatched.start();
  running = await start(appFunction());
  const payload = pullRequestEvent("opened");
  const world = worldOfPull(payload);
  const gh = new GitHubFake(world)
    .token()
    .createCheckRun()
    .pullFiles([pullFile(world, "README.md", "@@ -1 +1 @@\n-Hello World\n+Hello World!")]);
  const body = JSON.stringify(payload);

  const res = await post(running.port, {
    headers: deliveryHeaders("pull_request", body, SECRET, "e2e-1"),
    body,
  });

  expect([200, 202]).toContain(res.status);
  for (let i = 0; i < 200 && !gh.done(); i++) await new Promise((r) => setTimeout(r, 25));
  expectDone(gh);
  expect(unmatched.seen).toEqual([]);
  // An irrelevant pull request: one write, the check run created already completed.
  expect(gh.checkRunCreates.map((c) => c.conclusion)).toEqual(["success"]);
  const text = running.logs.text;
  for (const secret of [SECRET, TOKEN, PRIVATE_KEY.split("\n")[1]!]) expect(text).not.toContain(secret);
  // The scan logs which repository, commit and requests (Octokit's debug lines); nothing else of the payload.
  const identifiers = [payload.repository.full_name, payload.pull_request.head.sha];
  const allowed = (s: string) => identifiers.some((id) => id.includes(s)) || s.startsWith("https://");
  for (const s of strings(payload)) if (!allowed(s)) expect(text, s).not.toContain(s);
});
