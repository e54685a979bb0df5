import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatFindingLine } from "../../../src/core/findings/format.js";
import { parseTrustPolicy } from "../../../src/core/iam/index.js";
import { checkPolicy } from "../../../src/core/report/check-policy.js";
import { type PolicyFinding, policyRules } from "../../../src/core/rules/index.js";

/**
 * Golden-file tests of the policy rules (DESIGN §9). One folder per rule id under
 * `test/fixtures/policies/rules/`:
 *
 * - `bad-*.json` must fire the rule; `bad-*.expected.txt` lists that rule's findings, one per line:
 *   `line:column rule-id severity message` (the position of the offending value in the fixture).
 * - `ok-*.json` are close calls that must produce no finding of that rule (other rules may fire).
 * - optional `<fixture>.options.json` holds `checkPolicy` options, e.g. `{"expectedIssuer": "…"}`.
 *
 * `trust-any-repository/ok-ifexists-only` and `ok-forallvalues-only` were first written as bad
 * fixtures. Lead's decision: GitHub tokens always carry `sub` (and `job_workflow_ref`, `repository`,
 * `repository_id`), and AWS documents that `…IfExists` only changes the absent case and that
 * `ForAllValues` over a one-element set is the base test, so `StringLikeIfExists` /
 * `ForAllValues:StringLike` on `sub` restrict exactly like `StringLike` and admit no other repository.
 * (On claims that can be absent, such as `environment`, they do widen the policy: OIDC-SEMANTICS E12.)
 */
const ROOT = new URL("../../fixtures/policies/rules/", import.meta.url);
const RULE_IDS = policyRules.map((r) => r.meta.id);

interface Fixture {
  rule: string;
  /** File name without `.json`, e.g. `bad-repo-star`. */
  name: string;
  kind: "bad" | "ok";
}

interface CheckOptions {
  expectedIssuer?: string | null;
}

const fileUrl = (rule: string, file: string) => new URL(`${rule}/${file}`, ROOT);

function folderFiles(rule: string): string[] {
  return existsSync(new URL(`${rule}/`, ROOT)) ? readdirSync(new URL(`${rule}/`, ROOT)).sort() : [];
}

function fixturesOf(rule: string): Fixture[] {
  return folderFiles(rule)
    .filter((f) => /^(bad|ok)-[a-z0-9-]+\.json$/.test(f) && !f.endsWith(".options.json"))
    .map((f) => ({ rule, name: f.slice(0, -".json".length), kind: f.startsWith("bad-") ? "bad" : "ok" }));
}

function optionsOf(f: Fixture): CheckOptions {
  const url = fileUrl(f.rule, `${f.name}.options.json`);
  if (!existsSync(url)) return {};
  const raw: unknown = JSON.parse(readFileSync(url, "utf8"));
  expect(Object.keys(raw as object).every((k) => k === "expectedIssuer")).toBe(true);
  return raw as CheckOptions;
}

/** The one golden line format of every rule fixture. */
const formatFinding = (f: PolicyFinding): string => formatFindingLine(f);

/** The findings of the fixture's own rule, as golden lines, in `checkPolicy` order. */
function findingsOf(f: Fixture): string[] {
  const result = parseTrustPolicy(readFileSync(fileUrl(f.rule, `${f.name}.json`), "utf8"));
  // Fixtures are valid trust policies: a rule must not pass or fail because the parser gave up.
  expect(result.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  expect(result.policy).not.toBeNull();
  return checkPolicy(result.policy!, optionsOf(f))
    .filter((x) => x.rule === f.rule)
    .map(formatFinding);
}

function goldenOf(f: Fixture): string[] {
  return readFileSync(fileUrl(f.rule, `${f.name}.expected.txt`), "utf8")
    .split("\n")
    .filter((l) => l.trim() !== "");
}

describe("policy rule fixtures: layout", () => {
  it("every rule in policyRules has at least one bad and one ok fixture", () => {
    const missing = RULE_IDS.flatMap((id) => {
      const kinds = new Set(fixturesOf(id).map((f) => f.kind));
      return (["bad", "ok"] as const).filter((k) => !kinds.has(k)).map((k) => `${id}: no ${k}-*.json`);
    });
    expect(missing).toEqual([]);
  });

  it("every fixture folder names a rule in policyRules", () => {
    const folders = readdirSync(ROOT, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect(folders.filter((d) => !RULE_IDS.includes(d))).toEqual([]);
  });

  it("every file is a fixture, a golden file of a bad fixture, or options of a fixture", () => {
    const stray = RULE_IDS.flatMap((rule) => {
      const names = new Set(fixturesOf(rule).map((f) => f.name));
      const bad = new Set(
        fixturesOf(rule)
          .filter((f) => f.kind === "bad")
          .map((f) => f.name),
      );
      return folderFiles(rule)
        .filter((file) => {
          if (file.endsWith(".expected.txt")) return !bad.has(file.slice(0, -".expected.txt".length));
          if (file.endsWith(".options.json")) return !names.has(file.slice(0, -".options.json".length));
          return !names.has(file.slice(0, -".json".length)) || !file.endsWith(".json");
        })
        .map((file) => `${rule}/${file}`);
    });
    expect(stray).toEqual([]);
  });

  it("every bad fixture has a non-empty golden file whose lines name its rule and the rule's severity", () => {
    const problems: string[] = [];
    for (const rule of policyRules) {
      for (const f of fixturesOf(rule.meta.id).filter((x) => x.kind === "bad")) {
        if (!existsSync(fileUrl(f.rule, `${f.name}.expected.txt`))) {
          problems.push(`${f.rule}/${f.name}: no golden file`);
          continue;
        }
        const lines = goldenOf(f);
        if (lines.length === 0) problems.push(`${f.rule}/${f.name}: empty golden file`);
        for (const l of lines) {
          if (
            !/^\d+:\d+ /.test(l) ||
            l.split(" ")[1] !== rule.meta.id ||
            l.split(" ")[2] !== rule.meta.severity
          )
            problems.push(`${f.rule}/${f.name}: malformed line: ${l}`);
        }
      }
    }
    expect(problems).toEqual([]);
  });
});

for (const id of RULE_IDS) {
  describe(`policy rule ${id}`, () => {
    const fixtures = fixturesOf(id);
    const bad = fixtures.filter((f) => f.kind === "bad");
    const ok = fixtures.filter((f) => f.kind === "ok");

    it.each(bad.map((f) => [f.name, f] as const))("%s fires exactly as its golden file says", (_, f) => {
      expect(findingsOf(f)).toEqual(goldenOf(f));
    });

    it.each(ok.map((f) => [f.name, f] as const))("%s stays silent", (_, f) => {
      expect(findingsOf(f)).toEqual([]);
    });
  });
}
