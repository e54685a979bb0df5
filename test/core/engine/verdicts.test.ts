import { describe, expect, it } from "vitest";
import { contexts, findingsOf, K, ROLE, SUB, scan, subEquals, trustPolicy } from "./scan-harness.js";

/** Verdicts that mean what they say (issue 7 §4) and denies blamed on their real cause (§3). */
const step = `      - uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502
        with:
          role-to-assume: ${ROLE}
          aws-region: eu-west-1
`;
const job = (name: string, extra = "") =>
  `  ${name}:\n    runs-on: ubuntu-latest\n${extra}    permissions:\n      id-token: write\n    steps:\n${step}`;
const MAIN_ONLY = subEquals(SUB("ref:refs/heads/main"));

describe("verdicts", () => {
  it("github.event.ref is null on pull_request: a job guarded by it never runs on pull requests", () => {
    const files = {
      ".github/workflows/apply.yml": `on:\n  push:\n  pull_request:\njobs:\n${job("apply", "    if: github.event.ref == 'refs/heads/main'\n")}`,
    };
    const { result } = scan({ files, roles: { [ROLE]: MAIN_ONLY } });
    expect(contexts(result, "apply").map((c) => [c.event, c.ref, c.decision])).toEqual([
      ["push", "refs/heads/main", "allow"],
    ]);
    expect(findingsOf(result, "sub-not-trusted")).toEqual([]);
  });

  it("a denial that depends on an undecided if: says 'if this job runs' and is not a certain high denial", () => {
    const files = {
      ".github/workflows/d.yml": `on:\n  push:\n    branches: [dev]\njobs:\n${job("deploy", "    if: needs.check.outputs.deploy == 'true'\n")}`,
    };
    const { result } = scan({ files, roles: { [ROLE]: MAIN_ONLY } });
    const [f, ...rest] = findingsOf(result, "sub-not-trusted");
    expect(rest).toEqual([]);
    expect(f!.severity).toBe("medium");
    expect(f!.conditional).toBe("needs.check.outputs.deploy == 'true'");
    expect(f!.message).toMatch(
      /^If this job runs \(`needs\.check\.outputs\.deploy == 'true'` is decided at run time\): Job `deploy` will be denied/,
    );
    expect(result.assumptions[0]!.contexts[0]!.conditional).toBe("needs.check.outputs.deploy == 'true'");
  });

  it("a same-repository pull request guard is decided: the run is certain", () => {
    const files = {
      ".github/workflows/plan.yml": `on: pull_request\njobs:\n${job("plan", "    if: github.event.pull_request.head.repo.full_name == github.repository\n")}`,
    };
    const { result } = scan({ files, roles: { [ROLE]: MAIN_ONLY } });
    const f = findingsOf(result, "sub-not-trusted");
    expect(f).toHaveLength(1);
    expect(f[0]!.severity).toBe("high");
    expect(f[0]!.conditional).toBeUndefined();
  });

  it("a deny of workflow_dispatch on another branch is the policy working as a guard: no finding, counted apart", () => {
    const files = { ".github/workflows/d.yml": `on: workflow_dispatch\njobs:\n${job("deploy")}` };
    const { result } = scan({ files, roles: { [ROLE]: MAIN_ONLY } });
    const rows = result.assumptions[0]!.contexts;
    const guarded = rows.filter((c) => c.guard);
    expect(guarded.map((c) => c.ref)).toEqual(["refs/heads/** except main", "refs/tags/**"]);
    for (const c of guarded) {
      expect(c.decision).toBe("deny");
      expect(c.reason).toMatch(/^the trust policy guards this run: workflow_dispatch on /);
    }
    expect(rows.find((c) => c.ref === "refs/heads/main")!.guard).toBeUndefined();
    expect(result.findings.filter((f) => f.severity === "high" || f.severity === "critical")).toEqual([]);
  });
});

describe("deny attribution", () => {
  it("a StringNotLike job_workflow_ref deny is not 'sub not trusted', and the row reason names the condition", () => {
    const files = {
      ".github/workflows/reason.yml": `on:\n  push:\n    branches: [main]\njobs:\n${job("reason")}`,
    };
    const policy = trustPolicy({
      StringLike: { [K("sub")]: "repo:octo-org/octo-repo:*" },
      StringNotLike: { [K("job_workflow_ref")]: "octo-org/octo-repo/.github/workflows/reason.yml@*" },
    });
    const { result } = scan({ files, roles: { [ROLE]: policy } });
    expect(findingsOf(result, "sub-not-trusted")).toEqual([]);
    const [f] = findingsOf(result, "condition-not-met");
    expect(f!.message).toContain(
      '`StringNotLike token.actions.githubusercontent.com:job_workflow_ref "octo-org/octo-repo/.github/workflows/reason.yml@*"`',
    );
    expect(f!.suggestedPolicy).toBeUndefined();
    const row = result.assumptions[0]!.contexts[0]!;
    expect(row.reason).toMatch(/^statement 0 admits the subject, but `StringNotLike [^`]*job_workflow_ref/);
  });

  it("an environment subject denied over a ref pattern is blamed on the subject, not the refs", () => {
    const files = {
      ".github/workflows/d.yml": `on:\n  push:\n    branches: ['release/**']\njobs:\n${job("deploy", "    environment: prod\n")}`,
    };
    const { result } = scan({ files, roles: { [ROLE]: MAIN_ONLY } });
    const row = result.assumptions[0]!.contexts[0]!;
    expect(row.decision).toBe("deny");
    expect(row.reason).toContain("does not admit `sub` `repo:octo-org/octo-repo:environment:prod`");
    expect(row.reason).not.toContain("admits none of these refs");
  });
});
