// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${{ }}` is literal GitHub expression syntax here.
import { describe, expect, it } from "vitest";
import type { ScanResult } from "../../../src/core/engine/scan-types.js";
import { FINGERPRINT_KEY, renderSarif, type SarifLog } from "../../../src/core/render/sarif.js";
import { allRuleMeta, docsUrl, type RuleMeta, type Severity } from "../../../src/core/rules/index.js";
import { acmeScanResult, cleanScanResult } from "./scan-fixture.js";
import { errorsOf, sarifValidator } from "./validators.js";

/**
 * Fixed metadata for every rule the fixture uses: a stand-in for registry rules that do not exist
 * yet, and the rule list of the snapshot, which must not change when someone rewords a rule.
 */
const fixtureRules: RuleMeta[] = (
  [
    ["sub-not-trusted", "high", "will-fail", "A run context's subject is not admitted by the trust policy"],
    ["session-duration-exceeds-max", "high", "will-fail", "The session duration is outside what STS accepts"],
    ["missing-id-token-permission", "high", "will-fail", "The job cannot mint an OIDC token"],
    ["fork-pr-no-token", "medium", "will-fail", "Pull requests from forks get no OIDC token"],
    ["static-aws-keys", "medium", "hygiene", "Long-lived AWS keys instead of OIDC"],
    ["unpinned-credentials-action", "low", "hygiene", "configure-aws-credentials is not pinned to a commit"],
    ["role-unresolved", "info", "could-not-verify", "The role ARN is an expression rolecall cannot resolve"],
    ["trust-pull-request", "high", "over-broad", "The trust policy admits pull request subjects"],
    ["trust-ref-prefix", "medium", "over-broad", "The trust policy admits refs any writer can create"],
  ] as [string, Severity, RuleMeta["category"], string][]
).map(([id, severity, category, title]) => ({
  id,
  severity,
  category,
  title,
  explanation: `${title}. (Test metadata for the SARIF renderer.)`,
  fix: `Follow the fix of \`${id}\`.`,
  docs: docsUrl(id),
}));

function registry(): RuleMeta[] {
  const rules = allRuleMeta();
  const known = new Set(rules.map((r) => r.id));
  return [...rules, ...fixtureRules.filter((r) => !known.has(r.id))];
}

const OPTS = {
  toolVersion: "0.1.0",
  informationUri: "https://github.com/acme/rolecall",
  docsBaseUri: "https://github.com/acme/rolecall/blob/v0.1.0/",
};

const run = (log: SarifLog) => log.runs[0];

describe("renderSarif", () => {
  const validate = sarifValidator();

  it("is valid SARIF 2.1.0 (official schema, formats checked), with and without optional inputs", () => {
    const logs = [
      renderSarif(acmeScanResult(), registry(), OPTS),
      renderSarif(acmeScanResult(), allRuleMeta(), { toolVersion: "0.1.0" }),
      renderSarif(cleanScanResult(), registry(), OPTS),
    ];
    for (const log of logs) {
      const parsed = JSON.parse(JSON.stringify(log));
      expect(validate(parsed), errorsOf(validate)).toBe(true);
    }
  });

  it("lists every registry rule with the metadata code scanning shows", () => {
    const rules = registry();
    const driver = run(renderSarif(acmeScanResult(), rules, OPTS)).tool.driver;
    expect(driver.name).toBe("rolecall");
    expect(driver.version).toBe("0.1.0");
    expect(driver.informationUri).toBe(OPTS.informationUri);
    expect(driver.rules.map((r) => r.id)).toEqual(rules.map((r) => r.id));
    const score = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0", info: "0.0" };
    const level = { critical: "error", high: "error", medium: "warning", low: "note", info: "note" };
    driver.rules.forEach((d, i) => {
      const meta = rules[i]!;
      expect(d.shortDescription.text).toBe(meta.title);
      expect(d.fullDescription.text).toBe(meta.explanation);
      expect(d.help.text).toContain(meta.fix);
      expect(d.help.markdown).toContain(meta.fix);
      expect(d.helpUri).toBe(`https://github.com/acme/rolecall/blob/v0.1.0/docs/rules.md#${meta.id}`);
      expect(d.help.markdown).toContain(`(${d.helpUri})`);
      expect(d.defaultConfiguration.level).toBe(level[meta.severity]);
      expect(d.properties["security-severity"]).toBe(score[meta.severity]);
      expect(d.properties.tags).toEqual(["security", meta.category]);
    });
  });

  it("omits helpUri when the docs link is relative and no base is given (helpUri must be absolute)", () => {
    const rules = allRuleMeta();
    const driver = run(renderSarif(acmeScanResult(), rules, { toolVersion: "0.1.0" })).tool.driver;
    for (const d of driver.rules.slice(0, rules.length)) {
      expect(d.helpUri).toBeUndefined();
      expect(d.help.text).toContain(`docs/rules.md#${d.id}`);
    }
  });

  it("points every result at its rule, its workflow line and its fingerprint", () => {
    const result = acmeScanResult();
    const r = run(renderSarif(result, registry(), OPTS));
    expect(r.results).toHaveLength(result.findings.length);
    for (const res of r.results) {
      const rule = r.tool.driver.rules[res.ruleIndex];
      expect(rule?.id).toBe(res.ruleId);
      const f = result.findings.find((x) => x.fingerprint === res.partialFingerprints[FINGERPRINT_KEY])!;
      expect(f.rule).toBe(res.ruleId);
      expect(res.message.text.startsWith(f.message)).toBe(true);
      const loc = res.locations[0]!.physicalLocation!;
      expect(loc.artifactLocation).toEqual({ uri: f.file, uriBaseId: "%SRCROOT%" });
      expect(loc.region).toEqual({
        startLine: f.line,
        startColumn: f.column,
        endLine: f.endLine,
        endColumn: f.endColumn,
      });
    }
    const deny = r.results.find(
      (x) => x.ruleId === "sub-not-trusted" && x.message.text.includes("production"),
    )!;
    expect(deny.level).toBe("error");
    expect(deny.message.text).toContain("Fix: Add `repo:acme/payments:environment:production`");
    expect(deny.message.text).toContain('"repo:acme/payments:environment:production"');
    expect(r.results.find((x) => x.ruleId === "fork-pr-no-token")!.level).toBe("warning");
    expect(r.results.find((x) => x.ruleId === "role-unresolved")!.level).toBe("note");
  });

  it("keeps every region and URI valid for code scanning", () => {
    const r = run(renderSarif(acmeScanResult(), registry(), OPTS));
    const locations = r.results.flatMap((res) => [...res.locations, ...(res.relatedLocations ?? [])]);
    for (const loc of locations) {
      const p = loc.physicalLocation;
      if (!p) continue;
      expect(p.artifactLocation.uriBaseId).toBe("%SRCROOT%");
      expect(p.artifactLocation.uri).not.toMatch(/^([a-z][a-z0-9+.-]*:|\/|\.\.)/i);
      if (!p.region) continue;
      expect(p.region.startLine).toBeGreaterThanOrEqual(1);
      if (p.region.startColumn !== undefined) expect(p.region.startColumn).toBeGreaterThanOrEqual(1);
      if (p.region.endLine !== undefined) {
        expect(p.region.endLine).toBeGreaterThanOrEqual(p.region.startLine);
        if (p.region.endLine === p.region.startLine)
          expect(p.region.endColumn!).toBeGreaterThan(p.region.startColumn!);
      }
    }
  });

  it("links related policy locations from the message, and names a role ARN instead of making it a URI", () => {
    const r = run(renderSarif(acmeScanResult(), registry(), OPTS));
    for (const res of r.results) {
      const ids = (res.relatedLocations ?? []).map((l) => l.id);
      expect(new Set(ids).size).toBe(ids.length);
      for (const id of ids) expect(res.message.text).toMatch(new RegExp(`\\]\\(${id}\\)`));
    }
    const deploy = r.results.find(
      (x) => x.ruleId === "sub-not-trusted" && x.message.text.includes("production"),
    )!;
    expect(deploy.relatedLocations![0]!.physicalLocation!.artifactLocation.uri).toBe(
      "roles/payments-deploy.json",
    );
    expect(deploy.relatedLocations![0]!.physicalLocation!.region).toEqual({ startLine: 16, startColumn: 11 });

    const duration = r.results.find((x) => x.ruleId === "session-duration-exceeds-max")!;
    expect(duration.relatedLocations).toBeUndefined();
    expect(duration.message.text).toContain(
      "Related: MaxSessionDuration is 3600 seconds (arn:aws:iam::123456789012:role/payments-deploy).",
    );
  });

  it("reports what could not be read as warnings of an unsuccessful invocation", () => {
    const inv = run(renderSarif(acmeScanResult(), registry(), OPTS)).invocations[0];
    expect(inv.executionSuccessful).toBe(false);
    expect(inv.toolExecutionNotifications).toHaveLength(1);
    const n = inv.toolExecutionNotifications[0]!;
    expect(n.level).toBe("warning");
    expect(n.message.text).toContain("${{ secrets.DRIFT_ROLE_ARN }}");
    const rules = run(renderSarif(acmeScanResult(), registry(), OPTS)).tool.driver.rules;
    expect(rules[n.associatedRule!.index!]!.id).toBe("role-unresolved");

    const clean = run(renderSarif(cleanScanResult(), registry(), OPTS));
    expect(clean.invocations[0].executionSuccessful).toBe(true);
    expect(clean.invocations[0].toolExecutionNotifications).toEqual([]);
    expect(clean.results).toEqual([]);
  });

  it("still resolves ruleIndex for a finding whose rule is not in the registry", () => {
    const result = acmeScanResult();
    for (const f of result.findings.filter((x) => x.rule === "sub-not-trusted"))
      f.rule = "rule-from-the-future";
    const rules = registry();
    const log = renderSarif(result, rules, { toolVersion: "0.1.0" });
    expect(validate(JSON.parse(JSON.stringify(log))), errorsOf(validate)).toBe(true);
    const r = run(log);
    for (const res of r.results) expect(r.tool.driver.rules[res.ruleIndex]!.id).toBe(res.ruleId);
    // One descriptor per unknown rule, after the registry's, which keep their indices.
    expect(r.tool.driver.rules.slice(rules.length).map((d) => d.id)).toEqual(["rule-from-the-future"]);
    expect(r.tool.driver.rules.slice(0, rules.length).map((d) => d.id)).toEqual(rules.map((x) => x.id));
  });

  it("escapes brackets that would read as an embedded link, and drops inverted regions", () => {
    const result: ScanResult = acmeScanResult();
    const f = result.findings.find((x) => x.rule === "sub-not-trusted")!;
    f.message = "`jobs.deploy.steps[1](2)` is odd";
    f.endLine = f.line;
    f.endColumn = f.column - 1;
    const r = run(renderSarif(result, registry(), OPTS));
    const res = r.results.find((x) => x.partialFingerprints[FINGERPRINT_KEY] === f.fingerprint)!;
    expect(res.message.text).toContain("steps\\[1\\](2)");
    expect(res.locations[0]!.physicalLocation!.region).toEqual({ startLine: f.line, startColumn: f.column });
    expect(
      validate(JSON.parse(JSON.stringify({ ...renderSarif(result, registry(), OPTS) }))),
      errorsOf(validate),
    ).toBe(true);
  });

  it("keeps a finding whose only place is a role ARN: named in the message, never an invalid artifact URI", () => {
    const result = acmeScanResult();
    const role = "arn:aws:iam::210987654321:role/audit-reader";
    result.findings.push({
      rule: "role-unreadable",
      severity: "info",
      message: "rolecall could not read the trust policy of `audit-reader`: AccessDenied.",
      file: role,
      line: 1,
      column: 1,
      endLine: 1,
      endColumn: 1,
      job: null,
      role,
      fingerprint: "00000000000000aa",
      related: [],
      fix: null,
    });
    const log = renderSarif(result, registry(), OPTS);
    expect(validate(JSON.parse(JSON.stringify(log))), errorsOf(validate)).toBe(true);
    const res = run(log).results.find((x) => x.ruleId === "role-unreadable")!;
    expect(res.locations[0]!.physicalLocation).toBeUndefined();
    expect(res.message.text).toContain(`Location: ${role}.`);
  });

  it("matches the reviewed log", async () => {
    await expect(
      `${JSON.stringify(renderSarif(acmeScanResult(), fixtureRules, OPTS), null, 2)}\n`,
    ).toMatchFileSnapshot("__snapshots__/acme-payments.sarif.snap");
  });

  it("is deterministic: findings follow the JSON order whatever order the engine produced", () => {
    const a = acmeScanResult();
    const b = { ...acmeScanResult(), findings: [...acmeScanResult().findings].reverse() };
    expect(JSON.stringify(renderSarif(b, registry(), OPTS))).toBe(
      JSON.stringify(renderSarif(a, registry(), OPTS)),
    );
  });
});
