import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { readCheckout } from "../../../src/adapters/fs/checkout.js";
import { readRoleFiles } from "../../../src/adapters/fs/roles-dir.js";
import { parseConfig } from "../../../src/core/config/config.js";
import { type RoleMap, roleMapFrom } from "../../../src/core/config/role-map.js";
import { parseRoleMap } from "../../../src/core/config/role-map-schema.js";
import type { RoleSource } from "../../../src/core/engine/analysis-types.js";
import { planScan } from "../../../src/core/engine/plan.js";
import type { Finding, ScanResult } from "../../../src/core/engine/scan-types.js";
import type { ConfigProblem } from "../../../src/core/findings/index.js";
import { parseTrustPolicy } from "../../../src/core/iam/index.js";
import type { RepoFacts } from "../../../src/core/oidc/claims-for.js";
import { analyzeScan, report } from "../../../src/core/report/index.js";
import { contextRules, couldNotVerifyRules, type RuleMeta } from "../../../src/core/rules/index.js";

/**
 * Fixtures of the rules that need a workflow and a trust policy together (`contextRules`), and of
 * the could-not-verify rules, run through the whole pipeline (`planScan` → `runScan`) the way
 * `rolecall scan DIR --roles DIR/roles` reads a checkout. One folder per rule id under
 * `test/fixtures/scan/rules/`, each holding `bad-*` and `ok-*` mini repositories:
 *
 * - `repo.json` (optional): the repository facts (`fullName`, `defaultBranch`, `subPrefix`,
 *   `subTemplate`, `repositoryId`, `issuer`), plus `roleMap` (expression → ARN, as `--role-map`
 *   would give it) and `unreadable` (ARN → `{ code, reason }`: what IAM answered for `--aws`).
 * - `.github/workflows/*.yml` and local `action.yml` files: read with the CLI's checkout reader.
 * - `.github/rolecall.yml` (parsed as the CLI does) and `role-map.yml` (read as `--role-map`).
 * - `roles/*.json`: bare trust policies named `<role-name>.json`, or `aws iam get-role` output.
 *
 * Markers: `# NOT OK: rule-id` on a line says a finding of that rule points at it (several:
 * `# NOT OK: a, b`). A marker may carry what the finding's message must contain: `` `text` ``
 * (the message shows it in backticks: an exact subject, not a prefix of one) or `"text"` (plain).
 * For every fixture the findings of its rule, of the rules its markers name, and of the deny and
 * could-not-verify families must be exactly the markers. `ok-*` fixtures
 * are close calls: their own rule stays silent, and another rule may be marked to fire instead.
 */
const ROOT = new URL("../../fixtures/scan/rules/", import.meta.url);
const ROOT_PATH = fileURLToPath(ROOT);

const RULES: readonly RuleMeta[] = [...contextRules.map((r) => r.meta), ...couldNotVerifyRules];
const RULE_IDS = RULES.map((m) => m.id);

/** Will-fail findings about denied runs: every fixture pins them all, so no deny is reported under the wrong cause. */
const DENY_RULES = [
  "sub-not-trusted",
  "provider-not-trusted",
  "condition-not-met",
  "aud-not-trusted",
  "immutable-subject-mismatch",
  "custom-template-mismatch",
];
const COULD_NOT_VERIFY = couldNotVerifyRules.map((m) => m.id);

const DEFAULT_REPO: RepoFacts = {
  fullName: "octo-org/octo-repo",
  defaultBranch: "main",
  subPrefix: null,
  subTemplate: null,
  issuer: "token.actions.githubusercontent.com",
  repositoryId: null,
};

interface RepoJson extends Partial<RepoFacts> {
  roleMap?: Record<string, string | Record<string, string>>;
  unreadable?: Record<string, { code: "not-found" | "access-denied" | "error"; reason: string }>;
}

interface Fixture {
  rule: string;
  name: string;
  kind: "bad" | "ok";
  dir: string;
}

interface Scanned {
  result: ScanResult;
  /** Every text file of the fixture that can carry markers, by fixture-relative path. */
  texts: Map<string, string>;
  repo: RepoFacts;
  roleMap: RoleMap | null;
  rolePolicies: Map<string, string>;
}

function fixturesOf(rule: string): Fixture[] {
  const dir = join(ROOT_PATH, rule);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .sort()
    .map((name) => ({
      rule,
      name,
      kind: name.startsWith("bad-") ? ("bad" as const) : ("ok" as const),
      dir: join(dir, name),
    }));
}

/** Fixture-relative paths of every file under `dir`. */
function walk(dir: string, base = dir): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? walk(p, base) : [relative(base, p).split(sep).join("/")];
    });
}

/** Runs one fixture repository through the pipeline as the CLI does. */
async function scanFixture(dir: string, override?: { arn: string; policy: string }): Promise<Scanned> {
  const json: RepoJson = existsSync(join(dir, "repo.json"))
    ? (JSON.parse(readFileSync(join(dir, "repo.json"), "utf8")) as RepoJson)
    : {};
  const { roleMap: mapData, unreadable, ...facts } = json;
  const repo: RepoFacts = { ...DEFAULT_REPO, ...facts };
  const texts = new Map<string, string>();
  const configProblems: ConfigProblem[] = [];

  let roleMap: RoleMap | null = null;
  for (const name of [".github/rolecall.yml", ".github/rolecall.yaml"]) {
    if (!existsSync(join(dir, name))) continue;
    const text = readFileSync(join(dir, name), "utf8");
    texts.set(name, text);
    const parsed = parseConfig(text, name);
    configProblems.push(...parsed.problems);
    if (parsed.config.roles) roleMap = roleMapFrom(parsed.config.roles);
    break;
  }
  if (existsSync(join(dir, "role-map.yml"))) {
    const text = readFileSync(join(dir, "role-map.yml"), "utf8");
    texts.set("role-map.yml", text);
    const r = parseRoleMap(text, "role-map.yml");
    roleMap = r.map && roleMap ? new Map([...roleMap, ...r.map]) : (r.map ?? roleMap);
    configProblems.push(...r.problems);
  }
  if (mapData) roleMap = new Map([...(roleMap ?? []), ...roleMapFrom(mapData)]);

  const checkout = await readCheckout(dir);
  expect(checkout.problems).toEqual([]);
  const sources = new Map<string, string>();
  for (const f of checkout.files) {
    const text = typeof f.text === "string" ? f.text : Buffer.from(f.text).toString("utf8");
    sources.set(f.path, text);
    texts.set(f.path, text);
  }
  const plan = planScan({ files: checkout.files, repo, roleMap });

  const rolesDir = join(dir, "roles");
  const files = existsSync(rolesDir) ? await readRoleFiles([rolesDir]) : null;
  expect(files?.problems ?? []).toEqual([]);
  const rolePolicies = new Map<string, string>();
  const lookup = (arn: string): RoleSource | undefined => {
    if (override?.arn === arn) {
      const parsed = parseTrustPolicy(override.policy);
      return { kind: "found", arn, policy: parsed.policy!, file: "suggested.json", maxSessionDuration: 3600 };
    }
    const u = unreadable?.[arn];
    if (u) return { kind: "unreadable", arn, code: u.code, reason: u.reason };
    const s = files?.lookup(arn);
    if (s?.kind !== "found") return s;
    rolePolicies.set(arn, readFileSync(s.file, "utf8"));
    return { ...s, file: relative(dir, s.file).split(sep).join("/") };
  };
  const result = report(analyzeScan(plan, lookup), { sources, configProblems });
  return { result, texts, repo, roleMap, rolePolicies };
}

interface Marker {
  /** `file:line:rule`. */
  key: string;
  /** Texts the message must contain (backticked ones with their backticks). */
  needles: string[];
}

/** Every `# NOT OK:` marker of the fixture's files. */
function markersOf(texts: Map<string, string>): Marker[] {
  const out: Marker[] = [];
  for (const [file, text] of texts) {
    text.split(/\r?\n/).forEach((line, i) => {
      const m = /#\s*NOT OK:\s*(.*)$/.exec(line);
      if (!m) return;
      for (const item of m[1]!.matchAll(/([a-z0-9]+(?:-[a-z0-9]+)*)((?:\s*(?:`[^`]*`|"[^"]*"))*)/g)) {
        const needles = [...item[2]!.matchAll(/`[^`]*`|"([^"]*)"/g)].map((n) => n[1] ?? n[0]);
        out.push({ key: `${file}:${i + 1}:${item[1]}`, needles });
      }
    });
  }
  return out.sort((a, b) => a.key.localeCompare(b.key));
}

const keyOf = (f: Finding) => `${f.file}:${f.line}:${f.rule}`;

/** The rules whose findings a fixture pins down completely. */
function checkedRules(rule: string, markers: Marker[]): Set<string> {
  return new Set([
    rule,
    ...DENY_RULES,
    ...COULD_NOT_VERIFY,
    ...markers.map((m) => m.key.slice(m.key.lastIndexOf(":") + 1)),
  ]);
}

function show(findings: Finding[]): string[] {
  return findings.map((f) => `${keyOf(f)} ${f.message}`);
}

/** Asserts the findings of the checked rules are exactly the markers, with the marked message texts. */
function expectMarkedFindings(f: Fixture, scanned: Scanned): Finding[] {
  const markers = markersOf(scanned.texts);
  const checked = checkedRules(f.rule, markers);
  const findings = scanned.result.findings.filter((x) => checked.has(x.rule));
  if (process.env.ROLECALL_DUMP_FIXTURES)
    console.log(`${f.rule}/${f.name}\n  ${show(scanned.result.findings).join("\n  ")}`);
  expect(findings.map(keyOf).sort(), show(findings).join("\n")).toEqual(markers.map((m) => m.key));
  // Pair each marker with a finding at its place whose message holds the marker's texts.
  const unused = [...findings];
  for (const m of markers) {
    const i = unused.findIndex((x) => keyOf(x) === m.key && m.needles.every((n) => x.message.includes(n)));
    expect(i, `${m.key} with ${m.needles.join(" ")} in\n${show(findings).join("\n")}`).toBeGreaterThanOrEqual(
      0,
    );
    unused.splice(i, 1);
  }
  return findings;
}

describe("context rule fixtures: layout", () => {
  it("covers the context rules and the could-not-verify rules of DESIGN §5", () => {
    expect(RULE_IDS).toEqual([
      "sub-not-trusted",
      "provider-not-trusted",
      "condition-not-met",
      "aud-not-trusted",
      "immutable-subject-mismatch",
      "custom-template-mismatch",
      "trust-wider-than-needed",
      "role-unresolved",
      "role-unreadable",
      "workflow-invalid",
      "config-invalid",
    ]);
  });

  it("every rule has at least one bad and one ok fixture", () => {
    const missing = RULE_IDS.flatMap((id) => {
      const kinds = new Set(fixturesOf(id).map((f) => f.kind));
      return (["bad", "ok"] as const).filter((k) => !kinds.has(k)).map((k) => `${id}: no ${k}-* fixture`);
    });
    expect(missing).toEqual([]);
  });

  it("every folder names a rule, and holds only bad-*/ok-* repositories with a workflow or a config", () => {
    expect(readdirSync(ROOT_PATH).filter((d) => !RULE_IDS.includes(d))).toEqual([]);
    const stray = RULE_IDS.flatMap((id) =>
      fixturesOf(id)
        .filter(
          (f) =>
            !/^(bad|ok)-[a-z0-9]+(-[a-z0-9]+)*$/.test(f.name) ||
            !statSync(f.dir).isDirectory() ||
            !walk(f.dir).some((p) => /^\.github\/(workflows\/[^/]+\.ya?ml|rolecall\.ya?ml)$/.test(p)),
        )
        .map((f) => `${id}/${f.name}`),
    );
    expect(stray).toEqual([]);
  });

  it("every file of a fixture is one the scan reads", () => {
    const known =
      /^(repo\.json|role-map\.yml|roles\/[^/]+\.json|\.github\/rolecall\.ya?ml|\.github\/workflows\/[^/]+\.ya?ml|(.+\/)?action\.ya?ml)$/;
    const stray = RULE_IDS.flatMap((id) =>
      fixturesOf(id).flatMap((f) =>
        walk(f.dir)
          .filter((p) => !known.test(p))
          .map((p) => `${id}/${f.name}/${p}`),
      ),
    );
    expect(stray).toEqual([]);
  });
});

for (const meta of RULES) {
  const id = meta.id;
  const fixtures = fixturesOf(id);
  const couldNotVerify = meta.category === "could-not-verify";

  describe(id, () => {
    it.each(fixtures.filter((f) => f.kind === "bad").map((f) => [f.name, f] as const))(
      "%s fires on the marked lines",
      async (_, f) => {
        const scanned = await scanFixture(f.dir);
        expect(markersOf(scanned.texts).some((m) => m.key.endsWith(`:${id}`))).toBe(true);
        const findings = expectMarkedFindings(f, scanned);
        const own = findings.filter((x) => x.rule === id);
        for (const x of own) {
          // A run that depends on an undecided `if:` is not a certain high denial.
          if (x.conditional) {
            expect(x.severity).toBe("medium");
            expect(x.message).toMatch(/^If this job runs \(/);
          } else expect(x.severity).toBe(meta.severity);
          expect(x.message.length).toBeGreaterThan(10);
          expect(x.fix).toBeTruthy();
          if (!couldNotVerify) {
            expect(x.message).toMatch(/\.$/);
            expect(x.role).toMatch(/^arn:aws:iam::\d{12}:role\//);
          }
        }
      },
    );

    if (couldNotVerify)
      it.each(fixtures.filter((f) => f.kind === "bad").map((f) => [f.name, f] as const))(
        "%s makes the scan incomplete (DESIGN §5: never silent)",
        async (_, f) => {
          const { result } = await scanFixture(f.dir);
          expect(result.complete).toBe(false);
          expect(result.incomplete.map((i) => i.rule)).toContain(id);
        },
      );

    it.each(fixtures.filter((f) => f.kind === "ok").map((f) => [f.name, f] as const))(
      "%s stays silent",
      async (_, f) => {
        const scanned = await scanFixture(f.dir);
        expect(markersOf(scanned.texts).filter((m) => m.key.endsWith(`:${id}`))).toEqual([]);
        expectMarkedFindings(f, scanned);
        if (couldNotVerify) expect(scanned.result.incomplete.filter((i) => i.rule === id)).toEqual([]);
      },
    );
  });
}

describe("suggested policies", () => {
  const withSuggestion = RULE_IDS.filter(
    (id) => id === "sub-not-trusted" || id === "trust-wider-than-needed",
  );
  const bad = withSuggestion.flatMap((id) => fixturesOf(id).filter((f) => f.kind === "bad"));

  it.each(bad.map((f) => [`${f.rule}/${f.name}`, f] as const))(
    "%s: the suggested policy admits every needed run and nothing more",
    async (_, f) => {
      const { result } = await scanFixture(f.dir);
      const own = result.findings.filter((x) => x.rule === f.rule && x.role);
      expect(own.length).toBeGreaterThan(0);
      for (const x of own) {
        expect(x.suggestedPolicy, keyOf(x)).toBeDefined();
        expect(x.suggestedPolicy!.terraform).toContain("aws_iam_policy_document");
        const policy = x.suggestedPolicy!.json;
        expect(parseTrustPolicy(policy).policy).not.toBeNull();
        // Applying the suggestion is a fixed point: the role's runs are let in, and nothing is extra.
        // Subjects the suggestion withholds on purpose (pull requests on a deploy role) stay denied.
        const withheld = (x.suggestedPolicy!.notes ?? [])
          .map((n) => /^not added: `([^`]+)`/.exec(n)?.[1])
          .filter((w): w is string => w !== undefined);
        const fixed = (await scanFixture(f.dir, { arn: x.role!, policy })).result.findings.filter(
          (y) =>
            y.role === x.role &&
            (DENY_RULES.includes(y.rule) || y.rule === "trust-wider-than-needed") &&
            !withheld.some((w) => y.message.includes(`\`${w}\``)),
        );
        expect(show(fixed)).toEqual([]);
      }
    },
  );
});

describe("fingerprints", () => {
  const bad = RULE_IDS.flatMap((id) => fixturesOf(id).filter((f) => f.kind === "bad"));

  it("are digests independent of line numbers (scan-types `Finding.fingerprint`), one per finding", async () => {
    const problems: string[] = [];
    for (const f of bad) {
      const { result } = await scanFixture(f.dir);
      for (const x of result.findings.filter((y) => y.rule === f.rule))
        if (!/^[0-9a-f]{16}$/.test(x.fingerprint)) problems.push(`${f.rule}/${f.name}: ${x.fingerprint}`);
      const prints = result.findings.map((x) => x.fingerprint);
      if (new Set(prints).size !== prints.length) problems.push(`${f.rule}/${f.name}: repeated fingerprints`);
    }
    expect(problems).toEqual([]);
  });
});
