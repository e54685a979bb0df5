// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${{ }}` is literal GitHub expression syntax here.
/**
 * OIDC-SEMANTICS §10, end to end: a realistic workflow and trust policy through `planScan` +
 * `runScan`, asserting the context rows a user reads and the findings (rule, location, message).
 * Repository `octo-org/octo-repo`, default branch `main`, legacy subjects unless stated.
 */
import { describe, expect, it } from "vitest";
import {
  contextOf,
  findingsOf,
  K,
  locate,
  MAIN_SUB,
  PROVIDER,
  ROLE,
  rows,
  SUB,
  scan,
  subEquals,
  subLike,
  trustPolicy,
} from "./scan-harness.js";

const DEPLOY = ".github/workflows/deploy.yml";

/** A deploy workflow: one job, `id-token: write`, one credentials step; `jobExtra` goes under the job. */
function deployWorkflow(
  opts: { on?: string; jobExtra?: string; withExtra?: string; role?: string; permissions?: string } = {},
): string {
  return `name: Deploy

on:
${opts.on ?? "  push:\n    branches: [main]"}

permissions:
  contents: read

jobs:
  deploy:
    runs-on: ubuntu-latest
${opts.jobExtra ?? ""}    permissions:
${opts.permissions ?? "      id-token: write\n      contents: read"}
    steps:
      - uses: actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683 # v4.2.2
      - name: Configure AWS credentials
        uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3
        with:
          role-to-assume: ${opts.role ?? ROLE}
          aws-region: eu-west-1
${opts.withExtra ?? ""}      - run: make deploy
`;
}

/** Findings that say the deploy will break (DESIGN §5 "Will fail"). */
const WILL_FAIL = new Set([
  "sub-not-trusted",
  "aud-not-trusted",
  "immutable-subject-mismatch",
  "custom-template-mismatch",
  "stringequals-wildcard",
  "unsupported-condition-key",
  "issuer-mismatch",
  "missing-id-token-permission",
  "fork-pr-no-token",
  "session-duration-exceeds-max",
  "role-name-not-arn",
]);
const willFail = (r: { findings: { rule: string }[] }) =>
  r.findings.filter((f) => WILL_FAIL.has(f.rule)).map((f) => f.rule);

describe("E1: push to main, exact branch pin", () => {
  const text = deployWorkflow();
  const { result } = scan({ files: { [DEPLOY]: text }, roles: { [ROLE]: subEquals(MAIN_SUB) } });

  it("allows the single push context with the branch subject", () => {
    expect(result.complete).toBe(true);
    expect(rows(result)).toEqual([
      {
        event: "push",
        ref: "refs/heads/main",
        environment: null,
        fork: false,
        sub: MAIN_SUB,
        decision: "allow",
      },
    ]);
  });

  it("reports nothing that would break the deploy", () => {
    expect(willFail(result)).toEqual([]);
  });

  it("places the assumption at the role-to-assume value", () => {
    const a = result.assumptions[0]!;
    expect(a.role).toBe(ROLE);
    expect({ line: a.line, column: a.column }).toEqual(locate(text, ROLE));
  });
});

describe("E2: the job gains environment: production", () => {
  const text = deployWorkflow({ jobExtra: "    environment: production\n" });
  const { result } = scan({ files: { [DEPLOY]: text }, roles: { [ROLE]: subEquals(MAIN_SUB) } });
  const envSub = SUB("environment:production");

  it("denies: the subject becomes environment:production", () => {
    expect(rows(result)).toEqual([
      {
        event: "push",
        ref: "refs/heads/main",
        environment: "production",
        fork: false,
        sub: envSub,
        decision: "deny",
      },
    ]);
  });

  it("reports sub-not-trusted at the environment: line, naming the exact sub and the policy value", () => {
    const f = findingsOf(result, "sub-not-trusted");
    expect(f).toHaveLength(1);
    const at = locate(text, "production", "environment:");
    expect({ line: f[0]!.line, column: f[0]!.column }).toEqual(at);
    expect(f[0]!.message).toContain(`\`${envSub}\``);
    expect(f[0]!.message).toContain(`\`${MAIN_SUB}\``);
    expect(f[0]!.job).toBe("deploy");
    expect(f[0]!.role).toBe(ROLE);
    // The fix names the subject to add, and the suggested policy admits it.
    expect(f[0]!.fix).toContain(envSub);
    expect(f[0]!.suggestedPolicy?.json).toContain(envSub);
    // The related locations point at the trust policy value.
    expect(f[0]!.related.some((r) => r.pointer?.endsWith(K("sub")) && r.message.includes(MAIN_SUB))).toBe(
      true,
    );
  });

  it("allows once the policy trusts the environment subject", () => {
    const fixed = scan({ files: { [DEPLOY]: text }, roles: { [ROLE]: subEquals(envSub) } }).result;
    expect(contextOf(fixed, "push").decision).toBe("allow");
    expect(willFail(fixed)).toEqual([]);
  });
});

describe("E3/E4: pull_request, repo-wide wildcard", () => {
  const text = deployWorkflow({ on: "  pull_request:\n    branches: [main]" });
  const { result } = scan({ files: { [DEPLOY]: text }, roles: { [ROLE]: subLike(SUB("*")) } });

  it("E3: a same-repository pull request is allowed by repo:o/r:*", () => {
    expect(contextOf(result, "pull_request", { fork: false })).toMatchObject({
      ref: "refs/pull/<number>/merge",
      environment: null,
      sub: SUB("pull_request"),
      decision: "allow",
    });
  });

  it("E4: the fork context gets no token, whatever the policy says", () => {
    const fork = contextOf(result, "pull_request", { fork: true });
    expect(fork.decision).toBe("no-token");
    expect(fork.reason).toMatch(/fork/i);
  });

  it("E4: fork-pr-no-token at the credentials step, with the runtime error", () => {
    const f = findingsOf(result, "fork-pr-no-token");
    expect(f).toHaveLength(1);
    expect({ line: f[0]!.line }).toEqual({
      line: locate(text, "aws-actions/configure-aws-credentials").line,
    });
    expect(f[0]!.message).toContain("Could not load credentials from any providers");
    expect(f[0]!.related[0]?.line).toBe(locate(text, "pull_request:").line);
  });

  it("E3: the breadth of repo:o/r:* is reported as repo-wide, naming pull requests", () => {
    const f = findingsOf(result, "trust-repo-wide");
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain(SUB("*"));
    expect(f[0]!.message).toMatch(/pull request/);
  });
});

describe("E5: pull_request_target against a pull_request pin", () => {
  const text = deployWorkflow({ on: "  pull_request_target:\n    types: [labeled]" });
  const { result } = scan({ files: { [DEPLOY]: text }, roles: { [ROLE]: subEquals(SUB("pull_request")) } });

  it("allows both the branch and the fork run, on the default branch ref, with both candidate subs", () => {
    for (const fork of [false, true]) {
      const c = contextOf(result, "pull_request_target", { fork });
      expect(c.ref).toBe("refs/heads/main");
      expect(c.environment).toBeNull();
      expect(c.sub).toEqual([SUB("pull_request"), MAIN_SUB]);
      expect(c.decision).toBe("allow");
      expect(c.reason).toMatch(/observed/i);
      // Under the ref subject (docs silent) it would be a deny: the reason says so.
      expect(c.reason).toMatch(/deny/);
    }
  });

  it("fork pull_request_target runs do get a token (base-repository privileges)", () => {
    expect(findingsOf(result, "fork-pr-no-token")).toEqual([]);
  });

  it("raises P-12: the policy admits the pull_request subject", () => {
    const f = findingsOf(result, "trust-pull-request");
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain(SUB("pull_request"));
    expect(willFail(result)).toEqual([]);
  });
});

describe("E6: immutable repository, legacy pin", () => {
  const text = deployWorkflow();
  const repo = { subPrefix: "repo:octo-org@1001/octo-repo@2002" };
  const immutableSub = "repo:octo-org@1001/octo-repo@2002:ref:refs/heads/main";

  for (const [label, policy] of [
    ["StringEquals exact legacy subject", subEquals(MAIN_SUB)],
    ["StringLike repo:octo-org/octo-repo:*", subLike(SUB("*"))],
  ] as const) {
    it(`denies with ${label}, and reports immutable-subject-mismatch`, () => {
      const { result } = scan({ files: { [DEPLOY]: text }, roles: { [ROLE]: policy }, repo });
      expect(rows(result)).toEqual([
        {
          event: "push",
          ref: "refs/heads/main",
          environment: null,
          fork: false,
          sub: immutableSub,
          decision: "deny",
        },
      ]);
      const f = findingsOf(result, "immutable-subject-mismatch");
      expect(f).toHaveLength(1);
      expect(f[0]!.message).toContain(`\`${immutableSub}\``);
      expect(f[0]!.line).toBe(locate(text, ROLE).line);
      // One cause, one finding: not also reported as a plain subject mismatch.
      expect(findingsOf(result, "sub-not-trusted")).toEqual([]);
    });
  }

  it("allows the immutable pin", () => {
    const { result } = scan({ files: { [DEPLOY]: text }, roles: { [ROLE]: subEquals(immutableSub) }, repo });
    expect(contextOf(result, "push").decision).toBe("allow");
    expect(willFail(result)).toEqual([]);
  });
});

describe("E7: StringEquals with a wildcard", () => {
  const text = deployWorkflow({
    on: "  push:\n    branches: [main]\n  pull_request:\n  workflow_dispatch:",
  });
  const { result } = scan({ files: { [DEPLOY]: text }, roles: { [ROLE]: subEquals(SUB("*")) } });

  it("denies every context that mints a token", () => {
    const decided = rows(result).filter((r) => r.decision !== "no-token");
    expect(decided.length).toBeGreaterThanOrEqual(4);
    for (const r of decided) expect(r.decision).toBe("deny");
  });

  it("reports stringequals-wildcard, pointing into the policy at the value", () => {
    const f = findingsOf(result, "stringequals-wildcard");
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain(SUB("*"));
    expect(f[0]!.related[0]?.pointer).toBe(`/Statement/0/Condition/StringEquals/${K("sub")}`);
    expect(f[0]!.fix).toMatch(/StringLike/);
  });
});

describe("E8: prefix collision refs/heads/main*", () => {
  const text = deployWorkflow({ on: "  push:\n    branches: [main, main-hotfix]" });
  const { result } = scan({
    files: { [DEPLOY]: text },
    roles: { [ROLE]: subLike(SUB("ref:refs/heads/main*")) },
  });

  it("allows main and the colliding main-hotfix", () => {
    expect(rows(result).map((r) => [r.ref, r.sub, r.decision])).toEqual([
      ["refs/heads/main", MAIN_SUB, "allow"],
      ["refs/heads/main-hotfix", SUB("ref:refs/heads/main-hotfix"), "allow"],
    ]);
  });

  it("flags the prefix as over-broad (trust-ref-prefix)", () => {
    expect(findingsOf(result, "trust-ref-prefix")).toHaveLength(1);
  });
});

describe("E9: environment with a colon", () => {
  const text = deployWorkflow({ jobExtra: "    environment: Production:V1\n" });
  const encoded = SUB("environment:Production%3AV1");

  it("(a) a literal-colon pin denies; the sub carries %3A, the environment row stays raw", () => {
    const { result } = scan({
      files: { [DEPLOY]: text },
      roles: { [ROLE]: subEquals(SUB("environment:Production:V1")) },
    });
    expect(rows(result)).toEqual([
      {
        event: "push",
        ref: "refs/heads/main",
        environment: "Production:V1",
        fork: false,
        sub: encoded,
        decision: "deny",
      },
    ]);
    const f = findingsOf(result, "sub-not-trusted");
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain(`\`${encoded}\``);
    expect(f[0]!.line).toBe(locate(text, "Production:V1").line);
  });

  it("(b) the %3A pin allows", () => {
    const { result } = scan({ files: { [DEPLOY]: text }, roles: { [ROLE]: subEquals(encoded) } });
    expect(contextOf(result, "push").decision).toBe("allow");
  });

  it("the environment claim is the raw name (StringEquals environment = Production:V1 allows)", () => {
    const policy = trustPolicy({
      StringEquals: { [K("sub")]: encoded, [K("environment")]: "Production:V1" },
    });
    const { result } = scan({ files: { [DEPLOY]: text }, roles: { [ROLE]: policy } });
    expect(contextOf(result, "push").decision).toBe("allow");
    const encodedEnv = trustPolicy({
      StringEquals: { [K("sub")]: encoded, [K("environment")]: "Production%3AV1" },
    });
    const denied = scan({ files: { [DEPLOY]: text }, roles: { [ROLE]: encodedEnv } }).result;
    expect(contextOf(denied, "push").decision).toBe("deny");
  });
});

describe("E10: custom template + local reusable workflow", () => {
  const CALLER = ".github/workflows/release.yml";
  const CALLED = ".github/workflows/oidc.yml";
  const caller = `name: Release
on:
  push:
    branches: [main]
jobs:
  deploy:
    uses: ./.github/workflows/oidc.yml
    permissions:
      id-token: write
      contents: read
`;
  const called = `name: OIDC deploy
on:
  workflow_call:
jobs:
  assume:
    runs-on: ubuntu-latest
    environment: prod
    steps:
      - uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3
        with:
          role-to-assume: ${ROLE}
          aws-region: eu-west-1
`;
  const repo = { subTemplate: ["repo", "context", "job_workflow_ref"] };
  const jwr = "octo-org/octo-repo/.github/workflows/oidc.yml@refs/heads/main";
  const sub = `repo:octo-org/octo-repo:environment:prod:job_workflow_ref:${jwr}`;
  const files = { [CALLER]: caller, [CALLED]: called };

  it("the sub carries the called workflow's job_workflow_ref; a default-format pin denies", () => {
    const { result } = scan({ files, roles: { [ROLE]: subEquals(SUB("environment:prod")) }, repo });
    expect(result.assumptions).toHaveLength(1);
    expect(result.assumptions[0]!.file).toBe(CALLED);
    const c = contextOf(result, "push");
    expect(c).toMatchObject({
      ref: "refs/heads/main",
      environment: "prod",
      fork: false,
      sub,
      decision: "deny",
      caller: `${CALLER}#deploy`,
    });
    const f = findingsOf(result, "custom-template-mismatch");
    expect(f).toHaveLength(1);
    expect(f[0]!.file).toBe(CALLED);
    expect(f[0]!.line).toBe(locate(called, "prod", "environment:").line);
    expect(f[0]!.message).toContain(`\`${sub}\``);
    expect(f[0]!.message).toContain(SUB("environment:prod"));
    expect(findingsOf(result, "sub-not-trusted")).toEqual([]);
  });

  it("a template-format StringLike through the workflow allows", () => {
    const { result } = scan({
      files,
      roles: { [ROLE]: subLike(`repo:octo-org/*:job_workflow_ref:${jwr}`) },
      repo,
    });
    expect(contextOf(result, "push").decision).toBe("allow");
    expect(willFail(result)).toEqual([]);
  });
});

describe("E11: explicit Deny beats Allow", () => {
  const text = deployWorkflow({ on: "  push:\n    branches: [main]\n  pull_request:" });
  const policy = trustPolicy(
    { StringLike: { [K("sub")]: SUB("*") } },
    {
      extra: [
        {
          Sid: "NoPullRequests",
          Effect: "Deny",
          Principal: { Federated: PROVIDER },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: { StringLike: { [K("sub")]: "*:pull_request" } },
        },
      ],
    },
  );
  const { result } = scan({ files: { [DEPLOY]: text }, roles: { [ROLE]: policy } });

  it("denies the same-repository pull request explicitly and allows push to main", () => {
    const pr = contextOf(result, "pull_request", { fork: false });
    expect(pr.decision).toBe("deny");
    // The reason names the explicit Deny (statement 1, `NoPullRequests`), not a missing Allow.
    expect(pr.reason).toMatch(/explicit|NoPullRequests|statement 1/i);
    expect(contextOf(result, "push").decision).toBe("allow");
    expect(contextOf(result, "pull_request", { fork: true }).decision).toBe("no-token");
  });
});

describe("E12: ForAllValues on an absent claim", () => {
  const plain = deployWorkflow();
  const withEnv = (name: string) => deployWorkflow({ jobExtra: `    environment: ${name}\n` });
  const policyWith = (op: string) =>
    trustPolicy({ StringLike: { [K("sub")]: SUB("*") }, [op]: { [K("environment")]: ["prod"] } });

  for (const op of ["ForAllValues:StringEquals", "StringEqualsIfExists"]) {
    it(`${op}: a job without environment is allowed (over-broad), prod allowed, staging denied`, () => {
      const roles = { [ROLE]: policyWith(op) };
      expect(contextOf(scan({ files: { [DEPLOY]: plain }, roles }).result, "push").decision).toBe("allow");
      expect(contextOf(scan({ files: { [DEPLOY]: withEnv("prod") }, roles }).result, "push").decision).toBe(
        "allow",
      );
      expect(
        contextOf(scan({ files: { [DEPLOY]: withEnv("staging") }, roles }).result, "push").decision,
      ).toBe("deny");
    });
  }

  it("plain StringEquals denies the job without environment", () => {
    const strict = trustPolicy({
      StringLike: { [K("sub")]: SUB("*") },
      StringEquals: { [K("aud")]: "sts.amazonaws.com", [K("environment")]: ["prod"] },
    });
    const { result } = scan({ files: { [DEPLOY]: plain }, roles: { [ROLE]: strict } });
    expect(contextOf(result, "push").decision).toBe("deny");
  });
});

describe("E14: trust allows, duration fails", () => {
  const text = deployWorkflow({ withExtra: "          role-duration-seconds: 7200\n" });
  const { result } = scan({
    files: { [DEPLOY]: text },
    roles: { [ROLE]: { policy: subEquals(MAIN_SUB), maxSessionDuration: 3600 } },
  });

  it("the trust decision stays allow", () => {
    expect(rows(result)).toEqual([
      {
        event: "push",
        ref: "refs/heads/main",
        environment: null,
        fork: false,
        sub: MAIN_SUB,
        decision: "allow",
      },
    ]);
  });

  it("reports session-duration-exceeds-max at role-duration-seconds with STS's message", () => {
    const f = findingsOf(result, "session-duration-exceeds-max");
    expect(f).toHaveLength(1);
    expect({ line: f[0]!.line, column: f[0]!.column }).toEqual(locate(text, "7200"));
    expect(f[0]!.message).toContain(
      "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
    );
    expect(f[0]!.message).toContain("3600");
  });

  it("stays silent when the role allows the duration", () => {
    const ok = scan({
      files: { [DEPLOY]: text },
      roles: { [ROLE]: { policy: subEquals(MAIN_SUB), maxSessionDuration: 7200 } },
    }).result;
    expect(findingsOf(ok, "session-duration-exceeds-max")).toEqual([]);
  });
});

describe("E16: merge queue", () => {
  const text = deployWorkflow({ on: "  merge_group:\n    types: [checks_requested]\n    branches: [main]" });

  it("the ref is a pattern under refs/heads/gh-readonly-queue/, denied by the main pin", () => {
    const { result } = scan({ files: { [DEPLOY]: text }, roles: { [ROLE]: subEquals(MAIN_SUB) } });
    const c = contextOf(result, "merge_group");
    expect(c.ref).toMatch(/^refs\/heads\/gh-readonly-queue\//);
    expect(c.decision).toBe("deny");
    expect(typeof c.sub === "string" && c.sub.startsWith(SUB("ref:refs/heads/gh-readonly-queue/"))).toBe(
      true,
    );
    const f = findingsOf(result, "sub-not-trusted");
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toMatch(/gh-readonly-queue\//);
    expect(f[0]!.message).toContain(MAIN_SUB);
  });

  it("without a branches filter the queue may target any branch: the main/* pin admits only some runs", () => {
    const anyBase = deployWorkflow({ on: "  merge_group:" });
    const { result } = scan({
      files: { [DEPLOY]: anyBase },
      roles: { [ROLE]: subLike(SUB("ref:refs/heads/gh-readonly-queue/main/*")) },
    });
    const c = contextOf(result, "merge_group");
    expect(c.decision).toBe("deny");
    expect(c.reason).toMatch(/some refs/);
  });

  it("StringLike …:ref:refs/heads/gh-readonly-queue/main/* allows a queue on main (branches: [main])", () => {
    const { result } = scan({
      files: { [DEPLOY]: text },
      roles: { [ROLE]: subLike(SUB("ref:refs/heads/gh-readonly-queue/main/*")) },
    });
    expect(contextOf(result, "merge_group").decision).toBe("allow");
  });
});

describe("E17: audience mismatch", () => {
  it("policy aud https://github.com/octo-org vs the action's default: deny + aud-not-trusted", () => {
    const text = deployWorkflow();
    const policy = trustPolicy(
      {
        StringEquals: { [K("aud")]: "https://github.com/octo-org", [K("sub")]: MAIN_SUB },
      },
      { audKey: null },
    );
    const { result } = scan({ files: { [DEPLOY]: text }, roles: { [ROLE]: policy } });
    expect(contextOf(result, "push").decision).toBe("deny");
    const f = findingsOf(result, "aud-not-trusted");
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain("`sts.amazonaws.com`");
    expect(f[0]!.message).toContain("`https://github.com/octo-org`");
    expect(findingsOf(result, "sub-not-trusted")).toEqual([]);
  });

  it("the step's audience: input vs the policy's sts.amazonaws.com: deny + aud-not-trusted at the input", () => {
    const text = deployWorkflow({ withExtra: "          audience: https://github.com/octo-org\n" });
    const { result } = scan({ files: { [DEPLOY]: text }, roles: { [ROLE]: subEquals(MAIN_SUB) } });
    expect(contextOf(result, "push").decision).toBe("deny");
    const f = findingsOf(result, "aud-not-trusted");
    expect(f).toHaveLength(1);
    expect({ line: f[0]!.line, column: f[0]!.column }).toEqual(locate(text, "https://github.com/octo-org"));
    expect(f[0]!.message).toContain("`https://github.com/octo-org`");
    expect(f[0]!.message).toContain("`sts.amazonaws.com`");
  });
});

describe("E18/E19: provider-specific keys, and an unsupported one", () => {
  const e18 = {
    StringLike: {
      [K("sub")]: SUB("*"),
      [K("job_workflow_ref")]: "octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main",
    },
    StringEquals: { [K("aud")]: "sts.amazonaws.com", [K("repository_id")]: "2002" },
  };
  const text = deployWorkflow();
  const repo = { repositoryId: "2002" };

  it("E18: deploy.yml on main with repository_id 2002 is allowed; ci.yml and another id are denied", () => {
    const roles = { [ROLE]: trustPolicy(e18) };
    expect(contextOf(scan({ files: { [DEPLOY]: text }, roles, repo }).result, "push").decision).toBe("allow");
    const ci = scan({ files: { ".github/workflows/ci.yml": text }, roles, repo }).result;
    expect(contextOf(ci, "push").decision).toBe("deny");
    const recycled = scan({ files: { [DEPLOY]: text }, roles, repo: { repositoryId: "9999" } }).result;
    expect(contextOf(recycled, "push").decision).toBe("deny");
  });

  it("E19: a condition on event_name denies every context and is reported as unsupported", () => {
    const policy = trustPolicy({
      ...e18,
      StringEquals: { ...e18.StringEquals, [K("event_name")]: "push" },
    });
    const { result } = scan({ files: { [DEPLOY]: text }, roles: { [ROLE]: policy }, repo });
    expect(contextOf(result, "push").decision).toBe("deny");
    const f = findingsOf(result, "unsupported-condition-key");
    expect(f).toHaveLength(1);
    expect(f[0]!.message).toContain(K("event_name"));
    expect(f[0]!.related[0]?.pointer).toBe(`/Statement/0/Condition/StringEquals/${K("event_name")}`);
  });
});

describe("E20: role name instead of ARN", () => {
  const text = deployWorkflow({ role: "deploy-role" });
  const { result } = scan({ files: { [DEPLOY]: text } });

  it("decision unknown-role, with the action's failure as the reason", () => {
    expect(rows(result)).toEqual([
      {
        event: "push",
        ref: "refs/heads/main",
        environment: null,
        fork: false,
        sub: MAIN_SUB,
        decision: "unknown-role",
      },
    ]);
    expect(contextOf(result, "push").reason).toContain(
      "Source Account ID is needed if the Role Name is provided and not the Role Arn.",
    );
    expect(result.assumptions[0]!.role).toBeNull();
  });

  it("reports role-name-not-arn at the value, and nothing to fetch", () => {
    const f = findingsOf(result, "role-name-not-arn");
    expect(f).toHaveLength(1);
    expect({ line: f[0]!.line, column: f[0]!.column }).toEqual(locate(text, "deploy-role"));
    expect(f[0]!.message).toContain(
      "Source Account ID is needed if the Role Name is provided and not the Role Arn.",
    );
    expect(findingsOf(result, "role-unresolved")).toEqual([]);
  });

  it("is not reported when the job has no token (the default chain supplies the account)", () => {
    const noToken = deployWorkflow({ role: "deploy-role", permissions: "      contents: read" });
    const r = scan({ files: { [DEPLOY]: noToken } }).result;
    expect(findingsOf(r, "role-name-not-arn")).toEqual([]);
    expect(findingsOf(r, "missing-id-token-permission")).toHaveLength(1);
  });
});

describe("E21: enterprise slug issuer", () => {
  const slug = "token.actions.githubusercontent.com/octocat-inc";
  const repo = { issuer: slug };
  const text = deployWorkflow();

  it("a policy for the plain issuer denies and is reported as issuer-mismatch", () => {
    const { result } = scan({ files: { [DEPLOY]: text }, roles: { [ROLE]: subEquals(MAIN_SUB) }, repo });
    expect(contextOf(result, "push").decision).toBe("deny");
    expect(result.repository.issuer).toBe(slug);
    const f = findingsOf(result, "issuer-mismatch");
    expect(f.length).toBeGreaterThanOrEqual(1);
    expect(f[0]!.message).toContain(slug);
    expect(f[0]!.related[0]?.pointer).toBe("/Statement/0/Principal/Federated");
  });

  it("the slug provider with slug-prefixed keys allows", () => {
    const policy = trustPolicy(
      { StringEquals: { [K("aud", slug)]: "sts.amazonaws.com", [K("sub", slug)]: MAIN_SUB } },
      { provider: `arn:aws:iam::111122223333:oidc-provider/${slug}`, audKey: null },
    );
    const { result } = scan({ files: { [DEPLOY]: text }, roles: { [ROLE]: policy }, repo });
    expect(contextOf(result, "push").decision).toBe("allow");
    expect(findingsOf(result, "issuer-mismatch")).toEqual([]);
  });
});
