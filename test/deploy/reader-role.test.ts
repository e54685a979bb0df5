import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parseDocument } from "yaml";
import { expandReaderRoleTemplate, validateReaderRoleTemplate } from "../../src/adapters/aws/index.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const cfnText = readFileSync(join(root, "deploy/reader-role.cloudformation.yaml"), "utf8");
const tfText = readFileSync(join(root, "deploy/reader-role.tf"), "utf8");

/** The server setting the README gives for these templates. */
const TEMPLATE = "arn:{partition}:iam::{account}:role/rolecall-reader";
// biome-ignore lint/suspicious/noTemplateCurlyInString: CloudFormation Fn::Sub syntax, not JavaScript
const READ_RESOURCE_CFN = "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/*";

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
const obj = (v: Json | undefined): Record<string, Json> => {
  if (v === null || typeof v !== "object" || Array.isArray(v)) throw new Error(`not an object: ${String(v)}`);
  return v;
};
const list = (v: Json | undefined): Json[] => (Array.isArray(v) ? v : v === undefined ? [] : [v]);

function loadTemplate(): Record<string, Json> {
  const doc = parseDocument(cfnText, { prettyErrors: true });
  // Long-form intrinsics only: a short tag (!Sub) would be an "Unresolved tag" warning here.
  expect(doc.errors.map((e) => e.message)).toEqual([]);
  expect(doc.warnings.map((e) => e.message)).toEqual([]);
  return obj(doc.toJS() as Json);
}

const template = loadTemplate();
const resources = obj(template.Resources);
const role = obj(Object.values(resources)[0]);
const props = obj(role.Properties);

describe("deploy/reader-role.cloudformation.yaml", () => {
  it("declares exactly one resource, an IAM role, with no managed policies or other grants", () => {
    expect(Object.keys(resources)).toHaveLength(1);
    expect(role.Type).toBe("AWS::IAM::Role");
    expect(Object.keys(props).sort()).toEqual(
      ["AssumeRolePolicyDocument", "Description", "MaxSessionDuration", "Policies", "RoleName"].sort(),
    );
    expect(props.RoleName).toEqual({ Ref: "RoleName" });
    expect(obj(obj(template.Parameters).RoleName).Default).toBe("rolecall-reader");
  });

  it("its permissions policy allows exactly iam:GetRole on the account's roles, nothing else", () => {
    const policies = list(props.Policies).map(obj);
    expect(policies).toHaveLength(1);
    const doc = obj(policies[0]!.PolicyDocument);
    expect(doc.Version).toBe("2012-10-17");
    const statements = list(doc.Statement).map(obj);
    expect(statements).toHaveLength(1);
    const s = statements[0]!;
    expect(Object.keys(s).sort()).toEqual(["Action", "Effect", "Resource", "Sid"]);
    expect(s.Effect).toBe("Allow");
    expect(list(s.Action)).toEqual(["iam:GetRole"]);
    expect(s.Resource).toEqual({ "Fn::Sub": READ_RESOURCE_CFN });
  });

  it("mentions iam:GetOpenIDConnectProvider only in a comment (optional, not granted)", () => {
    const lines = cfnText.split("\n").filter((l) => l.includes("GetOpenIDConnectProvider"));
    expect(lines.length).toBeGreaterThan(0);
    for (const l of lines) expect(l.trim().startsWith("#"), l).toBe(true);
  });

  it("can be assumed only by the rolecall server's principal, with sts:AssumeRole, optionally with an external id", () => {
    const trust = obj(props.AssumeRolePolicyDocument);
    expect(trust.Version).toBe("2012-10-17");
    const statements = list(trust.Statement).map(obj);
    expect(statements).toHaveLength(1);
    const s = statements[0]!;
    expect(s.Effect).toBe("Allow");
    expect(list(s.Action)).toEqual(["sts:AssumeRole"]);
    expect(s.Principal).toEqual({ AWS: { Ref: "RolecallPrincipalArn" } });
    expect(s.Condition).toEqual({
      "Fn::If": [
        "HasExternalId",
        { StringEquals: { "sts:ExternalId": { Ref: "ExternalId" } } },
        { Ref: "AWS::NoValue" },
      ],
    });
    const params = obj(template.Parameters);
    expect(obj(params.RolecallPrincipalArn).Default).toBeUndefined(); // must be given
    expect(obj(params.ExternalId).Default).toBe(""); // off unless set
    expect(obj(template.Conditions).HasExternalId).toEqual({
      "Fn::Not": [{ "Fn::Equals": [{ Ref: "ExternalId" }, ""] }],
    });
  });

  it("the principal parameter accepts IAM role and user ARNs in any partition, not session ARNs", () => {
    const pattern = new RegExp(String(obj(obj(template.Parameters).RolecallPrincipalArn).AllowedPattern));
    for (const ok of [
      "arn:aws:iam::999988887777:role/rolecall-server",
      "arn:aws:iam::999988887777:role/service/rolecall-server",
      "arn:aws-us-gov:iam::999988887777:role/rolecall-server",
      "arn:aws-cn:iam::999988887777:user/rolecall",
    ])
      expect(pattern.test(ok), ok).toBe(true);
    for (const bad of [
      "arn:aws:sts::999988887777:assumed-role/rolecall-server/session",
      "arn:aws:iam::99998888777:role/x",
      "999988887777",
      "*",
    ])
      expect(pattern.test(bad), bad).toBe(false);
  });

  it("every Ref names a declared parameter, a pseudo parameter or the role; every Fn::If a declared condition", () => {
    const params = new Set(Object.keys(obj(template.Parameters)));
    const conditions = new Set(Object.keys(obj(template.Conditions)));
    const refs: string[] = [];
    const ifs: string[] = [];
    const walk = (v: Json) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v !== null && typeof v === "object") {
        for (const [k, x] of Object.entries(v)) {
          if (k === "Ref" && typeof x === "string") refs.push(x);
          if (k === "Fn::If" && Array.isArray(x) && typeof x[0] === "string") ifs.push(x[0]);
          walk(x);
        }
      }
    };
    walk(template);
    for (const r of refs) expect(params.has(r) || r.startsWith("AWS::") || r in resources, r).toBe(true);
    for (const c of ifs) expect(conditions.has(c), c).toBe(true);
    expect(obj(obj(obj(template.Outputs).ReaderRoleArn).Value)).toEqual({
      "Fn::GetAtt": [Object.keys(resources)[0], "Arn"],
    });
  });
});

/** Terraform text without comment lines. */
const tfCode = tfText
  .split("\n")
  .filter((l) => !/^\s*(#|\/\/)/.test(l))
  .join("\n");

/** The body of the block that starts with `header` (brace-matched). */
function block(text: string, header: string): string {
  const start = text.indexOf(header);
  if (start < 0) throw new Error(`no block ${header}`);
  const open = text.indexOf("{", start);
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === "{") depth++;
    else if (text[i] === "}" && --depth === 0) return text.slice(open + 1, i);
  }
  throw new Error(`unclosed block ${header}`);
}

const stringList = (body: string, attr: string): string[][] =>
  [...body.matchAll(new RegExp(`\\b${attr}\\s*=\\s*\\[([^\\]]*)\\]`, "g"))].map((m) =>
    [...m[1]!.matchAll(/"([^"]*)"/g)].map((q) => q[1]!),
  );

describe("deploy/reader-role.tf", () => {
  it("has balanced braces and brackets outside strings", () => {
    const bare = tfCode.replace(/"(?:[^"\\]|\\.)*"/g, '""');
    let braces = 0;
    let brackets = 0;
    for (const c of bare) {
      if (c === "{") braces++;
      if (c === "}") braces--;
      if (c === "[") brackets++;
      if (c === "]") brackets--;
      expect(braces).toBeGreaterThanOrEqual(0);
      expect(brackets).toBeGreaterThanOrEqual(0);
    }
    expect([braces, brackets]).toEqual([0, 0]);
  });

  it("its permissions policy allows exactly iam:GetRole on the account's roles, nothing else", () => {
    const read = block(tfCode, 'data "aws_iam_policy_document" "rolecall_reader" {');
    expect(read.match(/\bstatement\s*\{/g)).toHaveLength(1);
    expect(stringList(read, "actions")).toEqual([["iam:GetRole"]]);
    expect(stringList(read, "resources")).toEqual([
      [
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Terraform interpolation, not JavaScript
        "arn:${data.aws_partition.current.partition}:iam::${data.aws_caller_identity.current.account_id}:role/*",
      ],
    ]);
    expect(read).not.toMatch(/not_actions|not_resources|effect\s*=\s*"Deny"/);
    // The only grants in the file: the read policy attached inline, and the trust policy.
    expect(stringList(tfCode, "actions")).toEqual([["sts:AssumeRole"], ["iam:GetRole"]]);
    expect(tfCode.match(/resource\s+"aws_iam_[a-z_]+"/g)).toEqual([
      'resource "aws_iam_role"',
      'resource "aws_iam_role_policy"',
    ]);
    expect(block(tfCode, 'resource "aws_iam_role_policy" "rolecall_reader" {')).toMatch(
      /policy\s*=\s*data\.aws_iam_policy_document\.rolecall_reader\.json/,
    );
  });

  it("mentions iam:GetOpenIDConnectProvider only in a comment (optional, not granted)", () => {
    expect(tfText).toContain("iam:GetOpenIDConnectProvider");
    expect(tfCode).not.toContain("GetOpenIDConnectProvider");
  });

  it("can be assumed only by the rolecall server's principal, optionally with an external id", () => {
    const trust = block(tfCode, 'data "aws_iam_policy_document" "rolecall_reader_trust" {');
    expect(stringList(trust, "actions")).toEqual([["sts:AssumeRole"]]);
    expect(trust).toMatch(/type\s*=\s*"AWS"/);
    expect(trust).toMatch(/identifiers\s*=\s*\[var\.rolecall_principal_arn\]/);
    expect(trust).toMatch(/for_each\s*=\s*var\.external_id == "" \? \[\] : \[var\.external_id\]/);
    expect(trust).toMatch(/variable\s*=\s*"sts:ExternalId"/);
    expect(block(tfCode, 'resource "aws_iam_role" "rolecall_reader" {')).toMatch(
      /assume_role_policy\s*=\s*data\.aws_iam_policy_document\.rolecall_reader_trust\.json/,
    );
  });

  it("declares every variable it uses; the principal has no default, the external id is off by default", () => {
    const declared = [...tfCode.matchAll(/variable\s+"([a-z_]+)"/g)].map((m) => m[1]!);
    const used = new Set([...tfCode.matchAll(/\bvar\.([a-z_]+)/g)].map((m) => m[1]!));
    for (const v of used) expect(declared, v).toContain(v);
    expect(block(tfCode, 'variable "rolecall_principal_arn" {')).not.toMatch(/\bdefault\b/);
    expect(block(tfCode, 'variable "external_id" {')).toMatch(/default\s*=\s*""/);
    expect(block(tfCode, 'variable "role_name" {')).toMatch(/default\s*=\s*"rolecall-reader"/);
  });
});

describe("reader role and server setting agree", () => {
  it("ROLECALL_READER_ROLE_TEMPLATE as documented is valid and names the role both templates create", () => {
    expect(validateReaderRoleTemplate(TEMPLATE)).toBeUndefined();
    expect(expandReaderRoleTemplate(TEMPLATE, { accountId: "111122223333", partition: "aws" })).toBe(
      "arn:aws:iam::111122223333:role/rolecall-reader",
    );
    expect(cfnText).toContain(`ROLECALL_READER_ROLE_TEMPLATE=${TEMPLATE}`);
    expect(tfText).toContain(`ROLECALL_READER_ROLE_TEMPLATE=${TEMPLATE}`);
  });
});
