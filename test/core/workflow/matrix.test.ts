// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${{ }}` is literal GitHub expression syntax here.
import { describe, expect, it } from "vitest";
import {
  expandMatrix,
  findJob,
  type MatrixCombination,
  parseWorkflow,
  type Workflow,
} from "../../../src/core/workflow/index.js";
import { at, workflowOf } from "./fixture.js";

function matrixOf(matrix: string) {
  const text = `on: push\njobs:\n  j:\n    runs-on: x\n    strategy:\n      matrix:\n${matrix}    steps:\n      - run: echo\n`;
  const { workflow, diagnostics } = parseWorkflow(text, "m.yml");
  expect(diagnostics).toEqual([]);
  return (workflow as Workflow).jobs[0]!.strategy!.matrix!;
}

const plain = (combos: MatrixCombination[]) =>
  combos.map((c) => Object.fromEntries([...c].map(([k, v]) => [k, v.value])));

describe("expandMatrix", () => {
  it("expands the product of the variables, keeping each value's position", () => {
    const m = matrixOf("        os: [linux, windows]\n        node: [20, 22]\n");
    const e = expandMatrix(m);
    expect(e.kind).toBe("static");
    if (e.kind !== "static") return;
    expect(plain(e.combinations)).toEqual([
      { os: "linux", node: 20 },
      { os: "linux", node: 22 },
      { os: "windows", node: 20 },
      { os: "windows", node: 22 },
    ]);
    expect(e.combinations[3]!.get("node")).toMatchObject({ route: "jobs.j.strategy.matrix.node[1]" });
    expect(at(e.combinations[3]!.get("node")!.span)).toBe("8:20");
  });

  it("follows GitHub's documented include semantics", () => {
    // docs.github.com "Expanding or adding matrix configurations" example.
    const m = matrixOf(
      [
        "        fruit: [apple, pear]",
        "        animal: [cat, dog]",
        "        include:",
        "          - color: green",
        "          - color: pink",
        "            animal: cat",
        "          - fruit: apple",
        "            shape: circle",
        "          - fruit: banana",
        "          - fruit: banana",
        "            animal: cat",
        "",
      ].join("\n"),
    );
    const e = expandMatrix(m);
    if (e.kind !== "static") throw new Error(e.kind);
    expect(plain(e.combinations)).toEqual([
      { fruit: "apple", animal: "cat", color: "pink", shape: "circle" },
      { fruit: "apple", animal: "dog", color: "green", shape: "circle" },
      { fruit: "pear", animal: "cat", color: "pink" },
      { fruit: "pear", animal: "dog", color: "green" },
      { fruit: "banana" },
      { fruit: "banana", animal: "cat" },
    ]);
  });

  it("applies exclude (partial match) before include, and include-only matrices", () => {
    const m = matrixOf(
      [
        "        env: [dev, prod]",
        "        region: [us, eu]",
        "        exclude:",
        "          - env: dev",
        "            region: eu",
        "",
      ].join("\n"),
    );
    const e = expandMatrix(m);
    if (e.kind !== "static") throw new Error(e.kind);
    expect(plain(e.combinations)).toEqual([
      { env: "dev", region: "us" },
      { env: "prod", region: "us" },
      { env: "prod", region: "eu" },
    ]);
    const only = expandMatrix(matrixOf("        include:\n          - role: a\n          - role: b\n"));
    if (only.kind !== "static") throw new Error(only.kind);
    expect(plain(only.combinations)).toEqual([{ role: "a" }, { role: "b" }]);
  });

  it("compares object values structurally", () => {
    const m = matrixOf(
      [
        "        target:",
        "          - { name: a, role: r1 }",
        "          - { name: b, role: r2 }",
        "        exclude:",
        "          - target: { name: b, role: r2 }",
        "",
      ].join("\n"),
    );
    const e = expandMatrix(m);
    if (e.kind !== "static") throw new Error(e.kind);
    expect(plain(e.combinations)).toEqual([{ target: { name: "a", role: "r1" } }]);
  });

  it("reports expression matrices as dynamic, pointing at the expression", () => {
    const wholeText =
      "on: push\njobs:\n  j:\n    runs-on: x\n    strategy:\n      matrix: ${{ fromJSON(vars.M) }}\n    steps:\n      - run: echo\n";
    const m = parseWorkflow(wholeText, "m.yml").workflow!.jobs[0]!.strategy!.matrix!;
    const e = expandMatrix(m);
    expect(e).toMatchObject({
      kind: "dynamic",
      at: { value: "${{ fromJSON(vars.M) }}", route: "jobs.j.strategy.matrix" },
    });
    const dim = expandMatrix(matrixOf("        env: ${{ fromJSON(vars.ENVS) }}\n        region: [us]\n"));
    expect(dim).toMatchObject({ kind: "dynamic", at: { route: "jobs.j.strategy.matrix.env" } });
    const inc = expandMatrix(
      matrixOf("        region: [us]\n        include: ${{ fromJSON(vars.EXTRA) }}\n"),
    );
    expect(inc).toMatchObject({ kind: "dynamic", at: { route: "jobs.j.strategy.matrix.include" } });
  });

  it("reports matrices over the job limit", () => {
    const values = Array.from({ length: 20 }, (_, i) => i).join(", ");
    const m = matrixOf(`        a: [${values}]\n        b: [${values}]\n`);
    expect(expandMatrix(m)).toEqual({ kind: "too-large", count: 400, limit: 256 });
  });

  it("expands the fixture's release matrix", () => {
    const release = findJob(workflowOf("deploy.yml"), "release")!;
    const e = expandMatrix(release.strategy!.matrix!);
    if (e.kind !== "static") throw new Error(e.kind);
    expect(plain(e.combinations)).toEqual([
      { region: "us-east-1", role: "arn:aws:iam::111111111111:role/release" },
      { region: "eu-west-1" },
    ]);
  });
});
