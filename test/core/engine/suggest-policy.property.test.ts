import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { suggestPolicy } from "../../../src/core/engine/suggest-policy.js";
import type { ClaimSet } from "../../../src/core/iam/claims.js";
import { evaluateTrustPolicy, parseTrustPolicy } from "../../../src/core/iam/index.js";

/**
 * The safety property of suggestions (issue 7 §3), checked with the evaluator over random policies:
 * every suggestion admits every run the workflows need (unless a Deny of the current policy blocks
 * it), and admits no claim set the current policy denies except those needed runs.
 */
const ISSUER = "token.actions.githubusercontent.com";
const PROVIDER = `arn:aws:iam::111122223333:oidc-provider/${ISSUER}`;
const ROLE = "arn:aws:iam::111122223333:role/deploy";
const R = "repo:octo-org/octo-repo:";

/** Subjects of this repository a run can present. */
const OWN = [
  `${R}ref:refs/heads/main`,
  `${R}ref:refs/heads/dev`,
  `${R}ref:refs/heads/release/1`,
  `${R}ref:refs/tags/v1`,
  `${R}environment:prod`,
  `${R}environment:staging`,
  `${R}pull_request`,
];
/** Subjects of other repositories (the policy may trust them; the suggestion must keep them). */
const OTHERS = [
  "repo:octo-org/infra:ref:refs/heads/main",
  "repo:octo-org/web:environment:prod",
  "repo:octo-org@11/app@22:ref:refs/heads/main",
  "repo:evil/octo-repo:ref:refs/heads/main",
];
/** Policy values: exact subjects, and wildcards of every width. */
const VALUES = [
  ...OWN,
  ...OTHERS,
  `${R}*`,
  `${R}ref:refs/heads/*`,
  `${R}ref:refs/tags/v*`,
  `${R}environment:*`,
  "repo:octo-org/*",
  "repo:octo-org/*:ref:refs/heads/main",
  "*",
];

const claimsOf = (sub: string, aud = "sts.amazonaws.com"): ClaimSet => ({
  sub: { kind: "value", value: sub },
  aud: { kind: "value", value: aud },
});

const policyArb = fc.record({
  like: fc.boolean(),
  values: fc.uniqueArray(fc.constantFrom(...VALUES), { minLength: 1, maxLength: 5 }),
  aud: fc.boolean(),
  crossAccount: fc.boolean(),
  deny: fc.option(fc.constantFrom(`${R}ref:refs/heads/dev`, "*:pull_request"), { nil: undefined }),
  singleStatement: fc.boolean(),
});

type PolicySpec = typeof policyArb extends fc.Arbitrary<infer T> ? T : never;

function policyText(p: PolicySpec) {
  const cond: Record<string, Record<string, unknown>> = {};
  if (p.aud) cond.StringEquals = { [`${ISSUER}:aud`]: "sts.amazonaws.com" };
  const op = p.like ? "StringLike" : "StringEquals";
  cond[op] = { ...(cond[op] ?? {}), [`${ISSUER}:sub`]: p.values.length === 1 ? p.values[0] : p.values };
  const statements: unknown[] = [
    {
      Effect: "Allow",
      Principal: { Federated: PROVIDER },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: cond,
    },
  ];
  if (p.crossAccount)
    statements.push({
      Effect: "Allow",
      Principal: { AWS: "arn:aws:iam::123456789012:root" },
      Action: "sts:AssumeRole",
    });
  if (p.deny)
    statements.push({
      Effect: "Deny",
      Principal: { Federated: PROVIDER },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: { StringLike: { [`${ISSUER}:sub`]: p.deny } },
    });
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: p.singleStatement && statements.length === 1 ? statements[0] : statements,
  });
}

const decide = (text: string, claims: ClaimSet) =>
  evaluateTrustPolicy(parseTrustPolicy(text).policy!, { claims, issuer: ISSUER, roleArn: ROLE });

describe("suggestions never make things worse (property)", () => {
  it("admit every needed run, and nothing the current policy denies beyond those", () => {
    fc.assert(
      fc.property(
        policyArb,
        fc.uniqueArray(fc.constantFrom(...OWN), { minLength: 1, maxLength: 4 }),
        (p, needed) => {
          const text = policyText(p);
          const current = parseTrustPolicy(text).policy!;
          const s = suggestPolicy({
            roleArn: ROLE,
            issuer: ISSUER,
            audience: "sts.amazonaws.com",
            policy: current,
            subjectPrefix: R,
            needed: needed.map((sub) => ({ sub, claims: claimsOf(sub), variable: null })),
          });
          const suggested = s ? s.json : text;
          expect(parseTrustPolicy(suggested).policy).not.toBeNull();
          for (const sub of needed) {
            const blocked = decide(text, claimsOf(sub)).explicitDeny;
            if (!blocked) expect(decide(suggested, claimsOf(sub)).decision, `needed ${sub}`).toBe("allow");
          }
          for (const sub of [...OWN, ...OTHERS, "repo:octo-org/octo-repo-evil:ref:refs/heads/main"]) {
            for (const aud of ["sts.amazonaws.com", "https://github.com/octo-org"]) {
              // A policy without an `aud` test leaves the audience to the provider's client IDs; the
              // suggestion does not add one to a shared statement, so only the subject is judged.
              const before = decide(text, claimsOf(sub, aud)).decision;
              const after = decide(suggested, claimsOf(sub, aud)).decision;
              if (before !== "allow" && after === "allow")
                expect(needed.includes(sub), `widened: ${sub} ${aud}`).toBe(true);
            }
          }
          // Other repositories' exact subjects the policy trusted are still trusted.
          for (const other of OTHERS.filter((o) => p.values.includes(o)))
            if (decide(text, claimsOf(other)).decision === "allow")
              expect(decide(suggested, claimsOf(other)).decision, `kept ${other}`).toBe("allow");
          // The cross-account statement survives.
          if (p.crossAccount) expect(suggested).toContain("arn:aws:iam::123456789012:root");
        },
      ),
      { numRuns: 150, seed: 7 },
    );
  });
});
