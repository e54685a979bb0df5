import { describe, expect, it } from "vitest";
import { contexts, findingsOf, K, ROLE, SUB, scan, subEquals, trustPolicy } from "./scan-harness.js";

/** Issue 7 §7: input built to be too complex, too large or odd gives located answers, never an aborted scan. */
const step = `      - uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502
        with:
          role-to-assume: ${ROLE}
          aws-region: eu-west-1
`;
const job = (perm = "    permissions:\n      id-token: write\n") =>
  `jobs:\n  deploy:\n    runs-on: ubuntu-latest\n${perm}    steps:\n${step}`;
const EXPONENTIAL = `**a${"[ab]".repeat(14)}`;
const EXPONENTIAL_12 = `**a${"[ab]".repeat(12)}`;

describe("a language too complex to compile exactly is indeterminate, never an aborted scan", () => {
  it.each([
    ["push branches", `on:\n  push:\n    branches: [main, '${EXPONENTIAL}']\n`],
    [
      "push branches (overflows only at the intersection)",
      `on:\n  push:\n    branches: [main, '${EXPONENTIAL_12}']\n`,
    ],
    ["push tags", `on:\n  push:\n    branches: [main]\n    tags: ['${EXPONENTIAL}']\n`],
    ["push branches-ignore", `on:\n  push:\n    branches-ignore: ['${EXPONENTIAL}']\n`],
    ["a negated list", `on:\n  push:\n    branches: ['**', '!${EXPONENTIAL}']\n`],
    [
      "merge_group branches",
      `on:\n  push:\n    branches: [main]\n  merge_group:\n    branches: ['${EXPONENTIAL}']\n`,
    ],
  ])("%s: located, the scan incomplete, the other findings kept", (_, on) => {
    const files = { ".github/workflows/d.yml": `${on}${job("")}` };
    const { result } = scan({ files, roles: { [ROLE]: subEquals(SUB("ref:refs/heads/main")) } });
    // The job lacks id-token: write: that finding survives the complex filter.
    expect(findingsOf(result, "missing-id-token-permission").length).toBeGreaterThan(0);
    const invalid = findingsOf(result, "workflow-invalid");
    expect(invalid).toHaveLength(1);
    expect(invalid[0]!.message).toMatch(/too complex for rolecall to analyse exactly/);
    expect(invalid[0]!.line).toBeGreaterThan(1);
    expect(result.complete).toBe(false);
  });

  it("a plain branch next to a too-complex one keeps its exact decision", () => {
    const files = {
      ".github/workflows/d.yml": `on:\n  push:\n    branches: [main, '${EXPONENTIAL}']\n${job()}`,
    };
    const { result } = scan({ files, roles: { [ROLE]: subEquals(SUB("ref:refs/heads/main")) } });
    const rows = contexts(result).map((c) => [c.ref, c.decision]);
    expect(rows).toContainEqual(["refs/heads/main", "allow"]);
    expect(rows.some(([, d]) => d === "indeterminate")).toBe(true);
  });

  it.each([
    ["StringLike", { StringLike: { [K("sub")]: `repo:octo-org/octo-repo:*a${"?".repeat(16)}` } }],
    [
      "ForAllValues:StringLike",
      { "ForAllValues:StringLike": { [K("sub")]: [`repo:octo-org/octo-repo:*a${"?".repeat(16)}`] } },
    ],
    [
      "ForAnyValue:StringLike",
      { "ForAnyValue:StringLike": { [K("sub")]: [`repo:octo-org/octo-repo:*a${"?".repeat(16)}`] } },
    ],
  ])(
    "a %s policy value too complex to compile: the scan finishes, incomplete, with the reason",
    (_, cond) => {
      const files = { ".github/workflows/d.yml": `on:\n  push:\n    branches: [main]\n${job()}` };
      const { result } = scan({ files, roles: { [ROLE]: trustPolicy(cond) } });
      expect(result.assumptions).toHaveLength(1);
      expect(result.complete).toBe(false);
      expect(result.incomplete.map((i) => i.reason).join("\n")).toMatch(/too complex/);
    },
  );
});
