// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${{ }}` is literal GitHub expression syntax here.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  awsCredentialsSteps,
  findJob,
  parseActionManifest,
  parseWorkflow,
  parseYamlTree,
} from "../../../src/core/workflow/index.js";
import { at, fixtureBytes, fixtureText, parseFixture } from "./fixture.js";

describe("anchors, aliases and merge keys", () => {
  const { workflow, diagnostics } = parseFixture("anchors.yml");
  const wf = workflow!;

  it("resolves aliases with the anchored text's span and the usage route", () => {
    const second = findJob(wf, "second")!;
    const first = findJob(wf, "first")!;
    expect(second.permissions?.scopes[0]?.value).toMatchObject({
      value: "write",
      route: "jobs.second.permissions.id-token",
    });
    // The text lives where the anchor is (line 9), the alias is on line 17.
    expect(at(second.permissions!.scopes[0]!.value.span)).toBe("9:17");
    expect(at(second.permissions!.scopes[0]!.value.via!)).toBe("17:18");
    expect(first.permissions?.scopes[0]?.value.via).toBeUndefined();
    const copied = second.steps[0]!;
    expect(copied.route).toBe("jobs.second.steps[0]");
    expect(copied.uses?.node.route).toBe("jobs.second.steps[0].uses");
    expect(at(copied.uses!.node.span)).toBe("12:15");
    expect(copied.uses?.node.span).toEqual(first.steps[0]!.uses!.node.span);
  });

  it("applies `<<` merge keys (explicit keys win) and reports that GitHub rejects them", () => {
    const env = findJob(wf, "second")!.env!;
    expect(env.entries.map((e) => [e.key.value, e.value.value, e.value.route])).toEqual([
      ["AWS_REGION", "eu-central-1", "jobs.second.env.AWS_REGION"],
      ["ROLE_TO_ASSUME", "arn:aws:iam::123456789012:role/from-anchor", "jobs.second.env.ROLE_TO_ASSUME"],
    ]);
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      code: "unsupported-merge-key",
      severity: "error",
      route: 'jobs.second.env["<<"]',
    });
    expect(at(diagnostics[0]!.span)).toBe("19:7");
  });

  it("feeds merged env-var inputs to the credentials view", () => {
    const views = awsCredentialsSteps(wf);
    expect(views).toHaveLength(2);
    expect(views[1]!.inputs["role-to-assume"]).toMatchObject({
      value: "arn:aws:iam::123456789012:role/from-anchor",
      source: "job-env",
      envName: "ROLE_TO_ASSUME",
    });
    expect(views[0]!.inputs["role-to-assume"]).toMatchObject({ source: "workflow-env" });
  });
});

describe("hostile and broken input", () => {
  it("stops an alias bomb fast with a located diagnostic", () => {
    const started = performance.now();
    const { workflow, diagnostics } = parseFixture("alias-bomb.yml");
    expect(performance.now() - started).toBeLessThan(2000);
    const limit = diagnostics.filter((d) => d.code === "alias-limit");
    expect(limit).toHaveLength(1);
    expect(limit[0]!.message).toMatch(/alias bomb/);
    expect(limit[0]!.span.start.line).toBeGreaterThanOrEqual(2);
    expect(workflow?.jobs.map((j) => j.id.value)).toEqual(["a"]);
  });

  it("stops one alias to a large value at the budget, with a diagnostic", () => {
    const items = Array.from({ length: 30 }, (_, i) => `  k${i}: v`).join("\n");
    const { diagnostics } = parseYamlTree(`a: &big\n${items}\nb: *big\n`, "big.yml", { aliasBudget: 10 });
    expect(diagnostics.map((d) => [d.code, at(d.span), d.route])).toEqual([["alias-limit", "32:4", "b.k9"]]);
    const w = parseWorkflow(
      `on: push\nenv: &e\n${items}\njobs:\n  j:\n    runs-on: x\n    env: *e\n    steps:\n      - run: echo\n`,
      "w.yml",
      {
        aliasBudget: 10,
      },
    );
    expect(w.diagnostics.map((d) => d.code)).toEqual(["alias-limit"]);
    expect(w.workflow?.jobs[0]?.env?.entries[0]?.value.value).toBe("v");
  });

  it("reports an alias that contains itself", () => {
    const { root, diagnostics } = parseYamlTree("a: &x [1, *x]\n", "self.yml");
    expect(root?.kind).toBe("map");
    expect(diagnostics.map((d) => [d.code, at(d.span), d.route])).toEqual([["alias-limit", "1:11", "a[1]"]]);
  });

  it("reports duplicate keys at the second key and keeps the first value", () => {
    const { workflow, diagnostics } = parseFixture("duplicate-keys.yml");
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({
      code: "duplicate-key",
      route: "jobs.deploy.steps[0].with.role-to-assume",
    });
    expect(at(diagnostics[0]!.span)).toBe("10:11");
    expect(awsCredentialsSteps(workflow!)[0]!.inputs["role-to-assume"]?.value).toBe(
      "arn:aws:iam::123456789012:role/first",
    );
  });

  it("locates a YAML syntax error and still models the valid part", () => {
    const { workflow, diagnostics } = parseFixture("syntax-error.yml");
    const syntax = diagnostics.filter((d) => d.code === "yaml-syntax");
    expect(syntax.length).toBeGreaterThan(0);
    expect(at(syntax[0]!.span)).toBe("6:14");
    expect(syntax[0]!.message).toMatch(
      /^Invalid YAML: Nested mappings are not allowed in compact mappings\./,
    );
    expect(workflow?.triggers.map((t) => t.event)).toEqual(["push"]);
    expect(workflow?.jobs[0]?.id.value).toBe("build");
  });

  it("rejects bytes that are not UTF-8 with the position of the bad byte", () => {
    const { workflow, diagnostics } = parseFixture("non-utf8.yml");
    expect(workflow).toBeNull();
    expect(diagnostics).toHaveLength(1);
    expect(diagnostics[0]).toMatchObject({ code: "not-utf8", severity: "error" });
    expect(diagnostics[0]!.message).toContain("byte 0xe9 at byte offset 79");
    expect(diagnostics[0]!.span.start).toEqual({ line: 6, column: 22, offset: 79 });
  });

  it("locates a bad byte after multi-byte characters by character column", () => {
    const bytes = new Uint8Array([...new TextEncoder().encode("on: push\n# héllo "), 0xff, 0x0a]);
    const { diagnostics } = parseWorkflow(bytes, "x.yml");
    expect(diagnostics[0]?.span.start).toEqual({ line: 2, column: 9, offset: 17 });
    expect(diagnostics[0]?.message).toContain("byte 0xff at byte offset 18");
  });

  it("refuses files over the size limit without parsing them", () => {
    const big = `on: push\n${"# padding\n".repeat(200)}`;
    const { workflow, diagnostics } = parseWorkflow(big, "big.yml", { maxBytes: 1000 });
    expect(workflow).toBeNull();
    expect(diagnostics.map((d) => d.code)).toEqual(["too-large"]);
    expect(
      parseWorkflow(new TextEncoder().encode(big), "big.yml", { maxBytes: 1000 }).diagnostics[0]?.message,
    ).toContain(`(${big.length} bytes)`);
    expect(parseWorkflow(fixtureBytes("deploy.yml"), "deploy.yml").diagnostics).toEqual([]);
  });

  it("strips a byte-order mark", () => {
    const text = `\uFEFF${fixtureText("triggers-string.yml")}`;
    const { workflow, diagnostics } = parseWorkflow(text, "bom.yml");
    expect(diagnostics).toEqual([]);
    expect(at(workflow!.triggers[0]!.name.span)).toBe("1:5");
  });

  it("reports wrong top-level shapes and keeps what is valid", () => {
    const { workflow, diagnostics } = parseFixture("wrong-shapes.yml");
    expect(diagnostics.map((d) => [d.code, at(d.span), d.route])).toEqual([
      ["invalid-shape", "4:7", "on.push.branches"],
      ["invalid-shape", "5:14", "permissions"],
      ["invalid-shape", "7:3", "jobs"],
    ]);
    expect(diagnostics[2]!.message).toBe("`jobs` must be a mapping, not a list; it was ignored.");
    expect(workflow?.triggers.map((t) => t.event)).toEqual(["push"]);
    expect(workflow?.jobs).toEqual([]);
    expect(workflow?.permissions).toBeUndefined();
  });

  it("reports wrong job and step shapes, bad levels and bad expressions", () => {
    const { workflow, diagnostics } = parseFixture("wrong-job-shapes.yml");
    expect(diagnostics.map((d) => [d.code, at(d.span), d.route])).toEqual([
      ["invalid-shape", "7:11", "jobs.broken"],
      ["invalid-shape", "11:7", "jobs.steps-not-list.steps"],
      ["invalid-shape", "15:17", "jobs.bad-permission.permissions.id-token"],
      ["invalid-expression", "17:19", "jobs.bad-permission.steps[0].run"],
      ["invalid-expression", "18:26", "jobs.bad-permission.steps[1].run"],
    ]);
    expect(workflow?.jobs.map((j) => j.id.value)).toEqual(["ok", "steps-not-list", "bad-permission"]);
    expect(findJob(workflow!, "bad-permission")!.permissions?.scopes).toEqual([]);
  });

  it("reports a problem in aliased text once, not once per use", () => {
    const text = [
      "on: push",
      "jobs:",
      "  a:",
      "    runs-on: x",
      "    steps:",
      "      - &bad",
      "        run: echo ${{ nosuch.x }}",
      "  b:",
      "    runs-on: x",
      "    steps:",
      "      - *bad",
      "",
    ].join("\n");
    const { diagnostics } = parseWorkflow(text, "alias.yml");
    expect(diagnostics.map((d) => [d.code, at(d.span), d.route])).toEqual([
      ["invalid-expression", "7:23", "jobs.a.steps[0].run"],
    ]);
  });

  it("handles empty files, scalars and multiple documents", () => {
    expect(parseWorkflow("", "e.yml")).toMatchObject({
      workflow: null,
      diagnostics: [{ code: "invalid-shape" }],
    });
    expect(parseWorkflow("just text", "s.yml")).toMatchObject({
      workflow: null,
      diagnostics: [{ code: "invalid-shape" }],
    });
    const multi = parseWorkflow("on: push\njobs: {}\n---\non: pull_request\n", "m.yml");
    expect(multi.diagnostics.map((d) => [d.code, at(d.span)])).toEqual([["yaml-syntax", "3:1"]]);
    expect(multi.workflow?.triggers.map((t) => t.event)).toEqual(["push"]);
  });

  it("never throws on arbitrary text or bytes", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        const r = parseWorkflow(text, "fuzz.yml");
        expect(r.diagnostics.every((d) => d.code !== "internal-error")).toBe(true);
      }),
      { numRuns: 300 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const r = parseActionManifest(bytes, "fuzz/action.yml");
        expect(r.diagnostics.every((d) => d.code !== "internal-error")).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("never throws on mutations of a real workflow", () => {
    const base = fixtureText("deploy.yml");
    fc.assert(
      fc.property(
        fc.nat({ max: base.length }),
        fc.nat({ max: 40 }),
        fc.constantFrom("", ":", "- ", "&a ", "*a", "${{", "}}", "\n", "  ", "[", "{", "'", '"', "<<: *a\n"),
        (pos, del, insert) => {
          const text = base.slice(0, pos) + insert + base.slice(pos + del);
          const r = parseWorkflow(text, "mut.yml");
          expect(r.diagnostics.every((d) => d.code !== "internal-error")).toBe(true);
          for (const d of r.diagnostics) {
            expect(d.span.start.line).toBeGreaterThanOrEqual(1);
            expect(d.span.start.offset).toBeLessThanOrEqual(text.length);
          }
        },
      ),
      { numRuns: 150 },
    );
  });

  it("bounds nesting depth", () => {
    const deep = `on: push\nx: ${"[".repeat(400)}${"]".repeat(400)}\n`;
    const { diagnostics } = parseWorkflow(deep, "deep.yml");
    expect(diagnostics.some((d) => d.message.includes("nested more than"))).toBe(true);
  });
});

describe("line endings", () => {
  it("gives the same lines and columns for CRLF files", () => {
    const lf = fixtureText("deploy.yml");
    const crlf = parseWorkflow(lf.replace(/\n/g, "\r\n"), "crlf.yml");
    expect(crlf.diagnostics).toEqual([]);
    const role = crlf.workflow!.jobs[1]!.steps[1]!.with!.entries[0]!.value;
    expect(role.value).toBe("arn:aws:iam::123456789012:role/deploy");
    expect(at(role.span)).toBe("62:27");
    expect(role.span.end.column).toBe(64);
  });
});
