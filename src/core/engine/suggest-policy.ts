import type { SuggestedPolicy } from "./scan-types.js";

/**
 * A trust policy admitting exactly `subjects` (patterns such as `repo:o/r:ref:refs/heads/release/**`
 * become `StringLike` with `*`), as IAM JSON and as a Terraform `aws_iam_policy_document`.
 */
export function suggestPolicy(opts: {
  roleArn: string;
  issuer: string;
  audience: string;
  subjects: string[];
}): SuggestedPolicy {
  const account = /^arn:([^:]+):iam::(\d{12}):/.exec(opts.roleArn);
  const partition = account?.[1] ?? "aws";
  const acct = account?.[2] ?? "ACCOUNT_ID";
  const provider = `arn:${partition}:iam::${acct}:oidc-provider/${opts.issuer}`;
  const subjects = [...new Set(opts.subjects.map(toIamPattern))].sort();
  const like = subjects.some((s) => /[*?]/.test(s));
  const op = like ? "StringLike" : "StringEquals";
  const condition: Record<string, Record<string, string | string[]>> = {
    StringEquals: { [`${opts.issuer}:aud`]: opts.audience },
  };
  const subValue = subjects.length === 1 ? subjects[0]! : subjects;
  if (like) condition.StringLike = { [`${opts.issuer}:sub`]: subValue };
  else condition.StringEquals![`${opts.issuer}:sub`] = subValue;
  const json = JSON.stringify(
    {
      Version: "2012-10-17",
      Statement: [
        {
          Effect: "Allow",
          Principal: { Federated: provider },
          Action: "sts:AssumeRoleWithWebIdentity",
          Condition: condition,
        },
      ],
    },
    null,
    2,
  );
  const name = (/:role\/(?:.*\/)?([^/]+)$/.exec(opts.roleArn)?.[1] ?? "role").replace(/[^A-Za-z0-9_]/g, "_");
  const list = (xs: string[]) => `[${xs.map((x) => JSON.stringify(x)).join(", ")}]`;
  const terraform = [
    `data "aws_iam_policy_document" "${name}_trust" {`,
    "  statement {",
    '    effect  = "Allow"',
    '    actions = ["sts:AssumeRoleWithWebIdentity"]',
    "    principals {",
    '      type        = "Federated"',
    `      identifiers = [${JSON.stringify(provider)}]`,
    "    }",
    "    condition {",
    '      test     = "StringEquals"',
    `      variable = "${opts.issuer}:aud"`,
    `      values   = [${JSON.stringify(opts.audience)}]`,
    "    }",
    "    condition {",
    `      test     = "${op}"`,
    `      variable = "${opts.issuer}:sub"`,
    `      values   = ${list(subjects)}`,
    "    }",
    "  }",
    "}",
  ].join("\n");
  return { json, terraform };
}

/** A GitHub filter pattern inside a subject, written as an IAM glob (`**` and `*` → `*`). */
export function toIamPattern(subject: string): string {
  return subject
    .replace(/ where `.*$/, "")
    .replace(/ except \{[^}]*\}$/, "")
    .replace(/\*\*/g, "*")
    .replace(/\{[^}]*\}/g, "*")
    .replace(/\[[^\]]*\]\+/g, "*") // one or more of a class: any length
    .replace(/\[[^\]]*\]/g, "?")
    .replace(/\+/g, "*");
}
