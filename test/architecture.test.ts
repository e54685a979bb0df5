/**
 * The module layering, pinned: which folders of `src/` may import which. Parsed from the sources'
 * own import and export statements, so a new edge fails here until it is added on purpose.
 *
 * The core decides (pure: no Node, AWS SDK, Octokit or Probot; biome.json enforces the imports too);
 * adapters fetch and publish; front doors (cli, app, bench) gather inputs and render.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, normalize, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));

/** Folder-level units: `core/<folder>` (the loose `core/span.ts` is its own), else the top folder. */
function unitOf(path: string): string {
  const parts = relative(SRC, path).split(sep);
  if (parts[0] === "core") return `core/${parts[1]!.replace(/\.[jt]s$/, "")}`;
  return parts[0]!.replace(/\.[jt]s$/, "");
}

function sources(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? sources(p) : n.endsWith(".ts") ? [p] : [];
    });
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?\sfrom\s+"([^"]+)"|(?:^|\n)\s*import\s+"([^"]+)"/g;

interface Imports {
  /** Relative imports, as unit → unit edges (with one file that shows each). */
  edges: Map<string, Map<string, string>>;
  /** Bare specifiers (packages, `node:` modules) by unit. */
  packages: Map<string, Set<string>>;
}

function readImports(): Imports {
  const edges = new Map<string, Map<string, string>>();
  const packages = new Map<string, Set<string>>();
  for (const file of sources(SRC)) {
    const from = unitOf(file);
    for (const m of readFileSync(file, "utf8").matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2])!;
      if (!spec.startsWith(".")) {
        if (!packages.has(from)) packages.set(from, new Set());
        packages.get(from)!.add(spec);
        continue;
      }
      const to = unitOf(normalize(join(dirname(file), spec)));
      if (to === from) continue;
      if (!edges.has(from)) edges.set(from, new Map());
      if (!edges.get(from)!.has(to)) edges.get(from)!.set(to, relative(SRC, file));
    }
  }
  return { edges, packages };
}

/**
 * Who may import whom. Bottom to top: span, json, lang, workflow, findings (the finding vocabulary,
 * importable by every layer), iam, oidc, config, engine (plan and analysis), rules, report (the
 * decide phase), render; then adapters, and the front doors.
 */
const ALLOWED: Record<string, string[]> = {
  "core/span": [],
  "core/json": ["core/span"],
  "core/lang": [],
  "core/workflow": ["core/span"],
  "core/findings": ["core/lang", "core/span"],
  "core/iam": ["core/json", "core/lang", "core/span"],
  "core/oidc": ["core/iam", "core/lang", "core/workflow"],
  "core/config": ["core/findings"],
  // Run history against session lifetimes (issue 12): pure maths and charts over plain numbers.
  "core/durations": [],
  "core/engine": [
    "core/config",
    "core/findings",
    "core/iam",
    "core/lang",
    "core/oidc",
    "core/span",
    "core/workflow",
  ],
  "core/rules": [
    "core/durations",
    "core/engine",
    "core/findings",
    "core/iam",
    "core/lang",
    "core/oidc",
    "core/workflow",
  ],
  "core/report": [
    "core/durations",
    "core/engine",
    "core/findings",
    "core/iam",
    "core/lang",
    "core/oidc",
    "core/rules",
    "core/span",
  ],
  "core/render": ["core/engine", "core/findings", "core/iam", "core/rules", "core/span"],
  adapters: ["core/durations", "core/engine", "core/iam", "core/json", "core/span", "core/workflow"],
  // The analysis runtime (worker threads with a budget): runs the core's decide phase for a front door.
  worker: [
    "core/config",
    "core/engine",
    "core/findings",
    "core/oidc",
    "core/render",
    "core/report",
    "core/rules",
  ],
  cli: [
    "adapters",
    "core/config",
    "core/durations",
    "core/engine",
    "core/findings",
    "core/iam",
    "core/lang",
    "core/oidc",
    "core/render",
    "core/report",
    "core/rules",
    "worker",
  ],
  app: [
    "adapters",
    "core/config",
    "core/engine",
    "core/findings",
    "core/iam",
    "core/render",
    "core/report",
    "core/rules",
    "worker",
  ],
  bench: ["adapters", "app", "core/engine", "core/iam", "core/report", "worker"],
  // The library front door: exports of the core only.
  index: ["core/engine", "core/findings", "core/iam", "core/render", "core/report", "core/rules"],
};

/** The first cycle among `nodes` along `edges`, or null. */
function findCycle(edges: Map<string, Map<string, string>>): string[] | null {
  const state = new Map<string, "open" | "done">();
  const path: string[] = [];
  const visit = (n: string): string[] | null => {
    if (state.get(n) === "done") return null;
    if (state.get(n) === "open") return [...path.slice(path.indexOf(n)), n];
    state.set(n, "open");
    path.push(n);
    for (const m of [...(edges.get(n)?.keys() ?? [])].sort()) {
      const c = visit(m);
      if (c) return c;
    }
    path.pop();
    state.set(n, "done");
    return null;
  };
  for (const n of [...edges.keys()].sort()) {
    const c = visit(n);
    if (c) return c;
  }
  return null;
}

describe("architecture", () => {
  const { edges, packages } = readImports();

  it("reads the module graph (sanity: the decide phase imports the rules and the findings)", () => {
    expect(edges.get("core/report")?.has("core/rules")).toBe(true);
    expect(edges.get("core/rules")?.has("core/findings")).toBe(true);
  });

  it("has no import cycle between folders", () => {
    expect(findCycle(edges)).toBeNull();
  });

  it("every import follows an allowed edge (add a new one here on purpose)", () => {
    const unexpected: string[] = [];
    for (const [from, tos] of edges)
      for (const [to, file] of tos)
        if (!(ALLOWED[from] ?? []).includes(to)) unexpected.push(`${from} -> ${to} (e.g. ${file})`);
    expect(unexpected).toEqual([]);
  });

  it("the findings layer sits at the bottom: it imports no analysis, rule or renderer", () => {
    expect([...(edges.get("core/findings")?.keys() ?? [])].sort()).toEqual(["core/lang", "core/span"]);
  });

  it("the core imports no Node, AWS SDK, Octokit or Probot module", () => {
    const impure: string[] = [];
    for (const [unit, specs] of packages)
      if (unit.startsWith("core/"))
        for (const s of specs)
          if (
            /^(node:|@aws-sdk\/|@octokit\/|probot$|probot\/)/.test(s) ||
            /^(fs|path|os|crypto|child_process)$/.test(s)
          )
            impure.push(`${unit}: ${s}`);
    expect(impure).toEqual([]);
  });

  it("the core never imports from adapters or front doors", () => {
    const up: string[] = [];
    for (const [from, tos] of edges)
      if (from.startsWith("core/"))
        for (const to of tos.keys()) if (!to.startsWith("core/")) up.push(`${from} -> ${to}`);
    expect(up).toEqual([]);
  });
});
