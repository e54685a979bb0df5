/**
 * The decide phase (`report()`): every rule at its grain, composite actions included, and what
 * could not be read makes the scan incomplete with a located reason.
 */
import { describe, expect, it } from "vitest";
import { ROLE, scan, subEquals, workflow } from "../engine/scan-harness.js";

const ACTION_PATH = ".github/actions/aws/action.yml";

/** A composite action whose one step is the given configure-aws-credentials step. */
function compositeAction(uses: string, withLines: string): string {
  return `name: AWS
description: Configure AWS credentials
runs:
  using: composite
  steps:
    - name: Configure AWS credentials
      uses: ${uses}
      with:
${withLines}`;
}

/** The job of `workflow()`, with its credentials step replaced by `uses: ./.github/actions/aws`. */
const CALLER = workflow().replace(
  / {6}- name: Configure AWS credentials\n[\s\S]*?aws-region: eu-west-1\n/,
  "      - name: Configure AWS credentials\n        uses: ./.github/actions/aws\n",
);

/** `rule@file:line` of each finding, the rules of interest only. */
function hits(result: ReturnType<typeof scan>["result"], rules: string[]): string[] {
  return result.findings.filter((f) => rules.includes(f.rule)).map((f) => `${f.rule}@${f.file}:${f.line}`);
}

const STEP_RULES = ["role-name-not-arn", "unpinned-credentials-action", "session-duration-exceeds-max"];

describe("workflow rules see credentials steps inside local composite actions", () => {
  const uses = "aws-actions/configure-aws-credentials@v3";
  const withLines = [
    "        role-to-assume: deploy",
    "        aws-region: eu-west-1",
    "        role-duration-seconds: 99999",
    "",
  ].join("\n");

  it("directly in the workflow: bare role name, unpinned ref and duration are each a finding", () => {
    const direct = workflow({
      role: "deploy",
      withExtra: "          role-duration-seconds: 99999\n",
    }).replace(/configure-aws-credentials@[0-9a-f]{40} # v6\.2\.3/, "configure-aws-credentials@v3");
    const { result } = scan({ files: { ".github/workflows/deploy.yml": direct } });
    expect(
      hits(result, STEP_RULES)
        .map((h) => h.split("@")[0])
        .sort(),
    ).toEqual([...STEP_RULES].sort());
    expect(result.findings.some((f) => f.rule === "role-unresolved")).toBe(false);
  });

  it("inside ./.github/actions/aws: the same three findings, located in the action", () => {
    const { result } = scan({
      files: {
        ".github/workflows/deploy.yml": CALLER,
        [ACTION_PATH]: compositeAction(uses, withLines),
      },
    });
    expect(hits(result, STEP_RULES).sort()).toEqual([
      `role-name-not-arn@${ACTION_PATH}:9`,
      `session-duration-exceeds-max@${ACTION_PATH}:11`,
      `unpinned-credentials-action@${ACTION_PATH}:7`,
    ]);
    const bare = result.findings.find((f) => f.rule === "role-name-not-arn")!;
    expect(bare.message).toBe(
      "Job `deploy` passes the role name `deploy` to `role-to-assume` on the OIDC path, where the action needs an ARN such as `arn:aws:iam::<account-id>:role/deploy` and otherwise fails with `Source Account ID is needed if the Role Name is provided and not the Role Arn.`.",
    );
    expect(bare.severity).toBe("high");
  });

  it("one composite action used by two jobs is one finding per cause, not one per job", () => {
    const twoJobs = CALLER.replace(/jobs:\n {2}deploy:/, "jobs:\n  deploy:").concat(
      CALLER.slice(CALLER.indexOf("  deploy:\n")).replace("  deploy:\n", "  deploy-again:\n"),
    );
    const { result } = scan({
      files: { ".github/workflows/deploy.yml": twoJobs, [ACTION_PATH]: compositeAction(uses, withLines) },
    });
    expect(hits(result, ["role-name-not-arn"])).toEqual([`role-name-not-arn@${ACTION_PATH}:9`]);
  });
});

describe("a local action that was not read makes the scan incomplete", () => {
  it("names the workflow line, the action and why", () => {
    const { result } = scan({
      files: { ".github/workflows/deploy.yml": CALLER },
      roles: { [ROLE]: subEquals() },
    });
    expect(result.complete).toBe(false);
    expect(result.incomplete).toEqual([
      {
        subject: ".github/workflows/deploy.yml",
        reason:
          "line 16: job `deploy` uses the local action `./.github/actions/aws`, but .github/actions/aws/action.yml was not read (missing, unreadable, or skipped: deeper than the search limit or under vendor/, dist/ or build/), so the credentials steps it may hold were not checked",
        rule: "workflow-invalid",
      },
    ]);
  });

  it("a local action at the repository root (`uses: ./`) is found as action.yml", () => {
    const root = CALLER.replace("uses: ./.github/actions/aws", "uses: ./");
    const { result } = scan({
      files: {
        ".github/workflows/deploy.yml": root,
        "action.yml": compositeAction(
          "aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c",
          `        role-to-assume: ${ROLE}\n        aws-region: eu-west-1\n`,
        ),
      },
      roles: { [ROLE]: subEquals("repo:octo-org/octo-repo:ref:refs/heads/main") },
    });
    expect(result.incomplete).toEqual([]);
    expect(result.assumptions.map((a) => a.role)).toEqual([ROLE]);
  });
});

describe("one cause is one finding", () => {
  it("a job with two credentials steps and four tag filters, all denied for the subject, is one finding", () => {
    let wf = workflow({ on: "  push:\n    tags: ['v1*', 'v2*', 'v3*', 'v4*']" });
    const step = wf.slice(
      wf.indexOf("      - name: Configure AWS credentials"),
      wf.indexOf("      - run: make deploy"),
    );
    wf = wf.replace(
      "      - run: make deploy",
      `${step.replace("Configure AWS credentials", "Again")}      - run: make deploy`,
    );
    const { result } = scan({
      files: { ".github/workflows/deploy.yml": wf },
      roles: { [ROLE]: subEquals("repo:octo-org/octo-repo:ref:refs/heads/main") },
    });
    const denied = result.findings.filter((f) => f.rule === "sub-not-trusted");
    expect(denied).toHaveLength(1);
    const f = denied[0]!;
    for (const tag of ["v1*", "v2*", "v3*", "v4*"])
      expect(f.message).toContain(`repo:octo-org/octo-repo:ref:refs/tags/${tag}`);
    expect(f.message).toContain("The same cause also applies to 3 more: ");
    // The second credentials step is listed as a related location, with what it shares.
    expect(f.related.filter((r) => r.message.startsWith("same cause: ")).map((r) => r.line)).toEqual([23]);
    expect(Object.keys(f)).not.toContain("cause");
  });

  it("different causes for one job stay apart (an explicit Deny is not a missing subject)", () => {
    const wf = workflow({ on: "  push:\n    branches: [main]\n    tags: ['v*']" });
    const policy = JSON.parse(subEquals("repo:octo-org/octo-repo:ref:refs/heads/release")) as {
      Statement: unknown[];
    };
    policy.Statement.push({
      Effect: "Deny",
      Principal: { Federated: "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com" },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringLike: { "token.actions.githubusercontent.com:sub": "repo:octo-org/octo-repo:ref:refs/tags/*" },
      },
    });
    const { result } = scan({
      files: { ".github/workflows/deploy.yml": wf },
      roles: { [ROLE]: JSON.stringify(policy) },
    });
    const messages = result.findings.filter((f) => f.rule === "sub-not-trusted").map((f) => f.message);
    expect(messages).toHaveLength(2);
    expect(messages.filter((m) => m.includes("explicit Deny"))).toHaveLength(1);
  });
});
