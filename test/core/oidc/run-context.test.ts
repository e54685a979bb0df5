// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${{ }}` is literal GitHub expression syntax here.
/**
 * Run contexts as a user reads them in the scan result: OIDC-SEMANTICS §2.4 per trigger, `if:`
 * pruning (DESIGN §4), reusable workflows, matrices and role resolution. Everything goes through
 * `planScan` + `runScan`; the trust policy is chosen so the decision itself says something.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { roleMapFrom } from "../../../src/core/config/role-map.js";
import type { RunContextResult } from "../../../src/core/engine/scan-types.js";
import {
  contextOf,
  contexts,
  findingsOf,
  K,
  locate,
  MAIN_SUB,
  PROVIDER,
  ROLE,
  roleArn,
  rows,
  type ScanInput,
  SUB,
  scan,
  subEquals,
  subLike,
  trustPolicy,
  type WorkflowSpec,
  workflow,
} from "../engine/scan-harness.js";

const WF = ".github/workflows/deploy.yml";
/** Admits every subject of the repository: the decision is `allow` wherever a token is minted. */
const ANY = subLike(SUB("*"));

function run(spec: WorkflowSpec, opts: Omit<ScanInput, "files"> = {}) {
  return scan({ files: { [WF]: workflow(spec) }, roles: { [ROLE]: ANY }, ...opts }).result;
}

/** `[event, ref, fork, sub, decision]` per context. */
function table(spec: WorkflowSpec, opts: Omit<ScanInput, "files"> = {}) {
  return rows(run(spec, opts)).map((r) => [r.event, r.ref, r.fork, r.sub, r.decision]);
}

const isTagRef = (c: RunContextResult) => c.ref?.startsWith("refs/tags/") === true;
const isBranchRef = (c: RunContextResult) => c.ref?.startsWith("refs/heads/") === true;

describe("§2.4 push", () => {
  it("branches: [main] is one concrete context and no tag context", () => {
    expect(table({ on: "  push:\n    branches: [main]" })).toEqual([
      ["push", "refs/heads/main", false, MAIN_SUB, "allow"],
    ]);
  });

  it("a list of literal branches gives one concrete context each", () => {
    expect(table({ on: "  push:\n    branches: [main, develop]" })).toEqual([
      ["push", "refs/heads/main", false, MAIN_SUB, "allow"],
      ["push", "refs/heads/develop", false, SUB("ref:refs/heads/develop"), "allow"],
    ]);
  });

  it("tags only: tag contexts and no branch context", () => {
    const r = run({ on: "  push:\n    tags: ['v*']" });
    const cs = contexts(r);
    expect(cs.length).toBeGreaterThan(0);
    expect(cs.every(isTagRef)).toBe(true);
    for (const c of cs) expect(c.sub).toMatch(/^repo:octo-org\/octo-repo:ref:refs\/tags\//);
  });

  it("tags: ['v*'] is admitted by a refs/tags/v* pin and not by a main pin", () => {
    const spec = { on: "  push:\n    tags: ['v*']" };
    const ok = run(spec, { roles: { [ROLE]: subLike(SUB("ref:refs/tags/v*")) } });
    expect(contexts(ok).map((c) => c.decision)).toEqual(["allow"]);
    const no = run(spec, { roles: { [ROLE]: subEquals(MAIN_SUB) } });
    expect(contexts(no).map((c) => c.decision)).toEqual(["deny"]);
    expect(findingsOf(no, "sub-not-trusted")).toHaveLength(1);
  });

  it("tags: [v1.0.0] (a literal tag) is a concrete tag context", () => {
    expect(table({ on: "  push:\n    tags: [v1.0.0]" })).toEqual([
      ["push", "refs/tags/v1.0.0", false, SUB("ref:refs/tags/v1.0.0"), "allow"],
    ]);
  });

  it("branches-ignore only: branch contexts (all but the ignored), no tag context", () => {
    const spec = { on: "  push:\n    branches-ignore: [main]" };
    const cs = contexts(run(spec));
    expect(cs).toHaveLength(1);
    expect(cs.every(isBranchRef)).toBe(true);
    // Every branch but main: a main pin admits none of them; refs/heads/* admits all.
    const pinned = contexts(run(spec, { roles: { [ROLE]: subEquals(MAIN_SUB) } }))[0]!;
    expect(pinned.decision).toBe("deny");
    expect(pinned.reason).toMatch(/none/);
    const wide = contexts(run(spec, { roles: { [ROLE]: subLike(SUB("ref:refs/heads/*")) } }))[0]!;
    expect(wide.decision).toBe("allow");
  });

  it("branches-ignore: [main] excludes main itself (a policy admitting every branch except main allows)", () => {
    const policy = trustPolicy({
      StringLike: { [K("sub")]: SUB("ref:refs/heads/*") },
      StringNotEquals: { [K("sub")]: MAIN_SUB },
    });
    const c = contexts(
      run({ on: "  push:\n    branches-ignore: [main]" }, { roles: { [ROLE]: policy } }),
    )[0]!;
    expect(c.decision).toBe("allow");
  });

  it("tags-ignore only: tag contexts, no branch context", () => {
    const cs = contexts(run({ on: "  push:\n    tags-ignore: ['nightly-*']" }));
    expect(cs).toHaveLength(1);
    expect(cs.every(isTagRef)).toBe(true);
  });

  it("no filter: every branch and every tag", () => {
    const cs = contexts(run({ on: "  push:" }));
    expect(cs).toHaveLength(2);
    expect(cs.filter(isBranchRef)).toHaveLength(1);
    expect(cs.filter(isTagRef)).toHaveLength(1);
    // A main pin admits only some of the branches: denied.
    const pinned = contexts(run({ on: "  push:" }, { roles: { [ROLE]: subEquals(MAIN_SUB) } }));
    expect(pinned.map((c) => c.decision)).toEqual(["deny", "deny"]);
  });

  it("`on: push` in string and list form behaves as an unfiltered push", () => {
    const text = workflow().replace("on:\n  push:\n    branches: [main]", "on: [push]");
    const cs = contexts(scan({ files: { [WF]: text }, roles: { [ROLE]: ANY } }).result);
    expect(cs.filter(isBranchRef)).toHaveLength(1);
    expect(cs.filter(isTagRef)).toHaveLength(1);
  });

  it("branches and tags together: both kinds", () => {
    const cs = contexts(run({ on: "  push:\n    branches: [main]\n    tags: ['v*']" }));
    expect(cs.map((c) => c.ref)).toContain("refs/heads/main");
    expect(cs.filter(isTagRef)).toHaveLength(1);
  });
});

describe("§2.4 pull requests", () => {
  it("pull_request: the pull_request subject for branches of the repository, no token for forks", () => {
    const r = run({ on: "  pull_request:\n    branches: [main]" });
    const same = contextOf(r, "pull_request", { fork: false });
    expect(same).toMatchObject({ sub: SUB("pull_request"), decision: "allow", environment: null });
    expect(same.ref).toMatch(/^refs\/pull\//);
    const fork = contextOf(r, "pull_request", { fork: true });
    expect(fork.decision).toBe("no-token");
  });

  it("an environment beats pull_request in the subject (the fork still gets no token)", () => {
    const r = run({ on: "  pull_request:", jobExtra: "    environment: preview\n" });
    expect(contextOf(r, "pull_request", { fork: false }).sub).toBe(SUB("environment:preview"));
    expect(contextOf(r, "pull_request", { fork: true }).decision).toBe("no-token");
  });

  it("pull_request_target: the default branch ref, both candidates, forks get a token", () => {
    const r = run({ on: "  pull_request_target:" }, { repo: { defaultBranch: "trunk" } });
    for (const fork of [false, true]) {
      const c = contextOf(r, "pull_request_target", { fork });
      expect(c.ref).toBe("refs/heads/trunk");
      expect(c.sub).toEqual([SUB("pull_request"), SUB("ref:refs/heads/trunk")]);
      expect(c.decision).toBe("allow");
    }
  });

  it("pull_request_review: candidates disagree under a pull_request pin → indeterminate", () => {
    const r = run({ on: "  pull_request_review:" }, { roles: { [ROLE]: subEquals(SUB("pull_request")) } });
    const c = contextOf(r, "pull_request_review", { fork: false });
    expect(Array.isArray(c.sub) && c.sub[0]).toBe(SUB("pull_request"));
    expect(c.decision).toBe("indeterminate");
    expect(contextOf(r, "pull_request_review", { fork: true }).decision).toBe("no-token");
  });
});

describe("§2.4 workflow_dispatch", () => {
  const spec = { on: "  workflow_dispatch:" };

  it("the default branch, any other branch, any tag", () => {
    const cs = contexts(run(spec));
    expect(cs).toHaveLength(3);
    expect(cs[0]).toMatchObject({ event: "workflow_dispatch", ref: "refs/heads/main", sub: MAIN_SUB });
    expect(cs.filter(isBranchRef)).toHaveLength(2);
    expect(cs.filter(isTagRef)).toHaveLength(1);
  });

  it("a main pin allows main and denies the others, without reporting that protection as breakage", () => {
    const r = run(spec, { roles: { [ROLE]: subEquals(MAIN_SUB) } });
    expect(contexts(r).map((c) => c.decision)).toEqual(["allow", "deny", "deny"]);
    expect(findingsOf(r, "sub-not-trusted")).toEqual([]);
  });

  it("other branches exclude the default branch (a policy admitting all branches but main denies none of them)", () => {
    const policy = trustPolicy({
      StringLike: { [K("sub")]: [SUB("ref:refs/heads/*"), SUB("ref:refs/tags/*")] },
      StringNotEquals: { [K("sub")]: MAIN_SUB },
    });
    const cs = contexts(run(spec, { roles: { [ROLE]: policy } }));
    expect(cs.map((c) => c.decision)).toEqual(["deny", "allow", "allow"]);
  });
});

describe("§2.4 events that run on the default branch", () => {
  for (const [event, on] of [
    ["schedule", "  schedule:\n    - cron: '0 3 * * *'"],
    ["workflow_run", "  workflow_run:\n    workflows: [CI]\n    types: [completed]"],
    ["issue_comment", "  issue_comment:\n    types: [created]"],
    ["repository_dispatch", "  repository_dispatch:\n    types: [deploy]"],
    ["delete", "  delete:"],
  ] as const) {
    it(`${event} runs on the default branch`, () => {
      expect(table({ on }, { repo: { defaultBranch: "trunk" } })).toEqual([
        [event, "refs/heads/trunk", false, SUB("ref:refs/heads/trunk"), "allow"],
      ]);
    });
  }
});

describe("§2.4 release, create, deployment, merge_group", () => {
  it("release: any tag", () => {
    const spec = { on: "  release:\n    types: [published]" };
    const cs = contexts(run(spec));
    expect(cs).toHaveLength(1);
    expect(cs.every(isTagRef)).toBe(true);
    const vOnly = contexts(run(spec, { roles: { [ROLE]: subLike(SUB("ref:refs/tags/v*")) } }))[0]!;
    expect(vOnly.decision).toBe("deny");
    expect(vOnly.reason).toMatch(/some/);
    const tags = contexts(run(spec, { roles: { [ROLE]: subLike(SUB("ref:refs/tags/*")) } }))[0]!;
    expect(tags.decision).toBe("allow");
  });

  it("create: any branch and any tag", () => {
    const cs = contexts(run({ on: "  create:" }));
    expect(cs.filter(isBranchRef)).toHaveLength(1);
    expect(cs.filter(isTagRef)).toHaveLength(1);
    expect(cs).toHaveLength(2);
  });

  it("deployment: branches, tags, and a deployment of a SHA whose subject is unknown → indeterminate", () => {
    const r = run({ on: "  deployment:" }, { roles: { [ROLE]: subEquals(MAIN_SUB) } });
    const cs = contexts(r);
    expect(cs.filter(isBranchRef)).toHaveLength(1);
    expect(cs.filter(isTagRef)).toHaveLength(1);
    const sha = cs.find((c) => c.ref === null);
    expect(sha).toBeDefined();
    expect(sha!.decision).toBe("indeterminate");
  });

  it("deployment of a SHA into an environment: the environment subject is known → decided", () => {
    const r = run(
      { on: "  deployment:", jobExtra: "    environment: production\n" },
      { roles: { [ROLE]: subEquals(SUB("environment:production")) } },
    );
    const cs = contexts(r);
    expect(cs).toHaveLength(3);
    for (const c of cs) {
      expect(c.sub).toBe(SUB("environment:production"));
      expect(c.decision).toBe("allow");
    }
  });

  it("merge_group: refs under refs/heads/gh-readonly-queue/", () => {
    const r = run({ on: "  merge_group:" });
    const c = contextOf(r, "merge_group");
    expect(c.ref).toMatch(/^refs\/heads\/gh-readonly-queue\//);
    expect(c.sub).toMatch(/^repo:octo-org\/octo-repo:ref:refs\/heads\/gh-readonly-queue\//);
    const branches = run({ on: "  merge_group:" }, { roles: { [ROLE]: subLike(SUB("ref:refs/heads/*")) } });
    expect(contextOf(branches, "merge_group").decision).toBe("allow");
  });
});

describe("job if: pruning", () => {
  const noFilter = "  push:";
  const jobIf = (cond: string) => `    if: ${cond}\n`;
  /**
   * GitHub compares strings case-insensitively, so `github.ref == 'refs/heads/main'` also holds for
   * a branch `Main`. `StringEqualsIgnoreCase` on `main` admits exactly main and its case variants:
   * an allow proves every other branch (and every tag) was pruned.
   */
  const mainAnyCase = trustPolicy({ StringEqualsIgnoreCase: { [K("sub")]: MAIN_SUB } });
  /** A second Allow statement (OR), e.g. main in any case OR some tags. */
  const orStatement = (op: string, sub: string | string[]) => ({
    Effect: "Allow",
    Principal: { Federated: PROVIDER },
    Action: "sts:AssumeRoleWithWebIdentity",
    Condition: { StringEquals: { [K("aud")]: "sts.amazonaws.com" }, [op]: { [K("sub")]: sub } },
  });

  it("github.ref == 'refs/heads/main' keeps only main (other branches, tags and PRs pruned)", () => {
    const r = run(
      { on: `${noFilter}\n  pull_request:`, jobExtra: jobIf("github.ref == 'refs/heads/main'") },
      { roles: { [ROLE]: mainAnyCase } },
    );
    const cs = contexts(r);
    expect(cs.map((c) => [c.event, c.fork, c.decision])).toEqual([["push", false, "allow"]]);
    expect(isBranchRef(cs[0]!)).toBe(true);
  });

  it("the common guard: on push + if github.ref == 'refs/heads/main' + a main pin is allowed, no finding", () => {
    // Only a branch spelled `Main`/`MAIN` (which someone would have to create) differs; like a
    // dispatch on another branch, a deny there is protection, not a broken deploy (DESIGN §2.2, §4).
    const r = run(
      { on: noFilter, jobExtra: jobIf("github.ref == 'refs/heads/main'") },
      { roles: { [ROLE]: subEquals(MAIN_SUB) } },
    );
    expect(contexts(r).some((c) => c.ref === "refs/heads/main" && c.decision === "allow")).toBe(true);
    expect(findingsOf(r, "sub-not-trusted")).toEqual([]);
  });

  it("the ${{ }} form prunes the same way", () => {
    const r = run(
      { on: noFilter, jobExtra: jobIf("${{ github.ref == 'refs/heads/main' }}") },
      { roles: { [ROLE]: mainAnyCase } },
    );
    expect(contexts(r).map((c) => [c.event, c.decision])).toEqual([["push", "allow"]]);
  });

  it("startsWith(github.ref, 'refs/tags/v') keeps only v-tags (either case), no branch", () => {
    const spec = { on: noFilter, jobExtra: jobIf("startsWith(github.ref, 'refs/tags/v')") };
    const policy = subLike(SUB("ref:refs/tags/v*"), SUB("ref:refs/tags/V*"));
    const cs = contexts(run(spec, { roles: { [ROLE]: policy } }));
    expect(cs).toHaveLength(1);
    expect(isTagRef(cs[0]!)).toBe(true);
    expect(cs[0]!.decision).toBe("allow");
  });

  it("the common tag guard: startsWith(github.ref, 'refs/tags/v') + a refs/tags/v* pin is allowed, no finding", () => {
    const spec = { on: noFilter, jobExtra: jobIf("startsWith(github.ref, 'refs/tags/v')") };
    const r = run(spec, { roles: { [ROLE]: subLike(SUB("ref:refs/tags/v*")) } });
    expect(contexts(r).map((c) => c.decision)).toEqual(["allow"]);
    expect(findingsOf(r, "sub-not-trusted")).toEqual([]);
  });

  it("github.event_name == 'push' prunes the other events", () => {
    const on =
      "  push:\n    branches: [main]\n  pull_request:\n  schedule:\n    - cron: '0 3 * * *'\n  workflow_dispatch:";
    expect(table({ on, jobExtra: jobIf("github.event_name == 'push'") })).toEqual([
      ["push", "refs/heads/main", false, MAIN_SUB, "allow"],
    ]);
  });

  it("github.event_name != 'pull_request' prunes only pull requests", () => {
    const on = "  push:\n    branches: [main]\n  pull_request:";
    expect(table({ on, jobExtra: jobIf("github.event_name != 'pull_request'") })).toEqual([
      ["push", "refs/heads/main", false, MAIN_SUB, "allow"],
    ]);
  });

  it("github.ref_name == 'main' keeps the branch main and the tag main", () => {
    const policy = trustPolicy({
      StringEqualsIgnoreCase: { [K("sub")]: [MAIN_SUB, SUB("ref:refs/tags/main")] },
    });
    const cs = contexts(
      run({ on: noFilter, jobExtra: jobIf("github.ref_name == 'main'") }, { roles: { [ROLE]: policy } }),
    );
    expect(cs).toHaveLength(2);
    expect(cs.filter(isBranchRef)).toHaveLength(1);
    expect(cs.filter(isTagRef)).toHaveLength(1);
    expect(cs.map((c) => c.decision)).toEqual(["allow", "allow"]);
  });

  it("comparisons are case-insensitive, as in GitHub expressions", () => {
    const keep = { on: "  push:\n    branches: [main]", jobExtra: jobIf("github.REF == 'REFS/HEADS/MAIN'") };
    expect(table(keep)).toEqual([["push", "refs/heads/main", false, MAIN_SUB, "allow"]]);
    const drop = {
      on: "  push:\n    branches: [develop]",
      jobExtra: jobIf("github.ref == 'REFS/HEADS/MAIN'"),
    };
    expect(table(drop)).toEqual([]);
    const event = { on: "  push:\n    branches: [main]", jobExtra: jobIf("github.event_name == 'PUSH'") };
    expect(table(event)).toHaveLength(1);
    const starts = {
      on: "  push:\n    branches: [main]",
      jobExtra: jobIf("startsWith(github.ref, 'REFS/HEADS/')"),
    };
    expect(table(starts)).toHaveLength(1);
  });

  it("! negates: !startsWith(github.ref, 'refs/tags/') keeps only branches", () => {
    const cs = contexts(run({ on: noFilter, jobExtra: jobIf("\"!startsWith(github.ref, 'refs/tags/')\"") }));
    expect(cs).toHaveLength(1);
    expect(isBranchRef(cs[0]!)).toBe(true);
  });

  it("! on an undecidable condition keeps the context", () => {
    const cs = contexts(
      run({ on: "  push:\n    branches: [main]", jobExtra: jobIf("\"!contains(github.actor, 'bot')\"") }),
    );
    expect(cs).toHaveLength(1);
  });

  it("&& intersects", () => {
    const spec = {
      on: `${noFilter}\n  workflow_dispatch:`,
      jobExtra: jobIf("github.event_name == 'push' && github.ref == 'refs/heads/main'"),
    };
    const cs = contexts(run(spec, { roles: { [ROLE]: mainAnyCase } }));
    expect(cs.map((c) => [c.event, c.decision])).toEqual([["push", "allow"]]);
  });

  it("|| unites", () => {
    const spec = {
      on: noFilter,
      jobExtra: jobIf("github.ref == 'refs/heads/main' || startsWith(github.ref, 'refs/tags/')"),
    };
    const cs = contexts(run(spec));
    expect(cs).toHaveLength(2);
    expect(cs.filter(isBranchRef)).toHaveLength(1);
    expect(cs.filter(isTagRef)).toHaveLength(1);
    // The branch side is main only (any case), the tag side every tag.
    const policy = trustPolicy(
      { StringEqualsIgnoreCase: { [K("sub")]: MAIN_SUB } },
      { extra: [orStatement("StringLike", SUB("ref:refs/tags/*"))] },
    );
    expect(contexts(run(spec, { roles: { [ROLE]: policy } })).map((c) => c.decision)).toEqual([
      "allow",
      "allow",
    ]);
  });

  it("github.base_ref is empty outside pull requests: == 'main' prunes push, keeps pull_request", () => {
    const on = "  push:\n    branches: [main]\n  pull_request:";
    const cs = contexts(run({ on, jobExtra: jobIf("github.base_ref == 'main'") }));
    expect(cs.map((c) => c.event)).toEqual(["pull_request", "pull_request"]);
  });

  for (const cond of [
    "github.actor == 'octocat'",
    "contains(github.event.head_commit.message, '[deploy]')",
    "success() && vars.DEPLOY == 'true'",
    "github.repository == 'octo-org/octo-repo'",
  ]) {
    it(`an undecidable condition keeps every context: ${cond}`, () => {
      const on = "  push:\n    branches: [main]\n  workflow_dispatch:";
      const without = table({ on });
      expect(without).toHaveLength(4);
      expect(table({ on, jobExtra: jobIf(JSON.stringify(cond)) })).toEqual(without);
    });
  }

  it("a condition that is always false for a trigger removes the job's contexts entirely", () => {
    expect(
      table({ on: "  push:\n    branches: [main]", jobExtra: jobIf("github.event_name == 'release'") }),
    ).toEqual([]);
  });
});

describe("step if: on the credentials step", () => {
  it("prunes like a job condition", () => {
    const spec = {
      on: "  push:\n    branches: [main]\n  pull_request:",
      stepExtra: "        if: github.event_name == 'push'\n",
    };
    expect(table(spec)).toEqual([["push", "refs/heads/main", false, MAIN_SUB, "allow"]]);
  });

  it("combines with the job condition (both must hold)", () => {
    const spec = {
      on: "  push:",
      jobExtra: "    if: startsWith(github.ref, 'refs/heads/')\n",
      stepExtra: "        if: github.ref_name == 'main'\n",
    };
    const policy = trustPolicy({ StringEqualsIgnoreCase: { [K("sub")]: MAIN_SUB } });
    const cs = contexts(run(spec, { roles: { [ROLE]: policy } }));
    expect(cs.map((c) => [c.event, c.decision])).toEqual([["push", "allow"]]);
    expect(isBranchRef(cs[0]!)).toBe(true);
  });

  it("an if: on another step does not prune", () => {
    const text = workflow({ on: "  push:\n    branches: [main]\n  pull_request:" }).replace(
      "      - run: make deploy",
      "      - run: make deploy\n        if: github.event_name == 'push'",
    );
    const cs = contexts(scan({ files: { [WF]: text }, roles: { [ROLE]: ANY } }).result);
    expect(cs.map((c) => c.event)).toEqual(["push", "pull_request", "pull_request"]);
  });
});

describe("rust-lang/rustup ci.yaml with its real role (step if: on the credentials step)", () => {
  // Byte-exact copy of rust-lang/rustup@0878429 .github/workflows/ci.yaml and the rust-lang/simpleinfra
  // trust policy of role ci--rust-lang--rustup (both from the shared corpus).
  const text = readFileSync(new URL("../../fixtures/scan/rustup-ci.yaml", import.meta.url), "utf8");
  const policy = readFileSync(new URL("../../fixtures/scan/rustup-role.json", import.meta.url), "utf8");
  const RUSTUP_ROLE = "arn:aws:iam::890664054962:role/ci--rust-lang--rustup";
  const { result } = scan({
    files: { ".github/workflows/ci.yaml": text },
    roles: { [RUSTUP_ROLE]: policy },
    repo: { fullName: "rust-lang/rustup" },
  });
  const main = "repo:rust-lang/rustup:ref:refs/heads/main";

  it("finds the eight jobs that assume the role", () => {
    expect(result.assumptions.map((a) => a.job)).toEqual([
      "build-windows-pr",
      "build-windows-main",
      "build-windows-stable",
      "build-linux-pr",
      "build-linux-main",
      "build-linux-stable",
      "build-macos-x86_64",
      "build-macos-aarch64",
    ]);
    expect(result.complete).toBe(true);
  });

  it("the step condition leaves only pushes (no merge_group, pull_request, schedule or dispatch)", () => {
    for (const c of contexts(result)) expect(c.event).toBe("push");
  });

  it("every remaining push is allowed: release/* (also a push trigger) is pruned by the step condition", () => {
    for (const c of contexts(result)) expect(c.decision).toBe("allow");
    expect(findingsOf(result, "sub-not-trusted")).toEqual([]);
  });

  it("the *-main jobs (job if: push to main or release/*) run only as a push to main", () => {
    for (const job of ["build-windows-main", "build-linux-main"])
      expect(rows(result, job)).toEqual([
        {
          event: "push",
          ref: "refs/heads/main",
          environment: null,
          fork: false,
          sub: main,
          decision: "allow",
        },
      ]);
  });

  it("the policy trusts exactly main and stable, both of which the workflows use: not wider than needed", () => {
    expect(findingsOf(result, "trust-wider-than-needed")).toEqual([]);
  });

  it("the *-pr jobs only run for pull_request/merge_group, so with the push-only step they never assume the role", () => {
    // job if: contains(fromJSON('["pull_request", "merge_group"]'), github.event_name)
    for (const job of ["build-windows-pr", "build-linux-pr"]) expect(rows(result, job)).toEqual([]);
  });

  it("the *-stable jobs assume the role only on a push to stable", () => {
    const stable = "repo:rust-lang/rustup:ref:refs/heads/stable";
    for (const job of ["build-windows-stable", "build-linux-stable"])
      expect(rows(result, job)).toEqual([
        {
          event: "push",
          ref: "refs/heads/stable",
          environment: null,
          fork: false,
          sub: stable,
          decision: "allow",
        },
      ]);
  });
});

describe("pattern narrowing", () => {
  const on = "  push:\n    branches: ['release/**']";

  it("an if: narrows a branch pattern: release/** ∩ release/v2* is admitted by a release/v2* pin", () => {
    const spec = { on, jobExtra: "    if: startsWith(github.ref, 'refs/heads/release/v2')\n" };
    // startsWith is case-insensitive: release/V2… passes the condition too.
    const policy = subLike(SUB("ref:refs/heads/release/v2*"), SUB("ref:refs/heads/release/V2*"));
    const c = contexts(run(spec, { roles: { [ROLE]: policy } }))[0]!;
    expect(c.decision).toBe("allow");
    expect(c.ref).toContain("release/v2");
    // Without the condition, release/v1 would be a denied example.
    const wide = contexts(run({ on }, { roles: { [ROLE]: policy } }))[0]!;
    expect(wide.decision).toBe("deny");
  });

  it("a pattern narrowed to two branches needs exactly their subjects: not wider than needed, never a wider suggestion", () => {
    const spec = {
      on: "  push:\n    branches: [main, stable, 'release/*']",
      stepExtra: "        if: github.ref == 'refs/heads/main' || github.ref == 'refs/heads/stable'\n",
    };
    const r = run(spec, { roles: { [ROLE]: subEquals(MAIN_SUB, SUB("ref:refs/heads/stable")) } });
    // Narrowed to a small finite set, each branch is its own concrete context.
    expect(contexts(r).map((c) => [c.ref, c.decision])).toEqual([
      ["refs/heads/main", "allow"],
      ["refs/heads/stable", "allow"],
    ]);
    expect(findingsOf(r, "trust-wider-than-needed")).toEqual([]);
    for (const f of r.findings) {
      // A suggested least-privilege policy must not admit every branch.
      expect(f.suggestedPolicy?.json ?? "").not.toContain("refs/heads/*");
      // Messages quote subjects GitHub can send, not the filter description.
      expect(f.message).not.toMatch(/ where `/);
    }
  });

  it("narrowed to one ref, the context becomes concrete", () => {
    const spec = { on, jobExtra: "    if: github.ref == 'refs/heads/release/1.0'\n" };
    expect(table(spec)).toEqual([
      ["push", "refs/heads/release/1.0", false, SUB("ref:refs/heads/release/1.0"), "allow"],
    ]);
  });

  it("narrowed to nothing, the context disappears", () => {
    expect(table({ on, jobExtra: "    if: github.ref == 'refs/heads/main'\n" })).toEqual([]);
  });

  it("the pattern follows GitHub's filter syntax: release/** matches nested branches, release/* does not", () => {
    const nested = subLike(SUB("ref:refs/heads/release/*/*"));
    // release/* (one segment) never reaches a nested branch: a policy for nested ones admits none.
    const single = contexts(
      run({ on: "  push:\n    branches: ['release/*']" }, { roles: { [ROLE]: nested } }),
    )[0]!;
    expect(single.decision).toBe("deny");
    expect(single.reason).toMatch(/none/);
    const deep = contexts(run({ on }, { roles: { [ROLE]: nested } }))[0]!;
    expect(deep.decision).toBe("deny");
    expect(deep.reason).toMatch(/some/);
  });
});

describe("reusable workflows", () => {
  const CALLED = ".github/workflows/deploy-reusable.yml";
  const called = (opts: { jobExtra?: string; on?: string } = {}) => `name: Reusable deploy
on:
  workflow_call:
${opts.on ?? "    inputs:\n      environment:\n        type: string\n        required: true"}
jobs:
  assume:
    runs-on: ubuntu-latest
${opts.jobExtra ?? "    environment: ${{ inputs.environment }}\n"}    steps:
      - uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3
        with:
          role-to-assume: ${ROLE}
          aws-region: eu-west-1
`;
  const caller = (opts: {
    on: string;
    permissions?: string | null;
    with?: string;
    ifCond?: string;
  }) => `name: Caller
on:
${opts.on}
jobs:
  deploy:
${opts.ifCond ? `    if: ${opts.ifCond}\n` : ""}    uses: ./.github/workflows/deploy-reusable.yml
${opts.permissions === null ? "" : `    permissions:\n${opts.permissions ?? "      id-token: write\n      contents: read"}\n`}${opts.with ?? "    with:\n      environment: production\n"}`;

  it("contexts come from each local caller, with the caller's event and ref", () => {
    const files = {
      [CALLED]: called(),
      ".github/workflows/main.yml": caller({ on: "  push:\n    branches: [main]" }),
      ".github/workflows/tags.yml": caller({
        on: "  push:\n    tags: [v1.0.0]",
        with: "    with:\n      environment: release\n",
      }),
    };
    const { result } = scan({ files, roles: { [ROLE]: ANY } });
    const cs = contexts(result);
    expect(cs.map((c) => [c.event, c.ref, c.environment, c.sub, c.caller, c.decision])).toEqual([
      [
        "push",
        "refs/heads/main",
        "production",
        SUB("environment:production"),
        ".github/workflows/main.yml#deploy",
        "allow",
      ],
      [
        "push",
        "refs/tags/v1.0.0",
        "release",
        SUB("environment:release"),
        ".github/workflows/tags.yml#deploy",
        "allow",
      ],
    ]);
    for (const a of result.assumptions) expect(a.file).toBe(CALLED);
  });

  it("with: inputs resolve environment: ${{ inputs.environment }} (deny names that environment)", () => {
    const files = {
      [CALLED]: called(),
      ".github/workflows/main.yml": caller({ on: "  push:\n    branches: [main]" }),
    };
    const { result } = scan({ files, roles: { [ROLE]: subEquals(SUB("environment:staging")) } });
    const c = contextOf(result, "push");
    expect(c.environment).toBe("production");
    expect(c.decision).toBe("deny");
    const f = findingsOf(result, "sub-not-trusted");
    expect(f).toHaveLength(1);
    expect(f[0]!.file).toBe(CALLED);
    expect(f[0]!.message).toContain(SUB("environment:production"));
  });

  it("the caller's job if: prunes the called job's contexts", () => {
    const files = {
      [CALLED]: called(),
      ".github/workflows/main.yml": caller({
        on: "  push:\n  pull_request:",
        ifCond: "github.ref == 'refs/heads/main'",
      }),
    };
    const cs = contexts(scan({ files, roles: { [ROLE]: ANY } }).result);
    expect(cs.map((c) => [c.event, c.fork])).toEqual([["push", false]]);
    expect(isBranchRef(cs[0]!)).toBe(true);
  });

  it("a caller that does not grant id-token caps the called job: no-token, with the reason", () => {
    const files = {
      [CALLED]: called(),
      ".github/workflows/main.yml": caller({
        on: "  push:\n    branches: [main]",
        permissions: "      contents: read",
      }),
    };
    const { result } = scan({ files, roles: { [ROLE]: ANY } });
    const c = contextOf(result, "push");
    expect(c.decision).toBe("no-token");
    expect(c.reason).toContain(".github/workflows/main.yml#deploy");
    expect(c.reason).toMatch(/id-token/);
  });

  it("the caller cap is reported as missing-id-token-permission (DESIGN §5: reusable-workflow caller cap)", () => {
    const files = {
      [CALLED]: called(),
      ".github/workflows/main.yml": caller({
        on: "  push:\n    branches: [main]",
        permissions: "      contents: read",
      }),
    };
    const { result } = scan({ files, roles: { [ROLE]: ANY } });
    const f = findingsOf(result, "missing-id-token-permission");
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toMatch(/id-token/);
  });

  it("a called job asking for id-token: write beyond its caller's grant: GitHub refuses to start the run", () => {
    const files = {
      [CALLED]: called({
        jobExtra: "    environment: ${{ inputs.environment }}\n    permissions:\n      id-token: write\n",
      }),
      ".github/workflows/main.yml": caller({
        on: "  push:\n    branches: [main]",
        permissions: "      contents: read",
      }),
    };
    const c = contextOf(scan({ files, roles: { [ROLE]: ANY } }).result, "push");
    expect(c.decision).toBe("no-token");
    expect(c.reason).toMatch(/refuse/i);
  });

  it("a caller with no permissions at all grants no id-token (the default is none)", () => {
    const files = {
      [CALLED]: called(),
      ".github/workflows/main.yml": caller({ on: "  push:\n    branches: [main]", permissions: null }),
    };
    expect(contextOf(scan({ files, roles: { [ROLE]: ANY } }).result, "push").decision).toBe("no-token");
  });

  it("a reusable workflow with no caller in the repository: the caller's subject is unknown", () => {
    const files = { [CALLED]: called({ jobExtra: "" }) };
    const { result } = scan({ files, roles: { [ROLE]: subEquals(MAIN_SUB) } });
    const cs = contexts(result);
    expect(cs).toHaveLength(1);
    expect(cs[0]!.event).toBe("workflow_call");
    expect(cs[0]!.decision).toBe("indeterminate");
    expect(findingsOf(result, "sub-not-trusted")).toEqual([]);
  });

  for (const env of ["prod", "${{ inputs.environment }}"]) {
    it(`no caller, environment ${env}: the subject's repository is the unknown caller's → indeterminate`, () => {
      // §2.4 workflow_call: the subject is computed from the caller's repository; only the
      // environment comes from the called job. Without a local caller, the caller is another repository.
      const files = { [CALLED]: called({ jobExtra: `    environment: ${env}\n` }) };
      for (const policy of [subEquals(MAIN_SUB), subEquals(SUB("environment:prod"))]) {
        const { result } = scan({ files, roles: { [ROLE]: policy } });
        const c = contextOf(result, "workflow_call");
        expect(c.decision).toBe("indeterminate");
        expect(findingsOf(result, "sub-not-trusted")).toEqual([]);
      }
    });
  }
});

describe("token availability (§2.6)", () => {
  it("a job-level permissions block without id-token: no-token for every context, and the finding", () => {
    const text = workflow({ permissions: "      contents: read" });
    const r = scan({ files: { [WF]: text }, roles: { [ROLE]: ANY } }).result;
    const c = contextOf(r, "push");
    expect(c.decision).toBe("no-token");
    expect(c.reason).toMatch(/id-token/);
    const f = findingsOf(r, "missing-id-token-permission");
    expect(f).toHaveLength(1);
    // At the job's permissions block (its mapping), where the fix goes.
    expect(f[0]!.line).toBe(locate(text, "contents: read", "runs-on").line);
  });

  it("a workflow-level id-token: write is inherited by a job without permissions", () => {
    const r = run({ permissions: null, top: "permissions:\n  id-token: write\n  contents: read\n\n" });
    expect(contextOf(r, "push").decision).toBe("allow");
    expect(findingsOf(r, "missing-id-token-permission")).toEqual([]);
  });

  it("a job-level block replaces the workflow's grant", () => {
    const r = run({ permissions: "      contents: read", top: "permissions:\n  id-token: write\n\n" });
    expect(contextOf(r, "push").decision).toBe("no-token");
  });
});

describe("matrix-driven roles and environments", () => {
  const STAGING = roleArn("staging-deploy");
  const PROD = roleArn("prod-deploy");

  it("one assumption per matrix row, each with its own environment and role", () => {
    const spec = {
      jobExtra: `    strategy:
      matrix:
        include:
          - stage: staging
            role: ${STAGING}
          - stage: production
            role: ${PROD}
    environment: \${{ matrix.stage }}
`,
      role: "${{ matrix.role }}",
    };
    const r = scan({
      files: { [WF]: workflow(spec) },
      roles: {
        [STAGING]: subEquals(SUB("environment:staging")),
        [PROD]: subEquals(SUB("environment:staging")),
      },
    });
    expect(r.plan.roleArns).toEqual([PROD, STAGING].sort());
    const got = r.result.assumptions.map((a) => [
      a.role,
      a.contexts.map((c) => [c.environment, c.sub, c.decision]),
    ]);
    expect(got).toEqual([
      [STAGING, [["staging", SUB("environment:staging"), "allow"]]],
      [PROD, [["production", SUB("environment:production"), "deny"]]],
    ]);
    const f = findingsOf(r.result, "sub-not-trusted");
    expect(f).toHaveLength(1);
    expect(f[0]!.role).toBe(PROD);
    expect(f[0]!.message).toContain(SUB("environment:production"));
  });

  it("a matrix of environments with one role: one context per environment", () => {
    const spec = {
      jobExtra:
        "    strategy:\n      matrix:\n        env: [staging, production]\n    environment: ${{ matrix.env }}\n",
    };
    const r = run(spec, {
      roles: { [ROLE]: subEquals(SUB("environment:staging"), SUB("environment:production")) },
    });
    expect(contexts(r).map((c) => [c.environment, c.decision])).toEqual([
      ["staging", "allow"],
      ["production", "allow"],
    ]);
  });
});

describe("role resolution", () => {
  const ENV_ROLE = roleArn("from-env");
  const roles = { [ENV_ROLE]: ANY, [ROLE]: ANY };

  it("role-to-assume: ${{ env.X }} from the workflow env", () => {
    const r = scan({
      files: {
        [WF]: workflow({ top: `env:\n  DEPLOY_ROLE: ${ENV_ROLE}\n\n`, role: "${{ env.DEPLOY_ROLE }}" }),
      },
      roles,
    }).result;
    expect(r.assumptions.map((a) => a.role)).toEqual([ENV_ROLE]);
    expect(contextOf(r, "push").decision).toBe("allow");
    expect(r.complete).toBe(true);
  });

  it("job env overrides workflow env, step env overrides job env", () => {
    const JOB = roleArn("job-level");
    const STEP = roleArn("step-level");
    const base = {
      top: `env:\n  DEPLOY_ROLE: ${ENV_ROLE}\n\n`,
      jobExtra: `    env:\n      DEPLOY_ROLE: ${JOB}\n`,
      role: "${{ env.DEPLOY_ROLE }}",
    };
    const all = { [ENV_ROLE]: ANY, [JOB]: ANY, [STEP]: ANY };
    expect(scan({ files: { [WF]: workflow(base) }, roles: all }).result.assumptions[0]!.role).toBe(JOB);
    const withStep = { ...base, stepExtra: `        env:\n          DEPLOY_ROLE: ${STEP}\n` };
    expect(scan({ files: { [WF]: workflow(withStep) }, roles: all }).result.assumptions[0]!.role).toBe(STEP);
  });

  for (const level of ["step", "job", "workflow"] as const) {
    it(`the action's env-var input ROLE_TO_ASSUME at ${level} level`, () => {
      const line = `ROLE_TO_ASSUME: ${ENV_ROLE}`;
      const spec: WorkflowSpec =
        level === "step"
          ? { role: null, stepExtra: `        env:\n          ${line}\n` }
          : level === "job"
            ? { role: null, jobExtra: `    env:\n      ${line}\n` }
            : { role: null, top: `env:\n  ${line}\n\n` };
      const r = scan({ files: { [WF]: workflow(spec) }, roles }).result;
      expect(r.assumptions.map((a) => a.role)).toEqual([ENV_ROLE]);
      expect(contextOf(r, "push")).toMatchObject({ sub: MAIN_SUB, decision: "allow" });
    });
  }

  it("with: role-to-assume wins over ROLE_TO_ASSUME", () => {
    const spec = { stepExtra: `        env:\n          ROLE_TO_ASSUME: ${ENV_ROLE}\n` };
    const r = scan({ files: { [WF]: workflow(spec) }, roles }).result;
    expect(r.assumptions.map((a) => a.role)).toEqual([ROLE]);
  });

  it("secrets.X is unresolved: unknown-role, role-unresolved at the value, scan incomplete", () => {
    const text = workflow({ role: "${{ secrets.DEPLOY_ROLE }}" });
    const { result, plan } = scan({ files: { [WF]: text } });
    expect(plan.roleArns).toEqual([]);
    expect(contextOf(result, "push")).toMatchObject({ sub: MAIN_SUB, decision: "unknown-role" });
    expect(result.assumptions[0]!.role).toBeNull();
    const f = findingsOf(result, "role-unresolved");
    expect(f).toHaveLength(1);
    expect({ line: f[0]!.line, column: f[0]!.column }).toEqual(locate(text, "${{ secrets.DEPLOY_ROLE }}"));
    expect(f[0]!.message).toContain("secrets.DEPLOY_ROLE");
    expect(result.complete).toBe(false);
    expect(result.incomplete).toEqual([
      expect.objectContaining({ rule: "role-unresolved", subject: "${{ secrets.DEPLOY_ROLE }}" }),
    ]);
  });

  it("a role map resolves secrets.X (key with or without ${{ }}): checked, complete", () => {
    for (const key of ["secrets.DEPLOY_ROLE", "${{ secrets.DEPLOY_ROLE }}"]) {
      const { result, plan } = scan({
        files: { [WF]: workflow({ role: "${{ secrets.DEPLOY_ROLE }}" }) },
        roles: { [ROLE]: subEquals(MAIN_SUB) },
        roleMap: roleMapFrom({ [key]: ROLE }),
      });
      expect(plan.roleArns).toEqual([ROLE]);
      expect(result.assumptions[0]!.role).toBe(ROLE);
      expect(contextOf(result, "push").decision).toBe("allow");
      expect(result.complete).toBe(true);
      expect(findingsOf(result, "role-unresolved")).toEqual([]);
    }
  });

  it("a role map per environment, with default", () => {
    const PROD = roleArn("prod");
    const DEV = roleArn("dev");
    const spec = {
      jobExtra:
        "    strategy:\n      matrix:\n        stage: [production, staging]\n    environment: ${{ matrix.stage }}\n",
      role: "${{ vars.DEPLOY_ROLE }}",
    };
    const { result } = scan({
      files: { [WF]: workflow(spec) },
      roles: {
        [PROD]: subEquals(SUB("environment:production")),
        [DEV]: subEquals(SUB("environment:staging")),
      },
      roleMap: roleMapFrom({ "vars.DEPLOY_ROLE": { production: PROD, default: DEV } }),
    });
    expect(
      result.assumptions.map((a) => [a.role, a.contexts.map((c) => [c.environment, c.decision])]),
    ).toEqual([
      [PROD, [["production", "allow"]]],
      [DEV, [["staging", "allow"]]],
    ]);
    expect(result.complete).toBe(true);
  });
});
