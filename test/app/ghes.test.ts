/**
 * GitHub Enterprise Server: Probot pointed at `https://HOST/api/v3` (what `GHE_HOST` does), the
 * issuer derived by the server configuration (`HOST/_services/token`), and the claims evaluated
 * against that issuer. The payload is a GHES 3.5 example (`installation.id` 5).
 */
import nock from "nock";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RoleReader } from "../../src/adapters/aws/index.js";
import type { RoleAccess } from "../../src/app/aws-access.js";
import { readServerConfig } from "../../src/app/server-config.js";
import {
  ACCOUNT,
  DEPLOY_PATH,
  DEPLOY_ROLE,
  DEPLOY_YML,
  deployPullFiles,
  expectDone,
  mockScan,
  PRODUCTION_SUB,
} from "./flows.js";
import {
  Clock,
  createApp,
  deliver,
  example,
  GitHubFake,
  IamFake,
  type PullRequestEvent,
  roleAccess,
  trustPolicy,
  Unmatched,
  worldOf,
} from "./harness.js";

const GHE_HOST = "octocoders.github.io"; // the host of the GHES examples
const GHES_TOKEN = "ghs_GhesInstallationToken000000000000000";

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

async function scanOnGhes(policy: string) {
  const config = readServerConfig({
    GHE_HOST: `https://${GHE_HOST}/`,
    ROLECALL_ACCOUNTS: `codertocat=${ACCOUNT}`,
  });
  expect(config.issuer).toBe(`${GHE_HOST}/_services/token`);
  const payload = example<PullRequestEvent>(
    "pull_request",
    (p) => p.action === "opened" && (p.installation as { id?: number } | undefined)?.id !== undefined,
    "ghes",
  );
  expect(payload.installation.id).toBe(5);
  const api = `https://${GHE_HOST}/api/v3`;
  const world = worldOf(payload, {
    api,
    token: GHES_TOKEN,
    headSha: payload.pull_request.head.sha,
    pullNumber: payload.number,
  });
  expect(world.graphqlPath).toBe("/api/graphql");
  const gh = mockScan(new GitHubFake(world), {
    files: deployPullFiles(world),
    workflows: { [DEPLOY_PATH]: DEPLOY_YML },
    review: true,
  });
  const iam = new IamFake().getRole(DEPLOY_ROLE, policy);
  const { probot } = await createApp({ roles, issuer: config.issuer, now: clock.now, baseUrl: api });

  await deliver(probot, "pull_request", payload);

  expectDone(gh, iam);
  expect(unmatched.seen).toEqual([]);
  return gh.completed();
}

describe("GitHub Enterprise Server", () => {
  it("a policy trusting the GHES provider (HOST/_services/token) lets the deploy in", async () => {
    const done = await scanOnGhes(trustPolicy(ACCOUNT, [PRODUCTION_SUB], `${GHE_HOST}/_services/token`));
    expect(done.output?.summary).toMatch(
      new RegExp(`\\| ✅\u00a0allow \\| [^|\\n]* \\| \`${PRODUCTION_SUB}\` \\|`),
    );
    expect(done.output?.summary).not.toContain("issuer-mismatch");
    expect(done.conclusion).toBe("success");
  });

  it("a policy trusting github.com's provider denies it, naming the issuer mismatch", async () => {
    const done = await scanOnGhes(trustPolicy(ACCOUNT, [PRODUCTION_SUB]));
    expect(done.conclusion).toBe("failure");
    expect(done.output?.summary).toMatch(
      new RegExp(`\\| ❌\u00a0deny\u00a0<sup>\\d+</sup> \\| [^|\\n]* \\| \`${PRODUCTION_SUB}\` \\|`),
    );
    expect(done.output?.summary).toContain("issuer-mismatch");
    expect(done.output?.summary).toContain(`${GHE_HOST}/_services/token`);
  });
});

describe("GitHub Enterprise Cloud with data residency (GHE.com)", () => {
  it("GHE_HOST=<sub>.ghe.com calls api.<sub>.ghe.com and evaluates against token.actions.<sub>.ghe.com", async () => {
    const config = readServerConfig({
      GHE_HOST: "octocorp.ghe.com",
      ROLECALL_ACCOUNTS: `codertocat=${ACCOUNT}`,
    });
    expect(config.issuer).toBe("token.actions.octocorp.ghe.com");
    const payload = example<PullRequestEvent>(
      "pull_request",
      (p) => p.action === "opened" && (p.installation as { id?: number } | undefined)?.id !== undefined,
    );
    const api = "https://api.octocorp.ghe.com";
    const world = worldOf(payload, {
      api,
      token: GHES_TOKEN,
      headSha: payload.pull_request.head.sha,
      pullNumber: payload.number,
    });
    const gh = mockScan(new GitHubFake(world), {
      files: deployPullFiles(world),
      workflows: { [DEPLOY_PATH]: DEPLOY_YML },
      review: true,
    });
    const iam = new IamFake().getRole(
      DEPLOY_ROLE,
      trustPolicy(ACCOUNT, [PRODUCTION_SUB], "token.actions.octocorp.ghe.com"),
    );
    // What Probot builds from GHE_HOST: https://octocorp.ghe.com/api/v3.
    const { probot } = await createApp({
      roles,
      issuer: config.issuer,
      now: clock.now,
      baseUrl: "https://octocorp.ghe.com/api/v3",
    });

    await deliver(probot, "pull_request", payload);

    expectDone(gh, iam);
    expect(unmatched.seen).toEqual([]);
    const done = gh.completed();
    expect(done.output?.summary).toMatch(
      new RegExp(`\\| ✅\u00a0allow \\| [^|\\n]* \\| \`${PRODUCTION_SUB}\` \\|`),
    );
    expect(done.conclusion).toBe("success");
  });

  it("ROLECALL_ISSUER sets an enterprise-slug issuer for claims and condition keys", () => {
    const config = readServerConfig({
      ROLECALL_ISSUER: "https://token.actions.githubusercontent.com/octo-enterprise",
    });
    expect(config.issuer).toBe("token.actions.githubusercontent.com/octo-enterprise");
  });
});
