import { describe, expect, it } from "vitest";
import { analyzeBreadth, evaluateTrustPolicy } from "../../../src/core/iam/index.js";
import { basePolicy, claims, K, PROVIDER, parsed, SUB } from "./helpers.js";

// OIDC-SEMANTICS §10: repository octo-org/octo-repo (owner id 1001, repo id 2002), legacy subjects.
const MAIN = SUB("ref:refs/heads/main");

describe("OIDC-SEMANTICS §10 worked examples (policy half)", () => {
  it("E1: push to main against an exact branch pin is allowed, and flagged for default-branch events", () => {
    const p = parsed(basePolicy({ StringEquals: { [K("sub")]: MAIN } }));
    const e = evaluateTrustPolicy(p, { claims: claims(MAIN) });
    expect(e.decision).toBe("allow");
    expect(e.statements[0]!.conditions.map((c) => c.outcome)).toEqual([true, true]);
  });

  it("E2: the same job with environment production is denied (implicit)", () => {
    const p = parsed(basePolicy({ StringEquals: { [K("sub")]: MAIN } }));
    const e = evaluateTrustPolicy(p, {
      claims: claims(SUB("environment:production"), { environment: "production" }),
    });
    expect(e.decision).toBe("deny");
    expect(e.explicitDeny).toBe(false);
    const sub = e.statements[0]!.conditions.find((c) => c.key === K("sub"))!;
    expect(sub.outcome).toBe(false);
    expect(e.reasons[0]).toMatch(/implicit deny/);
  });

  it("E3: a same-repo pull_request matches repo:octo-org/octo-repo:* and the policy is repo-wide", () => {
    const p = parsed(basePolicy({ StringLike: { [K("sub")]: SUB("*") } }));
    expect(evaluateTrustPolicy(p, { claims: claims(SUB("pull_request")) }).decision).toBe("allow");
    expect(analyzeBreadth(p).map((i) => i.kind)).toEqual(["repo-wide"]);
  });

  it("E5: pull_request_target candidates disagree on a pull_request pin", () => {
    const p = parsed(basePolicy({ StringEquals: { [K("sub")]: SUB("pull_request") } }));
    expect(evaluateTrustPolicy(p, { claims: claims(SUB("pull_request")) }).decision).toBe("allow");
    expect(evaluateTrustPolicy(p, { claims: claims(MAIN) }).decision).toBe("deny");
    expect(analyzeBreadth(p).map((i) => i.kind)).toEqual(["pull-request"]);
  });

  it("E6: an immutable subject does not match a legacy pin, not even repo:octo-org/octo-repo:*", () => {
    const immutable = "repo:octo-org@1001/octo-repo@2002:ref:refs/heads/main";
    const conds: Record<string, Record<string, string>>[] = [
      { StringEquals: { [K("sub")]: MAIN } },
      { StringLike: { [K("sub")]: SUB("*") } },
    ];
    for (const cond of conds) {
      expect(evaluateTrustPolicy(parsed(basePolicy(cond)), { claims: claims(immutable) }).decision).toBe(
        "deny",
      );
    }
    const fixed = parsed(basePolicy({ StringEquals: { [K("sub")]: immutable } }));
    expect(evaluateTrustPolicy(fixed, { claims: claims(immutable) }).decision).toBe("allow");
  });

  it("E7: StringEquals with a wildcard denies every context", () => {
    const p = parsed(basePolicy({ StringEquals: { [K("sub")]: SUB("*") } }));
    for (const ctx of ["ref:refs/heads/main", "pull_request", "environment:prod"]) {
      expect(evaluateTrustPolicy(p, { claims: claims(SUB(ctx)) }).decision).toBe("deny");
    }
    expect(evaluateTrustPolicy(p, { claims: claims(SUB("*")) }).decision).toBe("allow");
  });

  it("E8: a main* prefix admits main-hotfix, and is flagged as a ref prefix", () => {
    const p = parsed(basePolicy({ StringLike: { [K("sub")]: SUB("ref:refs/heads/main*") } }));
    expect(evaluateTrustPolicy(p, { claims: claims(MAIN) }).decision).toBe("allow");
    expect(evaluateTrustPolicy(p, { claims: claims(SUB("ref:refs/heads/main-hotfix")) }).decision).toBe(
      "allow",
    );
    const issues = analyzeBreadth(p);
    expect(issues.map((i) => i.kind)).toEqual(["ref-prefix"]);
    expect(issues[0]!.example).toBe(SUB("ref:refs/heads/main-x"));
  });

  it("E9: an environment with a colon mints %3A; only the encoded pin allows", () => {
    const minted = claims(SUB("environment:Production%3AV1"), { environment: "Production:V1" });
    const literal = parsed(basePolicy({ StringEquals: { [K("sub")]: SUB("environment:Production:V1") } }));
    const encoded = parsed(basePolicy({ StringEquals: { [K("sub")]: SUB("environment:Production%3AV1") } }));
    expect(evaluateTrustPolicy(literal, { claims: minted }).decision).toBe("deny");
    expect(evaluateTrustPolicy(encoded, { claims: minted }).decision).toBe("allow");
    const pinned = parsed(
      basePolicy({
        StringEquals: { [K("sub")]: SUB("environment:Production%3AV1"), [K("environment")]: "Production:V1" },
      }),
    );
    expect(evaluateTrustPolicy(pinned, { claims: minted }).decision).toBe("allow");
    // The collision: an environment literally named Production%3AV1 mints the same sub.
    const collision = claims(SUB("environment:Production%3AV1"), { environment: "Production%3AV1" });
    expect(evaluateTrustPolicy(encoded, { claims: collision }).decision).toBe("allow");
    expect(evaluateTrustPolicy(pinned, { claims: collision }).decision).toBe("deny");
  });

  it("E10: a custom template subject with job_workflow_ref", () => {
    const sub =
      "repo:octo-org/octo-repo:environment:prod:job_workflow_ref:octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main";
    const pinEnv = parsed(basePolicy({ StringEquals: { [K("sub")]: SUB("environment:prod") } }));
    expect(evaluateTrustPolicy(pinEnv, { claims: claims(sub) }).decision).toBe("deny");
    const viaWorkflow = parsed(
      basePolicy({
        StringLike: {
          [K("sub")]:
            "repo:octo-org/*:job_workflow_ref:octo-org/octo-automation/.github/workflows/oidc.yml@refs/heads/main",
        },
      }),
    );
    expect(evaluateTrustPolicy(viaWorkflow, { claims: claims(sub) }).decision).toBe("allow");
  });

  it("E11: an explicit Deny beats the Allow for pull_request only", () => {
    const deny = {
      Effect: "Deny",
      Principal: { Federated: PROVIDER },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: { StringLike: { [K("sub")]: "*:pull_request" } },
    };
    const p = parsed(basePolicy({ StringLike: { [K("sub")]: SUB("*") } }, [deny]));
    const pr = evaluateTrustPolicy(p, { claims: claims(SUB("pull_request")) });
    expect(pr.decision).toBe("deny");
    expect(pr.explicitDeny).toBe(true);
    expect(evaluateTrustPolicy(p, { claims: claims(MAIN) }).decision).toBe("allow");
  });

  it("E12: ForAllValues and IfExists on an absent environment allow jobs without one; plain StringEquals denies", () => {
    const base = { StringLike: { [K("sub")]: SUB("*") } };
    const noEnv = claims(MAIN);
    const forAll = parsed(
      basePolicy({ ...base, "ForAllValues:StringEquals": { [K("environment")]: ["prod"] } }),
    );
    const ifExists = parsed(basePolicy({ ...base, StringEqualsIfExists: { [K("environment")]: "prod" } }));
    const plain = parsed(basePolicy({ ...base, StringEquals: { [K("environment")]: "prod" } }));
    expect(evaluateTrustPolicy(forAll, { claims: noEnv }).decision).toBe("allow");
    expect(evaluateTrustPolicy(ifExists, { claims: noEnv }).decision).toBe("allow");
    expect(evaluateTrustPolicy(plain, { claims: noEnv }).decision).toBe("deny");
  });

  it("E13: a negated-only subject condition admits foreign repositories", () => {
    const p = parsed(basePolicy({ StringNotEquals: { [K("sub")]: SUB("pull_request") } }));
    expect(evaluateTrustPolicy(p, { claims: claims("repo:evil/x:ref:refs/heads/main") }).decision).toBe(
      "allow",
    );
    expect(evaluateTrustPolicy(p, { claims: claims(SUB("pull_request")) }).decision).toBe("deny");
    expect(analyzeBreadth(p).map((i) => i.kind)).toEqual(["any-repository"]);
  });

  it("E15: one loose value in a list poisons it", () => {
    const p = parsed(basePolicy({ StringLike: { [K("sub")]: [MAIN, "repo:octo-org/*"] } }));
    expect(evaluateTrustPolicy(p, { claims: claims("repo:octo-org/anything:pull_request") }).decision).toBe(
      "allow",
    );
    const issues = analyzeBreadth(p);
    expect(issues.map((i) => i.kind)).toEqual(["org-wide"]);
    expect(issues[0]!.values.map((v) => v.value)).toEqual(["repo:octo-org/*"]);
    expect(issues[0]!.values[0]!.pointer).toBe(
      "/Statement/0/Condition/StringLike/token.actions.githubusercontent.com:sub/1",
    );
  });

  it("E16: merge queue refs do not match a main pin, but match a gh-readonly-queue wildcard", () => {
    const sub = SUB("ref:refs/heads/gh-readonly-queue/main/pr-42-0123abcd");
    expect(
      evaluateTrustPolicy(parsed(basePolicy({ StringEquals: { [K("sub")]: MAIN } })), { claims: claims(sub) })
        .decision,
    ).toBe("deny");
    const q = parsed(
      basePolicy({ StringLike: { [K("sub")]: SUB("ref:refs/heads/gh-readonly-queue/main/*") } }),
    );
    expect(evaluateTrustPolicy(q, { claims: claims(sub) }).decision).toBe("allow");
  });

  it("E17: an aud condition naming the owner URL denies the action's default audience", () => {
    const p = parsed(
      JSON.stringify({
        Version: "2012-10-17",
        Statement: {
          Effect: "Allow",
          Principal: { Federated: PROVIDER },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: { StringEquals: { [K("aud")]: "https://github.com/octo-org", [K("sub")]: MAIN } },
        },
      }),
    );
    const e = evaluateTrustPolicy(p, { claims: claims(MAIN) });
    expect(e.decision).toBe("deny");
    expect(e.statements[0]!.conditions.find((c) => c.key === K("aud"))!.outcome).toBe(false);
  });

  it("E18: the 2026 provider-specific keys pin the repository id and the workflow", () => {
    const p = parsed(
      basePolicy({
        StringLike: {
          [K("sub")]: SUB("*"),
          [K("job_workflow_ref")]: "octo-org/octo-repo/.github/workflows/deploy.yml@refs/heads/main",
        },
        StringEquals: { [K("repository_id")]: "2002" },
      }),
    );
    const run = (wf: string, id: string) =>
      evaluateTrustPolicy(p, {
        claims: claims(MAIN, {
          repository_id: id,
          job_workflow_ref: `octo-org/octo-repo/.github/workflows/${wf}@refs/heads/main`,
        }),
      }).decision;
    expect(run("deploy.yml", "2002")).toBe("allow");
    expect(run("ci.yml", "2002")).toBe("deny");
    expect(run("deploy.yml", "9999")).toBe("deny");
  });

  it("E19: a condition on event_name, a key AWS does not expose, denies every context and says why", () => {
    const p = parsed(
      basePolicy({ StringLike: { [K("sub")]: SUB("*") }, StringEquals: { [K("event_name")]: "push" } }),
    );
    const e = evaluateTrustPolicy(p, { claims: claims(MAIN, { event_name: "push" }) });
    expect(e.decision).toBe("deny");
    const c = e.statements[0]!.conditions.find((x) => x.key === K("event_name"))!;
    expect(c.outcome).toBe(false);
    expect(c.note).toMatch(/not a condition key AWS exposes/);
    const owner = parsed(
      basePolicy({
        StringLike: { [K("sub")]: SUB("*") },
        StringEquals: { [K("repository_owner_id")]: "1001" },
      }),
    );
    expect(evaluateTrustPolicy(owner, { claims: claims(MAIN) }).decision).toBe("indeterminate");
  });

  it("E21: an enterprise-slug issuer does not match a provider without the slug", () => {
    const p = parsed(basePolicy({ StringEquals: { [K("sub")]: MAIN } }));
    const e = evaluateTrustPolicy(p, {
      claims: claims(MAIN),
      issuer: "token.actions.githubusercontent.com/octocat-inc",
    });
    expect(e.decision).toBe("deny");
    expect(e.statements[0]!.principal.outcome).toBe(false);
    const slug = "token.actions.githubusercontent.com/octocat-inc";
    const fixed = parsed(
      JSON.stringify({
        Version: "2012-10-17",
        Statement: {
          Effect: "Allow",
          Principal: { Federated: `arn:aws:iam::111122223333:oidc-provider/${slug}` },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: { StringEquals: { [`${slug}:aud`]: "sts.amazonaws.com", [`${slug}:sub`]: MAIN } },
        },
      }),
    );
    expect(evaluateTrustPolicy(fixed, { claims: claims(MAIN), issuer: slug }).decision).toBe("allow");
  });
});
