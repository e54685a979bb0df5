import { existsSync, readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type ParsePolicyResult, parseTrustPolicy } from "../../../src/core/iam/index.js";
import { checkPolicy } from "../../../src/core/report/check-policy.js";
import { type PolicyFinding, policyRules } from "../../../src/core/rules/index.js";

/** The shared corpus sits next to the repository: `<repo>/../shared/corpus`. */
const REPO = new URL("../../../", import.meta.url);
const CORPUS = new URL("../shared/corpus/", REPO);
const POLICIES = new URL("policies/", CORPUS);
const RULE_IDS = policyRules.map((r) => r.meta.id);

interface ManifestEntry {
  kind: string;
  file: string;
  notes: string;
}

interface Checked {
  name: string;
  text: string;
  /** `null` when parsing threw (a bug: bad input must become a diagnostic). */
  parsed: ParsePolicyResult | null;
  /** `null` when there was no policy to check, or when checking threw. */
  findings: PolicyFinding[] | null;
  thrown: string | null;
}

function checkAll(): Checked[] {
  return readdirSync(POLICIES)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((name) => {
      const text = readFileSync(new URL(name, POLICIES), "utf8");
      let parsed: ParsePolicyResult | null = null;
      try {
        parsed = parseTrustPolicy(text);
        const findings = parsed.policy ? checkPolicy(parsed.policy) : null;
        return { name, text, parsed, findings, thrown: null };
      } catch (e) {
        return {
          name,
          text,
          parsed,
          findings: null,
          thrown: e instanceof Error ? (e.stack ?? e.message) : String(e),
        };
      }
    });
}

/** Rule ids that fired, once each, in catalogue order. */
function ruleSet(findings: PolicyFinding[]): string[] {
  const fired = new Set(findings.map((f) => f.rule));
  return RULE_IDS.filter((id) => fired.has(id));
}

function classification(all: Checked[]): string {
  const parsed = all.filter((c) => c.findings !== null);
  const perRule = RULE_IDS.map((id) => {
    const n = parsed.filter((c) => c.findings!.some((f) => f.rule === id)).length;
    return `#   ${id.padEnd(28)} ${String(n).padStart(3)}`;
  });
  const lines = [
    "# Policy rules on the shared corpus (../shared/corpus/policies), written by",
    "# test/core/rules/corpus-policies.test.ts: per policy, the rule ids that fired (catalogue order)",
    "# and the parser's diagnostics (`! severity code line:column`). Review a change before `vitest -u`.",
    "#",
    `# ${all.length} policies: ${parsed.length} checked, ${all.length - parsed.length} unreadable`,
    "# policies per rule:",
    ...perRule,
    "",
  ];
  for (const c of all) {
    lines.push(c.name);
    for (const d of c.parsed?.diagnostics ?? [])
      lines.push(`    ! ${d.severity} ${d.code} ${d.span.start.line}:${d.span.start.column}`);
    if (c.thrown) lines.push("    THREW");
    else if (!c.findings) lines.push("    (not a readable policy)");
    else lines.push(`    ${ruleSet(c.findings).join(", ") || "(no findings)"}`);
  }
  return `${lines.join("\n")}\n`;
}

/**
 * Classifications reviewed by hand against DESIGN §5 and OIDC-SEMANTICS §8 (what SHOULD fire).
 * Where this disagrees with the snapshot, src is believed wrong; the reason is given.
 */
const REVIEWED: Record<string, { rules: string[]; why: string }> = {
  "github__docs__docs-aws-oidc-wildcard-example.json": {
    rules: ["trust-repo-wide", "trust-name-based-subject"],
    why: "StringLike repo:octo-org/octo-repo:* with aud: every branch, PR and environment (E3)",
  },
  "github__docs__docs-aws-oidc-branch-example.json": {
    rules: ["trust-name-based-subject"],
    why: "StringEquals on one branch subject plus aud: only the name-based note",
  },
  "github__docs__docs-aws-oidc-environment-example.json": {
    rules: ["trust-name-based-subject"],
    why: "StringEquals on one environment subject plus aud",
  },
  "github__docs__docs-aws-oidc-historical-forallvalues.json": {
    rules: ["trust-name-based-subject"],
    why: "ForAllValues:StringEquals on sub and aud: GitHub tokens always carry both, and ForAllValues over the one-element set is the base StringEquals (lead's decision, overriding the ForAllValues-only entry of DESIGN §5 / §8 for claims that are never absent): one exact branch pin",
  },
  "guardian__cdk__gugithubactionsrole-default.json": {
    rules: ["trust-org-wide", "trust-missing-aud"],
    why: "repo:guardian/* with no aud: every repository of the org",
  },
  "aws-actions__configure-aws-credentials__cfn-federation-and-role.json": {
    rules: ["trust-org-wide", "trust-missing-aud"],
    why: "repo:octo-org/*:ref:refs/heads/*, no aud: any branch of any org repository",
  },
  "dvdmelamed__aws-infra__github-action-dev-role.json": {
    rules: ["trust-any-repository", "trust-missing-aud"],
    why: "repo:* admits every repository on github.com",
  },
  "bridgecrewio__checkov__fixture-fail1-no-condition.json": {
    rules: ["trust-any-repository", "trust-missing-aud"],
    why: "no Condition at all",
  },
  "bridgecrewio__checkov__fixture-fail-wildcard.json": {
    rules: ["stringequals-wildcard", "trust-missing-aud"],
    why: "StringEquals sub * is a literal: nobody gets in, so no breadth finding",
  },
  "bridgecrewio__checkov__fixture-fail-misused-repo.json": {
    rules: ["stringequals-wildcard", "trust-missing-aud"],
    why: "StringEquals repo:myOrg* is a literal that matches nothing: it admits no repository, so trust-org-wide must not fire",
  },
  "capralifecycle__terraform-github-aws-oidc__read-role.json": {
    rules: ["trust-pull-request", "trust-ref-prefix", "trust-name-based-subject"],
    why: "refs/heads/* and pull_request (legacy and immutable), minus main via StringNotLike",
  },
  "capralifecycle__terraform-github-aws-oidc__admin-role.json": {
    rules: ["trust-name-based-subject"],
    why: "main only; the legacy value next to the immutable one keeps it name-based",
  },
  "unfunco__terraform-aws-oidc-github__readme-example.json": {
    rules: ["trust-pull-request", "trust-ref-prefix", "trust-name-based-subject"],
    why: "main, pull_request, release/* and tags/v*",
  },
  "aws__aws-cryptographic-material-providers-library__github-ci-mpl-dafny-role.json": {
    rules: ["trust-repo-wide", "trust-name-based-subject"],
    why: 'statement 1 is Principal {"AWS": "*"} with Action sts:AssumeRole and an aws:PrincipalArn condition: it never admits a web-identity token, so neither trust-any-repository nor trust-missing-aud applies to it',
  },
  "aws__aws-encryption-sdk-python__github-ci-public-esdk-python-role.json": {
    rules: ["trust-repo-wide", "trust-name-based-subject"],
    why: 'same shape as the mpl-dafny role: the Principal {"AWS": "*"} statement is sts:AssumeRole only',
  },
  "terraform-aws-modules__terraform-aws-iam__iam-role-github-oidc-example.json": {
    rules: ["unsupported-condition-key", "trust-pull-request", "trust-name-based-subject"],
    why: "ForAllValues:StringEquals on :iss (not a key AWS exposes: always true); sub lists pull_request",
  },
  "ministryofjustice__modernisation-platform__member-github-actions-apply.json": {
    rules: ["trust-ref-prefix", "trust-name-based-subject"],
    why: "environment:example-development* admits any environment named like it",
  },
  "cloudposse__terraform-aws-components__team-assume-role-github-mixin.json": {
    rules: ["trust-org-wide", "trust-repo-wide", "trust-name-based-subject"],
    why: "repo:cloudposse/infra:* (repo-wide) and repo:acme/*:* (org-wide)",
  },
  "web__wiki.fabienrenaud.fr__wiki-fabienrenaud-custom-sub-template.json": {
    rules: ["stringequals-wildcard", "trust-name-based-subject"],
    why: "StringEquals …:actor:* is literal",
  },
  "aws__aws-lc__awslcgithubactionstandardrole-chained.json": {
    rules: [],
    why: "second hop of a role chain: AWS principal only, no GitHub statement",
  },
  "dceoy__aws-cfn-github-oidc-and-runner__cfn-github-iam-role.json": {
    rules: ["trust-org-wide"],
    why: "repo:dceoy/*:* with aud",
  },
  "aws__aws-lc__awslcgithubactionsautofixoidcrole.json": {
    rules: ["trust-repo-wide", "trust-name-based-subject"],
    why: "repo:aws/aws-lc:* with job_workflow_ref …/autofix_integration_failures.yml@*: any writer runs that file from any branch or pull request, so the pin narrows nothing",
  },
  "aws-samples__github-actions-oidc-cdk-construct__githubactionsdeployrole.json": {
    rules: ["issuer-mismatch", "trust-missing-aud"],
    why: "the sub key is spelt https://token.actions.githubusercontent.com:sub, which no token carries: StringLike on it never matches, nobody can assume the role, so no breadth finding",
  },
  "erioluwa66__BusyToddlerMumInfraMgt__github-actions-oidc-role-initial-typo.json": {
    rules: ["issuer-mismatch", "trust-missing-aud"],
    why: "the only condition is aud under the misspelt prefix token.actions.githubuser.content.com: absent, so StringEquals never matches and nobody can assume the role",
  },
  "rust-lang__simpleinfra__ci--rust-lang--rustup.json": {
    rules: ["trust-name-based-subject"],
    why: "one StringEquals statement per branch (main, stable), each with aud",
  },
};

describe("real-world trust policies (shared corpus)", () => {
  const all = existsSync(POLICIES) ? checkAll() : [];

  it("every policy file is in the manifest, and every manifest policy is on disk", () => {
    const manifest = JSON.parse(readFileSync(new URL("manifest.json", CORPUS), "utf8")) as ManifestEntry[];
    const listed = manifest
      .filter((e) => e.kind === "policy")
      .map((e) => e.file.replace(/^policies\//, ""))
      .sort();
    expect(all.map((c) => c.name)).toEqual(listed);
    expect(all.length).toBe(105);
  });

  it("never throws: each policy parses, or fails with a located diagnostic", () => {
    expect(all.filter((c) => c.thrown).map((c) => `${c.name}: ${c.thrown}`)).toEqual([]);
    for (const c of all) {
      const diagnostics = c.parsed!.diagnostics;
      if (!c.parsed!.policy)
        expect(
          diagnostics.some((d) => d.severity === "error"),
          c.name,
        ).toBe(true);
      for (const d of diagnostics) {
        expect(d.span.start.line, `${c.name} ${d.code}`).toBeGreaterThanOrEqual(1);
        expect(d.span.start.column, `${c.name} ${d.code}`).toBeGreaterThanOrEqual(1);
      }
    }
  });

  it("every finding is located inside the policy text it refers to", () => {
    for (const c of all) {
      if (!c.findings) continue;
      const lines = c.parsed!.policy!.text.split("\n").length;
      for (const f of c.findings) {
        const { line, column } = f.location.span.start;
        expect(line >= 1 && line <= lines && column >= 1, `${c.name} ${f.rule} at ${line}:${column}`).toBe(
          true,
        );
      }
    }
  });

  it("classification matches the reviewed snapshot", async () => {
    await expect(classification(all)).toMatchFileSnapshot("__snapshots__/corpus-policies.txt");
  });

  it.each(Object.entries(REVIEWED))("%s is classified as reviewed by hand", (name, { rules, why }) => {
    const c = all.find((x) => x.name === name);
    expect(c, name).toBeDefined();
    expect(ruleSet(c!.findings ?? []), why).toEqual(RULE_IDS.filter((id) => rules.includes(id)));
  });
});
