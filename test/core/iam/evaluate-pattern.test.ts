import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ClaimSet,
  evaluatePattern,
  evaluateTrustPolicy,
  type PatternRequest,
} from "../../../src/core/iam/index.js";
import { githubFilterToLang, Lang, validRefNameLang } from "../../../src/core/lang/index.js";
import { basePolicy, K, PROVIDER, parsed, SUB } from "./helpers.js";

const refsHeads = (filter: string) =>
  githubFilterToLang(`refs/heads/${filter}`).intersect(
    Lang.literal("refs/heads/").concat(validRefNameLang()),
  );

function request(filter: string, extra: ClaimSet = {}): PatternRequest {
  return {
    claims: {
      sub: { kind: "pattern", variable: "ref", prefix: "repo:octo-org/octo-repo:ref:", suffix: "" },
      ref: { kind: "pattern", variable: "ref", prefix: "", suffix: "" },
      aud: { kind: "value", value: "sts.amazonaws.com" },
      ...extra,
    },
    variable: { name: "ref", domain: refsHeads(filter), description: `refs/heads/${filter}` },
  };
}

describe("evaluatePattern: all, some or none of a branch filter", () => {
  it("release/** against an exact main pin: none, with a denied example", () => {
    const p = parsed(basePolicy({ StringEquals: { [K("sub")]: SUB("ref:refs/heads/main") } }));
    const r = evaluatePattern(p, request("release/**"));
    expect(r.coverage).toBe("none");
    expect(r.admittedExample).toBeNull();
    expect(r.deniedExample).toMatch(/^refs\/heads\/release\/./);
  });

  it("release/** against release/v*: some, with an example each way that the concrete evaluator confirms", () => {
    const p = parsed(basePolicy({ StringLike: { [K("sub")]: SUB("ref:refs/heads/release/v*") } }));
    const r = evaluatePattern(p, request("release/**"));
    expect(r.coverage).toBe("some");
    const concrete = (ref: string) =>
      evaluateTrustPolicy(p, {
        claims: {
          sub: { kind: "value", value: SUB(`ref:${ref}`) },
          aud: { kind: "value", value: "sts.amazonaws.com" },
        },
      }).decision;
    expect(r.admittedExample).toMatch(/^refs\/heads\/release\/v/);
    expect(concrete(r.admittedExample!)).toBe("allow");
    expect(concrete(r.deniedExample!)).toBe("deny");
  });

  it("release/* against release/*: all (GitHub's * stops at /, IAM's does not)", () => {
    const p = parsed(basePolicy({ StringLike: { [K("sub")]: SUB("ref:refs/heads/release/*") } }));
    expect(evaluatePattern(p, request("release/*")).coverage).toBe("all");
    expect(evaluatePattern(p, request("release/**")).coverage).toBe("all");
    expect(evaluatePattern(p, request("**")).coverage).toBe("some");
  });

  it("a ref condition and a sub condition on the same variable are intersected", () => {
    const p = parsed(
      basePolicy({
        StringLike: { [K("sub")]: SUB("ref:refs/heads/*") },
        StringNotLike: { [K("ref")]: "refs/heads/release/old-*" },
      }),
    );
    const r = evaluatePattern(p, request("release/**"));
    expect(r.coverage).toBe("some");
    expect(r.deniedExample).toMatch(/^refs\/heads\/release\/old-/);
  });

  it("an explicit Deny carves values out", () => {
    const deny = {
      Effect: "Deny",
      Principal: { Federated: PROVIDER },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: { StringLike: { [K("sub")]: "*:ref:refs/heads/release/x*" } },
    };
    const p = parsed(basePolicy({ StringLike: { [K("sub")]: SUB("*") } }, [deny]));
    const r = evaluatePattern(p, request("release/*"));
    expect(r.coverage).toBe("some");
    expect(r.deniedExample!.startsWith("refs/heads/release/x")).toBe(true);
  });

  it("an undecidable condition makes the answer indeterminate only when it matters", () => {
    const cond = {
      StringLike: { [K("sub")]: SUB("ref:refs/heads/release/*") },
      StringEquals: { [K("actor")]: "octocat" },
    };
    const p = parsed(basePolicy(cond));
    const unknownActor = request("release/*", {
      actor: { kind: "unknown", reason: "the actor is whoever pushes" },
    });
    expect(evaluatePattern(p, unknownActor).coverage).toBe("indeterminate");
    // Whatever the actor, refs outside release/* are never admitted.
    expect(
      evaluatePattern(p, {
        ...unknownActor,
        variable: { ...unknownActor.variable, domain: refsHeads("main") },
      }).coverage,
    ).toBe("none");
  });
});

describe("evaluatePattern agrees with the concrete evaluator (property)", () => {
  const alphabet = ["a", "b", "/", "-"];
  const name = fc
    .array(fc.constantFrom(...alphabet, "x"), { minLength: 1, maxLength: 4 })
    .map((a) => a.join(""));
  const iamGlob = fc
    .array(fc.constantFrom("a", "b", "/", "-", "*", "?"), { minLength: 0, maxLength: 5 })
    .map((a) => a.join(""));
  const ghFilter = fc
    .array(fc.constantFrom("a", "b", "/", "-", "*", "**"), { minLength: 1, maxLength: 4 })
    .map((a) => a.join(""));
  const op = fc.constantFrom("StringLike", "StringNotLike", "StringEquals");

  it("coverage and examples hold for every concrete branch", () => {
    fc.assert(
      fc.property(
        ghFilter,
        fc.array(fc.tuple(op, fc.array(iamGlob, { minLength: 1, maxLength: 2 })), {
          minLength: 1,
          maxLength: 2,
        }),
        fc.array(name, { minLength: 1, maxLength: 30 }),
        (filter, conds, samples) => {
          const condition: Record<string, Record<string, string[]>> = {};
          for (const [o, values] of conds) {
            condition[o] = { [K("sub")]: values.map((v) => SUB(`ref:refs/heads/${v}`)) };
          }
          const p = parsed(basePolicy(condition));
          const req = request(filter);
          const r = evaluatePattern(p, req);
          const concrete = (ref: string) =>
            evaluateTrustPolicy(p, {
              claims: {
                sub: { kind: "value", value: SUB(`ref:${ref}`) },
                ref: { kind: "value", value: ref },
                aud: { kind: "value", value: "sts.amazonaws.com" },
              },
            }).decision;
          expect(r.coverage).not.toBe("indeterminate");
          if (r.admittedExample) expect(concrete(r.admittedExample)).toBe("allow");
          if (r.deniedExample) expect(concrete(r.deniedExample)).toBe("deny");
          for (const s of samples) {
            const ref = `refs/heads/${s}`;
            if (!req.variable.domain.has(ref)) continue;
            if (r.coverage === "all") expect(concrete(ref)).toBe("allow");
            if (r.coverage === "none") expect(concrete(ref)).toBe("deny");
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
