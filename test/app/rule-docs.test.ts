/**
 * The App serves its rule docs (`GET /rules`, `GET /rules/<id>`) and links findings there, so every
 * link a user sees resolves. Everything goes through real HTTP: a plain Node server with the
 * handler, the real Probot server with the handler mounted as `npm start` mounts it, and the App's
 * check run and review, whose every link is fetched.
 */
import { readFileSync } from "node:fs";
import { createServer, request, type Server } from "node:http";
import { createServer as createNetServer } from "node:net";
import nock from "nock";
import { pino } from "pino";
import { Probot, Server as ProbotServer } from "probot";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import type { RoleReader } from "../../src/adapters/aws/index.js";
import type { RoleAccess } from "../../src/app/aws-access.js";
import {
  createRuleDocsHandler,
  markdownToHtml,
  RULES_PATH,
  ruleDocsLink,
  withRuleDocs,
} from "../../src/app/rule-docs.js";
import { readServerConfig } from "../../src/app/server-config.js";
import { allRuleMeta, docsUrl, type RuleMeta } from "../../src/core/rules/index.js";
import {
  ACCOUNT,
  BOTH_WORKFLOWS,
  DEPLOY_ROLE,
  deployPullFiles,
  MASTER_ONLY_POLICY,
  mockScan,
  pullRequestEvent,
  worldOfPull,
} from "./flows.js";
import {
  appFunction,
  Clock,
  createProbot,
  deliver,
  GitHubFake,
  IamFake,
  PRIVATE_KEY,
  roleAccess,
  Unmatched,
  WEBHOOK_SECRET,
} from "./harness.js";

const RULES = allRuleMeta();

/** A raw HTTP request: the path goes on the wire exactly as given (fetch would normalise `..`). */
async function get(
  base: string,
  path: string,
  method = "GET",
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  const url = new URL(base);
  return await new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (c: string) => {
        body += c;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return `http://127.0.0.1:${port}`;
}

/** A plain Node server: the rule docs handler first, then a fallback that answers 418. */
let plain: Server;
let plainBase: string;
beforeAll(async () => {
  const handler = createRuleDocsHandler();
  plain = createServer((req, res) => {
    if (!handler(req, res)) res.writeHead(418).end("fallback");
  });
  plainBase = await listen(plain);
});
afterAll(async () => {
  await new Promise((resolve) => plain.close(resolve));
});

describe("GET /rules and /rules/<id> on any Node HTTP server", () => {
  it("serves every rule of the registry at /rules/<id>, as escaped HTML", async () => {
    expect(RULES.length).toBeGreaterThan(20);
    for (const r of RULES) {
      const res = await get(plainBase, `${RULES_PATH}/${r.id}`);
      expect(res.status, r.id).toBe(200);
      expect(res.headers["content-type"]).toBe("text/html; charset=utf-8");
      expect(res.headers["x-content-type-options"]).toBe("nosniff");
      expect(res.body).toContain(`<section id="${r.id}">`);
      expect(res.body).toContain("<strong>Fix.</strong>");
    }
  });

  it("lists every rule at /rules with a link to its page and an anchor per id", async () => {
    for (const path of [RULES_PATH, `${RULES_PATH}/`, `${RULES_PATH}?x=1`]) {
      const res = await get(plainBase, path);
      expect(res.status, path).toBe(200);
      for (const r of RULES) {
        expect(res.body).toContain(`href="/rules/${r.id}"`);
        expect(res.body).toContain(`<section id="${r.id}">`);
      }
    }
  });

  it("answers 404 for an unknown id and for anything that tries to leave /rules", async () => {
    const paths = [
      "/rules/no-such-rule",
      "/rules/SUB-NOT-TRUSTED",
      "/rules/sub-not-trusted/",
      "/rules/sub-not-trusted/extra",
      "/rules/../package.json",
      "/rules/%2e%2e/package.json",
      "/rules/..%2fpackage.json",
      "/rules//etc/passwd",
      "/rules/%00",
      "/rules/sub-not-trusted%0d%0aSet-Cookie:x=1",
    ];
    for (const path of paths) {
      const res = await get(plainBase, path);
      expect(res.status, path).toBe(404);
      expect(res.body).not.toContain('"name": "rolecall"');
      expect(res.headers["set-cookie"]).toBeUndefined();
    }
  });

  it("leaves other paths to the next handler, refuses other methods, and answers HEAD without a body", async () => {
    expect((await get(plainBase, "/rulesx")).status).toBe(418);
    expect((await get(plainBase, "/")).status).toBe(418);
    const post = await get(plainBase, "/rules/sub-not-trusted", "POST");
    expect(post.status).toBe(405);
    expect(post.headers.allow).toBe("GET, HEAD");
    const head = await get(plainBase, "/rules/sub-not-trusted", "HEAD");
    expect(head.status).toBe(200);
    expect(head.body).toBe("");
  });

  it("escapes everything a rule text holds; only code, bold, paragraphs and fences become markup", async () => {
    const hostile: RuleMeta = {
      id: "x-rule",
      severity: "high",
      category: "will-fail",
      title: "<script>alert(1)</script> `<b>`",
      explanation: 'A "quote" & <img src=x onerror=alert(1)> and `<i>code</i>` and **bold <u>**.',
      fix: "```yaml\n<script>\n```",
      docs: "docs/rules.md#x-rule",
    };
    const handler = createRuleDocsHandler([hostile]);
    const server = createServer((req, res) => {
      if (!handler(req, res)) res.writeHead(418).end();
    });
    const base = await listen(server);
    try {
      const { body } = await get(base, "/rules/x-rule");
      expect(body).not.toMatch(/<script|<img|<u>|<i>|<b>/);
      expect(body).toContain("&#60;script&#62;alert(1)&#60;/script&#62; <code>&#60;b&#62;</code>");
      expect(body).toContain(
        "A &#34;quote&#34; &#38; &#60;img src=x onerror=alert(1)&#62; and <code>&#60;i&#62;code&#60;/i&#62;</code> and <strong>bold &#60;u&#62;</strong>.",
      );
      expect(body).toContain('<pre><code class="language-yaml">&#60;script&#62;</code></pre>');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("renders the rule texts' Markdown: paragraphs, fenced blocks, code and bold", () => {
    expect(markdownToHtml("one `a*b`\ntwo **b**\n\n```yaml\nk: v\n```\nthree")).toBe(
      '<p>one <code>a*b</code>\ntwo <strong>b</strong></p>\n<pre><code class="language-yaml">k: v</code></pre>\n<p>three</p>',
    );
  });
});

/** A port nobody listens on now (Probot's Server treats port 0 as "use 3000"). */
async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createNetServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

describe("mounted in the real Probot server, as npm start mounts it", () => {
  let server: ProbotServer;
  let base: string;
  beforeAll(async () => {
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    server = new ProbotServer({
      host: "127.0.0.1",
      port,
      log: pino({ level: "silent" }),
      Probot: Probot.defaults({ appId: 1, privateKey: PRIVATE_KEY, secret: WEBHOOK_SECRET }),
    });
    await server.load(withRuleDocs(appFunction()));
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
  });

  it("serves the rule docs next to Probot's own routes", async () => {
    expect((await get(base, "/rules/sub-not-trusted")).status).toBe(200);
    expect((await get(base, "/rules")).status).toBe(200);
    expect((await get(base, "/rules/no-such-rule")).status).toBe(404);
    expect((await get(base, "/ping")).body).toBe("PONG");
    // Probot's webhook route still answers (refusing an empty, unsigned delivery).
    expect([400, 415]).toContain((await get(base, "/api/github/webhooks", "POST")).status);
    expect((await get(base, "/elsewhere")).status).toBe(404);
  });
});

describe("the links the App publishes", () => {
  const unmatched = new Unmatched();
  let clock: Clock;
  let roles: RoleAccess;
  let reader: RoleReader;

  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect(/^127\.0\.0\.1(:\d+)?$/);
  });
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

  /** Scans the failing pull request of the App tests; returns every text the App published. */
  async function publishedTexts(docsBase: string): Promise<string[]> {
    const payload = pullRequestEvent("opened");
    const world = worldOfPull(payload);
    const gh = mockScan(new GitHubFake(world), {
      files: deployPullFiles(world),
      workflows: BOTH_WORKFLOWS,
      review: true,
    });
    new IamFake().getRole(DEPLOY_ROLE, MASTER_ONLY_POLICY);
    const { probot } = createProbot();
    await probot.load(appFunction({ roles, now: clock.now, docsBase }));
    await deliver(probot, "pull_request", payload);
    expect(unmatched.seen).toEqual([]);
    const done = gh.completed();
    const texts = [done.output?.summary ?? "", done.output?.text ?? ""];
    for (const a of done.output?.annotations ?? []) texts.push(a.title ?? "", a.message);
    for (const r of gh.reviews) texts.push(r.body ?? "", ...(r.comments ?? []).map((c) => c.body));
    expect(texts.join("\n")).toContain("sub-not-trusted");
    return texts;
  }

  const URL_RE = /\bhttps?:\/\/[^\s<>"'`)\]|]+/g;

  it("link every rule to the App's own /rules/<id> page, and each of them resolves", async () => {
    const texts = await publishedTexts(`${plainBase}/rules/`);
    const links = [...new Set(texts.flatMap((t) => t.match(URL_RE) ?? []))];
    const ruleLinks = links.filter((u) => u.startsWith(`${plainBase}/rules/`));
    expect(ruleLinks.length).toBeGreaterThanOrEqual(2);
    // Any other address must be a researched source, listed in docs/semantics.md: nothing invented.
    const sources = new Set(
      readFileSync(new URL("../../docs/semantics.md", import.meta.url), "utf8").match(URL_RE),
    );
    expect(links.filter((u) => !ruleLinks.includes(u) && !sources.has(u))).toEqual([]);
    for (const link of ruleLinks)
      expect((await get(plainBase, new URL(link).pathname)).status, link).toBe(200);
    // Markdown links to rule docs are all absolute (a relative link on github.com goes nowhere).
    const mdTargets = texts.flatMap((t) => [...t.matchAll(/\]\(([^)\s]+)\)/g)].map((m) => m[1]!));
    for (const target of mdTargets) expect(target).toMatch(/^https?:\/\//);
  });

  it("name rules without a link when the App knows no public URL", async () => {
    const texts = await publishedTexts("");
    const all = texts.join("\n");
    expect(all).not.toMatch(URL_RE);
    expect(all).not.toMatch(/\]\(/);
    expect(all).toContain("`sub-not-trusted`");
  });
});

describe("where the links point", () => {
  it("ROLECALL_PUBLIC_URL makes the App link its own /rules/<id>", () => {
    const config = readServerConfig({ ROLECALL_PUBLIC_URL: "https://rolecall.example.com/" });
    expect(config.publicUrl).toBe("https://rolecall.example.com");
    expect(config.docsBase).toBe("https://rolecall.example.com/rules/");
    expect(`${config.docsBase}sub-not-trusted`).toBe(
      ruleDocsLink("https://rolecall.example.com", "sub-not-trusted"),
    );
    expect(readServerConfig({ ROLECALL_PUBLIC_URL: "https://h.example/base" }).docsBase).toBe(
      "https://h.example/base/rules/",
    );
    expect(readServerConfig({ ROLECALL_DOCS_URL: "https://d.example/rules.md" }).docsBase).toBe(
      "https://d.example/rules.md#",
    );
    expect(readServerConfig({}).docsBase).toBe("");
  });

  it.each([
    ["rolecall.example.com", /absolute http\(s\) URL/],
    ["ftp://rolecall.example.com", /http\(s\) URL/],
    ["https://rolecall.example.com/?a=1", /query or a fragment/],
    ["https://user:pw@rolecall.example.com", /credentials/],
  ])("ROLECALL_PUBLIC_URL=%s stops the server with a plain message", (value, message) => {
    expect(() => readServerConfig({ ROLECALL_PUBLIC_URL: value })).toThrow(message);
  });

  it("gives the CLI a docs path that ships in the package and has an anchor for every rule", async () => {
    const root = new URL("../../", import.meta.url);
    const doc = readFileSync(new URL("docs/rules.md", root), "utf8");
    for (const r of RULES) {
      expect(r.docs).toBe(docsUrl(r.id));
      expect(r.docs).toBe(`docs/rules.md#${r.id}`);
      expect(doc).toContain(`\n### ${r.id}\n`);
    }
    const pkg = JSON.parse(readFileSync(new URL("package.json", root), "utf8")) as { files: string[] };
    expect(pkg.files.some((f) => f === "docs" || f === "docs/rules.md")).toBe(true);
  });
});
