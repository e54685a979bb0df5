import { describe, expect, it } from "vitest";
import { K, ROLE, SUB, scan, trustPolicy } from "./scan-harness.js";

/** A language too complex to build exactly gives an answer with a reason, never an aborted scan (issue 7 §7). */
const step = `      - uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502
        with:
          role-to-assume: ${ROLE}
          aws-region: eu-west-1
`;
const files = {
  ".github/workflows/d.yml": `on:\n  push:\n    branches: ['release/**', dev]\n  pull_request:\njobs:\n  deploy:\n    runs-on: ubuntu-latest\n    permissions:\n      id-token: write\n    steps:\n${step}`,
};

describe("hostile policy values in the advice rules", () => {
  it("a sub value like repo:o/r:*a? repeated 16 times does not abort the scan", () => {
    const hostile = SUB("*a?".repeat(16));
    const policy = trustPolicy({ StringLike: { [K("sub")]: [hostile, SUB("ref:refs/heads/main")] } });
    const { result } = scan({ files, roles: { [ROLE]: policy } });
    expect(result.assumptions[0]!.contexts.length).toBeGreaterThan(0);
    // The value is this repository's and wider than needed: the suggestion removes it, and says so.
    const suggested = result.findings.filter((x) => x.suggestedPolicy);
    expect(suggested.length).toBeGreaterThan(0);
    for (const f of suggested)
      expect(f.suggestedPolicy!.notes!.join("\n")).toContain(`removes \`${hostile}\``);
  });

  it("an aud value of the same kind does not abort the scan", () => {
    const policy = trustPolicy(
      { StringLike: { [K("sub")]: SUB("ref:refs/heads/main"), [K("aud")]: "*a?".repeat(16) } },
      { audKey: null },
    );
    const { result } = scan({ files, roles: { [ROLE]: policy } });
    expect(result.assumptions[0]!.contexts.length).toBeGreaterThan(0);
  });
});
