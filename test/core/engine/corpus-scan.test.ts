import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type CorpusRepo, loadCorpus, scanFiles } from "../../../src/bench/workflow-bench.js";
import type { ScanPlan } from "../../../src/core/engine/plan.js";
import type { ScanResult } from "../../../src/core/engine/scan-types.js";
import { renderScanJson } from "../../../src/core/render/scan-json.js";
import { CORPUS_DIR } from "../../support/corpus.js";
import { errorsOf, scanResultValidator } from "../render/validators.js";

interface ManifestEntry {
  kind: string;
  file: string;
  repo: string;
  path: string;
  notes: string;
}

interface Scanned {
  repo: CorpusRepo;
  plan: ScanPlan | null;
  result: ScanResult | null;
  thrown: string | null;
}

const corpus = loadCorpus(CORPUS_DIR);
const manifest = JSON.parse(readFileSync(`${CORPUS_DIR}manifest.json`, "utf8")) as ManifestEntry[];
const workflowEntries = manifest.filter((e) => e.kind === "workflow");

const scanned: Scanned[] = corpus.repos.map((repo) => {
  try {
    const { plan, result } = scanFiles(repo.fullName, repo.files, corpus.roles(repo.fullName));
    return { repo, plan, result, thrown: null };
  } catch (e) {
    return {
      repo,
      plan: null,
      result: null,
      thrown: e instanceof Error ? (e.stack ?? e.message) : String(e),
    };
  }
});
const ok = () => scanned.filter((s): s is Scanned & { plan: ScanPlan; result: ScanResult } => !!s.result);

type Accounted = "assumption" | "no-credentials" | "action" | "invalid";

/** How the scan accounts for each file of a repository, by repository path; missing = not accounted. */
function accountFor(plan: ScanPlan, result: ScanResult): Map<string, Accounted> {
  const out = new Map<string, Accounted>();
  const invalid = new Set(
    result.findings
      .filter((f) => f.rule === "workflow-invalid" && f.message.trim() !== "" && f.line >= 1)
      .map((f) => f.file),
  );
  for (const i of result.incomplete)
    if (i.rule === "workflow-invalid" && i.reason.trim()) invalid.add(i.subject);
  const withAssumption = new Set(result.assumptions.map((a) => a.file));
  const planned = new Set(plan.assumptions.map((a) => a.file));
  for (const w of plan.workflows) {
    if (withAssumption.has(w.file)) out.set(w.file, "assumption");
    else if (w.workflow && !planned.has(w.file)) out.set(w.file, "no-credentials");
    else if (invalid.has(w.file)) out.set(w.file, "invalid");
  }
  for (const a of plan.actions) {
    if (a.action) out.set(a.file, "action");
    else if (invalid.has(a.file)) out.set(a.file, "invalid");
  }
  return out;
}

function histogram(values: string[]): string {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .map(([k, n]) => `${k} ${n}`)
    .join(", ");
}

/** Jobs the manifest notes list as assuming a role in this file (`aws jobs: NAME ... role=...`). */
function manifestRoleJobs(notes: string): string[] {
  const list = /aws jobs: (.*?)(?: \|\| |$)/.exec(notes)?.[1];
  if (!list) return [];
  return list
    .split("; ")
    .filter((j) => / role=/.test(j) && !j.startsWith("("))
    .map((j) => j.split(" ")[0]!);
}

function summary(): string {
  const all = ok();
  const results = all.map((s) => s.result);
  const contexts = results.flatMap((r) => r.assumptions.flatMap((a) => a.contexts));
  const lines = [
    "# rolecall scan over the real-world corpus (test/corpus/workflows), one scan per source repository,",
    "# written by test/core/engine/corpus-scan.test.ts. Roles: corpus policies matched by role name.",
    "# Per repository: files (read/with assumptions/invalid), assumptions, context decisions, rule ids.",
    "# `manifest:` lines list jobs the manifest notes say assume a role in a file but the scan has no",
    "# assumption for (and the reverse). `location:` lines list assumptions whose line is not in the",
    "# file or is neither a `role-to-assume`, the job's line nor the step's first line (a located bug to fix).",
    "# Review a change before `vitest -u`.",
    "#",
    `# ${scanned.length} repositories, ${workflowEntries.length} files; ${all.length} scanned`,
    `# assumptions ${results.reduce((n, r) => n + r.assumptions.length, 0)}, contexts ${contexts.length}`,
    `# decisions: ${histogram(contexts.map((c) => c.decision))}`,
    `# rules: ${histogram(results.flatMap((r) => r.findings.map((f) => f.rule)))}`,
    `# incomplete: ${results.filter((r) => !r.complete).length} repositories`,
    "",
  ];
  for (const s of scanned) {
    lines.push(s.repo.fullName);
    if (!s.result || !s.plan) {
      lines.push("    THREW");
      continue;
    }
    const r = s.result;
    const acc = accountFor(s.plan, r);
    const kinds = histogram([...acc.values()]);
    lines.push(`    files ${s.repo.files.length}: ${kinds}`);
    const roles = new Set(r.assumptions.map((a) => a.role ?? "(unresolved)"));
    lines.push(`    assumptions ${r.assumptions.length} (roles ${roles.size})`);
    const decisions = histogram(r.assumptions.flatMap((a) => a.contexts.map((c) => c.decision)));
    if (decisions) lines.push(`    decisions: ${decisions}`);
    const rules = histogram(r.findings.map((f) => f.rule));
    if (rules) lines.push(`    rules: ${rules}`);
    const text = new Map(s.repo.files.map((f) => [f.path, f.text.split(/\r?\n/)]));
    const misplaced = new Map<string, string[]>();
    for (const a of r.assumptions) {
      const line = text.get(a.file)?.[a.line - 1];
      // The role's line, the job's line, or the step that assumes it (a local composite action, or
      // a step with no role-to-assume) are all right.
      if (
        line !== undefined &&
        (line.includes("role-to-assume") || line.includes(a.job) || /^\s*- (name|uses|id):/.test(line))
      )
        continue;
      const key = `${a.file}:${a.line} (${line === undefined ? "past the end of the file" : JSON.stringify(line.trim().slice(0, 40))})`;
      misplaced.set(key, [...new Set([...(misplaced.get(key) ?? []), a.job])]);
    }
    for (const [at, jobs] of misplaced) lines.push(`    location: ${at}: ${jobs.join(", ")}`);
    for (const f of s.repo.files) {
      const entry = workflowEntries.find((e) => e.repo === s.repo.fullName && e.path === f.path);
      const expected = new Set(manifestRoleJobs(entry?.notes ?? ""));
      const found = new Set(r.assumptions.filter((a) => a.file === f.path).map((a) => a.job));
      const missed = [...expected].filter((j) => !found.has(j));
      const extra = [...found].filter((j) => !expected.has(j));
      if (missed.length) lines.push(`    manifest: ${f.path}: no assumption for ${missed.join(", ")}`);
      if (extra.length && expected.size)
        lines.push(`    manifest: ${f.path}: assumption not in notes: ${extra.join(", ")}`);
    }
  }
  return `${lines.join("\n")}\n`;
}

describe("rolecall scan over the real-world corpus", () => {
  it("scans every repository without throwing", () => {
    expect(corpus.repos.reduce((n, r) => n + r.files.length, 0)).toBe(workflowEntries.length);
    expect(scanned.filter((s) => s.thrown).map((s) => `${s.repo.fullName}: ${s.thrown}`)).toEqual([]);
  });

  it("accounts for every workflow file of the manifest", () => {
    const expected = workflowEntries.map((e) => `${e.repo}:${e.path}`).sort();
    const accounted: string[] = [];
    for (const s of ok())
      for (const file of accountFor(s.plan, s.result).keys()) accounted.push(`${s.repo.fullName}:${file}`);
    expect(accounted.sort()).toEqual(expected);
  });

  it("gives every workflow-invalid finding a reason and a line", () => {
    const bad = ok().flatMap((s) =>
      s.result.findings
        .filter(
          (f) => f.rule === "workflow-invalid" && (f.message.trim() === "" || f.line < 1 || f.column < 1),
        )
        .map((f) => `${s.repo.fullName}:${f.file}:${f.line}:${f.column} ${JSON.stringify(f.message)}`),
    );
    expect(bad).toEqual([]);
    for (const s of ok())
      for (const i of s.result.incomplete)
        expect(i.reason.trim(), `${s.repo.fullName} ${i.subject}`).not.toBe("");
  });

  it("produces results the v1 JSON Schema accepts", () => {
    const validate = scanResultValidator();
    for (const s of ok()) {
      const raw = JSON.parse(JSON.stringify(s.result));
      expect(validate(raw), `${s.repo.fullName}: ${errorsOf(validate)}`).toBe(true);
      const doc = JSON.parse(JSON.stringify(renderScanJson(s.result)));
      expect(validate(doc), `${s.repo.fullName}: ${errorsOf(validate)}`).toBe(true);
    }
  });

  it("is incomplete exactly when something is listed in incomplete[]", () => {
    for (const s of ok()) expect(s.result.complete, s.repo.fullName).toBe(s.result.incomplete.length === 0);
  });

  it("matches the reviewed per-repository summary", async () => {
    await expect(summary()).toMatchFileSnapshot("__snapshots__/corpus-scan.txt");
  });
});
