import { describe, expect, it } from "vitest";
import { lookupRole, roleMapFrom } from "../../../src/core/config/role-map.js";
import { toIamPattern } from "../../../src/core/engine/suggest-policy.js";
import {
  contexts,
  findingsOf,
  K,
  MAIN_SUB,
  PROVIDER,
  ROLE,
  SUB,
  scan,
  subEquals,
  subLike,
  trustPolicy,
} from "./scan-harness.js";

/** Regressions found by an independent review of the scan engine (one test per bug). */
const step = `      - uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502
        with:
          role-to-assume: ${ROLE}
          aws-region: eu-west-1
`;

describe("review regressions", () => {
  it("a job in a reusable workflow called by a reusable workflow gets its top caller's runs", () => {
    const files = {
      ".github/workflows/a.yml":
        "on:\n  push:\n    branches: [main]\npermissions:\n  id-token: write\njobs:\n  call:\n    uses: ./.github/workflows/b.yml\n",
      ".github/workflows/b.yml": "on: workflow_call\njobs:\n  call:\n    uses: ./.github/workflows/c.yml\n",
      ".github/workflows/c.yml": `on: workflow_call\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n${step}`,
    };
    const { result } = scan({ files, roles: { [ROLE]: subEquals(SUB("ref:refs/heads/dev")) } });
    const rows = contexts(result, "deploy");
    expect(rows.map((c) => [c.event, c.ref, c.decision])).toEqual([["push", "refs/heads/main", "deny"]]);
    expect(findingsOf(result, "sub-not-trusted")).toHaveLength(1);
  });

  it("a call to a missing local workflow is a workflow-invalid finding and the scan is incomplete", () => {
    const files = {
      ".github/workflows/a.yml": "on: push\njobs:\n  call:\n    uses: ./.github/workflows/nope.yml\n",
    };
    const { result } = scan({ files });
    expect(findingsOf(result, "workflow-invalid")[0]).toMatchObject({
      file: ".github/workflows/a.yml",
      line: 4,
    });
    expect(result.complete).toBe(false);
  });

  it("inputs.X is empty on push: the environment chosen by a dispatch input does not apply to push runs", () => {
    const files = {
      ".github/workflows/d.yml": `on:
  push:
    branches: [main]
  workflow_dispatch:
    inputs:
      env:
        type: choice
        options: [prod]
permissions:
  id-token: write
jobs:
  deploy:
    runs-on: ubuntu-latest
    environment: \${{ inputs.env }}
    steps:
${step}`,
    };
    const { result } = scan({ files, roles: { [ROLE]: subEquals(SUB("environment:prod")) } });
    const push = contexts(result, "deploy").filter((c) => c.event === "push");
    expect(push.map((c) => [c.environment, c.sub, c.decision])).toEqual([[null, MAIN_SUB, "deny"]]);
    const dispatch = contexts(result, "deploy").filter((c) => c.event === "workflow_dispatch");
    expect(dispatch.every((c) => c.environment === "prod" && c.decision === "allow")).toBe(true);
  });

  it("an explicit Deny is named as such, never as a missing trust to add", () => {
    const deny = {
      Effect: "Deny",
      Principal: { Federated: PROVIDER },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: { StringLike: { [K("sub")]: "*:pull_request" } },
    };
    const files = {
      ".github/workflows/ci.yml": `on: [push, pull_request]\npermissions:\n  id-token: write\njobs:\n  test:\n    runs-on: ubuntu-latest\n    steps:\n${step}`,
    };
    const { result } = scan({
      files,
      roles: { [ROLE]: trustPolicy({ StringLike: { [K("sub")]: SUB("*") } }, { extra: [deny] }) },
    });
    const f = findingsOf(result, "sub-not-trusted");
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain("explicit Deny");
    expect(f[0]!.fix).toContain("overrides every Allow");
    // The Deny already takes pull_request away: it is not "more than needed".
    for (const w of findingsOf(result, "trust-wider-than-needed"))
      expect(w.message).not.toContain(":pull_request`");
  });

  it("an environment computed at run time from a too-large matrix is indeterminate, not a hard deny", () => {
    const xs = Array.from({ length: 20 }, (_, i) => `a${i}`);
    const ys = Array.from({ length: 15 }, (_, i) => `b${i}`);
    const files = {
      ".github/workflows/m.yml": `on: push\npermissions:\n  id-token: write\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    strategy:\n      matrix:\n        x: [${xs.join(", ")}]\n        y: [${ys.join(", ")}]\n    environment: \${{ matrix.x }}\n    steps:\n${step}`,
    };
    const { result } = scan({
      files,
      roles: { [ROLE]: subEquals(...xs.map((x) => SUB(`environment:${x}`))) },
    });
    expect(contexts(result, "deploy").every((c) => c.decision !== "deny")).toBe(true);
    expect(findingsOf(result, "sub-not-trusted")).toEqual([]);
  });

  it("suggested patterns keep [..]+ classes open-ended", () => {
    expect(toIamPattern("repo:o/r:ref:refs/tags/v[0-9]+.[0-9]+.[0-9]+")).toBe(
      "repo:o/r:ref:refs/tags/v*.*.*",
    );
    expect(toIamPattern("repo:o/r:ref:refs/heads/release/**")).toBe("repo:o/r:ref:refs/heads/release/*");
  });

  it("role maps match environment names case-insensitively, as GitHub does", () => {
    const map = roleMapFrom({
      "secrets.DEPLOY_ROLE": {
        production: "arn:aws:iam::111122223333:role/prod",
        default: "arn:aws:iam::111122223333:role/dev",
      },
    });
    expect(lookupRole(map, "secrets.DEPLOY_ROLE", "Production")).toBe("arn:aws:iam::111122223333:role/prod");
  });

  it("more than 64 role alternatives: the rest is reported, never dropped silently", () => {
    const options = Array.from({ length: 70 }, (_, i) => `t${i}`);
    const files = {
      ".github/workflows/c.yml": `on:\n  workflow_dispatch:\n    inputs:\n      target:\n        type: choice\n        options: [${options.join(", ")}]\npermissions:\n  id-token: write\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    steps:\n      - uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502\n        with:\n          role-to-assume: arn:aws:iam::111122223333:role/\${{ inputs.target }}\n          aws-region: eu-west-1\n`,
    };
    const { result } = scan({ files, roles: { [ROLE]: subLike(SUB("*")) } });
    expect(result.complete).toBe(false);
    expect(findingsOf(result, "role-unresolved").length).toBeGreaterThan(0);
  });

  it("an environment spelled differently from its stored name is indeterminate when the answer depends on it (§2.3)", () => {
    const files = {
      ".github/workflows/d.yml": `on: push\npermissions:\n  id-token: write\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    environment: production\n    steps:\n${step}`,
    };
    const policy = subEquals(SUB("environment:production"));
    const mixed = scan({ files, roles: { [ROLE]: policy }, repo: { environments: ["Production"] } }).result;
    expect(new Set(contexts(mixed, "deploy").map((c) => c.decision))).toEqual(new Set(["indeterminate"]));
    expect(contexts(mixed, "deploy")[0]!.reason).toContain("stored as `Production`");
    const same = scan({ files, roles: { [ROLE]: policy }, repo: { environments: ["production"] } }).result;
    expect(new Set(contexts(same, "deploy").map((c) => c.decision))).toEqual(new Set(["allow"]));
  });
});
