import { describe, expect, it } from "vitest";
import { parseTrustPolicy } from "../../../src/core/iam/index.js";
import { findingsOf, K, PROVIDER, ROLE, SUB, scan, subEquals, trustPolicy } from "./scan-harness.js";

/** Suggested trust policies are the current policy minimally edited, and never widen trust (issue 7 §3). */
const step = `      - uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502
        with:
          role-to-assume: ${ROLE}
          aws-region: eu-west-1
`;
const job = (name: string, extra = "") =>
  `  ${name}:\n    runs-on: ubuntu-latest\n${extra}    permissions:\n      id-token: write\n    steps:\n${step}`;

const CROSS_ACCOUNT = {
  Sid: "Admins",
  Effect: "Allow",
  Principal: { AWS: "arn:aws:iam::123456789012:root" },
  Action: "sts:AssumeRole",
};

function suggestion(result: ReturnType<typeof scan>["result"], rule = "sub-not-trusted") {
  const f = findingsOf(result, rule).find((x) => x.suggestedPolicy);
  expect(f, `a ${rule} finding with a suggestion`).toBeDefined();
  return { finding: f!, policy: f!.suggestedPolicy!, doc: JSON.parse(f!.suggestedPolicy!.json) };
}

describe("suggested trust policy", () => {
  it("keeps a cross-account sts:AssumeRole statement and other repositories' subjects, and adds only what is missing", () => {
    const files = {
      ".github/workflows/deploy.yml": `on:\n  push:\n    branches: [main, release]\njobs:\n${job("deploy")}`,
    };
    const policy = trustPolicy(
      {
        StringEquals: {
          [K("sub")]: [
            SUB("ref:refs/heads/main"),
            "repo:octo-org/other-a:ref:refs/heads/main",
            "repo:octo-org/other-b:ref:refs/heads/main",
          ],
        },
      },
      { extra: [CROSS_ACCOUNT] },
    );
    const { result } = scan({ files, roles: { [ROLE]: policy } });
    const { policy: s, doc } = suggestion(result);
    expect(s.minimal).toBe(true);
    expect(doc.Statement).toHaveLength(2);
    expect(doc.Statement[1]).toEqual(CROSS_ACCOUNT);
    expect(doc.Statement[0].Condition.StringEquals[K("sub")]).toEqual([
      SUB("ref:refs/heads/main"),
      "repo:octo-org/other-a:ref:refs/heads/main",
      "repo:octo-org/other-b:ref:refs/heads/main",
      SUB("ref:refs/heads/release"),
    ]);
    expect(doc.Statement[0].Condition.StringEquals[K("aud")]).toBe("sts.amazonaws.com");
    // The diff shows the one added line, against the current policy.
    expect(s.diff).toMatch(/^--- current\n\+\+\+ suggested\n@@ /);
    const changed = s.diff!.split("\n").filter((l) => /^[-+][^-+]/.test(l));
    expect(changed).toEqual([
      `-            "repo:octo-org/other-b:ref:refs/heads/main"`,
      `+            "repo:octo-org/other-b:ref:refs/heads/main",`,
      `+            "${SUB("ref:refs/heads/release")}"`,
    ]);
    expect(s.terraform).toContain('type        = "AWS"');
    expect(s.terraform).toContain('identifiers = ["arn:aws:iam::123456789012:root"]');
    expect(s.notes).toContain(`adds \`${SUB("ref:refs/heads/release")}\``);
  });

  it("keeps non-sub conditions and immutable forms of other repositories", () => {
    const files = { ".github/workflows/d.yml": `on:\n  push:\n    branches: [dev]\njobs:\n${job("deploy")}` };
    const policy = trustPolicy({
      StringEquals: {
        [K("sub")]: [SUB("ref:refs/heads/main"), "repo:octo-org@11/infra@22:ref:refs/heads/main"],
        [K("repository_owner")]: "octo-org",
      },
    });
    const { result } = scan({ files, roles: { [ROLE]: policy } });
    const { doc } = suggestion(result);
    const eq = doc.Statement[0].Condition.StringEquals;
    expect(eq[K("repository_owner")]).toBe("octo-org");
    expect(eq[K("sub")]).toContain("repo:octo-org@11/infra@22:ref:refs/heads/main");
    expect(eq[K("sub")]).toContain(SUB("ref:refs/heads/dev"));
  });

  it("never proposes pull request trust for a role that push jobs use: a read-only role or a guard instead", () => {
    const files = {
      ".github/workflows/release.yml": `on:\n  push:\n    tags: ['v*']\njobs:\n${job("release")}`,
      ".github/workflows/cleanup.yml": `on:\n  pull_request_target:\n    types: [closed]\njobs:\n${job("cleanup")}`,
    };
    const policy = trustPolicy(
      { StringLike: { [K("sub")]: SUB("ref:refs/tags/v*") } },
      { extra: [CROSS_ACCOUNT] },
    );
    const { result } = scan({ files, roles: { [ROLE]: policy } });
    const denied = findingsOf(result, "sub-not-trusted");
    expect(denied).toHaveLength(1);
    expect(denied[0]!.fix).toContain("read-only role of their own");
    expect(denied[0]!.fix).toContain("if: github.event_name != 'pull_request'");
    expect(denied[0]!.fix).not.toMatch(/^Add /);
    // Nothing to change for the deploy runs: no suggestion that adds the pull request subject.
    const s = denied[0]!.suggestedPolicy;
    if (s) expect(s.json).not.toContain(":pull_request");
  });

  it("a pull-request-only role may get its pull request subject", () => {
    const files = { ".github/workflows/plan.yml": `on: pull_request\njobs:\n${job("plan")}` };
    const { result } = scan({ files, roles: { [ROLE]: subEquals(SUB("ref:refs/heads/main")) } });
    const { finding, doc } = suggestion(result);
    expect(finding.fix).toMatch(/^Add `repo:octo-org\/octo-repo:pull_request`/);
    expect(JSON.stringify(doc)).toContain(SUB("pull_request"));
  });

  it("does not downgrade immutable subjects: the repository moves to them instead", () => {
    const files = {
      ".github/workflows/d.yml": `on:\n  push:\n    branches: [main]\njobs:\n${job("deploy")}`,
    };
    const { result } = scan({
      files,
      roles: { [ROLE]: subEquals("repo:octo-org@123/octo-repo@456:ref:refs/heads/main") },
    });
    const f = findingsOf(result, "immutable-subject-mismatch");
    expect(f).toHaveLength(1);
    expect(f[0]!.suggestedPolicy).toBeUndefined();
    expect(f[0]!.fix).toContain("use_immutable_subject=true");
    expect(
      result.findings.filter((x) => x.suggestedPolicy?.json.includes("repo:octo-org/octo-repo")),
    ).toEqual([]);
  });

  it("writes GitHub filters as IAM values in the fix and the JSON alike, and says what the glob admits beyond the filter", () => {
    const files = {
      ".github/workflows/r.yml": `on:\n  push:\n    tags: ['v[0-9]+.[0-9]+.[0-9]+']\njobs:\n${job("release")}`,
    };
    const { result } = scan({ files, roles: { [ROLE]: subEquals(SUB("ref:refs/heads/main")) } });
    const { finding, policy, doc } = suggestion(result);
    const value = SUB("ref:refs/tags/v*.*.*");
    expect(finding.fix).toContain(`Add \`${value}\``);
    expect(finding.fix).not.toMatch(/Add `[^`]*\[0-9\]/);
    // `main` is no run's subject here: the suggestion admits exactly what the workflows need, and says so.
    expect(doc.Statement[0].Condition.StringLike[K("sub")]).toBe(value);
    expect(policy.notes!.join("\n")).toContain(`removes \`${SUB("ref:refs/heads/main")}\``);
    expect(policy.json).not.toContain("[0-9]");
    expect(policy.notes!.join("\n")).toMatch(
      /which also admits e\.g\. `repo:octo-org\/octo-repo:ref:refs\/tags\/v[^`]*[^0-9.`][^`]*`/,
    );
    expect(policy.notes).toContain(
      "the subject condition moves from StringEquals to StringLike (existing values escaped)",
    );
  });

  it("escapes literal wildcards of StringEquals values when the condition moves to StringLike", () => {
    const files = {
      ".github/workflows/r.yml": `on:\n  push:\n    branches: ['release/**']\njobs:\n${job("release")}`,
    };
    const policy = subEquals(SUB("ref:refs/heads/main"), "repo:octo-org/legacy:environment:a*b");
    // A literal star under StringEquals must stay literal under StringLike: IAM's `${*}` escape.
    const { result } = scan({ files, roles: { [ROLE]: policy } });
    const { doc } = suggestion(result);
    expect(doc.Statement[0].Condition.StringLike[K("sub")]).toContain(
      `repo:octo-org/legacy:environment:a$${"{*}"}b`,
    );
  });

  it("removes this repository's values that admit more than needed, and says plainly when another repository may lose access", () => {
    const files = {
      ".github/workflows/d.yml": `on:\n  push:\n    branches: [main]\njobs:\n${job("deploy")}`,
    };
    const { result } = scan({
      files,
      roles: { [ROLE]: trustPolicy({ StringLike: { [K("sub")]: "repo:octo-org/*" } }) },
    });
    const { policy, doc } = suggestion(result, "trust-wider-than-needed");
    expect(doc.Statement[0].Condition.StringLike[K("sub")]).toBe(SUB("ref:refs/heads/main"));
    expect(policy.notes!.join("\n")).toContain("also admits other repositories' subjects");
  });

  it("replaces a provider in another account with the role account's provider", () => {
    const files = {
      ".github/workflows/d.yml": `on:\n  push:\n    branches: [main]\njobs:\n${job("deploy")}`,
    };
    const other = PROVIDER.replace("111122223333", "999999999999");
    const { result } = scan({
      files,
      roles: {
        [ROLE]: trustPolicy(
          { StringEquals: { [K("sub")]: SUB("ref:refs/heads/main") } },
          { provider: other },
        ),
      },
    });
    const { finding, doc } = suggestion(result, "provider-not-trusted");
    expect(finding.message).toContain("is not in the role's account 111122223333");
    expect(doc.Statement[0].Principal.Federated).toBe(PROVIDER);
  });

  it("keeps a Deny statement and says when a needed run stays denied by it", () => {
    const files = {
      ".github/workflows/d.yml": `on:\n  push:\n    branches: [main, dev]\njobs:\n${job("deploy")}`,
    };
    const deny = {
      Effect: "Deny",
      Principal: { Federated: PROVIDER },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: { StringLike: { [K("sub")]: "*:ref:refs/heads/dev" } },
    };
    const { result } = scan({
      files,
      roles: {
        [ROLE]: trustPolicy({ StringEquals: { [K("sub")]: SUB("ref:refs/heads/main") } }, { extra: [deny] }),
      },
    });
    const withSuggestion = result.findings.filter((f) => f.suggestedPolicy);
    for (const f of withSuggestion) {
      const doc = JSON.parse(f.suggestedPolicy!.json);
      expect(doc.Statement).toContainEqual(deny);
    }
  });

  it("gives a new document, not an edit, when the current policy is unknown", async () => {
    const { suggestPolicy } = await import("../../../src/core/engine/suggest-policy.js");
    const s = suggestPolicy({
      roleArn: ROLE,
      issuer: "token.actions.githubusercontent.com",
      audience: "sts.amazonaws.com",
      policy: null,
      subjectPrefix: "repo:octo-org/octo-repo:",
      needed: [{ sub: SUB("ref:refs/heads/main"), claims: null, variable: null }],
    })!;
    expect(s.minimal).toBe(false);
    expect(s.diff).toBeNull();
    expect(s.notes!.join(" ")).toContain("new document");
    expect(parseTrustPolicy(s.json).policy).not.toBeNull();
  });
});
