// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${{ }}` is literal GitHub expression syntax here.
import { readFileSync } from "node:fs";
import { findingFingerprint } from "../../../src/core/engine/fingerprint.js";
import type { Finding, ScanResult } from "../../../src/core/engine/scan-types.js";

/** The checkout the hand-built scan result describes (workflows and trust policies). */
export const ACME_ROOT = new URL("../../fixtures/render/acme-payments/", import.meta.url);

/** Reads a file of the fixture checkout, or null when there is none (as the CLI's `source` does). */
export function acmeSource(file: string): string | null {
  try {
    return readFileSync(new URL(file, ACME_ROOT), "utf8");
  } catch {
    return null;
  }
}

const ACCOUNT = "123456789012";
const arn = (name: string) => `arn:aws:iam::${ACCOUNT}:role/${name}`;
const SUB_KEY = "token.actions.githubusercontent.com:sub";

const DEPLOY = ".github/workflows/deploy.yml";
const PLAN = ".github/workflows/plan.yml";
const RELEASE = ".github/workflows/release.yml";
const TERRAFORM = ".github/workflows/_terraform.yml";
const INFRA = ".github/workflows/infra.yml";
const NIGHTLY = ".github/workflows/nightly.yml";
const LEGACY = ".github/workflows/legacy-sync.yml";

const fp = (rule: string, file: string, route: string, role: string | null, discriminator?: string) =>
  findingFingerprint({ rule, file, route, role, ...(discriminator !== undefined ? { discriminator } : {}) });

const deployPolicy = JSON.stringify(
  {
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: {
          Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com`,
        },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: {
            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
            [SUB_KEY]: [
              "repo:acme/payments:environment:production",
              "repo:acme/payments:environment:staging",
            ],
          },
        },
      },
    ],
  },
  null,
  2,
);

const deployTerraform = `data "aws_iam_policy_document" "payments_deploy_trust" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:acme/payments:environment:production", "repo:acme/payments:environment:staging"]
    }
  }
}
`;

// Compact on purpose: the text renderer pretty-prints it.
const legacyPolicy = JSON.stringify({
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow",
      Principal: { Federated: `arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com` },
      Action: "sts:AssumeRoleWithWebIdentity",
      Condition: {
        StringEquals: {
          "token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
          [SUB_KEY]: "repo:acme/payments:ref:refs/heads/main",
        },
      },
    },
  ],
});

const legacyTerraform = `data "aws_iam_policy_document" "legacy_sync_trust" {
  statement {
    effect  = "Allow"
    actions = ["sts:AssumeRoleWithWebIdentity"]
    principals {
      type        = "Federated"
      identifiers = ["arn:aws:iam::${ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:aud"
      values   = ["sts.amazonaws.com"]
    }
    condition {
      test     = "StringEquals"
      variable = "token.actions.githubusercontent.com:sub"
      values   = ["repo:acme/payments:ref:refs/heads/main"]
    }
  }
}
`;

function findings(): Finding[] {
  return [
    {
      rule: "sub-not-trusted",
      severity: "high",
      message:
        "The trust policy of `payments-deploy` does not admit `repo:acme/payments:environment:production` (push to `refs/heads/main`, environment `production`): the nearest accepted value is `repo:acme/payments:environment:staging`.",
      file: DEPLOY,
      line: 23,
      column: 27,
      endLine: 23,
      endColumn: 73,
      job: "deploy",
      role: arn("payments-deploy"),
      fingerprint: fp(
        "sub-not-trusted",
        DEPLOY,
        "jobs.deploy.steps[1].with.role-to-assume",
        arn("payments-deploy"),
        "environment:production",
      ),
      related: [
        {
          file: "roles/payments-deploy.json",
          line: 16,
          column: 11,
          pointer: `/Statement/0/Condition/StringLike/${SUB_KEY}`,
          message:
            'statement 0 "GitHubDeploy": `StringLike` on `sub` accepts only `repo:acme/payments:ref:refs/heads/main` and `repo:acme/payments:environment:staging`',
        },
      ],
      fix: 'Add `repo:acme/payments:environment:production` to the `token.actions.githubusercontent.com:sub` values of statement 0 "GitHubDeploy" in roles/payments-deploy.json, or replace the trust policy with the suggested one (it also drops `ref:refs/heads/main`, which no job uses).',
      suggestedPolicy: { json: deployPolicy, terraform: deployTerraform },
    },
    {
      rule: "session-duration-exceeds-max",
      severity: "high",
      message:
        "`role-duration-seconds: 7200` is above the `MaxSessionDuration` of `payments-deploy` (3600 s): STS refuses the session in every context, including those the trust policy allows.",
      file: DEPLOY,
      line: 25,
      column: 34,
      endLine: 25,
      endColumn: 38,
      job: "deploy",
      role: arn("payments-deploy"),
      fingerprint: fp(
        "session-duration-exceeds-max",
        DEPLOY,
        "jobs.deploy.steps[1].with.role-duration-seconds",
        arn("payments-deploy"),
      ),
      related: [
        {
          file: arn("payments-deploy"),
          line: null,
          column: null,
          message: "MaxSessionDuration is 3600 seconds",
        },
      ],
      fix: "Set `role-duration-seconds` to 3600 or less, or raise the role's limit: `aws iam update-role --role-name payments-deploy --max-session-duration 7200`.",
    },
    {
      rule: "trust-pull-request",
      severity: "high",
      message:
        "The trust policy of `payments-plan` admits `repo:acme/payments:pull_request`, the subject of every pull request to this repository, including `pull_request_target` runs started from forks.",
      file: PLAN,
      line: 20,
      column: 27,
      endLine: 20,
      endColumn: 71,
      job: "plan",
      role: arn("payments-plan"),
      fingerprint: fp(
        "trust-pull-request",
        PLAN,
        "jobs.plan.steps[1].with.role-to-assume",
        arn("payments-plan"),
        "repo:acme/payments:pull_request",
      ),
      related: [
        {
          file: "roles/payments-plan.json",
          line: 14,
          column: 54,
          pointer: `/Statement/0/Condition/StringEquals/${SUB_KEY}`,
          message: "the pull request subject is trusted here",
        },
      ],
      fix: "Give pull request jobs a read-only role of their own, and keep `repo:acme/payments:pull_request` out of roles that can change infrastructure.",
    },
    {
      rule: "fork-pr-no-token",
      severity: "medium",
      message:
        "Pull requests from forks get no OIDC token, so job `plan` fails to assume `payments-plan` on every pull request from a fork (`pull_request`, `pull_request_review`).",
      file: PLAN,
      line: 20,
      column: 27,
      endLine: 20,
      endColumn: 71,
      job: "plan",
      role: arn("payments-plan"),
      fingerprint: fp(
        "fork-pr-no-token",
        PLAN,
        "jobs.plan.steps[1].with.role-to-assume",
        arn("payments-plan"),
      ),
      related: [],
      fix: "Skip the step for forks: `if: github.event.pull_request.head.repo.full_name == github.repository`.",
    },
    {
      rule: "sub-not-trusted",
      severity: "high",
      message:
        "The trust policy of `payments-release` does not admit `repo:acme/payments:ref:refs/heads/main` (`workflow_dispatch` on `refs/heads/main`): it accepts only `repo:acme/payments:ref:refs/tags/*`.",
      file: RELEASE,
      line: 19,
      column: 27,
      endLine: 19,
      endColumn: 74,
      job: "publish",
      role: arn("payments-release"),
      fingerprint: fp(
        "sub-not-trusted",
        RELEASE,
        "jobs.publish.steps[1].with.role-to-assume",
        arn("payments-release"),
        "workflow_dispatch:refs/heads/main",
      ),
      related: [
        {
          file: "roles/payments-release.json",
          line: 16,
          column: 54,
          pointer: `/Statement/0/Condition/StringLike/${SUB_KEY}`,
          message: 'statement 0 "GitHubRelease" accepts tags only',
        },
      ],
      fix: "Run the release from a tag (choose a tag in the `Use workflow from` menu), or restrict `workflow_dispatch` with `if: startsWith(github.ref, 'refs/tags/')`.",
    },
    {
      rule: "trust-ref-prefix",
      severity: "medium",
      message:
        '`repo:acme/payments:ref:refs/tags/*` in statement 0 "GitHubRelease" admits every tag, and anyone who can push to the repository can create one, e.g. `refs/tags/anything`.',
      file: RELEASE,
      line: 19,
      column: 27,
      endLine: 19,
      endColumn: 74,
      job: "publish",
      role: arn("payments-release"),
      fingerprint: fp(
        "trust-ref-prefix",
        RELEASE,
        "jobs.publish.steps[1].with.role-to-assume",
        arn("payments-release"),
        "repo:acme/payments:ref:refs/tags/*",
      ),
      related: [
        {
          file: "roles/payments-release.json",
          line: 16,
          column: 54,
          pointer: `/Statement/0/Condition/StringLike/${SUB_KEY}`,
          message: "the tag pattern",
        },
      ],
      fix: "Protect release tags with a tag ruleset and trust `repo:acme/payments:environment:release` behind a protected environment instead of a tag pattern.",
    },
    {
      rule: "unpinned-credentials-action",
      severity: "low",
      message: "`aws-actions/configure-aws-credentials@v4` is not pinned to a full commit SHA.",
      file: RELEASE,
      line: 17,
      column: 15,
      endLine: 17,
      endColumn: 55,
      job: "publish",
      role: arn("payments-release"),
      fingerprint: fp("unpinned-credentials-action", RELEASE, "jobs.publish.steps[1].uses", null),
      related: [],
      fix: "Pin the action to the commit of a release: `aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502 # v4.0.2`.",
    },
    {
      rule: "missing-id-token-permission",
      severity: "high",
      message:
        "GitHub refuses to start `.github/workflows/_terraform.yml` from job `apply-dev`: the called job `apply` asks for `id-token: write`, and `apply-dev` grants only `contents: read` (the workflow default).",
      file: INFRA,
      line: 19,
      column: 5,
      endLine: 19,
      endColumn: 45,
      job: "apply-dev",
      role: arn("payments-terraform"),
      fingerprint: fp("missing-id-token-permission", INFRA, "jobs.apply-dev.uses", arn("payments-terraform")),
      related: [
        {
          file: TERRAFORM,
          line: 15,
          column: 7,
          message: "the called job `apply` asks for `id-token: write` here",
        },
      ],
      fix: "Grant it to the caller: add `permissions: { id-token: write, contents: read }` to job `apply-dev`.",
    },
    {
      rule: "role-unresolved",
      severity: "info",
      message:
        "The role of job `drift` is `${{ secrets.DRIFT_ROLE_ARN }}`, which rolecall cannot read: its trust policy was not checked.",
      file: NIGHTLY,
      line: 17,
      column: 27,
      endLine: 17,
      endColumn: 56,
      job: "drift",
      role: null,
      fingerprint: fp("role-unresolved", NIGHTLY, "jobs.drift.steps[0].with.role-to-assume", null),
      related: [],
      fix: "Map the expression to the role in `.github/rolecall.yml`: `roles: { '${{ secrets.DRIFT_ROLE_ARN }}': arn:aws:iam::<account>:role/<name> }`.",
    },
    {
      rule: "static-aws-keys",
      severity: "medium",
      message:
        "Job `sync` signs in with the long-lived access key `${{ secrets.AWS_ACCESS_KEY_ID }}` and then assumes `legacy-sync`: a leaked key works until someone rotates it.",
      file: LEGACY,
      line: 12,
      column: 30,
      endLine: 12,
      endColumn: 62,
      job: "sync",
      role: arn("legacy-sync"),
      fingerprint: fp(
        "static-aws-keys",
        LEGACY,
        "jobs.sync.steps[0].with.aws-access-key-id",
        arn("legacy-sync"),
      ),
      related: [],
      fix: "Use OIDC: grant `id-token: write` to job `sync`, remove `aws-access-key-id` and `aws-secret-access-key`, trust `legacy-sync` with the suggested policy, then delete the access key.",
      suggestedPolicy: { json: legacyPolicy, terraform: legacyTerraform },
    },
  ];
}

/**
 * A realistic scan of `acme/payments`: a deploy with environments (production denied), a PR plan
 * job (forks get no token; one event with disputed subjects), a tag release, a reusable workflow
 * with one caller that cannot grant a token, an unresolved role and a static-key job.
 */
export function acmeScanResult(): ScanResult {
  return {
    version: 1,
    complete: false,
    repository: {
      fullName: "acme/payments",
      defaultBranch: "main",
      subPrefix: null,
      subTemplate: null,
      issuer: "https://token.actions.githubusercontent.com",
    },
    assumptions: [
      {
        file: DEPLOY,
        job: "deploy",
        role: arn("payments-deploy"),
        line: 23,
        column: 27,
        contexts: [
          {
            event: "push",
            ref: "refs/heads/main",
            environment: "staging",
            fork: false,
            sub: "repo:acme/payments:environment:staging",
            decision: "allow",
            reason: 'statement 0 "GitHubDeploy" allows',
          },
          {
            event: "push",
            ref: "refs/heads/main",
            environment: "production",
            fork: false,
            sub: "repo:acme/payments:environment:production",
            decision: "deny",
            reason:
              'implicit deny: statement 0 "GitHubDeploy" does not apply: `StringLike token.actions.githubusercontent.com:sub` matches neither `repo:acme/payments:ref:refs/heads/main` nor `repo:acme/payments:environment:staging` (roles/payments-deploy.json:16:11)',
          },
        ],
      },
      {
        file: PLAN,
        job: "plan",
        role: arn("payments-plan"),
        line: 20,
        column: 27,
        contexts: [
          {
            event: "pull_request",
            ref: "refs/pull/*/merge",
            environment: null,
            fork: false,
            sub: "repo:acme/payments:pull_request",
            decision: "allow",
            reason: 'statement 0 "GitHubPlan" allows',
          },
          {
            event: "pull_request",
            ref: "refs/pull/*/merge",
            environment: null,
            fork: true,
            sub: "repo:acme/payments:pull_request",
            decision: "no-token",
            reason:
              "a pull request from a fork gets no OIDC token (`id-token: write` is downgraded to `read`)",
          },
          {
            event: "pull_request_review",
            ref: "refs/pull/*/merge",
            environment: null,
            fork: false,
            sub: ["repo:acme/payments:pull_request", "repo:acme/payments:ref:refs/pull/*/merge"],
            decision: "indeterminate",
            reason:
              'the sources disagree on the subject of `pull_request_review`: `repo:acme/payments:pull_request` is allowed by statement 0 "GitHubPlan", `repo:acme/payments:ref:refs/pull/*/merge` is denied (`StringEquals token.actions.githubusercontent.com:sub` accepts only `repo:acme/payments:pull_request`)',
          },
          {
            event: "pull_request_review",
            ref: "refs/pull/*/merge",
            environment: null,
            fork: true,
            sub: ["repo:acme/payments:pull_request", "repo:acme/payments:ref:refs/pull/*/merge"],
            decision: "no-token",
            reason:
              "a pull request from a fork gets no OIDC token (`id-token: write` is downgraded to `read`)",
          },
        ],
      },
      {
        file: RELEASE,
        job: "publish",
        role: arn("payments-release"),
        line: 19,
        column: 27,
        contexts: [
          {
            event: "push",
            ref: "refs/tags/v*",
            environment: null,
            fork: false,
            sub: "repo:acme/payments:ref:refs/tags/v*",
            decision: "allow",
            reason: 'statement 0 "GitHubRelease" allows every tag matching `v*`',
          },
          {
            event: "workflow_dispatch",
            ref: "refs/heads/main",
            environment: null,
            fork: false,
            sub: "repo:acme/payments:ref:refs/heads/main",
            decision: "deny",
            reason:
              'implicit deny: statement 0 "GitHubRelease" does not apply: `StringLike token.actions.githubusercontent.com:sub` `repo:acme/payments:ref:refs/tags/*` does not match `repo:acme/payments:ref:refs/heads/main`',
          },
          {
            event: "workflow_dispatch",
            ref: "refs/tags/**",
            environment: null,
            fork: false,
            sub: "repo:acme/payments:ref:refs/tags/**",
            decision: "allow",
            reason: 'statement 0 "GitHubRelease" allows every tag',
          },
        ],
      },
      {
        file: TERRAFORM,
        job: "apply",
        role: arn("payments-terraform"),
        line: 21,
        column: 27,
        contexts: [
          {
            event: "push",
            ref: "refs/heads/main",
            environment: "production",
            fork: false,
            sub: "repo:acme/payments:environment:production",
            decision: "allow",
            reason: 'statement 0 "Terraform" allows',
            caller: ".github/workflows/infra.yml#apply-prod",
          },
          {
            event: "push",
            ref: "refs/heads/main",
            environment: "dev",
            fork: false,
            sub: "repo:acme/payments:environment:dev",
            decision: "no-token",
            reason:
              "GitHub refuses to start the reusable workflow: job `apply` asks for `id-token: write`, but the caller `.github/workflows/infra.yml#apply-dev` grants only `contents: read`",
            caller: ".github/workflows/infra.yml#apply-dev",
          },
        ],
      },
      {
        file: NIGHTLY,
        job: "drift",
        role: null,
        line: 17,
        column: 27,
        contexts: [
          {
            event: "schedule",
            ref: "refs/heads/main",
            environment: null,
            fork: false,
            sub: "repo:acme/payments:ref:refs/heads/main",
            decision: "unknown-role",
            reason:
              "the role is `${{ secrets.DRIFT_ROLE_ARN }}`; map it under `roles` in .github/rolecall.yml",
          },
        ],
      },
      {
        file: LEGACY,
        job: "sync",
        role: arn("legacy-sync"),
        line: 14,
        column: 27,
        contexts: [
          {
            event: "workflow_dispatch",
            ref: "refs/heads/**",
            environment: null,
            fork: false,
            sub: "repo:acme/payments:ref:refs/heads/**",
            decision: "not-oidc",
            reason:
              "the step signs in with `aws-access-key-id` and chains into the role with `sts:AssumeRole`; the OIDC trust is not used",
          },
        ],
      },
    ],
    findings: findings(),
    incomplete: [
      {
        subject: "${{ secrets.DRIFT_ROLE_ARN }} (.github/workflows/nightly.yml#drift)",
        reason:
          "the role is a secret, which rolecall cannot read; map it under `roles` in .github/rolecall.yml",
        rule: "role-unresolved",
      },
    ],
  };
}

/** A clean scan: one deploy job on `main`, allowed, nothing to report. */
export function cleanScanResult(): ScanResult {
  return {
    version: 1,
    complete: true,
    repository: {
      fullName: "octo-org/octo-repo",
      defaultBranch: "main",
      subPrefix: "repo:octo-org@1342004/octo-repo@892834123",
      subTemplate: null,
      issuer: "https://token.actions.githubusercontent.com",
    },
    assumptions: [
      {
        file: ".github/workflows/deploy.yml",
        job: "deploy",
        role: "arn:aws:iam::111122223333:role/octo-deploy",
        line: 20,
        column: 27,
        contexts: [
          {
            event: "push",
            ref: "refs/heads/main",
            environment: null,
            fork: false,
            sub: "repo:octo-org@1342004/octo-repo@892834123:ref:refs/heads/main",
            decision: "allow",
            reason: "statement 0 allows",
          },
        ],
      },
    ],
    findings: [],
    incomplete: [],
  };
}
