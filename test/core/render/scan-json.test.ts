import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { ScanResult } from "../../../src/core/engine/scan-types.js";
import { renderScanJson } from "../../../src/core/render/scan-json.js";
import { acmeScanResult, cleanScanResult } from "./scan-fixture.js";
import { errorsOf, scanResultSchema, scanResultValidator } from "./validators.js";

const serialise = (doc: unknown) => `${JSON.stringify(doc, null, 2)}\n`;

function reversed(r: ScanResult): ScanResult {
  return {
    ...r,
    assumptions: [...r.assumptions].reverse(),
    findings: [...r.findings].reverse(),
    incomplete: [...r.incomplete].reverse(),
  };
}

describe("renderScanJson", () => {
  const validate = scanResultValidator();

  it("produces documents the published v1 schema accepts", () => {
    for (const result of [acmeScanResult(), cleanScanResult()]) {
      const doc = renderScanJson(result);
      expect(validate(doc), errorsOf(validate)).toBe(true);
      // What a consumer parses is what the schema was checked against.
      expect(validate(JSON.parse(serialise(doc))), errorsOf(validate)).toBe(true);
    }
  });

  it("matches the reviewed v1 document byte for byte", async () => {
    await expect(serialise(renderScanJson(acmeScanResult()))).toMatchFileSnapshot(
      "__snapshots__/acme-payments.scan.json.snap",
    );
  });

  it("sorts findings by file, line, column, rule whatever order the engine produced", () => {
    const doc = renderScanJson(reversed(acmeScanResult()));
    const keys = doc.findings.map((f) => [f.file, f.line, f.column, f.rule] as const);
    const sorted = [...keys].sort(
      (a, b) =>
        (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0) || a[1] - b[1] || a[2] - b[2] || (a[3] < b[3] ? -1 : 1),
    );
    expect(keys).toEqual(sorted);
    expect(serialise(doc)).toBe(serialise(renderScanJson(acmeScanResult())));
  });

  it("keeps the key order of the contract, even when the engine builds objects in another order", () => {
    const r = acmeScanResult();
    const scrambled = JSON.parse(
      JSON.stringify(r, (_k, v) =>
        v && typeof v === "object" && !Array.isArray(v)
          ? Object.fromEntries(Object.entries(v as Record<string, unknown>).reverse())
          : v,
      ),
    ) as ScanResult;
    const doc = renderScanJson(scrambled);
    expect(Object.keys(doc)).toEqual([
      "version",
      "complete",
      "repository",
      "assumptions",
      "findings",
      "incomplete",
    ]);
    expect(Object.keys(doc.findings[0]!)).toEqual([
      "rule",
      "severity",
      "message",
      "file",
      "line",
      "column",
      "endLine",
      "endColumn",
      "job",
      "role",
      "fingerprint",
      "related",
      "fix",
      "suggestedPolicy",
    ]);
    expect(serialise(doc)).toBe(serialise(renderScanJson(r)));
  });

  it("omits optional keys instead of writing null or undefined, and never touches its input", () => {
    const r = acmeScanResult();
    const before = structuredClone(r);
    const doc = renderScanJson(r);
    expect(r).toEqual(before);
    const text = serialise(doc);
    expect(JSON.parse(text)).toEqual(doc);
    const plain = doc.findings.find((f) => f.rule === "fork-pr-no-token")!;
    expect("suggestedPolicy" in plain).toBe(false);
    const ctx = doc.assumptions.find((a) => a.job === "deploy")!.contexts[0]!;
    expect("caller" in ctx).toBe(false);
  });

  it("writes a single candidate subject as a string: an array always means the sources disagree", () => {
    const r = cleanScanResult();
    r.assumptions[0]!.contexts[0]!.sub = ["repo:octo-org@1342004/octo-repo@892834123:ref:refs/heads/main"];
    const doc = renderScanJson(r);
    expect(doc.assumptions[0]!.contexts[0]!.sub).toBe(
      "repo:octo-org@1342004/octo-repo@892834123:ref:refs/heads/main",
    );
    expect(validate(doc), errorsOf(validate)).toBe(true);
  });

  describe("the schema rejects documents a consumer could not trust", () => {
    const doc = () => JSON.parse(serialise(renderScanJson(acmeScanResult())));
    const cases: [string, (d: ReturnType<typeof doc>) => void][] = [
      ["another version", (d) => (d.version = 2)],
      ["an unknown decision", (d) => (d.assumptions[0].contexts[1].decision = "denied")],
      ["an unknown severity", (d) => (d.findings[0].severity = "error")],
      ["a missing fix key (null is required when there is none)", (d) => delete d.findings[0].fix],
      ["an extra key on a finding", (d) => (d.findings[0].confidence = "high")],
      ["a line 0", (d) => (d.findings[0].line = 0)],
      [
        "a sub array with one candidate",
        (d) => (d.assumptions[0].contexts[0].sub = ["repo:a/b:ref:refs/heads/main"]),
      ],
      ["a sub that is a number", (d) => (d.assumptions[0].contexts[0].sub = 1)],
      ["complete with unread items", (d) => (d.complete = true)],
      ["incomplete without saying what", (d) => (d.incomplete = [])],
      ["a rule id that is not kebab-case", (d) => (d.findings[0].rule = "SubNotTrusted")],
    ];
    for (const [name, mutate] of cases) {
      it(name, () => {
        const d = doc();
        mutate(d);
        expect(validate(d)).toBe(false);
      });
    }
  });

  it("docs/json-output.md documents every field of the schema", () => {
    const docs = readFileSync(new URL("../../../docs/json-output.md", import.meta.url), "utf8");
    const names = new Set<string>();
    const walk = (node: unknown) => {
      if (!node || typeof node !== "object") return;
      const props = (node as { properties?: Record<string, unknown> }).properties;
      if (props) for (const k of Object.keys(props)) names.add(k);
      for (const v of Object.values(node)) walk(v);
    };
    walk(scanResultSchema);
    const missing = [...names].filter((n) => !docs.includes(`\`${n}\``));
    expect(missing).toEqual([]);
    for (const decision of ["allow", "deny", "indeterminate", "no-token", "not-oidc", "unknown-role"]) {
      expect(docs).toContain(`\`${decision}\``);
    }
  });

  it("the example in docs/json-output.md is a valid v1 document", () => {
    const docs = readFileSync(new URL("../../../docs/json-output.md", import.meta.url), "utf8");
    const example = /```json\n([\s\S]*?)\n```/.exec(docs)?.[1];
    expect(example).toBeDefined();
    const doc = JSON.parse(example!);
    expect(validate(doc), errorsOf(validate)).toBe(true);
  });
});
