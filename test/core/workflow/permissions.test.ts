import { describe, expect, it } from "vitest";
import {
  calledJobGrant,
  effectiveIdTokenGrant,
  effectivePermissions,
  findJob,
  parseWorkflow,
  type Workflow,
} from "../../../src/core/workflow/index.js";
import { at, workflowOf } from "./fixture.js";

function wf(text: string): Workflow {
  const { workflow, diagnostics } = parseWorkflow(text, "p.yml");
  expect(diagnostics).toEqual([]);
  return workflow!;
}

const job = (permissions: string) =>
  `jobs:\n  j:\n    runs-on: x\n${permissions}    steps:\n      - run: echo\n`;

describe("effectiveIdTokenGrant", () => {
  it("is `none` by default when no block is present anywhere", () => {
    const w = wf(`on: push\n${job("")}`);
    expect(effectiveIdTokenGrant(w.jobs[0]!, w)).toEqual({ level: "none", source: "default" });
  });

  it("takes the workflow block when the job has none, with the deciding entry", () => {
    const w = wf(`on: push\npermissions:\n  id-token: write\n${job("")}`);
    const grant = effectiveIdTokenGrant(w.jobs[0]!, w);
    expect(grant).toMatchObject({
      level: "write",
      source: "workflow",
      entry: { value: { route: "permissions.id-token" } },
    });
    expect(at(grant.entry!.value.span)).toBe("3:13");
  });

  it("lets the job block replace the workflow block; unlisted scopes become none", () => {
    const w = wf(
      `on: push\npermissions:\n  id-token: write\n${job("    permissions:\n      contents: read\n")}`,
    );
    const grant = effectiveIdTokenGrant(w.jobs[0]!, w);
    expect(grant).toMatchObject({ level: "none", source: "job", block: { route: "jobs.j.permissions" } });
    expect(grant.entry).toBeUndefined();
  });

  it("reads the shorthands and the empty mapping", () => {
    const writeAll = wf(`on: push\npermissions: write-all\n${job("")}`);
    expect(effectiveIdTokenGrant(writeAll.jobs[0]!, writeAll)).toMatchObject({
      level: "write",
      source: "workflow",
    });
    const readAll = wf(`on: push\n${job("    permissions: read-all\n")}`);
    expect(effectiveIdTokenGrant(readAll.jobs[0]!, readAll)).toMatchObject({ level: "read", source: "job" });
    const none = wf(`on: push\npermissions: write-all\n${job("    permissions: {}\n")}`);
    expect(effectiveIdTokenGrant(none.jobs[0]!, none)).toMatchObject({ level: "none", source: "job" });
    expect(none.jobs[0]!.permissions).toMatchObject({ form: "map", scopes: [] });
  });

  it("answers other scopes through effectivePermissions, with the repository default when known", () => {
    const w = wf(`on: push\n${job("")}`);
    expect(effectivePermissions(w.jobs[0]!, w).level("contents")).toBe("unknown");
    expect(effectivePermissions(w.jobs[0]!, w, "restricted").level("contents")).toBe("read");
    expect(effectivePermissions(w.jobs[0]!, w, "restricted").level("issues")).toBe("none");
    expect(effectivePermissions(w.jobs[0]!, w, "permissive").level("issues")).toBe("write");
    expect(effectivePermissions(w.jobs[0]!, w, "permissive").level("id-token")).toBe("none");
  });

  it("reports an empty `permissions:` and treats it as granting nothing", () => {
    const { workflow, diagnostics } = parseWorkflow(`on: push\npermissions:\n${job("")}`, "p.yml");
    expect(diagnostics.map((d) => [d.code, d.route])).toEqual([["invalid-shape", "permissions"]]);
    expect(effectiveIdTokenGrant(workflow!.jobs[0]!, workflow!).level).toBe("none");
  });
});

describe("calledJobGrant (reusable workflows)", () => {
  const caller = workflowOf("reusable-caller.yml");
  const called = workflowOf("reusable-called.yml");
  const deploy = findJob(called, "deploy")!;
  const report = findJob(called, "report")!;

  it("grants what the called job asks for when the caller allows it", () => {
    const grant = calledJobGrant(deploy, called, effectivePermissions(findJob(caller, "local")!, caller));
    expect(grant).toMatchObject({
      kind: "granted",
      idToken: {
        level: "write",
        source: "job",
        entry: { value: { route: "jobs.deploy.permissions.id-token" } },
      },
      uncertainScopes: [],
    });
  });

  it("lets a called job without permissions inherit the caller's grant", () => {
    const grant = calledJobGrant(report, called, effectivePermissions(findJob(caller, "local")!, caller));
    expect(grant).toMatchObject({ kind: "granted", idToken: { level: "write", source: "caller" } });
    if (grant.kind === "granted") expect(grant.permissions.level("contents")).toBe("read");
  });

  it("refuses the run when the called job asks for more than the caller granted", () => {
    // `remote` inherits the caller workflow's `contents: read` only: id-token is none.
    const grant = calledJobGrant(deploy, called, effectivePermissions(findJob(caller, "remote")!, caller));
    expect(grant).toMatchObject({
      kind: "refused",
      scope: "id-token",
      requested: "write",
      allowed: "none",
      block: { route: "jobs.deploy.permissions" },
      message:
        "The nested job 'deploy' is requesting 'id-token: write', but is only allowed 'id-token: none'.",
    });
  });

  it("uses the called workflow's block when the called job has none", () => {
    const calledWf = wf(`on: workflow_call\npermissions: write-all\n${job("")}`);
    const callerWf = wf(
      `on: push\njobs:\n  c:\n    permissions: read-all\n    uses: ./.github/workflows/x.yml\n`,
    );
    const grant = calledJobGrant(
      calledWf.jobs[0]!,
      calledWf,
      effectivePermissions(callerWf.jobs[0]!, callerWf),
    );
    expect(grant).toMatchObject({ kind: "refused", scope: "id-token", requested: "write", allowed: "read" });
    if (grant.kind === "refused") expect(grant.message).toMatch(/^The called workflow is requesting/);
  });

  it("cannot decide other scopes against an unknown repository default, but id-token still refuses", () => {
    const calledWf = wf(`on: workflow_call\n${job("    permissions:\n      contents: write\n")}`);
    const callerWf = wf(`on: push\njobs:\n  c:\n    uses: ./.github/workflows/x.yml\n`);
    const grant = calledJobGrant(
      calledWf.jobs[0]!,
      calledWf,
      effectivePermissions(callerWf.jobs[0]!, callerWf),
    );
    expect(grant).toMatchObject({
      kind: "granted",
      idToken: { level: "none" },
      uncertainScopes: ["contents"],
    });
    const restricted = calledJobGrant(
      calledWf.jobs[0]!,
      calledWf,
      effectivePermissions(callerWf.jobs[0]!, callerWf, "restricted"),
    );
    expect(restricted).toMatchObject({
      kind: "refused",
      scope: "contents",
      requested: "write",
      allowed: "read",
    });
  });

  it("chains through nested reusable workflows", () => {
    const top = wf(
      `on: push\njobs:\n  c:\n    permissions:\n      id-token: write\n    uses: ./.github/workflows/l1.yml\n`,
    );
    const level1 = wf(`on: workflow_call\njobs:\n  l1:\n    uses: ./.github/workflows/l2.yml\n`);
    const level2 = wf(`on: workflow_call\n${job("    permissions:\n      id-token: write\n")}`);
    const l1 = calledJobGrant(level1.jobs[0]!, level1, effectivePermissions(top.jobs[0]!, top));
    expect(l1.kind).toBe("granted");
    if (l1.kind !== "granted") return;
    const l2 = calledJobGrant(level2.jobs[0]!, level2, l1.permissions);
    expect(l2).toMatchObject({ kind: "granted", idToken: { level: "write", source: "job" } });
  });
});
