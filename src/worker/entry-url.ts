import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

/**
 * Module hooks for running a worker from the TypeScript sources (vitest runs `src/**.ts`, and a
 * worker thread does not go through vitest's transform): `.js` specifiers fall back to the `.ts`
 * file beside them, and `.ts` files are transpiled file by file — with Oxc (`rolldown`, which
 * vitest's own transform uses) when installed, else the `typescript` package; the project is
 * `isolatedModules` + `verbatimModuleSyntax`, so per-file transpiling is exact — cached in the
 * temporary folder by content.
 * Never used from `dist`, where the worker entries are plain JavaScript.
 */
const TS_HOOKS = `
import { createHash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
let urls;
let oxc;
let ts;
const cache = join(tmpdir(), "rolecall-worker-ts-cache");
export async function initialize(data) {
  urls = data;
  mkdirSync(cache, { recursive: true });
  // Oxc (what vitest's own transform uses) when it is installed: native, a few ms per file.
  if (urls.oxc) oxc = await import(urls.oxc).catch(() => null);
}
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (e) {
    if (specifier.endsWith(".js") && context.parentURL?.endsWith(".ts"))
      return next(specifier.slice(0, -3) + ".ts", context);
    throw e;
  }
}
export async function load(url, context, next) {
  if (!url.startsWith("file:") || !url.endsWith(".ts")) return next(url, context);
  const fileName = fileURLToPath(url);
  const text = await readFile(fileName, "utf8");
  // Transpiled output is cached by content: workers restart often (the budget replaces them).
  const key = join(cache, createHash("sha256").update(oxc ? "oxc" : "ts").update(fileName).update(text).digest("hex") + ".js");
  try {
    return { format: "module", source: readFileSync(key, "utf8"), shortCircuit: true };
  } catch {}
  let code;
  if (oxc) {
    const out = oxc.transformSync(fileName, text, { sourcemap: false });
    if (out.errors.length === 0) code = out.code;
  }
  if (code === undefined) {
    ts ??= (await import(urls.ts)).default;
    code = ts.transpileModule(text, {
      fileName,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        verbatimModuleSyntax: true,
        inlineSourceMap: true,
      },
    }).outputText;
  }
  const tmp = key + "." + process.pid + "." + Math.random().toString(36).slice(2);
  writeFileSync(tmp, code);
  renameSync(tmp, key);
  return { format: "module", source: code, shortCircuit: true };
}
`;

const dataUrl = (code: string) => `data:text/javascript,${encodeURIComponent(code)}`;

/**
 * The URL to start a worker entry (`name` without extension, a file beside `base`, by default
 * beside this one) with: the
 * built `.js` file under `dist/worker/`, or — when this module itself runs from TypeScript
 * sources — a small bootstrap that installs {@link TS_HOOKS} and then imports `name.ts`.
 */
export function workerEntryUrl(name: string, base: string = import.meta.url): URL {
  const here = new URL(base);
  if (!here.pathname.endsWith(".ts")) return new URL(`./${name}.js`, here);
  const require = createRequire(here);
  const ts = pathToFileURL(require.resolve("typescript")).href;
  let oxc: string | null = null;
  try {
    oxc = pathToFileURL(require.resolve("rolldown/experimental")).href;
  } catch {
    // not installed: typescript alone
  }
  const target = new URL(`./${name}.ts`, here).href;
  const boot = [
    `import { register } from "node:module";`,
    `register(${JSON.stringify(dataUrl(TS_HOOKS))}, { data: ${JSON.stringify({ ts, oxc })} });`,
    `await import(${JSON.stringify(target)});`,
  ].join("\n");
  return new URL(dataUrl(boot));
}
