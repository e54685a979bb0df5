/**
 * `npm start` without APP_ID: Probot's setup page must carry app.yml to GitHub intact. The page
 * puts the manifest JSON, unescaped, into `value='…'` of the Register button, and the browser
 * submits that attribute as it decodes it. These tests start the real Probot setup server on a
 * loopback port, fetch the page, decode the attribute as the HTML tokenizer does and compare the
 * JSON with app.yml; and they show that a character which would change the attribute is caught.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { run } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { setupManifestProblems } from "../../src/app/setup-manifest.js";
import { startTags } from "../support/html-attributes.js";

const ROOT = new URL("../../", import.meta.url);
const APP_YML = readFileSync(new URL("app.yml", ROOT), "utf8");

/** A port nobody listens on now (Probot treats port 0 as "use 3000"). */
async function freePort(): Promise<number> {
  return await new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

/** What the browser submits as `manifest` from the setup page, parsed as JSON. */
function submittedManifest(html: string): Record<string, unknown> {
  const buttons = startTags(html).filter(
    (t) => t.name === "button" && t.attributes.get("name") === "manifest",
  );
  expect(buttons).toHaveLength(1);
  const value = buttons[0]!.attributes.get("value") ?? "";
  // Form submission rewrites raw line breaks in values; JSON.stringify never leaves one raw.
  expect(value).not.toMatch(/[\r\n]/);
  return JSON.parse(value) as Record<string, unknown>;
}

/** Every string in a YAML/JSON value, with its path, for located messages. */
function strings(v: unknown, path = ""): [string, string][] {
  if (typeof v === "string") return [[path, v]];
  if (Array.isArray(v)) return v.flatMap((x, i) => strings(x, `${path}[${i}]`));
  if (v && typeof v === "object")
    return Object.entries(v).flatMap(([k, x]) => strings(x, path ? `${path}.${k}` : k));
  return [];
}

let server: Awaited<ReturnType<typeof run>>;
let base: string;
const cwd = process.cwd();
const saved = { NO_SMEE_SETUP: process.env.NO_SMEE_SETUP, WEBHOOK_PROXY_URL: process.env.WEBHOOK_PROXY_URL };

beforeAll(async () => {
  process.chdir(new URL(".", ROOT).pathname);
  process.env.NO_SMEE_SETUP = "true"; // no smee.io channel: the test makes no outside request
  delete process.env.WEBHOOK_PROXY_URL;
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = await run(() => {}, {
    env: { PORT: String(port), HOST: "127.0.0.1", NODE_ENV: "test" },
    log: pino({ level: "silent" }),
  });
});

afterAll(async () => {
  await server?.stop();
  process.chdir(cwd);
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
});

async function setupPage(): Promise<string> {
  const res = await fetch(`${base}/probot`);
  expect(res.status).toBe(200);
  return await res.text();
}

describe("npm start without APP_ID (Probot's setup flow)", () => {
  it("serves a page whose Register button submits app.yml intact", async () => {
    const manifest = submittedManifest(await setupPage());
    const appYml = parse(APP_YML) as Record<string, unknown>;
    for (const [key, value] of Object.entries(appYml))
      expect({ [key]: manifest[key] }).toEqual({ [key]: value });
    // What Probot adds: where GitHub sends the browser back, and the webhook (no smee channel here).
    expect(manifest.redirect_url).toBe(`${base}/probot/setup`);
    expect(manifest.hook_attributes).toEqual({ url: `${base}/` });
    // GitHub requires the homepage `url`; app.yml names the App's own rule docs page.
    expect(new URL(String(manifest.url)).pathname).toBe("/rules");
  });

  it("app.yml holds no character that would change the attribute (no apostrophe, no ampersand)", () => {
    expect(setupManifestProblems(APP_YML)).toEqual([]);
    // The check npm start runs before setup mode names each offending string.
    expect(
      setupManifestProblems('name: rolecall\ndefault_events: [a, "b&c"]\ndescription: "It\'s"\n'),
    ).toEqual([
      expect.stringMatching(/^app\.yml default_events\[1\]: an ampersand/),
      expect.stringMatching(/^app\.yml description: an apostrophe/),
    ]);
    expect(strings(parse(APP_YML)).length).toBeGreaterThan(5);
  });

  it("npm start refuses to enter setup mode with such an app.yml, naming the string (exit 2)", () => {
    const dir = mkdtempSync(join(tmpdir(), "rolecall-start-"));
    try {
      writeFileSync(
        join(dir, "app.yml"),
        `name: rolecall\nurl: http://localhost:3000/rules\ndescription: "Bob's App"\n`,
      );
      const env = { ...process.env };
      delete env.APP_ID;
      const main = fileURLToPath(new URL("dist/app/main.js", ROOT));
      const r = spawnSync(process.execPath, [main], { cwd: dir, env, encoding: "utf8", timeout: 15_000 });
      expect(r.status).toBe(2);
      expect(r.stderr).toContain("rolecall: app.yml description: an apostrophe");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  describe("refuses a manifest the browser might not submit intact", () => {
    let dir: string;
    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), "rolecall-setup-"));
      writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "rolecall", version: "0.0.0" }));
      process.chdir(dir); // Probot reads app.yml from the working directory on every request
    });
    afterAll(() => {
      process.chdir(new URL(".", ROOT).pathname);
      rmSync(dir, { recursive: true, force: true });
    });

    it.each([
      ["an apostrophe", "Checks the roles' trust policies."],
      ["a named character reference", "Checks &amp; reports."],
      ["a numeric character reference", "Checks&#39; trust"],
      ["an ampersand before a letter (decoded only if it names a reference: refused)", "Trust &policies"],
    ])("with %s in the description", async (_what, description) => {
      writeFileSync(
        join(dir, "app.yml"),
        `name: rolecall\nurl: http://localhost:3000/rules\ndescription: ${JSON.stringify(description)}\n`,
      );
      const html = await setupPage();
      let submitted: unknown;
      try {
        submitted = submittedManifest(html).description;
      } catch (e) {
        submitted = e; // JSON cut short by the quote, or an ampersand the decoder will not guess
      }
      expect(submitted).not.toBe(description);
    });

    it("and passes the same manifest once those characters are gone", async () => {
      const description = 'Checks "trust" <policies> ‘quoted’ — ü 😀 \\ /';
      writeFileSync(
        join(dir, "app.yml"),
        `name: rolecall\nurl: http://localhost:3000/rules\ndescription: ${JSON.stringify(description)}\n`,
      );
      expect(submittedManifest(await setupPage()).description).toBe(description);
    });
  });
});
