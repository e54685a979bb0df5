// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${{ }}` is literal GitHub expression syntax here.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkExpressions,
  conditionSource,
  containsExpression,
  findExpressions,
  isWholeExpression,
  parseExpression,
  parseUsesReference,
  scanExpressions,
  spanWithin,
} from "../../../src/core/workflow/index.js";
import { at, workflowOf } from "./fixture.js";

describe("finding expressions", () => {
  it("detects and delimits `${{ }}`, honouring string literals", () => {
    expect(containsExpression("plain")).toBe(false);
    expect(containsExpression("a ${{ b }}")).toBe(true);
    const text = "arn:${{ vars.A }}:x:${{ format('{{0}}}}', env.B) }}";
    expect(findExpressions(text).map((s) => [text.slice(s.start, s.end), s.source.trim()])).toEqual([
      ["${{ vars.A }}", "vars.A"],
      ["${{ format('{{0}}}}', env.B) }}", "format('{{0}}}}', env.B)"],
    ]);
    expect(findExpressions("x ${{ 'it''s }}' }} y")[0]?.source).toBe(" 'it''s }}' ");
    expect(findExpressions("${{ github.ref")[0]).toMatchObject({ closed: false, end: 14 });
  });

  it("recognises whole expressions and condition sources", () => {
    expect(isWholeExpression("  ${{ secrets.ROLE }} ")).toBe(true);
    expect(isWholeExpression("arn:${{ vars.A }}")).toBe(false);
    expect(conditionSource("github.ref == 'refs/heads/main'")).toBe("github.ref == 'refs/heads/main'");
    expect(conditionSource("${{ always() }}")).toBe(" always() ");
    expect(conditionSource("${{ a }} && ${{ b }}")).toBeUndefined();
  });
});

describe("references", () => {
  it("lists context references with paths and offsets", () => {
    const text =
      "${{ vars.ROLE_ARN || secrets['DEPLOY_ROLE'] }}-${{ Inputs.env }}-${{ github.event.inputs.target }}";
    const refs = scanExpressions(text).references;
    expect(refs.map((r) => [r.context, r.path, r.dynamic, r.text, text.slice(r.start, r.end)])).toEqual([
      ["vars", ["ROLE_ARN"], false, "vars.ROLE_ARN", "vars.ROLE_ARN"],
      ["secrets", ["DEPLOY_ROLE"], false, "secrets.DEPLOY_ROLE", "secrets['DEPLOY_ROLE']"],
      ["inputs", ["env"], false, "inputs.env", "Inputs.env"],
      [
        "github",
        ["event", "inputs", "target"],
        false,
        "github.event.inputs.target",
        "github.event.inputs.target",
      ],
    ]);
  });

  it("marks computed indexes as dynamic and still lists the references inside them", () => {
    const refs = scanExpressions("${{ secrets[matrix.role_secret] }}").references;
    expect(refs.map((r) => r.text)).toEqual(["matrix.role_secret", "secrets[*]"]);
    const call = scanExpressions("${{ fromJSON(vars.ROLES)[needs.plan.outputs.env] }}").references;
    expect(call.map((r) => r.text)).toEqual(["vars.ROLES", "needs.plan.outputs.env"]);
    const star = scanExpressions("${{ github.event.commits.*.id }}").references;
    expect(star.map((r) => r.text)).toEqual(["github.event.commits[*]"]);
  });

  it("reads a bare `if:` as one expression", () => {
    const refs = scanExpressions("github.ref == 'refs/heads/main' && success()", {
      asCondition: true,
    }).references;
    expect(refs.map((r) => r.text)).toEqual(["github.ref"]);
  });

  it("turns unparseable expressions into problems, never exceptions", () => {
    expect(parseExpression("foo(")).toMatchObject({ ok: false, offset: 3 });
    expect(parseExpression("nosuch.context")).toMatchObject({ ok: false });
    expect(parseExpression("")).toEqual({ ok: true, expr: undefined });
    const scan = scanExpressions("a ${{ }} b ${{ vars.X == }} c ${{ github.ref");
    expect(scan.problems.map((p) => p.message)).toEqual([
      "The expression is empty.",
      expect.stringMatching(/Unexpected end of expression/),
      "The expression is not closed with `}}`.",
    ]);
    expect(scan.problems.map((p) => p.start)).toEqual([2, 22, 30]);
  });

  it("locates references and problems in the file through spanWithin", () => {
    const wf = workflowOf("deploy.yml");
    const role = wf.jobs[2]!.steps[0]!.with!.entries[0]!.value;
    const refs = scanExpressions(role.value).references;
    expect(refs.map((r) => [r.text, at(spanWithin(role, r.start, r.end))])).toEqual([
      ["matrix.role", "84:31"],
      ["secrets.RELEASE_ROLE", "84:46"],
    ]);
    const bad = {
      value: "echo ${{ nosuch.x }}",
      span: role.span,
      route: "r",
      valueOffset: role.valueOffset!,
    };
    const { diagnostics } = checkExpressions(bad, "f.yml");
    expect(diagnostics).toMatchObject([{ code: "invalid-expression", route: "r", file: "f.yml" }]);
    expect(diagnostics[0]!.message).toContain("Unrecognized named-value: 'nosuch'");
    expect(at(diagnostics[0]!.span)).toBe("84:36");
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (s) => {
        const text = `\${{ ${s} }} and ${s}`;
        const scan = scanExpressions(text);
        for (const r of scan.references) expect(r.end).toBeLessThanOrEqual(text.length);
        for (const seg of findExpressions(s)) expect(seg.end).toBeLessThanOrEqual(s.length);
      }),
      { numRuns: 500 },
    );
  });
});

describe("parseUsesReference", () => {
  it("parses every `uses:` form", () => {
    expect(parseUsesReference("aws-actions/configure-aws-credentials@v4.0.2")).toEqual({
      kind: "repository",
      owner: "aws-actions",
      repo: "configure-aws-credentials",
      path: undefined,
      ref: "v4.0.2",
      refKind: "version",
      major: 4,
      refOffset: 38,
    });
    expect(
      parseUsesReference("octo/mono/actions/deploy@0123456789abcdef0123456789abcdef01234567"),
    ).toMatchObject({
      kind: "repository",
      path: "actions/deploy",
      refKind: "sha",
    });
    expect(parseUsesReference("octo/repo@main")).toMatchObject({ refKind: "other" });
    expect(parseUsesReference("docker://alpine:3.20")).toEqual({ kind: "docker", image: "alpine:3.20" });
    expect(parseUsesReference("./.github/actions/setup")).toEqual({
      kind: "local",
      path: "./.github/actions/setup",
    });
    expect(parseUsesReference("$/.github/actions/setup")).toEqual({
      kind: "self",
      path: ".github/actions/setup",
    });
    expect(parseUsesReference("octo/repo")).toMatchObject({ kind: "invalid" });
    expect(parseUsesReference("octo@v1")).toMatchObject({ kind: "invalid" });
    expect(parseUsesReference("${{ matrix.action }}")).toMatchObject({ kind: "invalid" });
    expect(parseUsesReference("")).toMatchObject({ kind: "invalid" });
  });
});
