import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  type ActionManifest,
  actionAwsCredentialsSteps,
  awsCredentialsSteps,
  parseActionManifest,
  parseWorkflow,
  stepInput,
  type Workflow,
  type WorkflowDiagnostic,
} from "../../../src/core/workflow/index.js";
import { CORPUS, CORPUS_WORKFLOWS } from "../../support/corpus.js";

const WORKFLOWS = CORPUS_WORKFLOWS;

interface ManifestEntry {
  kind: string;
  file: string;
  notes: string;
}

interface Parsed {
  name: string;
  workflow: Workflow | null;
  action: ActionManifest | null;
  diagnostics: WorkflowDiagnostic[];
}

function parseAll(): Map<string, Parsed> {
  const out = new Map<string, Parsed>();
  for (const name of readdirSync(WORKFLOWS).sort()) {
    const bytes = readFileSync(new URL(name, WORKFLOWS));
    if (/__action\.ya?ml$/.test(name)) {
      const r = parseActionManifest(bytes, name);
      out.set(name, { name, workflow: null, action: r.action, diagnostics: r.diagnostics });
    } else {
      const r = parseWorkflow(bytes, name);
      out.set(name, { name, workflow: r.workflow, action: null, diagnostics: r.diagnostics });
    }
  }
  return out;
}

describe("real-world corpus", () => {
  const started = performance.now();
  const parsed = parseAll();
  const elapsed = performance.now() - started;

  it("parses every file without throwing, into a model, fast", () => {
    expect(parsed.size).toBe(442);
    const withoutModel = [...parsed.values()].filter((p) => !p.workflow && !p.action).map((p) => p.name);
    expect(withoutModel).toEqual([]);
    expect(elapsed).toBeLessThan(15_000);
  });

  it("finds no problem in these valid real-world files (diagnostic counts by code)", () => {
    const counts: Record<string, number> = {};
    for (const p of parsed.values())
      for (const d of p.diagnostics) counts[d.code] = (counts[d.code] ?? 0) + 1;
    expect(counts).toEqual({});
  });

  it("finds a credentials step in every job the manifest says assumes a role", () => {
    const manifest = JSON.parse(readFileSync(new URL("manifest.json", CORPUS), "utf8")) as ManifestEntry[];
    // Notes read "... || aws jobs: <job> [environment=...] role=<arn>; <job> [calls <path>]; ... || ...".
    const listed = manifest.filter((e) => e.kind === "workflow" && e.notes.includes("aws jobs:"));
    expect(listed.length).toBe(297);
    let roleJobs = 0;
    let viaWrapper = 0;
    let calls = 0;
    const missing: string[] = [];
    for (const entry of listed) {
      const p = parsed.get(entry.file.replace(/^workflows\//, ""));
      expect(p, entry.file).toBeDefined();
      const tail = entry.notes.slice(entry.notes.indexOf("aws jobs:") + "aws jobs:".length);
      const withCreds = new Set<string>();
      const withRoleInput = new Set<string>();
      if (p!.action) {
        if (actionAwsCredentialsSteps(p!.action).length > 0) withCreds.add("(composite)");
      } else {
        for (const view of awsCredentialsSteps(p!.workflow!)) withCreds.add(view.job!.id.value);
        for (const job of p!.workflow!.jobs) {
          if (job.steps.some((s) => stepInput(s, "role-to-assume"))) withRoleInput.add(job.id.value);
        }
      }
      for (const m of tail.matchAll(/(?:^ |; )(\(composite\)|[\w.-]+)((?: \[[^\]]*\])*) role=/g)) {
        roleJobs++;
        const job = m[1]!;
        if (withCreds.has(job)) continue;
        // A wrapper action (e.g. `uses: ./` inside configure-aws-credentials itself) taking `role-to-assume`.
        if (withRoleInput.has(job)) viaWrapper++;
        else missing.push(`${entry.file}: ${job}`);
      }
      for (const m of tail.matchAll(/(?:^ |; )([\w.-]+) \[calls ([^\]]+)\]/g)) {
        calls++;
        const job = p!.workflow?.jobs.find((j) => j.id.value === m[1]);
        expect(job?.call?.uses.value, `${entry.file}: ${m[1]}`).toBe(m[2]);
      }
    }
    expect(missing).toEqual([]);
    expect(roleJobs).toBe(530);
    expect(viaWrapper).toBe(8);
    expect(calls).toBeGreaterThan(20);
  });

  it("resolves role-to-assume for most credentials steps", () => {
    let steps = 0;
    let withRole = 0;
    for (const p of parsed.values()) {
      const views = p.workflow
        ? awsCredentialsSteps(p.workflow)
        : p.action
          ? actionAwsCredentialsSteps(p.action)
          : [];
      steps += views.length;
      withRole += views.filter((v) => v.inputs["role-to-assume"]).length;
    }
    expect(steps).toBeGreaterThanOrEqual(530);
    expect(withRole / steps).toBeGreaterThan(0.85);
  });
});
