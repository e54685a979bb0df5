import { describe, expect, it } from "vitest";
import { checkUnprotectedRefs, type ProtectionFacts } from "../../../src/core/rules/index.js";
import { MAIN_SUB, ROLE, SUB, scan, subEquals } from "../engine/scan-harness.js";

const WF = ".github/workflows/deploy.yml";
const workflow = (env: string | null) => `name: Deploy
on:
  push:
    branches: [main]
permissions:
  id-token: write
jobs:
  deploy:
    runs-on: ubuntu-latest
${env ? `    environment: ${env}\n` : ""}    steps:
      - uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502
        with:
          role-to-assume: ${ROLE}
          aws-region: eu-west-1
`;

function facts(
  branches: Record<string, boolean | null>,
  environments: Record<string, boolean | null>,
  declared: string[] = [],
): ProtectionFacts {
  return {
    branch: (b) => branches[b] ?? null,
    environment: (e) => environments[e] ?? null,
    declaredProtected: new Set(declared),
  };
}

describe("trust-unprotected-ref (App only: needs the GitHub API)", () => {
  it("fires when the trusted branch is unprotected, at the role, naming the branch", () => {
    const { model } = scan({ files: { [WF]: workflow(null) }, roles: { [ROLE]: subEquals(MAIN_SUB) } });
    const f = checkUnprotectedRefs(model, facts({ main: false }, {}));
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ rule: "trust-unprotected-ref", severity: "medium", file: WF, line: 13 });
    expect(f[0]!.message).toContain("branch `main` is not protected");
  });

  it("fires when the trusted environment has no protection rules, at the environment line", () => {
    const { model } = scan({
      files: { [WF]: workflow("production") },
      roles: { [ROLE]: subEquals(SUB("environment:production")) },
    });
    const f = checkUnprotectedRefs(model, facts({}, { production: false }));
    expect(f.map((x) => [x.line, x.message.includes("environment `production`")])).toEqual([[10, true]]);
  });

  it("stays silent for a protected branch or environment, for one declared protected, and when protection is unknown", () => {
    const branch = scan({ files: { [WF]: workflow(null) }, roles: { [ROLE]: subEquals(MAIN_SUB) } }).model;
    expect(checkUnprotectedRefs(branch, facts({ main: true }, {}))).toEqual([]);
    expect(checkUnprotectedRefs(branch, facts({ main: null }, {}))).toEqual([]);
    const env = scan({
      files: { [WF]: workflow("production") },
      roles: { [ROLE]: subEquals(SUB("environment:production")) },
    }).model;
    expect(checkUnprotectedRefs(env, facts({}, { production: true }))).toEqual([]);
    expect(checkUnprotectedRefs(env, facts({}, { production: false }, ["production"]))).toEqual([]);
  });

  it("stays silent when the role does not admit the run (a denied run is sub-not-trusted's business)", () => {
    const { model } = scan({
      files: { [WF]: workflow(null) },
      roles: { [ROLE]: subEquals(SUB("environment:production")) },
    });
    expect(checkUnprotectedRefs(model, facts({ main: false }, {}))).toEqual([]);
  });
});
