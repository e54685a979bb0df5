import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { ValidationSeverity, type ValidatorSettings, validate } from "dockerfile-utils";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  envOf,
  type Instruction,
  ignorePatterns,
  isIgnored,
  parseInstructions,
  type Stage,
  splitFlags,
  stagesOf,
  words,
} from "./dockerfile-text.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const dockerfile = readFileSync(join(root, "Dockerfile"), "utf8");
const dockerignore = readFileSync(join(root, ".dockerignore"), "utf8");
const stages = stagesOf(parseInstructions(dockerfile));
const runtime = stages.at(-1)!;
const build = stages.find((s) => s.name === "build");

/** Every rule the linter can be told about, raised to an error: nothing is ignored. */
const STRICT: ValidatorSettings = {
  deprecatedMaintainer: ValidationSeverity.ERROR,
  directiveCasing: ValidationSeverity.ERROR,
  emptyContinuationLine: ValidationSeverity.ERROR,
  instructionCasing: ValidationSeverity.ERROR,
  instructionCmdMultiple: ValidationSeverity.ERROR,
  instructionEntrypointMultiple: ValidationSeverity.ERROR,
  instructionHealthcheckMultiple: ValidationSeverity.ERROR,
  instructionJSONInSingleQuotes: ValidationSeverity.ERROR,
  instructionWorkdirRelative: ValidationSeverity.ERROR,
};

const of = (stage: Stage, keyword: string): Instruction[] =>
  stage.instructions.filter((i) => i.keyword === keyword);
const runs = (stage: Stage) => of(stage, "RUN").flatMap((i) => i.args.split(/\s*&&\s*/));
const indexOfRun = (stage: Stage, re: RegExp) => runs(stage).findIndex((c) => re.test(c));

/** Where each line of the build stage happens, for ordering: instruction index in the stage. */
const position = (stage: Stage, pred: (i: Instruction) => boolean) => stage.instructions.findIndex(pred);

function workdir(stage: Stage): string {
  const w = of(stage, "WORKDIR").at(-1);
  if (!w) throw new Error(`stage ${stage.name ?? stage.image} has no WORKDIR`);
  return w.args.trim();
}

describe("Dockerfile: linted with dockerfile-utils", () => {
  it("has no error or warning, with every configurable rule raised to an error", () => {
    const problems = validate(dockerfile, STRICT).map(
      (d) => `line ${d.range.start.line + 1}: ${d.message} (code ${String(d.code)})`,
    );
    expect(problems).toEqual([]);
  });

  it("the linter does report a broken Dockerfile (the check above is not vacuous)", () => {
    const bad =
      "FROM node:24-bookworm-slim\nWORKDIR app\nCMD a\nCMD b\nEXPOSE port\nHEALTHCHECK --interval=x\n";
    expect(validate(bad, STRICT).length).toBeGreaterThanOrEqual(4);
  });
});

describe("Dockerfile: what the image is", () => {
  it("builds and runs on Node 24 LTS (node:24-bookworm-slim), in two stages", () => {
    expect(stages.length).toBe(2);
    for (const s of stages) expect(s.image).toBe("node:24-bookworm-slim");
    expect(build).toBeDefined();
    expect(runtime.name).toBeNull();
  });

  it("build stage: npm ci without running `prepare` before the sources exist, build, prune without re-running it", () => {
    const b = build!;
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.prepare).toBe("npm run build"); // the trap this stage avoids

    const ci = indexOfRun(b, /^npm ci\b/);
    const buildCmd = indexOfRun(b, /^npm run build$/);
    const prune = indexOfRun(b, /^npm prune\b/);
    expect(ci).toBeGreaterThanOrEqual(0);
    expect(buildCmd).toBeGreaterThan(ci);
    expect(prune).toBeGreaterThan(buildCmd);
    const commands = runs(b);
    expect(commands[ci]).toMatch(/--ignore-scripts\b/);
    expect(commands[prune]).toMatch(/--omit=dev\b/);
    expect(commands[prune]).toMatch(/--ignore-scripts\b/);

    // The lockfile is in before `npm ci`, the sources before `npm run build`.
    const copies = (src: string) =>
      position(b, (i) => i.keyword === "COPY" && words(splitFlags(i.args).rest).slice(0, -1).includes(src));
    const runAt = (re: RegExp) => position(b, (i) => i.keyword === "RUN" && re.test(i.args));
    expect(copies("package-lock.json")).toBeGreaterThanOrEqual(0);
    expect(copies("package-lock.json")).toBeLessThan(runAt(/npm ci\b/));
    for (const src of ["src", "tsconfig.json", "tsconfig.build.json"]) {
      expect(copies(src), src).toBeGreaterThanOrEqual(0);
      expect(copies(src), src).toBeLessThan(runAt(/npm run build\b/));
    }
  });

  it("runtime stage: NODE_ENV=production, HOST=0.0.0.0, PORT=3000, EXPOSE 3000", () => {
    const env = new Map(of(runtime, "ENV").flatMap((i) => [...envOf(i.args)]));
    expect(env.get("NODE_ENV")).toBe("production");
    expect(env.get("HOST")).toBe("0.0.0.0");
    expect(env.get("PORT")).toBe("3000");
    expect(of(runtime, "EXPOSE").map((i) => i.args.trim())).toEqual(["3000"]);
  });

  it("runs as the non-root user `node`, set before CMD", () => {
    const users = of(runtime, "USER").map((i) => i.args.trim());
    expect(users.at(-1)).toBe("node");
    expect(users).not.toContain("root");
    expect(users).not.toContain("0");
    const userAt = position(runtime, (i) => i.keyword === "USER");
    expect(userAt).toBeLessThan(position(runtime, (i) => i.keyword === "CMD"));
  });

  it("CMD is `node dist/app/main.js` (exec form), the same as `npm start`, and that file is built", () => {
    const cmd = of(runtime, "CMD");
    expect(cmd).toHaveLength(1);
    expect(cmd[0]!.args.trim().startsWith("[")).toBe(true);
    expect(words(cmd[0]!.args)).toEqual(["node", "dist/app/main.js"]);
    const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts.start).toBe("node dist/app/main.js");
    expect(existsSync(join(root, "dist/app/main.js"))).toBe(true);
    expect(of(runtime, "ENTRYPOINT")).toEqual([]);
  });

  it("copies only dist/, node_modules/, package.json, app.yml and docs/ into the runtime image", () => {
    const wd = workdir(runtime);
    expect(wd).toBe("/app");
    const destinations = new Set<string>();
    for (const copy of of(runtime, "COPY")) {
      const ws = words(splitFlags(copy.args).rest);
      const dest = ws.at(-1)!;
      const sources = ws.slice(0, -1);
      if (dest.endsWith("/")) for (const s of sources) destinations.add(s.split("/").filter(Boolean).at(-1)!);
      else destinations.add(dest.replace(/^\.\//, ""));
    }
    expect([...destinations].sort()).toEqual(["app.yml", "dist", "docs", "node_modules", "package.json"]);
    expect(of(runtime, "ADD")).toEqual([]);
  });

  it("every COPY source exists: in the repository (and in the build context), or produced by the build stage", () => {
    const patterns = ignorePatterns(dockerignore);
    const checked: string[] = [];
    for (const stage of stages) {
      for (const copy of of(stage, "COPY")) {
        const { flags, rest } = splitFlags(copy.args);
        const sources = words(rest).slice(0, -1);
        expect(sources.length, `line ${copy.line}`).toBeGreaterThan(0);
        const from = flags.get("from");
        for (const src of sources) {
          let rel = src.replace(/^\.\//, "").replace(/\/$/, "");
          if (from !== undefined) {
            const producer = stages.find((s) => s.name === from);
            expect(producer, `line ${copy.line}: --from=${from}`).toBeDefined();
            const base = `${workdir(producer!)}/`;
            expect(src.startsWith(base), `line ${copy.line}: ${src} outside ${base}`).toBe(true);
            rel = src.slice(base.length).replace(/\/$/, "");
            // Produced in the build stage by `npm ci` / `npm run build`; here after `npm ci` and the build.
            expect(["node_modules", "dist"]).toContain(rel);
          } else {
            expect(isIgnored(patterns, rel), `${rel} is excluded by .dockerignore`).toBe(false);
          }
          expect(existsSync(join(root, rel)), `line ${copy.line}: ${rel} does not exist`).toBe(true);
          checked.push(rel);
        }
      }
    }
    expect(checked).toEqual(
      expect.arrayContaining([
        "package.json",
        "package-lock.json",
        "src",
        "dist",
        "node_modules",
        "app.yml",
        "docs",
      ]),
    );
  });
});

describe(".dockerignore", () => {
  const patterns = ignorePatterns(dockerignore);

  it("keeps secrets, build outputs, dependencies, history and tests out of the build context", () => {
    for (const path of [
      ".env",
      ".env.production",
      "private-key.pem",
      "keys/rolecall.2026-11-01.private-key.pem",
      ".git/config",
      "node_modules/probot/package.json",
      "dist/app/main.js",
      "coverage/index.html",
      "test/fixtures/github/pull.json",
      "test/deploy/dockerfile.test.ts",
      "examples/roles/octo-repo-deploy.json",
      "npm-debug.log",
    ])
      expect(isIgnored(patterns, path), path).toBe(true);
  });

  it("keeps what the build needs", () => {
    for (const path of ["package.json", "package-lock.json", "tsconfig.json", "src/app/main.ts", "app.yml"])
      expect(isIgnored(patterns, path), path).toBe(false);
  });
});

describe("Dockerfile: HEALTHCHECK", () => {
  const hc = of(runtime, "HEALTHCHECK");
  let server: Server;
  let status = 200;

  beforeAll(async () => {
    server = createServer((req, res) => {
      if (req.url === "/ping") res.writeHead(status).end("PONG");
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function command(): string[] {
    const { flags, rest } = splitFlags(hc[0]!.args);
    expect(flags.get("interval")).toMatch(/^\d+s$/);
    expect(flags.get("timeout")).toMatch(/^\d+s$/);
    expect(rest.startsWith("CMD ")).toBe(true);
    return words(rest.slice("CMD ".length));
  }

  /** Runs the healthcheck's command as Docker would (exec form), against `port`; resolves to its exit code. */
  function probe(port: number): Promise<number | null> {
    const [bin, ...args] = command();
    expect(bin).toBe("node");
    // Asynchronous: the test's own server must keep answering while the probe runs.
    const child = spawn(process.execPath, args, {
      env: { PATH: process.env.PATH, PORT: String(port) },
      stdio: "ignore",
      timeout: 10_000,
    });
    return new Promise((resolve, reject) => {
      child.on("error", reject);
      child.on("exit", (code) => resolve(code));
    });
  }

  it("is one exec-form command that requests /ping with Node (no curl or wget in the slim image)", () => {
    expect(hc).toHaveLength(1);
    const cmd = command();
    expect(cmd.join(" ")).toContain("/ping");
    expect(cmd.join(" ")).not.toMatch(/\b(curl|wget)\b/);
  });

  it("exits 0 when /ping answers 200, 1 when it answers an error or nothing listens", async () => {
    const port = (server.address() as AddressInfo).port;
    status = 200;
    expect(await probe(port)).toBe(0);
    status = 503;
    expect(await probe(port)).toBe(1);
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
    const unused = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    expect(await probe(unused)).toBe(1);
  });
});
