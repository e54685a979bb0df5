// biome-ignore-all lint/suspicious/noTemplateCurlyInString: IAM policy variables are written ${…} inside plain strings.
import { describe, expect, it } from "vitest";
import {
  type ClaimSet,
  type ClaimValue,
  type Evaluation,
  evaluateTrustPolicy,
  type Tri,
} from "../../../src/core/iam/index.js";
import { claims, K, PROVIDER, parsed, ROLE, SUB } from "./helpers.js";

// OIDC-SEMANTICS §5.2–§5.6 and §7 (evalOne, principalMatches, decide), checked one operator at a time.

const MAIN = SUB("ref:refs/heads/main");
const ACTION = "sts:AssumeRoleWithWebIdentity";

/** Sentinels for the claim under test in the tables below. */
const ABSENT = "(absent)";
const UNKNOWN = "(unknown)";

function claimValue(v: string): ClaimValue {
  if (v === ABSENT) return { kind: "absent" };
  if (v === UNKNOWN) return { kind: "unknown", reason: "not derivable statically" };
  return { kind: "value", value: v };
}

/** The worked examples' claims (sub on main, default aud) plus `name` set to `v`. */
function withClaim(name: string, v: string, base: ClaimSet = claims(MAIN)): ClaimSet {
  return { ...base, [name]: claimValue(v) };
}

interface StatementSpec {
  Effect?: string;
  Principal?: unknown;
  Action?: unknown;
  NotAction?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** One statement trusting the github.com provider for AssumeRoleWithWebIdentity, with `over` applied. */
function statement(over: StatementSpec = {}): StatementSpec {
  return { Effect: "Allow", Principal: { Federated: PROVIDER }, Action: ACTION, ...over };
}

function policy(statements: StatementSpec[], version: string | null = "2012-10-17"): string {
  return JSON.stringify(
    version === null ? { Statement: statements } : { Version: version, Statement: statements },
  );
}

/** Evaluates a one-statement policy whose only condition is `{op: {key: values}}`. */
function evalCondition(
  op: string,
  key: string,
  values: unknown,
  claimSet: ClaimSet,
  version: string | null = "2012-10-17",
): Evaluation {
  const p = parsed(policy([statement({ Condition: { [op]: { [key]: values } } })], version));
  return evaluateTrustPolicy(p, { claims: claimSet, roleArn: ROLE });
}

const DECISION: Record<string, Evaluation["decision"]> = {
  true: "allow",
  false: "deny",
  unknown: "indeterminate",
};

/** The single condition's outcome must be `outcome`, and the one Allow statement decides accordingly. */
function expectOutcome(e: Evaluation, outcome: Tri): void {
  expect(e.statements).toHaveLength(1);
  expect(e.statements[0]!.conditions).toHaveLength(1);
  expect(e.statements[0]!.conditions[0]!.outcome).toBe(outcome);
  expect(e.statements[0]!.applies).toBe(outcome);
  expect(e.decision).toBe(DECISION[String(outcome)]);
  expect(e.explicitDeny).toBe(false);
}

interface Row {
  op: string;
  values: string | string[];
  claim: string;
  outcome: Tri;
}

const row = (op: string, values: string | string[], claim: string, outcome: Tri): Row => ({
  op,
  values,
  claim,
  outcome,
});

describe("string operators on the environment claim (present, absent, unknown)", () => {
  const rows: Row[] = [
    // StringEquals: exact, case-sensitive, `*` literal, OR over values, false when absent.
    row("StringEquals", "production", "production", true),
    row("StringEquals", "production", "Production", false),
    row("StringEquals", "production", "production-eu", false),
    row("StringEquals", ["staging", "production"], "production", true),
    row("StringEquals", ["staging", "qa"], "production", false),
    row("StringEquals", "prod*", "production", false),
    row("StringEquals", "prod*", "prod*", true),
    row("StringEquals", "prod?ction", "production", false),
    row("StringEquals", "production", ABSENT, false),
    row("StringEquals", "production", UNKNOWN, "unknown"),
    // StringNotEquals: must differ from every value (AND), true when absent.
    row("StringNotEquals", "production", "production", false),
    row("StringNotEquals", "production", "staging", true),
    row("StringNotEquals", "Production", "production", true),
    row("StringNotEquals", ["staging", "production"], "production", false),
    row("StringNotEquals", ["production", "staging"], "production", false),
    row("StringNotEquals", ["staging", "qa"], "production", true),
    row("StringNotEquals", "prod*", "production", true),
    row("StringNotEquals", "production", ABSENT, true),
    row("StringNotEquals", "production", UNKNOWN, "unknown"),
    // IgnoreCase variants.
    row("StringEqualsIgnoreCase", "PRODUCTION", "production", true),
    row("StringEqualsIgnoreCase", "Production", "pRODUCTION", true),
    row("StringEqualsIgnoreCase", "prod", "production", false),
    row("StringEqualsIgnoreCase", "PROD*", "production", false),
    row("StringEqualsIgnoreCase", ["qa", "PRODUCTION"], "production", true),
    row("StringEqualsIgnoreCase", "production", ABSENT, false),
    row("StringEqualsIgnoreCase", "production", UNKNOWN, "unknown"),
    row("StringNotEqualsIgnoreCase", "PRODUCTION", "production", false),
    row("StringNotEqualsIgnoreCase", "staging", "production", true),
    row("StringNotEqualsIgnoreCase", ["qa", "PRODUCTION"], "production", false),
    row("StringNotEqualsIgnoreCase", ["qa", "STAGING"], "production", true),
    row("StringNotEqualsIgnoreCase", "production", ABSENT, true),
    row("StringNotEqualsIgnoreCase", "production", UNKNOWN, "unknown"),
    // StringLike: anchored glob, case-sensitive, OR over values.
    row("StringLike", "prod*", "production", true),
    row("StringLike", "*", "production", true),
    row("StringLike", "*duct*", "production", true),
    row("StringLike", "product?on", "production", true),
    row("StringLike", "?roduction", "production", true),
    row("StringLike", "??roduction", "production", false),
    row("StringLike", "product?", "production", false),
    row("StringLike", "prod", "production", false),
    row("StringLike", "duction", "production", false),
    row("StringLike", "Prod*", "production", false),
    row("StringLike", ["qa*", "prod*"], "production", true),
    row("StringLike", ["qa*", "staging*"], "production", false),
    row("StringLike", "prod*", ABSENT, false),
    row("StringLike", "*", ABSENT, false),
    row("StringLike", "prod*", UNKNOWN, "unknown"),
    // StringNotLike: must match none of the patterns, true when absent.
    row("StringNotLike", "prod*", "production", false),
    row("StringNotLike", "qa*", "production", true),
    row("StringNotLike", "Prod*", "production", true),
    row("StringNotLike", ["qa*", "prod*"], "production", false),
    row("StringNotLike", ["qa*", "staging*"], "production", true),
    row("StringNotLike", "prod*", ABSENT, true),
    row("StringNotLike", "prod*", UNKNOWN, "unknown"),
  ];

  it.each(rows)("$op $values with environment=$claim → $outcome", ({ op, values, claim, outcome }) => {
    expectOutcome(evalCondition(op, K("environment"), values, withClaim("environment", claim)), outcome);
  });
});

describe("…IfExists: same as the base operator when present, true when absent", () => {
  const rows: Row[] = [
    row("StringEqualsIfExists", "production", "production", true),
    row("StringEqualsIfExists", "production", "staging", false),
    row("StringEqualsIfExists", "production", ABSENT, true),
    row("StringEqualsIfExists", "production", UNKNOWN, "unknown"),
    row("StringNotEqualsIfExists", "production", "production", false),
    row("StringNotEqualsIfExists", "production", "staging", true),
    row("StringNotEqualsIfExists", ["staging", "production"], "production", false),
    row("StringNotEqualsIfExists", "production", ABSENT, true),
    row("StringNotEqualsIfExists", "production", UNKNOWN, "unknown"),
    row("StringEqualsIgnoreCaseIfExists", "PRODUCTION", "production", true),
    row("StringEqualsIgnoreCaseIfExists", "PRODUCTION", "staging", false),
    row("StringEqualsIgnoreCaseIfExists", "PRODUCTION", ABSENT, true),
    row("StringEqualsIgnoreCaseIfExists", "PRODUCTION", UNKNOWN, "unknown"),
    row("StringNotEqualsIgnoreCaseIfExists", "PRODUCTION", "production", false),
    row("StringNotEqualsIgnoreCaseIfExists", "PRODUCTION", "staging", true),
    row("StringNotEqualsIgnoreCaseIfExists", "PRODUCTION", ABSENT, true),
    row("StringNotEqualsIgnoreCaseIfExists", "PRODUCTION", UNKNOWN, "unknown"),
    row("StringLikeIfExists", "prod*", "production", true),
    row("StringLikeIfExists", "prod*", "staging", false),
    row("StringLikeIfExists", ["qa", "prod*"], "production", true),
    row("StringLikeIfExists", "prod*", ABSENT, true),
    row("StringLikeIfExists", "prod*", UNKNOWN, "unknown"),
    row("StringNotLikeIfExists", "prod*", "production", false),
    row("StringNotLikeIfExists", "prod*", "staging", true),
    row("StringNotLikeIfExists", ["qa*", "prod*"], "production", false),
    row("StringNotLikeIfExists", "prod*", ABSENT, true),
    row("StringNotLikeIfExists", "prod*", UNKNOWN, "unknown"),
  ];

  it.each(rows)("$op $values with environment=$claim → $outcome", ({ op, values, claim, outcome }) => {
    expectOutcome(evalCondition(op, K("environment"), values, withClaim("environment", claim)), outcome);
  });

  it("IfExists is not a wildcard: the present claim must still match", () => {
    const e = evalCondition(
      "StringEqualsIfExists",
      K("sub"),
      SUB("ref:refs/heads/main"),
      claims("repo:evil/x:ref:refs/heads/main"),
    );
    expectOutcome(e, false);
  });
});

describe("Null: tests whether the key is absent", () => {
  const rows: Row[] = [
    row("Null", "true", ABSENT, true),
    row("Null", "true", "production", false),
    row("Null", "false", ABSENT, false),
    row("Null", "false", "production", true),
    row("Null", "false", "", true),
    row("Null", "true", UNKNOWN, "unknown"),
    row("Null", "false", UNKNOWN, "unknown"),
  ];

  it.each(rows)("Null $values with environment=$claim → $outcome", ({ op, values, claim, outcome }) => {
    expectOutcome(evalCondition(op, K("environment"), values, withClaim("environment", claim)), outcome);
  });

  it("JSON booleans (the usual way Null is written) work like the strings", () => {
    expectOutcome(evalCondition("Null", K("environment"), true, withClaim("environment", ABSENT)), true);
    expectOutcome(evalCondition("Null", K("environment"), true, withClaim("environment", "prod")), false);
    expectOutcome(evalCondition("Null", K("environment"), false, withClaim("environment", "prod")), true);
  });

  it("Null on a key AWS does not expose sees it as absent even when the token has it", () => {
    const cs = withClaim("event_name", "push");
    expectOutcome(evalCondition("Null", K("event_name"), "true", cs), true);
    expectOutcome(evalCondition("Null", K("event_name"), "false", cs), false);
  });
});

describe("ForAnyValue: / ForAllValues: on a single-valued claim", () => {
  const rows: Row[] = [
    row("ForAnyValue:StringEquals", "production", "production", true),
    row("ForAnyValue:StringEquals", ["qa", "production"], "production", true),
    row("ForAnyValue:StringEquals", "production", "staging", false),
    row("ForAnyValue:StringEquals", "production", ABSENT, false),
    row("ForAnyValue:StringEquals", "production", UNKNOWN, "unknown"),
    row("ForAnyValue:StringLike", "prod*", "production", true),
    row("ForAnyValue:StringLike", "prod*", "staging", false),
    row("ForAnyValue:StringLike", "*", ABSENT, false),
    row("ForAnyValue:StringEqualsIgnoreCase", "PRODUCTION", "production", true),
    row("ForAnyValue:StringNotEquals", "production", "staging", true),
    row("ForAnyValue:StringNotEquals", "production", "production", false),
    row("ForAnyValue:StringNotEquals", "production", ABSENT, false),
    row("ForAnyValue:StringNotLike", "prod*", ABSENT, false),
    // A set prefix decides the absent case; IfExists does not turn ForAnyValue true.
    row("ForAnyValue:StringEqualsIfExists", "production", ABSENT, false),
    row("ForAnyValue:StringEqualsIfExists", "production", "production", true),
    row("ForAllValues:StringEquals", "production", "production", true),
    row("ForAllValues:StringEquals", ["qa", "production"], "production", true),
    row("ForAllValues:StringEquals", "production", "staging", false),
    // The empty request set satisfies ForAllValues: dangerous in an Allow (P-19).
    row("ForAllValues:StringEquals", "production", ABSENT, true),
    row("ForAllValues:StringEquals", "production", UNKNOWN, "unknown"),
    row("ForAllValues:StringLike", "prod*", "production", true),
    row("ForAllValues:StringLike", "prod*", "staging", false),
    row("ForAllValues:StringLike", "prod*", ABSENT, true),
    row("ForAllValues:StringNotEquals", "production", "staging", true),
    row("ForAllValues:StringNotEquals", "production", "production", false),
    row("ForAllValues:StringNotEquals", ["qa", "production"], "production", false),
    row("ForAllValues:StringNotEquals", "production", ABSENT, true),
    row("ForAllValues:StringNotLike", "prod*", ABSENT, true),
    row("ForAllValues:StringEqualsIfExists", "production", "staging", false),
  ];

  it.each(rows)("$op $values with environment=$claim → $outcome", ({ op, values, claim, outcome }) => {
    expectOutcome(evalCondition(op, K("environment"), values, withClaim("environment", claim)), outcome);
  });

  it("ForAllValues over a key AWS does not expose is vacuously true: any repository gets in", () => {
    const e = evalCondition(
      "ForAllValues:StringEquals",
      K("repository_owner"),
      "octo-org",
      claims("repo:evil/x:ref:refs/heads/main", { repository_owner: "evil" }),
    );
    expectOutcome(e, true);
  });
});

describe("operators that are not defined for GitHub's string claims are indeterminate", () => {
  const rows: [string, string, string][] = [
    ["NumericEquals", "repository_id", "2002"],
    ["NumericNotEquals", "repository_id", "1"],
    ["NumericLessThan", "repository_id", "3000"],
    ["NumericLessThanEquals", "repository_id", "2002"],
    ["NumericGreaterThan", "repository_id", "1"],
    ["NumericGreaterThanEquals", "repository_id", "2002"],
    ["NumericEqualsIfExists", "repository_id", "2002"],
    ["DateEquals", "environment", "2026-01-01T00:00:00Z"],
    ["DateNotEquals", "environment", "2026-01-01T00:00:00Z"],
    ["DateLessThan", "environment", "2026-01-01T00:00:00Z"],
    ["DateGreaterThanEquals", "environment", "2026-01-01T00:00:00Z"],
    ["Bool", "environment", "true"],
    ["BinaryEquals", "environment", "cHJvZA=="],
    ["IpAddress", "environment", "10.0.0.0/8"],
    ["NotIpAddress", "environment", "10.0.0.0/8"],
    ["ArnEquals", "job_workflow_ref", "arn:aws:iam::111122223333:role/deploy"],
    ["ArnLike", "job_workflow_ref", "arn:*"],
    ["ArnNotEquals", "job_workflow_ref", "arn:aws:iam::111122223333:role/deploy"],
    ["ArnNotLike", "job_workflow_ref", "arn:*"],
    ["ForAnyValue:ArnLike", "job_workflow_ref", "arn:*"],
  ];

  it.each(rows)("%s on present %s is indeterminate", (op, claim, value) => {
    const e = evalCondition(op, K(claim), value, withClaim(claim, value));
    expectOutcome(e, "unknown");
    expect(e.statements[0]!.conditions[0]!.note).toBeTruthy();
  });
});

describe("claims rolecall cannot know, and keys AWS does not expose for GitHub tokens", () => {
  it.each([
    "StringEquals",
    "StringNotEquals",
    "StringLike",
    "StringNotLike",
    "StringEqualsIfExists",
    "ForAnyValue:StringLike",
    "ForAllValues:StringLike",
  ])("%s on an unknown actor claim is indeterminate", (op) => {
    expectOutcome(evalCondition(op, K("actor"), "octocat", withClaim("actor", UNKNOWN)), "unknown");
  });

  it("an unknown sub makes the whole decision indeterminate, not allow or deny", () => {
    const e = evalCondition("StringLike", K("sub"), SUB("*"), withClaim("sub", UNKNOWN));
    expectOutcome(e, "unknown");
    expect(e.reasons.join(" ")).toMatch(/may or may not apply/);
  });

  const globals: [string, string, string][] = [
    ["IpAddress", "aws:SourceIp", "192.0.2.0/24"],
    ["NotIpAddress", "aws:SourceIp", "192.0.2.0/24"],
    ["StringEquals", "sts:RoleSessionName", "GitHubActions"],
    ["StringLike", "sts:RoleSessionName", "GitHub*"],
    ["StringNotEquals", "aws:PrincipalTag/team", "ops"],
    ["StringEqualsIfExists", "sts:RoleSessionName", "GitHubActions"],
    ["Null", "aws:SourceIp", "true"],
    ["StringEquals", "AWS:SourceIdentity", "octocat"],
  ];
  it.each(globals)("%s on the global key %s is indeterminate", (op, key, value) => {
    const e = evalCondition(op, key, value, claims(MAIN));
    expectOutcome(e, "unknown");
    expect(e.statements[0]!.conditions[0]!.claim).toBeNull();
  });

  const unsupported = [
    "event_name",
    "repository_owner",
    "ref_type",
    "runner_environment",
    "workflow_ref",
    "base_ref",
    "head_ref",
    "repository_visibility",
  ];
  it.each(unsupported)("%s is treated as absent even when the token carries it", (claim) => {
    const cs = withClaim(claim, "push");
    const eq = evalCondition("StringEquals", K(claim), "push", cs);
    expectOutcome(eq, false);
    expect(eq.statements[0]!.conditions[0]!.note).toMatch(/not a condition key AWS exposes/);
    expectOutcome(evalCondition("StringLike", K(claim), "*", cs), false);
    expectOutcome(evalCondition("StringNotEquals", K(claim), "push", cs), true);
    expectOutcome(evalCondition("StringNotLike", K(claim), "*", cs), true);
    expectOutcome(evalCondition("StringEqualsIfExists", K(claim), "pull_request", cs), true);
  });

  it("repository_owner_id is indeterminate (sources disagree), whatever the token says", () => {
    const cs = withClaim("repository_owner_id", "1001");
    for (const [op, v] of [
      ["StringEquals", "1001"],
      ["StringEquals", "9999"],
      ["StringNotEquals", "1001"],
      ["StringLike", "*"],
    ] as const) {
      const e = evalCondition(op, K("repository_owner_id"), v, cs);
      expectOutcome(e, "unknown");
      expect(e.statements[0]!.conditions[0]!.note).toMatch(/disagree/);
    }
  });

  it("a key naming another issuer is absent from a GitHub token", () => {
    const cs = claims(MAIN);
    expectOutcome(evalCondition("StringEquals", "accounts.google.com:sub", MAIN, cs), false);
    expectOutcome(evalCondition("StringNotEquals", "accounts.google.com:sub", MAIN, cs), true);
    // The enterprise-slug key form is another issuer's key for a token from the plain issuer.
    expectOutcome(
      evalCondition("StringEquals", "token.actions.githubusercontent.com/octocat-inc:sub", MAIN, cs),
      false,
    );
  });
});

describe("condition key names are case-insensitive; values are not", () => {
  it.each([
    "Token.Actions.GitHubUserContent.com:SUB",
    "TOKEN.ACTIONS.GITHUBUSERCONTENT.COM:sub",
    "token.actions.githubusercontent.com:Sub",
  ])("%s reads the sub claim", (key) => {
    expectOutcome(evalCondition("StringEquals", key, MAIN, claims(MAIN)), true);
    expectOutcome(evalCondition("StringEquals", key, MAIN, claims("repo:evil/x:ref:refs/heads/main")), false);
    const e = evalCondition("StringEquals", key, MAIN, claims(MAIN));
    expect(e.statements[0]!.conditions[0]!.claim).toBe("sub");
    expect(e.statements[0]!.conditions[0]!.key).toBe(key);
  });

  it("a mixed-case key for an unsupported claim is still unsupported", () => {
    const e = evalCondition("StringEquals", "Token.Actions.GitHubUserContent.com:Event_Name", "push", {
      ...claims(MAIN),
      event_name: { kind: "value", value: "push" },
    });
    expectOutcome(e, false);
  });

  it.each([
    ["StringEquals", "repo:Octo-Org/octo-repo:ref:refs/heads/main", false],
    ["StringEquals", "REPO:octo-org/octo-repo:ref:refs/heads/main", false],
    ["StringLike", "repo:Octo-Org/*", false],
    ["StringEqualsIgnoreCase", "repo:Octo-Org/Octo-Repo:REF:refs/heads/MAIN", true],
  ] as const)("%s %s against the lower-case sub → %s", (op, value, outcome) => {
    expectOutcome(evalCondition(op, K("sub"), value, claims(MAIN)), outcome);
  });

  it("the trace keeps the operator, the values and the claim value the condition saw", () => {
    const e = evalCondition("StringEquals", K("sub"), MAIN, claims(MAIN));
    expect(e.statements[0]!.conditions[0]!.operator).toBe("StringEquals");
    expect(e.statements[0]!.conditions[0]!.values).toEqual([MAIN]);
    expect(e.statements[0]!.conditions[0]!.claimValue).toEqual({ kind: "value", value: MAIN });
  });
});

describe("StringLike glob on sub (§5.4)", () => {
  const rows: [string, string, boolean][] = [
    // `*` spans `/` and `:` …
    ["repo:octo-org/*", SUB("ref:refs/heads/feature/x"), true],
    ["repo:octo-org/*", SUB("pull_request"), true],
    ["repo:octo-org/octo-repo:*", SUB("environment:prod"), true],
    ["repo:octo-org/octo-repo:ref:refs/heads/*", SUB("ref:refs/heads/feature/deep/x"), true],
    ["*:pull_request", SUB("pull_request"), true],
    ["repo:*/*:ref:refs/heads/main", "repo:someone/else:ref:refs/heads/main", true],
    ["*", "repo:anyone/anything:pull_request", true],
    // … and the empty string (zero-width), including the prefix collision of E8.
    ["repo:octo-org/octo-repo:ref:refs/heads/main*", MAIN, true],
    ["repo:octo-org/octo-repo:ref:refs/heads/main*", SUB("ref:refs/heads/main-hotfix"), true],
    ["repo:octo-org/octo-repo:ref:refs/heads/*main", MAIN, true],
    ["repo:octo-org/octo-repo:**", SUB("pull_request"), true],
    // `?` is exactly one character — any character, `/` and `:` included.
    ["repo:octo-org/octo-repo:environment:?", SUB("environment:a"), true],
    ["repo:octo-org/octo-repo:environment:?", SUB("environment:"), false],
    ["repo:octo-org/octo-repo:environment:?", SUB("environment:ab"), false],
    ["repo:octo-org/octo-repo?ref:refs/heads/main", MAIN, true],
    ["repo:octo-org?octo-repo:ref:refs/heads/main", MAIN, true],
    ["repo:octo-org/octo-repo:ref:refs/heads/ma?n", MAIN, true],
    // Anchored at both ends.
    ["octo-org/octo-repo", MAIN, false],
    ["repo:octo-org/octo-repo", MAIN, false],
    ["octo-org/*", MAIN, false],
    ["repo:octo-org/octo-repo:ref:refs/heads/mai", MAIN, false],
    ["*:ref:refs/heads/mai", MAIN, false],
    // Immutable subjects do not match name-based wildcards (E6).
    ["repo:octo-org/octo-repo:*", "repo:octo-org@1001/octo-repo@2002:ref:refs/heads/main", false],
    ["repo:octo-org*/octo-repo*:*", "repo:octo-org@1001/octo-repo@2002:ref:refs/heads/main", true],
  ];

  it.each(rows)("StringLike %s against %s → %s", (pattern, sub, outcome) => {
    expectOutcome(evalCondition("StringLike", K("sub"), pattern, claims(sub)), outcome);
  });

  it.each(rows)("StringNotLike %s against %s is the negation", (pattern, sub, outcome) => {
    expectOutcome(evalCondition("StringNotLike", K("sub"), pattern, claims(sub)), !outcome);
  });

  it.each([
    [SUB("*"), SUB("pull_request"), false],
    [SUB("*"), SUB("*"), true],
    [SUB("ref:refs/heads/?ain"), MAIN, false],
    [SUB("ref:refs/heads/?ain"), SUB("ref:refs/heads/?ain"), true],
  ] as const)("StringEquals %s against %s treats * and ? literally → %s", (value, sub, outcome) => {
    expectOutcome(evalCondition("StringEquals", K("sub"), value, claims(sub)), outcome);
  });
});

describe("multiple values, keys and operators", () => {
  const both = (sub: string, aud: string) => ({
    sub: { kind: "value", value: sub } as ClaimValue,
    aud: { kind: "value", value: aud } as ClaimValue,
  });

  it("values of one key are OR-ed, keys of one operator AND-ed, operators AND-ed; each outcome is traced", () => {
    const p = parsed(
      policy([
        statement({
          Condition: {
            StringEquals: { [K("aud")]: "sts.amazonaws.com", [K("repository")]: "octo-org/octo-repo" },
            StringLike: { [K("sub")]: [SUB("ref:refs/heads/main"), SUB("environment:*")] },
            StringNotEquals: { [K("environment")]: ["dev", "qa"] },
          },
        }),
      ]),
    );
    const run = (sub: string, repo: string, env: string | null) =>
      evaluateTrustPolicy(p, { claims: { ...both(sub, "sts.amazonaws.com"), ...claimsOf(repo, env) } });
    const claimsOf = (repo: string, env: string | null): ClaimSet => ({
      repository: { kind: "value", value: repo },
      environment: env === null ? { kind: "absent" } : { kind: "value", value: env },
    });
    const trace = (e: Evaluation) => e.statements[0]!.conditions.map((c) => [c.operator, c.key, c.outcome]);

    const ok = run(SUB("environment:prod"), "octo-org/octo-repo", "prod");
    expect(ok.decision).toBe("allow");
    expect(trace(ok)).toEqual([
      ["StringEquals", K("aud"), true],
      ["StringEquals", K("repository"), true],
      ["StringLike", K("sub"), true],
      ["StringNotEquals", K("environment"), true],
    ]);
    expect(ok.statements[0]!.conditions[2]!.decidingValue).toBe(SUB("environment:*"));

    const main = run(MAIN, "octo-org/octo-repo", null);
    expect(main.decision).toBe("allow");
    expect(main.statements[0]!.conditions[2]!.decidingValue).toBe(SUB("ref:refs/heads/main"));

    const qa = run(SUB("environment:qa"), "octo-org/octo-repo", "qa");
    expect(qa.decision).toBe("deny");
    expect(qa.explicitDeny).toBe(false);
    expect(trace(qa).map((t) => t[2])).toEqual([true, true, true, false]);
    expect(qa.statements[0]!.conditions[3]!.decidingValue).toBe("qa");

    const otherRepo = run(SUB("environment:prod"), "octo-org/other", "prod");
    expect(otherRepo.decision).toBe("deny");
    expect(trace(otherRepo).map((t) => t[2])).toEqual([true, false, true, true]);

    const pr = run(SUB("pull_request"), "octo-org/octo-repo", null);
    expect(pr.decision).toBe("deny");
    expect(trace(pr).map((t) => t[2])).toEqual([true, true, false, true]);
  });

  it("a false condition beats an unknown one in the same statement (AND)", () => {
    const p = parsed(
      policy([
        statement({
          Condition: {
            StringEquals: { [K("sub")]: MAIN },
            IpAddress: { "aws:SourceIp": "192.0.2.0/24" },
          },
        }),
      ]),
    );
    const denied = evaluateTrustPolicy(p, { claims: claims(SUB("pull_request")) });
    expect(denied.decision).toBe("deny");
    expect(denied.statements[0]!.conditions.map((c) => c.outcome)).toEqual([false, "unknown"]);
    const unsure = evaluateTrustPolicy(p, { claims: claims(MAIN) });
    expect(unsure.decision).toBe("indeterminate");
    expect(unsure.statements[0]!.conditions.map((c) => c.outcome)).toEqual([true, "unknown"]);
  });

  it("negated multi-value lists must differ from all values: one repo out of two is not excluded", () => {
    const e = evalCondition(
      "StringNotEquals",
      K("sub"),
      [SUB("pull_request"), SUB("ref:refs/heads/dev")],
      claims(SUB("ref:refs/heads/dev")),
    );
    expectOutcome(e, false);
    expect(e.statements[0]!.conditions[0]!.decidingValue).toBe(SUB("ref:refs/heads/dev"));
  });
});

describe("policy variables (§5.4, S-AWS5)", () => {
  const REPO_VAR = "${token.actions.githubusercontent.com:repository}";
  const repoClaims = (sub: string, repo: string) => withClaim("repository", repo, claims(sub));

  it("Version 2012-10-17 substitutes the claim value", () => {
    const value = `repo:${REPO_VAR}:ref:refs/heads/main`;
    expectOutcome(
      evalCondition("StringEquals", K("sub"), value, repoClaims(MAIN, "octo-org/octo-repo")),
      true,
    );
    expectOutcome(
      evalCondition(
        "StringEquals",
        K("sub"),
        value,
        repoClaims("repo:octo-org/other:ref:refs/heads/main", "octo-org/octo-repo"),
      ),
      false,
    );
    expectOutcome(
      evalCondition(
        "StringLike",
        K("sub"),
        `repo:${REPO_VAR}:*`,
        repoClaims(SUB("pull_request"), "octo-org/octo-repo"),
      ),
      true,
    );
    expectOutcome(
      evalCondition("StringNotEquals", K("sub"), value, repoClaims(MAIN, "octo-org/octo-repo")),
      false,
    );
  });

  it("variable key names are case-insensitive", () => {
    const value = "repo:${Token.Actions.GitHubUserContent.com:Repository}:ref:refs/heads/main";
    expectOutcome(
      evalCondition("StringEquals", K("sub"), value, repoClaims(MAIN, "octo-org/octo-repo")),
      true,
    );
  });

  it("a substituted value is matched literally, its wildcards are not pattern characters", () => {
    // The environment claim holds a `*` (hypothetical); substituted into StringLike it must stay literal.
    const cs = withClaim("environment", "p*", claims(SUB("environment:prod")));
    const value = "repo:octo-org/octo-repo:environment:${token.actions.githubusercontent.com:environment}";
    expectOutcome(evalCondition("StringLike", K("sub"), value, cs), false);
    const literal = withClaim("environment", "p*", claims(SUB("environment:p*")));
    expectOutcome(evalCondition("StringLike", K("sub"), value, literal), true);
  });

  it.each([["2008-10-17"], [null]] as const)("Version %s keeps ${…} as literal text", (version) => {
    const value = `repo:${REPO_VAR}:ref:refs/heads/main`;
    const cs = repoClaims(MAIN, "octo-org/octo-repo");
    expectOutcome(evalCondition("StringEquals", K("sub"), value, cs, version), false);
    expectOutcome(
      evalCondition("StringEquals", K("sub"), value, repoClaims(value, "octo-org/octo-repo"), version),
      true,
    );
    expectOutcome(evalCondition("StringNotEquals", K("sub"), value, cs, version), true);
  });

  it("the ${*}, ${?} and ${$} escapes are literal characters under 2012-10-17", () => {
    const env = (e: string) => claims(SUB(`environment:${e}`));
    const star = SUB("environment:${*}");
    expectOutcome(evalCondition("StringLike", K("sub"), star, env("*")), true);
    expectOutcome(evalCondition("StringLike", K("sub"), star, env("prod")), false);
    expectOutcome(evalCondition("StringLike", K("sub"), star, env("")), false);
    const one = SUB("environment:${?}");
    expectOutcome(evalCondition("StringLike", K("sub"), one, env("?")), true);
    expectOutcome(evalCondition("StringLike", K("sub"), one, env("x")), false);
    // `${$}` writes a dollar: `${$}{x}` is the literal text `${x}`, not a variable.
    const dollar = SUB(`environment:\${$}{token.actions.githubusercontent.com:repository}`);
    expectOutcome(
      evalCondition(
        "StringEquals",
        K("sub"),
        dollar,
        repoClaims(SUB(`environment:${REPO_VAR}`), "octo-org/octo-repo"),
      ),
      true,
    );
    expectOutcome(
      evalCondition(
        "StringEquals",
        K("sub"),
        dollar,
        repoClaims(SUB("environment:$octo-org/octo-repo"), "x"),
      ),
      false,
    );
    // Mixed: an escape next to a real wildcard.
    expectOutcome(evalCondition("StringLike", K("sub"), SUB("environment:${*}*"), env("*-eu")), true);
    expectOutcome(evalCondition("StringLike", K("sub"), SUB("environment:${*}*"), env("prod")), false);
  });

  it("without Version the escapes are not escapes: ${*} is `${` + wildcard + `}`", () => {
    const value = SUB("environment:${*}");
    expectOutcome(evalCondition("StringLike", K("sub"), value, claims(SUB("environment:${x}")), null), true);
    expectOutcome(evalCondition("StringLike", K("sub"), value, claims(SUB("environment:*")), null), false);
  });

  it("a variable whose claim is absent matches nothing (positive false; negated indeterminate: AWS says the statement may be invalid)", () => {
    const cs = claims(MAIN); // no repository claim
    const value = `repo:${REPO_VAR}:ref:refs/heads/main`;
    expectOutcome(evalCondition("StringEquals", K("sub"), value, cs), false);
    expectOutcome(evalCondition("StringLike", K("sub"), `repo:${REPO_VAR}:*`, cs), false);
    expectOutcome(evalCondition("StringNotEquals", K("sub"), value, cs), "unknown");
    expectOutcome(evalCondition("StringNotLike", K("sub"), `repo:${REPO_VAR}:*`, cs), "unknown");
    // A variable over a key AWS does not expose is absent too.
    const owner = "repo:${token.actions.githubusercontent.com:repository_owner}/octo-repo:*";
    expectOutcome(
      evalCondition("StringLike", K("sub"), owner, withClaim("repository_owner", "octo-org")),
      false,
    );
    // …but another value in the list can still match.
    expectOutcome(evalCondition("StringEquals", K("sub"), [value, MAIN], cs), true);
  });

  it("a default `${key, 'default'}` stands in when the claim is absent", () => {
    const value = "repo:${token.actions.githubusercontent.com:repository, 'octo-org/octo-repo'}:*";
    expectOutcome(evalCondition("StringLike", K("sub"), value, claims(SUB("pull_request"))), true);
    expectOutcome(evalCondition("StringLike", K("sub"), value, claims("repo:evil/x:pull_request")), false);
    // When the claim is present the default is ignored.
    expectOutcome(
      evalCondition("StringLike", K("sub"), value, repoClaims("repo:octo-org/x:pull_request", "octo-org/x")),
      true,
    );
    expectOutcome(
      evalCondition("StringLike", K("sub"), value, repoClaims(SUB("pull_request"), "octo-org/x")),
      false,
    );
  });

  it("a variable over an unknown claim or a global key is indeterminate", () => {
    const actor = "repo:octo-org/octo-repo:environment:${token.actions.githubusercontent.com:actor}";
    expectOutcome(
      evalCondition(
        "StringEquals",
        K("sub"),
        actor,
        withClaim("actor", UNKNOWN, claims(SUB("environment:x"))),
      ),
      "unknown",
    );
    expectOutcome(
      evalCondition("StringEquals", K("sub"), "repo:octo-org/${aws:username}:*", claims(MAIN)),
      "unknown",
    );
    expectOutcome(
      evalCondition("StringNotLike", K("sub"), "repo:octo-org/${aws:username}:*", claims(MAIN)),
      "unknown",
    );
  });
});

describe("Action and NotAction (case-insensitive globs, S-AWS9)", () => {
  const actions: [unknown, boolean][] = [
    ["sts:AssumeRoleWithWebIdentity", true],
    ["STS:assumerolewithwebidentity", true],
    ["sts:*", true],
    ["*", true],
    ["sts:AssumeRole*", true],
    ["sts:assumerole*", true],
    ["sts:AssumeRoleWith?ebIdentity", true],
    ["*WebIdentity", true],
    ["sts:AssumeRole", false],
    ["sts:AssumeRoleWithSAML", false],
    ["sts:TagSession", false],
    ["iam:*", false],
    ["sts:AssumeRoleWithWebIdentity2", false],
    [["sts:TagSession", "sts:AssumeRoleWithWebIdentity"], true],
    [["sts:AssumeRole", "sts:TagSession"], false],
  ];

  it.each(actions)("Action %j → %s", (action, outcome) => {
    const p = parsed(policy([statement({ Action: action })]));
    const e = evaluateTrustPolicy(p, { claims: claims(MAIN) });
    expect(e.statements[0]!.action.outcome).toBe(outcome);
    expect(e.decision).toBe(outcome ? "allow" : "deny");
    expect(e.explicitDeny).toBe(false);
  });

  it.each(actions)("NotAction %j → the opposite", (action, outcome) => {
    const { Action: _drop, ...rest } = statement();
    const p = parsed(policy([{ ...rest, NotAction: action }]));
    const e = evaluateTrustPolicy(p, { claims: claims(MAIN) });
    expect(e.statements[0]!.action.outcome).toBe(!outcome);
    expect(e.decision).toBe(outcome ? "deny" : "allow");
  });
});

describe("Principal (§5.2, §7 principalMatches)", () => {
  const fed = (f: unknown) => policy([statement({ Principal: { Federated: f } })]);
  const run = (text: string, opts: { issuer?: string; roleArn?: string | null } = {}) =>
    evaluateTrustPolicy(parsed(text), { claims: claims(MAIN), ...opts });

  it("Federated as a string or inside an array", () => {
    expect(run(fed(PROVIDER)).decision).toBe("allow");
    const other = "arn:aws:iam::111122223333:oidc-provider/accounts.google.com";
    const e = run(fed([other, PROVIDER]));
    expect(e.decision).toBe("allow");
    expect(e.statements[0]!.principal.outcome).toBe(true);
    const none = run(fed([other, "cognito-identity.amazonaws.com"]));
    expect(none.decision).toBe("deny");
    expect(none.statements[0]!.principal.outcome).toBe(false);
  });

  it("the provider must be in the role's own account and partition", () => {
    const foreign = fed("arn:aws:iam::444455556666:oidc-provider/token.actions.githubusercontent.com");
    const e = run(foreign, { roleArn: ROLE });
    expect(e.decision).toBe("deny");
    expect(e.statements[0]!.principal.outcome).toBe(false);
    expect(e.statements[0]!.principal.note).toMatch(/444455556666|111122223333/);
    // Without a role ARN the account cannot be checked: the statement matches the issuer.
    expect(run(foreign, { roleArn: null }).decision).toBe("allow");
    expect(run(fed(PROVIDER), { roleArn: ROLE }).decision).toBe("allow");
  });

  it.each([
    ["aws-cn", "arn:aws-cn:iam::111122223333:role/deploy"],
    ["aws-us-gov", "arn:aws-us-gov:iam::111122223333:role/deploy"],
  ])("partition %s: only a provider ARN in that partition matches", (partition, roleArn) => {
    const same = fed(`arn:${partition}:iam::111122223333:oidc-provider/token.actions.githubusercontent.com`);
    expect(run(same, { roleArn }).decision).toBe("allow");
    const commercial = run(fed(PROVIDER), { roleArn });
    expect(commercial.decision).toBe("deny");
    expect(commercial.statements[0]!.principal.outcome).toBe(false);
    // And the other way round: a partition provider does not serve a commercial role.
    expect(run(same, { roleArn: ROLE }).decision).toBe("deny");
  });

  it("an enterprise-slug issuer needs the slug provider and slug keys (E21)", () => {
    const slug = "token.actions.githubusercontent.com/octocat-inc";
    const text = policy([
      statement({
        Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${slug}` },
        Condition: { StringEquals: { [`${slug}:aud`]: "sts.amazonaws.com", [`${slug}:sub`]: MAIN } },
      }),
    ]);
    const ok = run(text, { issuer: slug, roleArn: ROLE });
    expect(ok.decision).toBe("allow");
    expect(ok.statements[0]!.conditions.map((c) => c.outcome)).toEqual([true, true]);
    // A plain-issuer token does not match the slug provider.
    const plain = run(text, { roleArn: ROLE });
    expect(plain.decision).toBe("deny");
    expect(plain.statements[0]!.principal.outcome).toBe(false);
    // A slug token against the plain provider and keys: principal false, keys absent.
    const mismatch = run(policy([statement({ Condition: { StringEquals: { [K("sub")]: MAIN } } })]), {
      issuer: slug,
      roleArn: ROLE,
    });
    expect(mismatch.decision).toBe("deny");
    expect(mismatch.statements[0]!.principal.outcome).toBe(false);
    expect(mismatch.statements[0]!.conditions[0]!.outcome).toBe(false);
  });

  it("a GHES issuer github.example.com/_services/token", () => {
    const ghes = "github.example.com/_services/token";
    const text = policy([
      statement({
        Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${ghes}` },
        Condition: {
          StringEquals: { [`${ghes}:aud`]: "sts.amazonaws.com" },
          StringLike: { [`${ghes}:sub`]: "repo:octo-org/*" },
        },
      }),
    ]);
    const ok = run(text, { issuer: ghes, roleArn: ROLE });
    expect(ok.decision).toBe("allow");
    expect(ok.statements[0]!.conditions.map((c) => [c.claim, c.outcome])).toEqual([
      ["aud", true],
      ["sub", true],
    ]);
    expect(run(text, { roleArn: ROLE }).decision).toBe("deny");
    const foreign = evaluateTrustPolicy(parsed(text), {
      claims: claims("repo:evil/x:ref:refs/heads/main"),
      issuer: ghes,
      roleArn: ROLE,
    });
    expect(foreign.decision).toBe("deny");
  });

  it.each([
    ["Principal *", "*"],
    ['{"AWS": "*"}', { AWS: "*" }],
    ['{"AWS": [account, "*"]}', { AWS: ["arn:aws:iam::111122223333:root", "*"] }],
  ])("%s admits GitHub tokens of any repository", (_label, principal) => {
    const text = policy([statement({ Principal: principal })]);
    const e = run(text, { roleArn: ROLE });
    expect(e.decision).toBe("allow");
    expect(e.statements[0]!.principal.outcome).toBe(true);
    expect(e.statements[0]!.principal.note).toBeTruthy();
    const anyIssuer = run(text, { issuer: "github.example.com/_services/token", roleArn: ROLE });
    expect(anyIssuer.decision).toBe("allow");
  });

  it.each([
    [{ Service: "ec2.amazonaws.com" }],
    [{ Service: ["ec2.amazonaws.com", "lambda.amazonaws.com"] }],
    [{ AWS: "arn:aws:iam::111122223333:root" }],
    [{ AWS: "111122223333" }],
    [{ Federated: "cognito-identity.amazonaws.com" }],
  ])("%j does not admit a GitHub token", (principal) => {
    const e = run(policy([statement({ Principal: principal })]), { roleArn: ROLE });
    expect(e.decision).toBe("deny");
    expect(e.explicitDeny).toBe(false);
    expect(e.statements[0]!.principal.outcome).toBe(false);
  });
});

describe("combining statements: explicit Deny, implicit deny, indeterminate (§7 decide)", () => {
  const allowRepo = statement({ Condition: { StringLike: { [K("sub")]: SUB("*") } } });
  const deny = (cond: Record<string, Record<string, unknown>>, over: StatementSpec = {}) =>
    statement({ Effect: "Deny", Condition: cond, ...over });
  const run = (statements: StatementSpec[], sub = MAIN) =>
    evaluateTrustPolicy(parsed(policy(statements)), { claims: claims(sub), roleArn: ROLE });

  it("an applicable Deny overrides an Allow, whatever the order", () => {
    const d = deny({ StringLike: { [K("sub")]: "*:ref:refs/heads/main" } });
    for (const statements of [
      [allowRepo, d],
      [d, allowRepo],
    ]) {
      const e = run(statements);
      expect(e.decision).toBe("deny");
      expect(e.explicitDeny).toBe(true);
      expect(e.reasons[0]).toMatch(/explicit Deny/);
    }
    const pr = run([allowRepo, d], SUB("pull_request"));
    expect(pr.decision).toBe("allow");
    expect(pr.explicitDeny).toBe(false);
    expect(pr.statements.map((s) => s.applies)).toEqual([true, false]);
  });

  it("a Deny without conditions on the same principal denies everything", () => {
    const e = run([allowRepo, statement({ Effect: "Deny" })]);
    expect(e.decision).toBe("deny");
    expect(e.explicitDeny).toBe(true);
  });

  it("a Deny for another principal or action does not apply", () => {
    const other = deny({}, { Principal: { Service: "ec2.amazonaws.com" } });
    const tag = deny({}, { Action: "sts:TagSession" });
    const e = run([allowRepo, other, tag]);
    expect(e.decision).toBe("allow");
    expect(e.statements.map((s) => s.applies)).toEqual([true, false, false]);
  });

  it("a Deny that may or may not apply makes an applicable Allow indeterminate", () => {
    const d = deny({ NotIpAddress: { "aws:SourceIp": "192.0.2.0/24" } });
    const e = run([allowRepo, d]);
    expect(e.decision).toBe("indeterminate");
    expect(e.explicitDeny).toBe(false);
    expect(e.statements.map((s) => s.applies)).toEqual([true, "unknown"]);
    expect(e.statements[1]!.conditions[0]!.outcome).toBe("unknown");
  });

  it("an unknown Deny with no applicable Allow is still an implicit deny", () => {
    const d = deny({ NotIpAddress: { "aws:SourceIp": "192.0.2.0/24" } });
    const e = run([allowRepo, d], "repo:evil/x:ref:refs/heads/main");
    expect(e.decision).toBe("deny");
    expect(e.explicitDeny).toBe(false);
  });

  it("a Deny that does not apply leaves an unknown Allow indeterminate", () => {
    const maybe = statement({ Condition: { StringEquals: { "sts:RoleSessionName": "deploy" } } });
    const d = deny({ StringLike: { [K("sub")]: "*:pull_request" } });
    const e = run([maybe, d]);
    expect(e.decision).toBe("indeterminate");
    expect(e.statements.map((s) => s.applies)).toEqual(["unknown", false]);
  });

  it("a guard Deny with Principal * and StringNotLike keeps foreign repositories out", () => {
    const guard = statement({
      Effect: "Deny",
      Principal: "*",
      Condition: { StringNotLike: { [K("sub")]: "repo:octo-org/*" } },
    });
    const open = statement({ Condition: { StringLike: { [K("sub")]: "repo:*" } } });
    const foreign = run([open, guard], "repo:evil/x:ref:refs/heads/main");
    expect(foreign.decision).toBe("deny");
    expect(foreign.explicitDeny).toBe(true);
    expect(foreign.statements.map((s) => s.applies)).toEqual([true, true]);
    const own = run([open, guard], SUB("pull_request"));
    expect(own.decision).toBe("allow");
    expect(own.statements.map((s) => s.applies)).toEqual([true, false]);
  });

  it("an applicable Deny wins even when the Allow is indeterminate", () => {
    const maybe = statement({ Condition: { StringEquals: { "sts:RoleSessionName": "deploy" } } });
    const e = run([maybe, statement({ Effect: "Deny" })]);
    expect(e.decision).toBe("deny");
    expect(e.explicitDeny).toBe(true);
  });

  it("no Allow applies: implicit deny, with the reason", () => {
    const e = run([statement({ Condition: { StringEquals: { [K("sub")]: SUB("pull_request") } } })]);
    expect(e.decision).toBe("deny");
    expect(e.explicitDeny).toBe(false);
    expect(e.reasons.join(" ")).toMatch(/implicit deny/);
  });

  it("a policy with only Deny statements (none applying) is an implicit deny", () => {
    const e = run([deny({ StringLike: { [K("sub")]: "*:pull_request" } })]);
    expect(e.decision).toBe("deny");
    expect(e.explicitDeny).toBe(false);
    expect(e.reasons.join(" ")).toMatch(/no Allow statement/);
  });

  it("a policy with no statement at all is an implicit deny", () => {
    const e = evaluateTrustPolicy(parsed(JSON.stringify({ Version: "2012-10-17", Statement: [] })), {
      claims: claims(MAIN),
    });
    expect(e.decision).toBe("deny");
    expect(e.explicitDeny).toBe(false);
  });

  it("one applicable Allow among several is enough", () => {
    const e = run([
      statement({ Condition: { StringEquals: { [K("sub")]: SUB("pull_request") } } }),
      statement({ Condition: { StringEquals: { [K("sub")]: MAIN } } }),
    ]);
    expect(e.decision).toBe("allow");
    expect(e.statements.map((s) => s.applies)).toEqual([false, true]);
    expect(e.reasons[0]).toMatch(/statement 1/);
  });
});
