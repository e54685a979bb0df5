import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { renderRulesDoc } from "../../../src/core/render/rules-doc.js";
import { allRuleMeta, SEVERITIES } from "../../../src/core/rules/index.js";

describe("rule registry", () => {
  const rules = allRuleMeta();

  it("ids are unique, kebab-case, and every rule carries severity, title, explanation, fix and docs", () => {
    expect(new Set(rules.map((r) => r.id)).size).toBe(rules.length);
    for (const r of rules) {
      expect(r.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(SEVERITIES).toContain(r.severity);
      expect(r.title.length).toBeGreaterThan(10);
      expect(r.explanation.length).toBeGreaterThan(40);
      expect(r.fix.length).toBeGreaterThan(20);
      expect(r.docs).toBe(`docs/rules.md#${r.id}`);
    }
  });

  it("docs/rules.md is fresh (run `npm run docs` after changing a rule)", () => {
    const onDisk = readFileSync(new URL("../../../docs/rules.md", import.meta.url), "utf8");
    expect(onDisk).toBe(renderRulesDoc(rules));
  });

  it("every rule of DESIGN §5 that needs only the policy is implemented", () => {
    const ids = rules.map((r) => r.id);
    for (const id of [
      "trust-any-repository",
      "trust-owner-prefix",
      "trust-org-wide",
      "trust-repo-wide",
      "trust-pull-request",
      "trust-ref-prefix",
      "trust-missing-aud",
      "trust-name-based-subject",
      "stringequals-wildcard",
      "unsupported-condition-key",
      "issuer-mismatch",
    ]) {
      expect(ids).toContain(id);
    }
  });
});
