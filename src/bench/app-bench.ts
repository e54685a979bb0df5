/**
 * The App end to end (DESIGN §8): a real Probot with `rolecallApp` loaded, webhooks delivered through
 * `probot.receive` (what the HTTP middleware calls once the signature is checked), GitHub (REST,
 * GraphQL, installation token) and IAM (GetRole, XML) answered at once by nock, in process.
 *
 * Measures (1) latency from delivery to completed check run, sequentially; (2) 100 concurrent
 * deliveries: errors, time, peak memory; (3) GitHub requests per scan by kind, for three pull
 * requests: a failing one, a clean one and one touching 20 workflows.
 *
 * This file imports nock and `@octokit/webhooks-examples`, both devDependencies: `npm run bench`
 * needs the dev dependencies installed (it already needs them to build). nock is loaded only when
 * this section runs, and restored at its end. `pino` comes with Probot.
 */
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { createRequire } from "node:module";
import { performance } from "node:perf_hooks";
import type nockType from "nock";
import { pino } from "pino";
import { Probot, ProbotOctokit } from "probot";
import { createRoleReader } from "../adapters/aws/index.js";
import { filesQuery, WORKFLOW_FILES_QUERY } from "../adapters/github/reader.js";
import { RolecallOctokit, rolecallApp } from "../app/app.js";
import { createRoleAccess, parseAccountBoundary } from "../app/aws-access.js";

type Nock = typeof nockType;

const API = "https://api.github.com";
const IAM = "https://iam.amazonaws.com";
const ACCOUNT = "111122223333";
const TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";
const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };
const XML_HEADERS = { "content-type": "text/xml" };
const ISSUER = "token.actions.githubusercontent.com";
const PINNED = {
  checkout: "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2",
  aws: "aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502 # v4.0.2",
};

// ---------------------------------------------------------------------------------------------
// The repository and its pull requests

interface Scenario {
  name: string;
  pullNumber: number;
  headSha: string;
  /** `.github/workflows` at the head. */
  workflows: Record<string, string>;
  /** GET /pulls/{n}/files. */
  files: Record<string, unknown>[];
  /** The check run conclusion the scan should reach. */
  expected: string;
  /** DESIGN §8's writes for such a pull request (clean one, failing two), when it names one. */
  designWrites: number | null;
}

function deployYml(role: string, n: string, environment: boolean): string {
  return `name: Deploy ${n}

on:
  push:
    branches: [master]

permissions:
  contents: read

jobs:
  deploy:
    runs-on: ubuntu-latest
${environment ? "    environment: production\n" : ""}    permissions:
      id-token: write
      contents: read
    steps:
      - uses: ${PINNED.checkout}
      - uses: ${PINNED.aws}
        with:
          role-to-assume: arn:aws:iam::${ACCOUNT}:role/${role}
          aws-region: eu-west-1
      - run: make deploy
`;
}

const NIGHTLY_YML = `name: Nightly cost report

on:
  schedule:
    - cron: "17 3 * * *"

jobs:
  report:
    runs-on: ubuntu-latest
    steps:
      - uses: ${PINNED.aws}
        with:
          aws-access-key-id: \${{ secrets.AWS_ACCESS_KEY_ID }}
          aws-secret-access-key: \${{ secrets.AWS_SECRET_ACCESS_KEY }}
          aws-region: us-east-1
      - run: aws ce get-cost-and-usage --granularity DAILY --metrics UnblendedCost
`;

/** A unified diff hunk of `text` in which the `added` lines (1-based) are new. */
function modifiedPatch(text: string, added: number[], context = 3): string {
  const lines = text.replace(/\n$/, "").split("\n");
  const from = Math.max(1, Math.min(...added) - context);
  const to = Math.min(lines.length, Math.max(...added) + context);
  const body: string[] = [];
  for (let i = from; i <= to; i++) body.push(`${added.includes(i) ? "+" : " "}${lines[i - 1]}`);
  const newCount = to - from + 1;
  return [`@@ -${from},${newCount - added.length} +${from},${newCount} @@ jobs:`, ...body].join("\n");
}

function addedPatch(text: string): string {
  const lines = text.replace(/\n$/, "").split("\n");
  return [`@@ -0,0 +1,${lines.length} @@`, ...lines.map((l) => `+${l}`)].join("\n");
}

function pullFile(repo: string, sha: string, filename: string, patch: string, status: string) {
  return {
    sha: "bbcd538c8e72b8c175046e27cc8f907076331401",
    filename,
    status,
    additions: patch.split("\n").filter((l) => l.startsWith("+")).length,
    deletions: patch.split("\n").filter((l) => l.startsWith("-")).length,
    changes: patch.split("\n").filter((l) => /^[+-]/.test(l)).length,
    blob_url: `https://github.com/${repo}/blob/${sha}/${filename}`,
    raw_url: `https://github.com/${repo}/raw/${sha}/${filename}`,
    contents_url: `${API}/repos/${repo}/contents/${filename}?ref=${sha}`,
    patch,
  };
}

function scenarios(repo: string): Scenario[] {
  // 1. The failing story: deploy.yml moves into `production`, the role trusts only master.
  const deploy = deployYml("hello-deploy", "", true);
  const failing: Scenario = {
    name: "failing PR (1 of 2 workflows changed, 1 role)",
    pullNumber: 2,
    headSha: "ec26c3e57ca3a959ca5aad62de7213c562f8c821",
    workflows: { ".github/workflows/deploy.yml": deploy, ".github/workflows/nightly.yml": NIGHTLY_YML },
    files: [],
    expected: "failure",
    designWrites: 2,
  };
  failing.files = [
    pullFile(repo, failing.headSha, ".github/workflows/deploy.yml", modifiedPatch(deploy, [13]), "modified"),
  ];
  // 2. A clean one: a new release workflow whose role trusts exactly its environment.
  const release = deployYml("hello-release", "release", true);
  const clean: Scenario = {
    name: "clean PR (1 workflow added, 1 role)",
    designWrites: 1,
    pullNumber: 3,
    headSha: "6dcb09b5b57875f334f61aebed695e2e4193db5e",
    workflows: { ".github/workflows/release.yml": release },
    files: [],
    expected: "success",
  };
  clean.files = [
    pullFile(repo, clean.headSha, ".github/workflows/release.yml", addedPatch(release), "added"),
  ];
  // 3. Twenty workflows added, four roles, half of them in `production`, half on master.
  const twenty: Scenario = {
    name: "PR adding 20 workflows (4 roles), passing with medium findings",
    designWrites: null,
    pullNumber: 4,
    headSha: "3b1c2f6a9d4e5f60718293a4b5c6d7e8f9012345",
    workflows: {},
    files: [],
    expected: "success",
  };
  for (let i = 1; i <= 20; i++) {
    const n = String(i).padStart(2, "0");
    const path = `.github/workflows/deploy-${n}.yml`;
    const text = deployYml(`svc-deploy-${i % 4}`, n, i % 2 === 1);
    twenty.workflows[path] = text;
    twenty.files.push(pullFile(repo, twenty.headSha, path, addedPatch(text), "added"));
  }
  return [failing, clean, twenty];
}

/** Trust policies by role name (IAM answers them percent-encoded). */
function policies(repo: string, repositoryId: number): Record<string, string> {
  const policy = (subs: string[], pinned = false) =>
    JSON.stringify(
      {
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "GitHubActionsDeploy",
            Effect: "Allow",
            Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/${ISSUER}` },
            Action: "sts:AssumeRoleWithWebIdentity",
            Condition: {
              StringEquals: {
                [`${ISSUER}:aud`]: "sts.amazonaws.com",
                ...(pinned ? { [`${ISSUER}:repository_id`]: String(repositoryId) } : {}),
              },
              StringLike: { [`${ISSUER}:sub`]: subs.length === 1 ? subs[0] : subs },
            },
          },
        ],
      },
      null,
      2,
    );
  const svc = policy([`repo:${repo}:ref:refs/heads/master`, `repo:${repo}:environment:production`]);
  return {
    "hello-deploy": policy([`repo:${repo}:ref:refs/heads/master`]),
    // Clean: exactly the subject the release job needs, pinned to the repository id.
    "hello-release": policy([`repo:${repo}:environment:production`], true),
    "svc-deploy-0": svc,
    "svc-deploy-1": svc,
    "svc-deploy-2": svc,
    "svc-deploy-3": svc,
  };
}

const rfc3986 = (text: string) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

function getRoleXml(name: string, policy: string): string {
  return `<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <GetRoleResult>
    <Role>
      <Path>/</Path>
      <AssumeRolePolicyDocument>${rfc3986(policy)}</AssumeRolePolicyDocument>
      <MaxSessionDuration>3600</MaxSessionDuration>
      <RoleId>AROAEXAMPLEROLEID0001</RoleId>
      <RoleName>${name}</RoleName>
      <Arn>arn:aws:iam::${ACCOUNT}:role/${name}</Arn>
      <CreateDate>2024-01-01T00:00:00Z</CreateDate>
    </Role>
  </GetRoleResult>
  <ResponseMetadata>
    <RequestId>7a62c49f-347e-4fc4-9331-6e8eEXAMPLE</RequestId>
  </ResponseMetadata>
</GetRoleResponse>`;
}

function noSuchEntityXml(name: string): string {
  return `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <Error><Type>Sender</Type><Code>NoSuchEntity</Code><Message>The role with name ${name} cannot be found.</Message></Error>
  <RequestId>4c5b6f2e-0a1b-4c8d-9e2f-EXAMPLE</RequestId>
</ErrorResponse>`;
}

// ---------------------------------------------------------------------------------------------
// The fakes: persisted interceptors, every request counted

/** What one measured stretch saw. */
class Tally {
  /** `METHOD route` → count (token and IAM apart). */
  readonly routes = new Map<string, number>();
  reads = 0;
  graphql = 0;
  writes = 0;
  iam = 0;
  readonly conclusions = new Map<string, number>();

  route(key: string): void {
    this.routes.set(key, (this.routes.get(key) ?? 0) + 1);
  }
  concluded(c: string): void {
    this.conclusions.set(c, (this.conclusions.get(c) ?? 0) + 1);
  }
}

interface BenchState {
  tally: Tally;
  /** Installation token requests over the whole run. */
  tokens: number;
  /** Called on every GitHub request (memory sampling during the burst). */
  onRequest?: () => void;
  /** The last completing check run update and review rolecall sent (replayed by the floor). */
  bodies: { completed?: Record<string, unknown>; review?: Record<string, unknown> };
}

interface GraphqlBody {
  query: string;
  variables: Record<string, string>;
}

function blob(text: string) {
  return { byteSize: Buffer.byteLength(text), isBinary: false, isTruncated: false, text };
}

function fakeUpstreams(nock: Nock, payload: PullRequestPayload, all: Scenario[], state: BenchState) {
  const repo = payload.repository;
  const repoPath = `/repos/${repo.full_name}`;
  const byPull = new Map(all.map((s) => [s.pullNumber, s]));
  const bySha = new Map(all.map((s) => [s.headSha, s]));
  const pullOf = (uri: string) => byPull.get(Number(/\/pulls\/(\d+)/.exec(uri)?.[1]));
  const roles = policies(repo.full_name, repo.id);
  const bot = { login: "rolecall[bot]", id: 424242, type: "Bot", site_admin: false };
  let checkRunId = 0;

  const gh = nock(API).persist();
  gh.on("request", (req: { method: string; path: string }, _i: unknown, body: string) => {
    const t = state.tally;
    state.onRequest?.();
    const path = req.path.split("?")[0]!;
    if (path.endsWith("/access_tokens")) {
      state.tokens++;
      return;
    }
    const route = `${req.method} ${path
      .replace(`${repoPath}/`, "")
      .replace(repoPath, "repo")
      .replace(/pulls\/\d+/, "pulls/{n}")
      .replace(/check-runs\/\d+/, "check-runs/{id}")
      .replace(/branches\/.+$/, "branches/{b}")}`;
    if (path === "/graphql") {
      t.graphql++;
      t.reads++;
      t.route(`GraphQL ${/query (\w+)/.exec(body)?.[1] ?? "?"}`);
      return;
    }
    if (req.method === "GET") t.reads++;
    else t.writes++;
    t.route(route);
  });

  gh.post(/^\/app\/installations\/\d+\/access_tokens$/).reply(
    201,
    {
      token: TOKEN,
      expires_at: new Date(Date.now() + 3_600_000).toISOString(),
      permissions: {
        actions: "read",
        checks: "write",
        contents: "read",
        metadata: "read",
        pull_requests: "write",
      },
      repository_selection: "all",
    },
    JSON_HEADERS,
  );
  gh.get(repoPath).reply(
    200,
    {
      id: repo.id,
      node_id: repo.node_id,
      name: repo.name,
      full_name: repo.full_name,
      private: false,
      visibility: "public",
      owner: { login: repo.owner.login, id: repo.owner.id, type: "User", site_admin: false },
      html_url: `https://github.com/${repo.full_name}`,
      default_branch: repo.default_branch,
      created_at: "2019-05-15T15:19:25Z",
      updated_at: "2026-11-01T10:00:00Z",
      pushed_at: "2026-11-21T10:00:00Z",
    },
    JSON_HEADERS,
  );
  gh.get(`${repoPath}/actions/oidc/customization/sub`).reply(200, { use_default: true }, JSON_HEADERS);
  // No configuration in the owner's .github repository (read when the repository has none).
  gh.get(/^\/repos\/[^/]+\/\.github\/contents\//).reply(404, { message: "Not Found" }, JSON_HEADERS);
  gh.get(new RegExp(`^${repoPath}/pulls/\\d+/files$`))
    .query(true)
    .reply(200, (uri: string) => pullOf(uri)?.files ?? [], JSON_HEADERS);
  gh.get(new RegExp(`^${repoPath}/pulls/\\d+/(comments|reviews)$`))
    .query(true)
    .reply(200, [], JSON_HEADERS);
  gh.get(new RegExp(`^${repoPath}/pulls/\\d+$`)).reply(
    200,
    (uri: string) => {
      const s = pullOf(uri);
      return {
        number: s?.pullNumber,
        state: "open",
        draft: false,
        head: { sha: s?.headSha, ref: "changes" },
      };
    },
    JSON_HEADERS,
  );
  gh.get(`${repoPath}/environments`)
    .query(true)
    .reply(
      200,
      {
        total_count: 1,
        environments: [
          {
            id: 161088068,
            node_id: "MDExOkVudmlyb25tZW50MTYxMDg4MDY4",
            name: "production",
            url: `${API}${repoPath}/environments/production`,
            html_url: `https://github.com/${repo.full_name}/deployments`,
            created_at: "2024-11-23T22:00:40Z",
            updated_at: "2026-01-12T08:31:02Z",
            protection_rules: [
              { id: 3755, node_id: "MDQ6R2F0ZTM3NTU=", type: "required_reviewers", reviewers: [] },
            ],
            deployment_branch_policy: null,
          },
        ],
      },
      JSON_HEADERS,
    );
  gh.get(new RegExp(`^${repoPath}/branches/[^/]+$`)).reply(
    200,
    (uri: string) => ({
      name: decodeURIComponent(uri.split("/").pop()!),
      protected: true,
      commit: { sha: "7638417db6d59f3c431d3e1f261cc637155684cd" },
    }),
    JSON_HEADERS,
  );
  gh.post(`${repoPath}/check-runs`).reply(
    201,
    (_uri: string, body: Record<string, unknown>) => {
      const id = ++checkRunId;
      return {
        id,
        node_id: "CR_kwDOABCD",
        head_sha: body.head_sha,
        name: "rolecall",
        status: "in_progress",
        conclusion: null,
        started_at: new Date().toISOString(),
        url: `${API}${repoPath}/check-runs/${id}`,
        html_url: `https://github.com/${repo.full_name}/runs/${id}`,
        app: { id: 1, slug: "rolecall", name: "rolecall" },
      };
    },
    JSON_HEADERS,
  );
  gh.patch(new RegExp(`^${repoPath}/check-runs/\\d+$`)).reply(
    200,
    (uri: string, body: Record<string, unknown>) => {
      if (body.status === "completed") state.tally.concluded(String(body.conclusion));
      if (body.status === "completed") state.bodies.completed = body;
      return { id: Number(uri.split("/").pop()), name: "rolecall", status: body.status };
    },
    JSON_HEADERS,
  );
  gh.post(new RegExp(`^${repoPath}/pulls/\\d+/reviews$`)).reply(
    200,
    (uri: string, body: Record<string, unknown>) => {
      state.bodies.review = body;
      return {
        id: 80,
        node_id: "PRR_kwDOABCD",
        user: bot,
        body: "",
        state: "COMMENTED",
        commit_id: pullOf(uri)?.headSha,
        submitted_at: new Date().toISOString(),
      };
    },
    JSON_HEADERS,
  );
  gh.post("/graphql").reply(
    200,
    (_uri: string, body: GraphqlBody) => {
      if (body.query.includes("RolecallWorkflowFiles")) {
        const s = bySha.get(body.variables.expression?.split(":")[0] ?? "");
        if (!s) return { data: { repository: { object: null } } };
        return {
          data: {
            repository: {
              object: {
                __typename: "Tree",
                entries: Object.entries(s.workflows).map(([path, text]) => ({
                  name: path.split("/").pop(),
                  path,
                  type: "blob",
                  mode: 33188,
                  object: blob(text),
                })),
              },
            },
          },
        };
      }
      // RolecallFiles: no configuration, no local actions (missing paths answer null, as on GitHub).
      const repository: Record<string, null> = {};
      for (const k of Object.keys(body.variables)) if (/^e\d+$/.test(k)) repository[`f${k.slice(1)}`] = null;
      return { data: { repository } };
    },
    JSON_HEADERS,
  );

  const iam = nock(IAM).persist();
  iam.on("request", () => {
    state.tally.iam++;
  });
  iam.post("/").reply(
    200,
    (_uri: string, body: string | Record<string, string>) => {
      const name =
        typeof body === "string" ? (new URLSearchParams(body).get("RoleName") ?? "") : (body.RoleName ?? "");
      const policy = roles[name];
      return policy ? getRoleXml(name, policy) : noSuchEntityXml(name);
    },
    XML_HEADERS,
  );
}

// ---------------------------------------------------------------------------------------------
// The benchmark

interface PullRequestPayload {
  number: number;
  pull_request: { number: number; head: { sha: string } };
  repository: {
    id: number;
    node_id: string;
    name: string;
    full_name: string;
    default_branch: string;
    owner: { login: string; id: number };
  };
  installation?: { id: number };
  action: string;
}

export interface RequestFigures {
  name: string;
  scans: number;
  reads: number;
  graphql: number;
  writes: number;
  iamCalls: number;
  /** Scans over which `iamCalls` were counted (the role cache keeps roles for 5 minutes). */
  iamScans: number;
  /** Distinct roles the scenario's workflows name. */
  roles: number;
  designWrites: number | null;
  /** Route → requests per scan. */
  routes: [string, number][];
  conclusions: string;
}

export interface AppBenchResult {
  latency: {
    n: number;
    coldMs: number;
    p50: number;
    p95: number;
    max: number;
    mean: number;
    /** Deliveries that rejected or did not complete their check run as expected. */
    errors: number;
    /** Warnings or errors logged, and requests no interceptor matched, during the timed deliveries. */
    incidents: number;
    /** The same requests without rolecall (Probot's Octokit and nock alone): the emulation's share. */
    floorN: number;
    /** Null when the floor could not run (see `problems`). */
    floorP50: number | null;
    floorP95: number | null;
  };
  burst: {
    n: number;
    /** Deliveries that rejected or did not complete their check run as expected. */
    errors: number;
    rejected: number;
    /** Warnings or errors logged, and requests no interceptor matched, during the burst. */
    incidents: number;
    totalMs: number;
    completed: number;
    baseRss: number;
    baseHeapUsed: number;
    peakRss: number;
    peakHeapUsed: number;
    samples: number;
    /** heapUsed after a forced GC, or null without `--expose-gc`. */
    heapAfterGc: number | null;
  };
  requests: RequestFigures[];
  tokenRequests: number;
  /** What went wrong anywhere (first few): rejected deliveries, warnings, unmatched requests. */
  problems: string[];
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] ?? 0;

export async function benchApp(
  opts: {
    latencyN?: number;
    burstN?: number;
    floorN?: number;
    /**
     * Run on the Octokit `npm start` builds (`RolecallOctokit`: throttling and retry on), so the
     * figures are what a pull request author waits for: writes and GraphQL requests 1 s apart.
     */
    production?: boolean;
  } = {},
): Promise<AppBenchResult> {
  const latencyN = opts.latencyN ?? 200;
  const burstN = opts.burstN ?? 100;
  const floorN = opts.floorN ?? 100;
  // Loaded here, not at the top: nock patches fetch and http as soon as it is imported.
  const nock = (await import("nock")).default;
  // The AWS SDK's Node-version notice (TOOLCHAIN.md) would land in the bench output.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = "true";

  const require = createRequire(import.meta.url);
  const examples = require("@octokit/webhooks-examples/api.github.com/index.json") as {
    name: string;
    examples: PullRequestPayload[];
  }[];
  const example = examples
    .find((d) => d.name === "pull_request")
    ?.examples.find((p) => p.action === "opened" && p.installation?.id !== undefined);
  if (!example) throw new Error("no pull_request.opened example with installation.id");
  const all = scenarios(example.repository.full_name);
  const payloadOf = (s: Scenario): PullRequestPayload => {
    const p = structuredClone(example);
    p.number = s.pullNumber;
    p.pull_request.number = s.pullNumber;
    p.pull_request.head.sha = s.headSha;
    return p;
  };

  const problems: string[] = [];
  const state: BenchState = { tally: new Tally(), tokens: 0, bodies: {} };
  const unmatched = (req: { method?: string; href?: string; path?: string; host?: string }) => {
    problems.push(`unmatched ${req.method ?? "?"} ${req.href ?? `${req.host ?? ""}${req.path ?? ""}`}`);
  };
  if (!nock.isActive()) nock.activate(); // an earlier run restored it
  nock.disableNetConnect();
  nock.emitter.on("no match", unmatched);
  // Octokit's throttle waits on unreferenced timers; in production Probot's server keeps the
  // process alive, here this does.
  const keepAlive = setInterval(() => {}, 1000);
  try {
    fakeUpstreams(nock, example, all, state);

    const privateKey = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      publicKeyEncoding: { type: "spki", format: "pem" },
      privateKeyEncoding: { type: "pkcs1", format: "pem" },
    }).privateKey;
    // Silent: nothing is printed; warnings and errors are counted as problems.
    const log = pino(
      { level: "warn" },
      {
        write: (line: string) => {
          problems.push(`log: ${line.slice(0, 200).trim()}`);
        },
      },
    );
    const probot = new Probot({
      appId: 1,
      privateKey,
      secret: "rolecall-bench",
      // Production: the Octokit `npm start` builds. Otherwise throttling and retries off (function
      // form, TOOLCHAIN.md): rolecall's own work, without the 1-second write spacing.
      Octokit: opts.production
        ? RolecallOctokit
        : ProbotOctokit.defaults((o: Record<string, unknown>) => ({
            ...o,
            retry: { enabled: false },
            throttle: { enabled: false },
          })),
      log,
    });
    const reader = createRoleReader({
      credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "x" },
      maxAttempts: 1,
      now: Date.now,
    });
    await probot.load(
      rolecallApp({
        roles: createRoleAccess(
          reader,
          parseAccountBoundary(`${example.repository.owner.login}=${ACCOUNT}`),
          { now: Date.now },
        ),
        issuer: ISSUER,
        docsBase: "https://rolecall.example.com/rules/",
        now: Date.now,
      }),
    );

    type Event = Parameters<Probot["receive"]>[0];
    const deliver = (payload: PullRequestPayload) =>
      probot.receive({ id: randomUUID(), name: "pull_request", payload } as unknown as Event);
    const failed = (e: unknown) => {
      const err = e as { message?: string; errors?: { message?: string }[] };
      problems.push(`delivery rejected: ${err.errors?.[0]?.message ?? err.message ?? String(e)}`);
    };
    const figures = (
      s: Scenario,
      t: Tally,
      scans: number,
      iam = t.iam,
      iamScans = scans,
    ): RequestFigures => ({
      name: s.name,
      scans,
      reads: t.reads / scans,
      graphql: t.graphql / scans,
      writes: t.writes / scans,
      iamCalls: iam,
      iamScans,
      designWrites: s.designWrites,
      roles: new Set(
        Object.values(s.workflows).flatMap((w) => [...w.matchAll(/role\/([\w-]+)/g)].map((m) => m[1])),
      ).size,
      routes: [...t.routes].map(([k, v]) => [k, v / scans]),
      conclusions: [...t.conclusions].map(([c, n]) => `${n} ${c}`).join(", "),
    });
    const [failing, clean, twenty] = all as [Scenario, Scenario, Scenario];

    // 1. Latency, sequential. The first delivery (JWT, installation token, IAM read) is timed apart.
    const failingPayload = payloadOf(failing);
    let t0 = performance.now();
    await deliver(failingPayload).catch(failed);
    const coldMs = performance.now() - t0;
    const coldIam = state.tally.iam;
    state.tally = new Tally();
    const times: number[] = [];
    let latencyRejected = 0;
    const problemsBeforeLatency = problems.length;
    for (let i = 0; i < latencyN; i++) {
      t0 = performance.now();
      await deliver(failingPayload).catch((e) => {
        latencyRejected++;
        failed(e);
      });
      times.push(performance.now() - t0);
    }
    const latencyTally = state.tally;
    const lateCompletions = latencyTally.conclusions.get(failing.expected) ?? 0;
    const latencyErrors = Math.max(latencyRejected, latencyN - lateCompletions);
    const latencyIncidents = problems.length - problemsBeforeLatency - latencyRejected;
    if (lateCompletions !== latencyN)
      problems.push(`latency: ${lateCompletions}/${latencyN} scans concluded ${failing.expected}`);
    const sorted = [...times].sort((a, b) => a - b);

    // The floor: the same requests, grouped as the scan groups them, with the bodies rolecall sent,
    // through the same installation Octokit and nock, without rolecall (no webhook, no analysis).
    state.tally = new Tally();
    const octokit = await probot.auth(example.installation?.id);
    const owner = example.repository.owner.login;
    const name = example.repository.name;
    const r = (route: string, params: Record<string, unknown> = {}) =>
      octokit.request(route, { owner, repo: name, ...params });
    const pull = { pull_number: failing.pullNumber };
    const floorRound = async () => {
      const created = await r("POST /repos/{owner}/{repo}/check-runs", {
        name: "rolecall",
        head_sha: failing.headSha,
        status: "in_progress",
        output: { title: "Checking OIDC trust", summary: "rolecall is reading the workflows." },
      });
      await r("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", { ...pull, per_page: 100 });
      await Promise.all([
        r("GET /repos/{owner}/{repo}"),
        r("GET /repos/{owner}/{repo}/actions/oidc/customization/sub"),
        octokit.graphql(WORKFLOW_FILES_QUERY, {
          owner,
          name,
          expression: `${failing.headSha}:.github/workflows`,
        }),
      ]);
      await octokit.graphql(filesQuery(2), {
        owner,
        name,
        e0: `${example.repository.default_branch}:.github/rolecall.yml`,
        e1: `${example.repository.default_branch}:.github/rolecall.yaml`,
      });
      await r("GET /repos/{owner}/{repo}/environments", { per_page: 100 });
      await Promise.all([
        r("GET /repos/{owner}/{repo}/pulls/{pull_number}/comments", { ...pull, per_page: 100 }),
        r("GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews", { ...pull, per_page: 100 }),
      ]);
      await r("GET /repos/{owner}/{repo}/pulls/{pull_number}", pull);
      await r("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
        ...state.bodies.completed,
        check_run_id: (created.data as { id: number }).id,
      });
      await r("POST /repos/{owner}/{repo}/pulls/{pull_number}/reviews", { ...state.bodies.review, ...pull });
    };
    const floorTimes: number[] = [];
    try {
      for (let i = 0; i < floorN; i++) {
        t0 = performance.now();
        await floorRound();
        floorTimes.push(performance.now() - t0);
      }
    } catch (e) {
      problems.push(`floor: ${(e as Error).message.split("\n")[0]}`);
      floorTimes.length = 0;
    }
    floorTimes.sort((a, b) => a - b);

    // 2. Burst: 100 deliveries at once, memory sampled every 10 ms.
    state.tally = new Tally();
    const gc = (globalThis as { gc?: () => void }).gc;
    gc?.();
    const base = process.memoryUsage();
    let peakRss = base.rss;
    let peakHeapUsed = base.heapUsed;
    let samples = 0;
    const sample = () => {
      const m = process.memoryUsage();
      samples++;
      if (m.rss > peakRss) peakRss = m.rss;
      if (m.heapUsed > peakHeapUsed) peakHeapUsed = m.heapUsed;
    };
    const timer = setInterval(sample, 10);
    state.onRequest = sample; // the timer fires only when the event loop is free
    let rejected = 0;
    const problemsBefore = problems.length;
    t0 = performance.now();
    const settled = await Promise.allSettled(Array.from({ length: burstN }, () => deliver(failingPayload)));
    const totalMs = performance.now() - t0;
    clearInterval(timer);
    state.onRequest = undefined;
    sample();
    for (const s of settled)
      if (s.status === "rejected") {
        rejected++;
        failed(s.reason);
      }
    const incidents = problems.length - problemsBefore - rejected;
    const burstCompleted = state.tally.conclusions.get(failing.expected) ?? 0;
    if (burstCompleted !== burstN)
      problems.push(`burst: ${burstCompleted}/${burstN} scans concluded ${failing.expected}`);
    let heapAfterGc: number | null = null;
    if (gc) {
      gc();
      heapAfterGc = process.memoryUsage().heapUsed;
    }

    // 3. Requests per scan: the latency run (failing PR), then a few scans of the other two.
    const requests = [figures(failing, latencyTally, latencyN, coldIam + latencyTally.iam, latencyN + 1)];
    for (const s of [clean, twenty]) {
      state.tally = new Tally();
      const payload = payloadOf(s);
      const scans = 5;
      for (let i = 0; i < scans; i++) await deliver(payload).catch(failed);
      if ((state.tally.conclusions.get(s.expected) ?? 0) !== scans)
        problems.push(`${s.name}: concluded ${[...state.tally.conclusions].join(" ")}, not ${s.expected}`);
      requests.push(figures(s, state.tally, scans));
    }

    return {
      latency: {
        n: latencyN,
        coldMs,
        p50: quantile(sorted, 0.5),
        p95: quantile(sorted, 0.95),
        max: sorted[sorted.length - 1] ?? 0,
        mean: times.reduce((a, b) => a + b, 0) / Math.max(1, times.length),
        errors: latencyErrors,
        incidents: latencyIncidents,
        floorN,
        floorP50: floorTimes.length ? quantile(floorTimes, 0.5) : null,
        floorP95: floorTimes.length ? quantile(floorTimes, 0.95) : null,
      },
      burst: {
        n: burstN,
        errors: Math.max(rejected, burstN - burstCompleted),
        rejected,
        incidents,
        totalMs,
        completed: burstCompleted,
        baseRss: base.rss,
        baseHeapUsed: base.heapUsed,
        peakRss,
        peakHeapUsed,
        samples,
        heapAfterGc,
      },
      requests,
      tokenRequests: state.tokens,
      problems,
    };
  } finally {
    clearInterval(keepAlive);
    nock.emitter.removeListener("no match", unmatched);
    nock.cleanAll();
    nock.enableNetConnect();
    nock.restore();
  }
}
