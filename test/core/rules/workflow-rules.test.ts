import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import type { Finding } from "../../../src/core/engine/scan-types.js";
import { formatFindingLine } from "../../../src/core/findings/format.js";
import type { RoleFacts } from "../../../src/core/iam/policy-model.js";
import { checkWorkflowFiles } from "../../../src/core/report/index.js";
import { conditionMayHold, forkRunFacts } from "../../../src/core/rules/fork-pr-no-token.js";
import { workflowRules } from "../../../src/core/rules/index.js";
import { SEVERITIES } from "../../../src/core/rules/rule.js";
import type { WorkflowRule } from "../../../src/core/rules/workflow-rule.js";
import {
  configureAwsCredentialsRelease,
  type Node,
  parseWorkflow,
  type Trigger,
  type Workflow,
} from "../../../src/core/workflow/index.js";

const FIXTURES = new URL("../../fixtures/workflows/rules/", import.meta.url);
const REPO = new URL("../../../", import.meta.url);
const CORPUS = new URL("../shared/corpus/workflows/", REPO);

/** Roles the fixtures name whose facts are "known". */
const ROLES: Record<string, RoleFacts> = {
  "arn:aws:iam::123456789012:role/one-hour": {
    arn: "arn:aws:iam::123456789012:role/one-hour",
    name: "one-hour",
    maxSessionDuration: 3600,
  },
  "arn:aws:iam::123456789012:role/twelve-hours": {
    arn: "arn:aws:iam::123456789012:role/twelve-hours",
    name: "twelve-hours",
    maxSessionDuration: 43200,
  },
};

const roleFacts = (arn: string): RoleFacts | null => ROLES[arn] ?? null;

function parse(text: string, file: string): Workflow {
  const { workflow, diagnostics } = parseWorkflow(text, file);
  expect(diagnostics, file).toEqual([]);
  expect(workflow, file).not.toBeNull();
  return workflow!;
}

/** The rules' findings on one workflow, through the runner's own walk (workflow and credentials-step hooks). */
function check(rules: readonly WorkflowRule[], text: string, file: string, strict = true): Finding[] {
  if (strict) parse(text, file);
  return checkWorkflowFiles(rules, [{ path: file, text }], roleFacts);
}

/** `line:rule` for every `# NOT OK: rule[, rule]` comment. */
function markers(text: string): string[] {
  const out: string[] = [];
  text.split("\n").forEach((line, i) => {
    const m = /#\s*NOT OK:\s*([a-z0-9-]+(?:\s*,\s*[a-z0-9-]+)*)/.exec(line);
    if (m) for (const rule of m[1]!.split(",")) out.push(`${i + 1}:${rule.trim()}`);
  });
  return out.sort();
}

function fixtureFiles(ruleId: string): string[] {
  const dir = new URL(`${ruleId}/`, FIXTURES);
  return existsSync(dir)
    ? readdirSync(dir)
        .filter((f) => /\.ya?ml$/.test(f))
        .sort()
    : [];
}

function fixture(ruleId: string, name: string): { text: string; file: string } {
  return {
    text: readFileSync(new URL(`${ruleId}/${name}`, FIXTURES), "utf8"),
    file: `.github/workflows/${ruleId}/${name}`,
  };
}

describe("workflow rule registry", () => {
  it("has unique kebab-case ids and complete metadata", () => {
    const ids = workflowRules.map((r) => r.meta.id);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { meta } of workflowRules) {
      expect(meta.id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(SEVERITIES).toContain(meta.severity);
      expect(["will-fail", "over-broad", "hygiene", "could-not-verify"]).toContain(meta.category);
      expect(meta.title.length).toBeGreaterThan(10);
      expect(meta.explanation.length).toBeGreaterThan(40);
      expect(meta.fix.length).toBeGreaterThan(20);
      expect(meta.docs).toBe(`docs/rules.md#${meta.id}`);
    }
  });

  it("lists the workflow rules of DESIGN §5 in catalogue order", () => {
    expect(workflowRules.map((r) => [r.meta.id, r.meta.severity])).toEqual([
      ["missing-id-token-permission", "high"],
      ["fork-pr-no-token", "medium"],
      ["session-duration-exceeds-max", "high"],
      ["job-outlives-session", "medium"],
      ["role-name-not-arn", "high"],
      ["static-aws-keys", "medium"],
      ["privileged-trigger-with-role", "high"],
      ["id-token-too-broad", "low"],
      ["unpinned-credentials-action", "low"],
    ]);
  });

  it("has at least one bad and one ok fixture per rule, and no fixture directory without a rule", () => {
    for (const { meta } of workflowRules) {
      const files = fixtureFiles(meta.id);
      expect(files.filter((f) => f.startsWith("bad-")).length, meta.id).toBeGreaterThan(0);
      expect(files.filter((f) => f.startsWith("ok-")).length, meta.id).toBeGreaterThan(0);
      expect(
        files.every((f) => /^(bad|ok)-/.test(f)),
        meta.id,
      ).toBe(true);
    }
    const dirs = readdirSync(FIXTURES);
    expect(dirs.sort()).toEqual(workflowRules.map((r) => r.meta.id).sort());
  });
});

describe.each(workflowRules.map((r) => [r.meta.id, r] as const))("%s", (ruleId, rule) => {
  const files = fixtureFiles(ruleId);

  it.each(files.filter((f) => f.startsWith("bad-")))("fires on the marked lines of %s", (name) => {
    const { text, file } = fixture(ruleId, name);
    const expected = markers(text);
    expect(
      expected.some((m) => m.endsWith(`:${ruleId}`)),
      "a bad fixture marks its rule",
    ).toBe(true);
    const checked = new Set([ruleId, ...expected.map((m) => m.slice(m.indexOf(":") + 1))]);
    const rules = workflowRules.filter((r) => checked.has(r.meta.id));
    const findings = check(rules, text, file);
    expect(findings.map((f) => `${f.line}:${f.rule}`).sort()).toEqual(expected);
    // The whole message is pinned, in the one golden format of every rule fixture.
    const golden = new URL(`${ruleId}/${name.replace(/\.ya?ml$/, ".expected.txt")}`, FIXTURES);
    const lines = findings
      .filter((f) => f.rule === ruleId)
      .sort((a, b) => a.line - b.line || a.column - b.column)
      .map(formatFindingLine);
    if (process.env.ROLECALL_UPDATE_FIXTURES) writeFileSync(golden, `${lines.join("\n")}\n`);
    expect(existsSync(golden), `${ruleId}/${name} has its .expected.txt`).toBe(true);
    expect(lines).toEqual(
      readFileSync(golden, "utf8")
        .split("\n")
        .filter((l) => l.trim() !== ""),
    );
    for (const f of findings.filter((x) => x.rule === ruleId)) {
      expect(f.severity).toBe(rule.meta.severity);
      expect(f.message).toMatch(/`/);
      expect(f.message).toMatch(/\.`?$/);
      expect(f.fix).toBe(rule.meta.fix);
      expect(f.fingerprint).toMatch(/^[0-9a-f]{16}$/);
    }
    const prints = findings.map((f) => f.fingerprint);
    expect(new Set(prints).size).toBe(prints.length);
  });

  it.each(files.filter((f) => f.startsWith("ok-")))("stays silent on %s", (name) => {
    const { text, file } = fixture(ruleId, name);
    expect(markers(text).filter((m) => m.endsWith(`:${ruleId}`))).toEqual([]);
    const findings = check([rule], text, file);
    expect(findings.map((f) => `${f.line}: ${f.message}`)).toEqual([]);
  });
});

function ruleById(id: string): WorkflowRule {
  const rule = workflowRules.find((r) => r.meta.id === id);
  if (!rule) throw new Error(`no rule ${id}`);
  return rule;
}

function run(id: string, dir: string, name: string): Finding[] {
  const { text, file } = fixture(dir, name);
  return check([ruleById(id)], text, file);
}

describe("findings", () => {
  it("name the job, the role and the action's own error text", () => {
    const [f] = run("missing-id-token-permission", "missing-id-token-permission", "bad-no-permissions.yml");
    expect(f).toMatchObject({ job: "deploy", role: "arn:aws:iam::123456789012:role/deploy", column: 3 });
    expect(f!.message).toContain(
      "It looks like you might be trying to authenticate with OIDC. Did you mean to set the `id-token` permission?",
    );
    expect(f!.message).toContain(
      "`Credentials could not be loaded, please check your action inputs: Could not load credentials from any providers`",
    );
    expect(f!.fix).toContain("permissions:\n  id-token: write\n  contents: read");
  });

  it("quote the STS error for each duration problem", () => {
    const texts = [
      "bad-below-minimum.yml",
      "bad-role-chaining.yml",
      "bad-known-maximum.yml",
      "bad-above-largest.yml",
    ].map((name) => run("session-duration-exceeds-max", "session-duration-exceeds-max", name)[0]!.message);
    expect(texts[0]).toContain(
      "`1 validation error detected: Value '600' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900`",
    );
    expect(texts[1]).toContain(
      "`The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.`",
    );
    expect(texts[2]).toContain("`role-duration-seconds: 7200s` (read as 7200)");
    expect(texts[2]).toContain("whose `MaxSessionDuration` is 3600");
    expect(texts[3]).toContain(
      "`The requested DurationSeconds exceeds the MaxSessionDuration set for this role.`",
    );
  });

  it("point at the `@ref` of `uses:` and suggest the newest release by SHA", () => {
    const findings = run("unpinned-credentials-action", "unpinned-credentials-action", "bad-tag.yml");
    expect(findings.map((f) => [f.line, f.column, f.endColumn])).toEqual([
      [9, 53, 55],
      [14, 54, 60],
    ]);
    expect(configureAwsCredentialsRelease("e6de054238d6b7531b4efff3b6587d9aade6a06c")).toBe("v6.2.3");
    expect(findings[0]!.fix).toContain(
      "uses: aws-actions/configure-aws-credentials@e6de054238d6b7531b4efff3b6587d9aade6a06c # v6.2.3",
    );
  });

  it("keep their fingerprint when unrelated lines move", () => {
    const { text, file } = fixture("fork-pr-no-token", "bad-push-and-pr.yml");
    const rule = ruleById("fork-pr-no-token");
    const before = check([rule], text, file);
    const shifted = `# a comment\n${text.replace("    steps:\n      - run: make test", "    steps:\n      - run: make lint\n      - run: make test")}`;
    const after = check([rule], shifted, file);
    expect(after.map((f) => f.line)).not.toEqual(before.map((f) => f.line));
    expect(after.map((f) => f.fingerprint)).toEqual(before.map((f) => f.fingerprint));
  });
});

/** `${{ inner }}`. */
const wrap = (inner: string): string => `\${{ ${inner} }}`;

describe("fork-run conditions", () => {
  const trigger = (event: string, types: string[] = []): Trigger => {
    const node = <T>(value: T): Node<T> => ({
      value,
      span: { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } },
      route: "on",
    });
    const t: Trigger = { event, name: node(event) };
    if (types.length > 0) t.types = node(types.map(node));
    return t;
  };
  const cond = (text: string): Node<string> => ({
    value: text,
    span: { start: { line: 1, column: 1, offset: 0 }, end: { line: 1, column: 1, offset: 0 } },
    route: "if",
  });
  const holds = (text: string, event = "pull_request", types: string[] = []) =>
    conditionMayHold(cond(text), forkRunFacts(trigger(event, types)));

  it.each([
    ["github.event.pull_request.head.repo.full_name == github.repository", false],
    [wrap("github.repository == github.event.pull_request.head.repo.full_name"), false],
    ["github.event.pull_request.head.repo.full_name != github.repository", true],
    ["!github.event.pull_request.head.repo.fork", false],
    ["github.event.pull_request.head.repo.fork == false", false],
    ["github.event.pull_request.head.repo.fork != true", false],
    ["github.event.pull_request.head.repo.full_name == 'octo-org/app'", false],
    ["github.event.pull_request.head.repo.owner.login == github.repository_owner", false],
    ["github.repository == 'octo-org/app'", true],
    ["github.repository_owner == 'octo-org'", true],
    ["github.actor != 'dependabot[bot]'", true],
    ["github.event.pull_request.user.login == 'dependabot[bot]'", false],
    ["github.event_name == 'push'", false],
    ["github.event_name != 'pull_request'", false],
    ["github.event_name == 'PULL_REQUEST'", true],
    ['contains(fromJSON(\'["push", "schedule"]\'), github.event_name)', false],
    ['contains(fromJSON(\'["push", "pull_request"]\'), github.event_name)', true],
    ["github.ref == 'refs/heads/main'", false],
    ["github.ref == 'refs/pull/12/merge'", true],
    ["github.ref_name == 'main'", false],
    ["github.event.ref == 'refs/heads/main'", false],
    ["startsWith(github.ref, 'refs/tags/')", false],
    ["startsWith(github.ref, 'refs/pull/')", true],
    ["endsWith(github.ref, '/merge')", true],
    ["github.event.pull_request.merged == true", false],
    ["github.event_name == 'push' || github.event.pull_request.head.repo.fork == false", false],
    ["always() && github.event_name == 'push'", false],
    ["success() && github.ref == 'refs/heads/main'", false],
    ["!cancelled()", true],
    ["contains(github.event.pull_request.labels.*.name, 'deploy')", true],
    ["needs.check.outputs.trusted == 'true'", true],
    ["github.ref == 'refs/heads/main' is not valid", true],
    [`deploy-${wrap("github.event_name == 'push'")}`, true],
  ])("`%s` may hold in a fork pull request run: %s", (text, expected) => {
    expect(holds(text)).toBe(expected);
  });

  it("keeps the base-branch ref possible for `closed` runs (merged pull requests)", () => {
    expect(holds("github.ref == 'refs/heads/main'", "pull_request", ["closed"])).toBe(true);
    expect(holds("github.event.pull_request.merged == true", "pull_request", ["closed"])).toBe(true);
  });

  it("knows the fork of a workflow_run and the default-branch ref of pull_request_target", () => {
    expect(
      holds("github.event.workflow_run.head_repository.full_name == github.repository", "workflow_run"),
    ).toBe(false);
    expect(holds("github.event.workflow_run.event == 'push'", "workflow_run")).toBe(false);
    expect(holds("github.ref == 'refs/heads/main'", "pull_request_target")).toBe(true);
  });
});

describe("workflow rules on the real-world corpus", () => {
  it("run over every corpus workflow without throwing (hit counts per rule)", () => {
    const counts: Record<string, number> = Object.fromEntries(workflowRules.map((r) => [r.meta.id, 0]));
    const hits: string[] = [];
    let workflows = 0;
    for (const name of readdirSync(CORPUS).sort()) {
      if (/__action\.ya?ml$/.test(name)) continue; // composite actions are not workflows
      const text = readFileSync(new URL(name, CORPUS), "utf8");
      const { workflow } = parseWorkflow(text, name);
      expect(workflow, name).not.toBeNull();
      workflows++;
      const findings = check(workflowRules, text, name, false);
      const prints = findings.map((f) => f.fingerprint);
      expect(new Set(prints).size, name).toBe(prints.length);
      for (const f of findings) {
        counts[f.rule]!++;
        hits.push(`${f.rule}\t${name}:${f.line}\t${f.message}`);
        expect(f.line, name).toBeGreaterThan(0);
        expect(f.message, name).toMatch(/\.`?$/);
      }
    }
    if (process.env.ROLECALL_DUMP_HITS) console.log(hits.sort().join("\n"));
    console.log("workflow rule hits on the corpus:", counts);
    expect(workflows).toBe(428); // 442 files, 14 of them composite actions
    // Reviewed by hand (see the rules' explanations for what they deliberately leave out).
    expect(counts).toEqual({
      "missing-id-token-permission": 1,
      "fork-pr-no-token": 48,
      "session-duration-exceeds-max": 0,
      "job-outlives-session": 4,
      "role-name-not-arn": 1,
      "static-aws-keys": 21,
      "privileged-trigger-with-role": 5,
      "id-token-too-broad": 31,
      "unpinned-credentials-action": 380,
    });
  });
});
