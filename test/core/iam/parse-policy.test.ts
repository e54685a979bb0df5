import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type ClaimSet,
  evaluateTrustPolicy,
  type ParsePolicyResult,
  type PolicyDiagnostic,
  parseTrustPolicy,
  type TrustPolicy,
} from "../../../src/core/iam/index.js";
import type { Span } from "../../../src/core/span.js";
import { claims, K, PROVIDER, parsed, ROLE, SUB } from "./helpers.js";

const MAIN = SUB("ref:refs/heads/main");
const EVIL = "repo:evil/x:ref:refs/heads/main";

const fixture = (name: string) =>
  readFileSync(new URL(`../../fixtures/policies/malformed/${name}`, import.meta.url), "utf8");

/** Percent-encoding as IAM does it (RFC 3986): everything but unreserved characters, `*` included. */
const rfc3986 = (s: string) =>
  encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** Line, column (1-based) of a span's start and end. */
const lc = (s: Span) => [s.start.line, s.start.column, s.end.line, s.end.column];
const start = (s: Span) => [s.start.line, s.start.column];

const codes = (r: ParsePolicyResult) => r.diagnostics.map((d) => d.code);
const only = (r: ParsePolicyResult, code: PolicyDiagnostic["code"]) => {
  const found = r.diagnostics.filter((d) => d.code === code);
  expect(found, `diagnostics: ${JSON.stringify(r.diagnostics)}`).toHaveLength(1);
  return found[0]!;
};

/** Parses without throwing, and requires a readable policy. */
function parseOk(text: string): { r: ParsePolicyResult; p: TrustPolicy } {
  let r: ParsePolicyResult | undefined;
  expect(() => {
    r = parseTrustPolicy(text);
  }).not.toThrow();
  expect(r!.policy).not.toBeNull();
  return { r: r!, p: r!.policy! };
}

const decide = (p: TrustPolicy, cs: ClaimSet = claims(MAIN), roleArn: string | null = ROLE) =>
  evaluateTrustPolicy(p, { claims: cs, roleArn }).decision;

// A multi-line policy whose positions are asserted exactly below.
const MULTILINE = `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "GitHubDeploy",
      "Effect": "Allow",
      "Principal": { "Federated": "${PROVIDER}" },
      "Action": ["sts:AssumeRoleWithWebIdentity", "sts:TagSession"],
      "Condition": {
        "StringEquals": { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
        "StringLike": {
          "token.actions.githubusercontent.com:sub": [
            "repo:octo-org/octo-repo:ref:refs/heads/main",
            "repo:octo-org/octo-repo:environment:prod"
          ]
        }
      }
    }
  ]
}
`;

describe("plain policy JSON: every element keeps its pointer and exact line/column", () => {
  const { r, p } = parseOk(MULTILINE);
  const st = p.statements[0]!;

  it("is read as policy JSON with no diagnostics", () => {
    expect(r.diagnostics).toEqual([]);
    expect(p.origin).toBe("policy-json");
    expect(p.decoded).toBe(false);
    expect(p.embeddedAt).toBeNull();
    expect(p.text).toBe(MULTILINE);
    expect(p.version).toBe("2012-10-17");
    expect(st.sid).toBe("GitHubDeploy");
    expect(st.malformed).toBe(false);
  });

  it("statement, effect, principal and action positions", () => {
    expect(st.pointer).toBe("/Statement/0");
    expect(lc(st.span)).toEqual([4, 5, 18, 6]);
    expect(st.effect).toBe("Allow");
    expect(lc(st.effectSpan)).toEqual([6, 17, 6, 24]);
    const fed = st.principal!.federated[0]!;
    expect(fed.value).toBe(PROVIDER);
    expect(fed.pointer).toBe("/Statement/0/Principal/Federated");
    expect(lc(fed.span)).toEqual([7, 35, 7, 35 + PROVIDER.length + 2]);
    expect(st.action!.kind).toBe("Action");
    expect(st.action!.pointer).toBe("/Statement/0/Action");
    expect(st.action!.values.map((v) => [v.value, v.pointer, ...lc(v.span)])).toEqual([
      ["sts:AssumeRoleWithWebIdentity", "/Statement/0/Action/0", 8, 18, 8, 49],
      ["sts:TagSession", "/Statement/0/Action/1", 8, 51, 8, 67],
    ]);
  });

  it("condition operator, key and value positions", () => {
    const [aud, sub] = st.conditions;
    expect(aud!.operator).toBe("StringEquals");
    expect(start(aud!.operatorSpan)).toEqual([10, 9]);
    expect(aud!.key).toBe(K("aud"));
    expect(start(aud!.keySpan)).toEqual([10, 27]);
    expect(aud!.pointer).toBe(`/Statement/0/Condition/StringEquals/${K("aud")}`);
    expect(aud!.values.map((v) => [v.value, ...lc(v.span)])).toEqual([["sts.amazonaws.com", 10, 70, 10, 89]]);

    expect(sub!.operator).toBe("StringLike");
    expect(start(sub!.operatorSpan)).toEqual([11, 9]);
    expect(start(sub!.keySpan)).toEqual([12, 11]);
    expect(sub!.pointer).toBe(`/Statement/0/Condition/StringLike/${K("sub")}`);
    expect(lc(sub!.span)).toEqual([12, 11, 15, 12]);
    expect(sub!.values.map((v) => [v.value, v.pointer, ...lc(v.span)])).toEqual([
      [MAIN, `/Statement/0/Condition/StringLike/${K("sub")}/0`, 13, 13, 13, 58],
      [SUB("environment:prod"), `/Statement/0/Condition/StringLike/${K("sub")}/1`, 14, 13, 14, 55],
    ]);
  });

  it("every located string slices back to its JSON text", () => {
    const all = [...st.principal!.federated, ...st.action!.values, ...st.conditions.flatMap((c) => c.values)];
    for (const v of all) {
      expect(JSON.parse(p.text.slice(v.span.start.offset, v.span.end.offset))).toBe(v.value);
    }
  });

  it("CRLF line endings give the same lines and columns", () => {
    const crlf = MULTILINE.replace(/\n/g, "\r\n");
    const q = parseOk(crlf).p;
    const v = q.statements[0]!.conditions[1]!.values[1]!;
    expect(lc(v.span)).toEqual([14, 13, 14, 55]);
    expect(crlf.slice(v.span.start.offset, v.span.end.offset)).toBe(JSON.stringify(v.value));
  });

  it("Statement as an object and as an array evaluate the same, with different pointers", () => {
    const stmt = JSON.parse(MULTILINE).Statement[0];
    const asObject = parsed(JSON.stringify({ Version: "2012-10-17", Statement: stmt }, null, 2));
    const asArray = parsed(JSON.stringify({ Version: "2012-10-17", Statement: [stmt] }, null, 2));
    expect(asObject.statements[0]!.pointer).toBe("/Statement");
    expect(asObject.statements[0]!.index).toBe(0);
    expect(asObject.statements[0]!.conditions[1]!.values[0]!.pointer).toBe(
      `/Statement/Condition/StringLike/${K("sub")}/0`,
    );
    expect(asArray.statements[0]!.pointer).toBe("/Statement/0");
    for (const p of [asObject, asArray]) {
      expect(decide(p)).toBe("allow");
      expect(decide(p, claims(SUB("pull_request")))).toBe("deny");
    }
  });

  it("pointer tokens escape / and ~ (RFC 6901)", () => {
    const text = JSON.stringify({
      Version: "2012-10-17",
      Statement: {
        Effect: "Allow",
        Principal: {
          Federated: "arn:aws:iam::111122223333:oidc-provider/github.example.com/_services/token",
        },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: { StringLike: { "github.example.com/_services/token:sub": "repo:a~b/*" } },
      },
    });
    const c = parsed(text).statements[0]!.conditions[0]!;
    expect(c.pointer).toBe("/Statement/Condition/StringLike/github.example.com~1_services~1token:sub");
    expect(c.values[0]!.pointer).toBe(c.pointer);
  });

  it("a missing Version is legal (old language, no diagnostic)", () => {
    const { r: rr, p: pp } = parseOk(JSON.stringify({ Statement: JSON.parse(MULTILINE).Statement }));
    expect(rr.diagnostics).toEqual([]);
    expect(pp.version).toBeNull();
  });
});

describe("the URL-encoded AssumeRolePolicyDocument string IAM returns", () => {
  const doc = {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "Allow GitHub deploys",
        Effect: "Allow",
        Principal: { Federated: PROVIDER },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: { [K("aud")]: "sts.amazonaws.com" },
          StringLike: { [K("sub")]: "repo:octo-org/octo-repo:*" },
        },
      },
    ],
  };
  const json = JSON.stringify(doc);

  it("IAM's encoding leaves no wildcard or quote unescaped", () => {
    expect(rfc3986(json)).not.toMatch(/[*"{}:/ ]/);
    expect(rfc3986(json)).toContain("%2A");
  });

  it.each([
    ["RFC 3986 (IAM)", rfc3986(json)],
    ["encodeURIComponent", encodeURIComponent(json)],
    ["with a trailing newline", `${rfc3986(json)}\n`],
  ])("%s is decoded and evaluated", (_label, encoded) => {
    const { r, p } = parseOk(encoded);
    expect(r.diagnostics).toEqual([]);
    expect(p.origin).toBe("url-encoded");
    expect(p.decoded).toBe(true);
    expect(p.text).toBe(json);
    expect(p.statements[0]!.sid).toBe("Allow GitHub deploys");
    expect(p.statements[0]!.conditions[1]!.values[0]!.value).toBe("repo:octo-org/octo-repo:*");
    expect(decide(p, claims(SUB("pull_request")))).toBe("allow");
    expect(decide(p, claims(EVIL))).toBe("deny");
  });

  it("spans refer to the decoded text", () => {
    const pretty = JSON.stringify(doc, null, 2);
    const p = parseOk(rfc3986(pretty)).p;
    expect(p.text).toBe(pretty);
    const v = p.statements[0]!.conditions[1]!.values[0]!;
    expect(start(v.span)).toEqual([16, 54]);
    expect(pretty.slice(v.span.start.offset, v.span.end.offset)).toBe('"repo:octo-org/octo-repo:*"');
  });

  it("a literal + stays a plus and %20 a space (not form decoding)", () => {
    const original = readFileSync(
      new URL("../../fixtures/aws/trust-policy-plus-and-spaces.json", import.meta.url),
      "utf8",
    );
    const encoded = rfc3986(original).replace(/%2B/g, "+");
    expect(encoded).toContain("c++-tools");
    const p = parseOk(encoded).p;
    expect(p.text).toBe(original);
    expect(p.statements[0]!.sid).toBe("Allow GitHub deploys from main");
    const sub = p.statements[0]!.conditions.find((c) => c.key === K("sub"))!;
    expect(sub.values[0]!.value).toBe("repo:octo-org/c++-tools:environment:prod+eu*");
    expect(decide(p, claims("repo:octo-org/c++-tools:environment:prod+eu-west"))).toBe("allow");
    expect(decide(p, claims("repo:octo-org/c  -tools:environment:prod eu-west"))).toBe("deny");
  });
});

describe("aws iam get-role output", () => {
  const GET_ROLE = `{
    "Role": {
        "Path": "/",
        "RoleName": "deploy",
        "RoleId": "AROAEXAMPLEID1234567",
        "Arn": "arn:aws:iam::111122223333:role/deploy",
        "CreateDate": "2026-03-01T12:00:00+00:00",
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {
                        "Federated": "${PROVIDER}"
                    },
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            "token.actions.githubusercontent.com:aud": "sts.amazonaws.com"
                        },
                        "StringLike": {
                            "token.actions.githubusercontent.com:sub": "repo:octo-org/octo-repo:*"
                        }
                    }
                }
            ]
        },
        "Description": "GitHub deploys",
        "MaxSessionDuration": 7200,
        "RoleLastUsed": {}
    }
}
`;

  it("with the document as an object: role facts kept, spans in the file, pointers relative to the document", () => {
    const { r, p } = parseOk(GET_ROLE);
    expect(r.diagnostics).toEqual([]);
    expect(p.origin).toBe("get-role");
    expect(p.role).toEqual({
      arn: "arn:aws:iam::111122223333:role/deploy",
      name: "deploy",
      maxSessionDuration: 7200,
    });
    expect(p.decoded).toBe(false);
    expect(p.version).toBe("2012-10-17");
    const st = p.statements[0]!;
    expect(st.pointer).toBe("/Statement/0");
    expect(lc(st.effectSpan)).toEqual([12, 31, 12, 38]);
    const sub = st.conditions[1]!;
    expect(sub.pointer).toBe(`/Statement/0/Condition/StringLike/${K("sub")}`);
    expect(start(sub.keySpan)).toEqual([22, 29]);
    expect(lc(sub.values[0]!.span)).toEqual([22, 72, 22, 99]);
    expect(GET_ROLE.slice(sub.values[0]!.span.start.offset, sub.values[0]!.span.end.offset)).toBe(
      '"repo:octo-org/octo-repo:*"',
    );
    expect(st.principal!.federated[0]!.pointer).toBe("/Statement/0/Principal/Federated");
  });

  it("uses the role ARN from the output when the caller gives none", () => {
    const p = parseOk(GET_ROLE).p;
    expect(evaluateTrustPolicy(p, { claims: claims(MAIN) }).decision).toBe("allow");
    const foreign = parseOk(
      GET_ROLE.replace("arn:aws:iam::111122223333:role/deploy", "arn:aws:iam::444455556666:role/deploy"),
    ).p;
    const e = evaluateTrustPolicy(foreign, { claims: claims(MAIN) });
    expect(e.decision).toBe("deny");
    expect(e.statements[0]!.principal.outcome).toBe(false);
  });

  it("the --query Role shape (no Role wrapper) is read the same way", () => {
    const inner = JSON.stringify(JSON.parse(GET_ROLE).Role, null, 4);
    const { p } = parseOk(inner);
    expect(p.origin).toBe("get-role");
    expect(p.role.name).toBe("deploy");
    expect(p.statements[0]!.conditions[1]!.pointer).toBe(`/Statement/0/Condition/StringLike/${K("sub")}`);
  });

  it("a duplicate key inside the document is reported with a document-relative pointer and a file span", () => {
    const dup = GET_ROLE.replace(
      '"StringLike": {',
      '"StringLike": {\n                            "token.actions.githubusercontent.com:sub": "repo:octo-org/x:*",',
    );
    const { r } = parseOk(dup);
    const d = only(r, "duplicate-key");
    expect(d.pointer).toBe(`/Statement/0/Condition/StringLike/${K("sub")}`);
    expect(start(d.span)).toEqual([23, 29]);
  });

  it("with the document as the raw URL-encoded string (SDK/API shape)", () => {
    const pretty = JSON.stringify(JSON.parse(GET_ROLE).Role.AssumeRolePolicyDocument, null, 2);
    const file = JSON.stringify(
      {
        Role: {
          RoleName: "deploy",
          Arn: "arn:aws:iam::111122223333:role/deploy",
          AssumeRolePolicyDocument: rfc3986(pretty),
          MaxSessionDuration: 3600,
        },
      },
      null,
      2,
    );
    const { r, p } = parseOk(file);
    expect(r.diagnostics).toEqual([]);
    expect(p.origin).toBe("get-role");
    expect(p.decoded).toBe(true);
    expect(p.role).toEqual({
      arn: "arn:aws:iam::111122223333:role/deploy",
      name: "deploy",
      maxSessionDuration: 3600,
    });
    expect(p.text).toBe(pretty);
    // The embedded string's place in the file.
    expect(p.embeddedAt).not.toBeNull();
    expect(start(p.embeddedAt!)).toEqual([5, 33]);
    expect(file.slice(p.embeddedAt!.start.offset, p.embeddedAt!.end.offset)).toBe(
      JSON.stringify(rfc3986(pretty)),
    );
    // Spans inside refer to the decoded document; pointers are document-relative.
    const v = p.statements[0]!.conditions[1]!.values[0]!;
    expect(v.pointer).toBe(`/Statement/0/Condition/StringLike/${K("sub")}`);
    expect(p.text.slice(v.span.start.offset, v.span.end.offset)).toBe('"repo:octo-org/octo-repo:*"');
    expect(decide(p, claims(SUB("pull_request")))).toBe("allow");
  });

  it("a get-role object without a document is not a policy", () => {
    const r = parseTrustPolicy(JSON.stringify({ Role: { RoleName: "deploy", Arn: ROLE } }));
    expect(r.policy).toBeNull();
    expect(codes(r)).toEqual(["not-a-policy"]);
  });
});

describe("malformed input: located diagnostics, never a throw", () => {
  it("invalid JSON (missing comma) gives its line and column", () => {
    const r = parseTrustPolicy(fixture("invalid-json-missing-comma.json"));
    expect(r.policy).toBeNull();
    const d = only(r, "invalid-json");
    expect(d.severity).toBe("error");
    expect(start(d.span)).toEqual([3, 3]);
    expect(d.message).toContain("line 3, column 3");
  });

  it("trailing garbage after the document is located", () => {
    const r = parseTrustPolicy(fixture("trailing-garbage.json"));
    expect(r.policy).toBeNull();
    expect(start(only(r, "invalid-json").span)).toEqual([9, 1]);
  });

  it("a trailing comma is located at the closing brace", () => {
    const r = parseTrustPolicy(fixture("trailing-comma.json"));
    expect(r.policy).toBeNull();
    expect(start(only(r, "invalid-json").span)).toEqual([8, 5]);
  });

  it.each([
    ["empty input", "", [1, 1]],
    ["whitespace only", "  \n ", [2, 2]],
    ["single quotes", "{'Version': '2012-10-17'}", [1, 2]],
    ["a comment", '{\n  // trust GitHub\n  "Version": "2012-10-17"\n}', [2, 3]],
    ["an unquoted key (HCL/JS habit)", '{\n  Version: "2012-10-17"\n}', [2, 3]],
    ["an unterminated string", '{\n  "Version": "2012-10-17\n}', [2, 25]],
    ["two documents back to back", '{"Statement": []}{"Statement": []}', [1, 18]],
  ] as const)("%s → invalid-json at %j", (_label, text, at) => {
    let r: ParsePolicyResult | undefined;
    expect(() => {
      r = parseTrustPolicy(text);
    }).not.toThrow();
    expect(r!.policy).toBeNull();
    expect(start(only(r!, "invalid-json").span)).toEqual(at);
  });

  it("duplicate StringEquals blocks (the real incident): reported at the second block, and IAM's last-wins is evaluated", () => {
    const text = fixture("duplicate-string-equals.json");
    const { r, p } = parseOk(text);
    const d = only(r, "duplicate-key");
    expect(d.pointer).toBe("/Statement/0/Condition/StringEquals");
    expect(start(d.span)).toEqual([15, 9]);
    expect(text.slice(d.span.start.offset, d.span.end.offset)).toBe('"StringEquals"');
    // IAM keeps only the last block: the sub pin is gone, only aud is checked.
    const foreign = evaluateTrustPolicy(p, { claims: claims(EVIL), roleArn: ROLE });
    expect(foreign.decision).toBe("allow");
    expect(foreign.statements[0]!.conditions.map((c) => [c.key, c.outcome])).toEqual([[K("aud"), true]]);
    expect(p.statements[0]!.conditions.map((c) => c.key)).toEqual([K("aud")]);
  });

  it("a duplicated key inside one operator block keeps the last value", () => {
    const text = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Federated":"${PROVIDER}"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"${K("sub")}":"${MAIN}","${K("sub")}":"repo:*"}}}}`;
    const { r, p } = parseOk(text);
    expect(only(r, "duplicate-key").pointer).toBe(`/Statement/Condition/StringLike/${K("sub")}`);
    expect(decide(p, claims(EVIL))).toBe("allow");
    expect(p.statements[0]!.conditions.map((c) => c.values.map((v) => v.value))).toEqual([["repo:*"]]);
  });

  it("a duplicated Federated principal keeps the last one", () => {
    const { r, p } = parseOk(fixture("duplicate-federated.json"));
    const d = only(r, "duplicate-key");
    expect(d.pointer).toBe("/Statement/0/Principal/Federated");
    expect(start(d.span)).toEqual([8, 9]);
    expect(decide(p)).toBe("deny");
    expect(p.statements[0]!.principal!.federated.map((f) => f.value)).toEqual([
      "arn:aws:iam::111122223333:oidc-provider/accounts.google.com",
    ]);
  });

  it("duplicated top-level Statement and statement-level Condition keep the last", () => {
    const stmt = (sub: string) =>
      `{"Effect":"Allow","Principal":{"Federated":"${PROVIDER}"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"${K("sub")}":"${sub}"}}}`;
    const text = `{"Version":"2012-10-17","Statement":[${stmt(SUB("pull_request"))}],"Statement":[${stmt(MAIN)}]}`;
    const { r, p } = parseOk(text);
    expect(only(r, "duplicate-key").pointer).toBe("/Statement");
    expect(decide(p)).toBe("allow");
    expect(decide(p, claims(SUB("pull_request")))).toBe("deny");
  });

  it('Effect "allow" (lower case) is an error at the value, and the statement is indeterminate', () => {
    const { r, p } = parseOk(fixture("effect-lowercase.json"));
    const d = only(r, "invalid-effect");
    expect(d.severity).toBe("error");
    expect(d.pointer).toBe("/Statement/0/Effect");
    expect(start(d.span)).toEqual([5, 17]);
    expect(p.statements[0]!.effect).toBeNull();
    expect(p.statements[0]!.malformed).toBe(true);
    expect(decide(p)).toBe("indeterminate");
    // Whatever the effect would have been, a statement whose conditions fail does not matter.
    expect(decide(p, claims(EVIL))).toBe("deny");
  });

  it("a missing Effect is an error located at the statement", () => {
    const { r, p } = parseOk(fixture("missing-effect.json"));
    const d = only(r, "invalid-effect");
    expect(d.pointer).toBe("/Statement/0");
    expect(start(d.span)).toEqual([4, 5]);
    expect(decide(p)).toBe("indeterminate");
  });

  it("NotPrincipal is invalid in a trust policy: error, and the statement is indeterminate", () => {
    const { r, p } = parseOk(fixture("not-principal.json"));
    const d = only(r, "not-principal");
    expect(d.severity).toBe("error");
    expect(d.pointer).toBe("/Statement/0/NotPrincipal");
    expect(start(d.span)).toEqual([6, 7]);
    expect(p.statements[0]!.notPrincipal).not.toBeNull();
    expect(codes(r)).not.toContain("missing-principal");
    const e = evaluateTrustPolicy(p, { claims: claims(MAIN), roleArn: ROLE });
    expect(e.decision).toBe("indeterminate");
    expect(e.statements[0]!.applies).toBe("unknown");
  });

  it.each([
    ["missing-principal.json", "missing-principal"],
    ["missing-action.json", "missing-action"],
  ] as const)("%s → %s error at the statement, indeterminate", (file, code) => {
    const { r, p } = parseOk(fixture(file));
    const d = only(r, code);
    expect(d.severity).toBe("error");
    expect(d.pointer).toBe("/Statement/0");
    expect(start(d.span)).toEqual([4, 5]);
    expect(p.statements[0]!.malformed).toBe(true);
    expect(decide(p)).toBe("indeterminate");
    expect(decide(p, claims(EVIL))).toBe("deny");
  });

  it("Action and NotAction together: error at NotAction, indeterminate", () => {
    const { r, p } = parseOk(fixture("action-and-notaction.json"));
    const d = only(r, "action-and-notaction");
    expect(d.pointer).toBe("/Statement/0/NotAction");
    expect(start(d.span)).toEqual([8, 7]);
    expect(decide(p)).toBe("indeterminate");
  });

  it("number and boolean condition values: warning, compared as strings", () => {
    const { r, p } = parseOk(fixture("non-string-condition-values.json"));
    const warnings = r.diagnostics.filter((d) => d.code === "non-string-condition-value");
    expect(warnings.map((d) => [d.severity, d.pointer, ...start(d.span)])).toEqual([
      ["warning", `/Statement/0/Condition/StringEquals/${K("repository_id")}`, 11, 64],
      ["warning", `/Statement/0/Condition/StringEquals/${K("environment")}/0`, 12, 63],
    ]);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    const st = p.statements[0]!;
    expect(st.conditions.map((c) => [c.values.map((v) => v.value), c.valuesReadable])).toEqual([
      [["sts.amazonaws.com"], true],
      [["2002"], true],
      [["true", "prod"], true],
    ]);
    const run = (id: string, env: string) =>
      decide(p, { ...claims(MAIN), ...claimsOf({ repository_id: id, environment: env }) });
    expect(run("2002", "true")).toBe("allow");
    expect(run("2002", "prod")).toBe("allow");
    expect(run("2003", "prod")).toBe("deny");
    expect(run("2002", "false")).toBe("deny");
  });

  it.each([
    ["null-condition-value.json", [10, 68]],
    ["object-condition-value.json", [10, 98]],
  ] as const)("%s: error at the value, and the condition is indeterminate", (file, at) => {
    const { r, p } = parseOk(fixture(file));
    const d = only(r, "non-string-condition-value");
    expect(d.severity).toBe("error");
    expect(start(d.span)).toEqual(at);
    const e = evaluateTrustPolicy(p, { claims: claims(MAIN), roleArn: ROLE });
    expect(e.statements[0]!.conditions.map((c) => c.outcome)).toEqual([true, "unknown"]);
    expect(e.decision).toBe("indeterminate");
  });

  it("an unknown operator (StringEqual) is an error at the operator, and the condition indeterminate", () => {
    const { r, p } = parseOk(fixture("unknown-operator.json"));
    const d = only(r, "unknown-operator");
    expect(d.severity).toBe("error");
    expect(d.pointer).toBe("/Statement/0/Condition/StringEqual");
    expect(start(d.span)).toEqual([9, 9]);
    const e = evaluateTrustPolicy(p, { claims: claims(EVIL), roleArn: ROLE });
    expect(e.statements[0]!.conditions[0]!.outcome).toBe("unknown");
    expect(e.decision).toBe("indeterminate");
  });

  it("an operator block that is not an object is an error, and the statement cannot be allowed", () => {
    const { r, p } = parseOk(fixture("operator-block-not-object.json"));
    const d = only(r, "invalid-condition");
    expect(d.severity).toBe("error");
    expect(d.pointer).toBe("/Statement/0/Condition/StringLike");
    expect(start(d.span)).toEqual([10, 23]);
    // The sub restriction could not be read: rolecall must not report this role as allowing any repository.
    expect(decide(p, claims(EVIL))).toBe("indeterminate");
  });

  it("Resource in a trust policy is an error IAM rejects (Has prohibited field Resource)", () => {
    const { r } = parseOk(fixture("resource-in-trust-policy.json"));
    const d = only(r, "prohibited-element");
    expect(d.pointer).toBe("/Statement/0/Resource");
    expect(start(d.span)).toEqual([8, 7]);
    expect(d.severity).toBe("error");
  });

  it("a wrong Version is an error at the value, and the policy is not evaluated (IAM rejects it)", () => {
    const r = parseTrustPolicy(fixture("wrong-version.json"));
    const d = only(r, "invalid-version");
    expect(d.severity).toBe("error");
    expect(d.pointer).toBe("/Version");
    expect(start(d.span)).toEqual([2, 14]);
    expect(r.policy).toBeNull();
  });

  it.each([
    ["a number", '"Version": 2012'],
    ["an object", '"Version": {"v": "2012-10-17"}'],
    ["null", '"Version": null'],
    ["a date-like typo", '"Version": "2012-10-17 "'],
    ["a day-first date", '"Version": "17-10-2012"'],
  ])("Version as %s is invalid: located, and no policy to allow anyone", (_label, member) => {
    const text = `{${member}, "Statement": {"Effect": "Allow", "Principal": {"Federated": "${PROVIDER}"}, "Action": "sts:AssumeRoleWithWebIdentity"}}`;
    const r = parseTrustPolicy(text);
    expect(only(r, "invalid-version").pointer).toBe("/Version");
    expect(r.policy).toBeNull();
  });

  it.each([
    ["Statement missing", { Version: "2012-10-17" }, "missing-statement"],
    ["Statement a string", { Version: "2012-10-17", Statement: "Allow" }, "missing-statement"],
    ["root an array", [{ Version: "2012-10-17" }], "not-a-policy"],
    ["root a string", "policy", "not-a-policy"],
  ] as const)("%s → %s, no policy", (_label, doc, code) => {
    const r = parseTrustPolicy(JSON.stringify(doc));
    expect(r.policy).toBeNull();
    expect(codes(r)).toContain(code);
  });

  it("a statement that is not an object is reported; the others are still read", () => {
    const text = JSON.stringify(
      {
        Version: "2012-10-17",
        Statement: [
          "sts:AssumeRoleWithWebIdentity",
          { Effect: "Allow", Principal: { Federated: PROVIDER }, Action: "sts:AssumeRoleWithWebIdentity" },
        ],
      },
      null,
      2,
    );
    const { r, p } = parseOk(text);
    const d = only(r, "invalid-statement");
    expect(d.pointer).toBe("/Statement/0");
    expect(start(d.span)).toEqual([4, 5]);
    expect(p.statements.map((s) => [s.index, s.pointer])).toEqual([[1, "/Statement/1"]]);
  });

  it("broken URL encoding is located at the broken escape", () => {
    const text = fixture("broken-url-encoding.txt");
    const r = parseTrustPolicy(text);
    expect(r.policy).toBeNull();
    const d = only(r, "invalid-url-encoding");
    expect(start(d.span)).toEqual([1, 75]);
    expect(text.slice(d.span.start.offset, d.span.start.offset + 3)).toBe("%3%");
  });

  it("a truncated URL-encoded document is located at the cut escape", () => {
    const text = fixture("truncated-url-encoding.txt");
    const r = parseTrustPolicy(text);
    expect(r.policy).toBeNull();
    const d = only(r, "invalid-url-encoding");
    expect(start(d.span)).toEqual([1, text.trimEnd().lastIndexOf("%") + 1]);
  });

  it("the broken-escape location counts leading whitespace of the input", () => {
    const text = `\n  ${fixture("broken-url-encoding.txt")}`;
    const d = only(parseTrustPolicy(text), "invalid-url-encoding");
    expect(text.slice(d.span.start.offset, d.span.start.offset + 3)).toBe("%3%");
    expect(start(d.span)).toEqual([2, 77]);
  });

  it("an escape that decodes to invalid UTF-8 is located at that escape", () => {
    const good = rfc3986('{"Version":"2012-10-17","Statement":[]}');
    const at = good.indexOf("%2C"); // just after "2012-10-17", on an escape boundary
    const text = `${good.slice(0, at)}%C3%28${good.slice(at)}`;
    const d = only(parseTrustPolicy(text), "invalid-url-encoding");
    expect(d.span.start.offset).toBe(at);
    expect(start(d.span)).toEqual([1, at + 1]);
  });

  it("1000 levels of nesting are rejected with a located diagnostic, without a stack overflow", () => {
    const shapes: [string, string][] = [
      ["[", "]"],
      ['{"a":', "}"],
    ];
    for (const [open, close] of shapes) {
      const text = `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Federated":"${PROVIDER}"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"${K("sub")}":${open.repeat(1000)}"x"${close.repeat(1000)}}}}}`;
      let r: ParsePolicyResult | undefined;
      expect(() => {
        r = parseTrustPolicy(text);
      }).not.toThrow();
      expect(r!.policy).toBeNull();
      const d = only(r!, "invalid-json");
      expect(d.span.start.line).toBe(1);
      expect(d.span.start.column).toBeGreaterThan(1);
      expect(d.span.start.offset).toBeLessThan(text.length);
    }
    // A far deeper input (a pathological file) is just as harmless.
    const huge = "[".repeat(200_000);
    expect(() => parseTrustPolicy(huge)).not.toThrow();
    expect(parseTrustPolicy(huge).policy).toBeNull();
  });

  it("a 5 MB policy parses, keeps exact positions at its end, and evaluates", () => {
    const lines = ["{", '  "Version": "2012-10-17",', '  "Statement": ['];
    const stmt = (i: number) =>
      `    {"Sid": "S${i}", "Effect": "Allow", "Principal": {"Federated": "${PROVIDER}"}, "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringEquals": {"${K("sub")}": "repo:octo-org/repo-${i}:ref:refs/heads/main"}}}`;
    let size = 0;
    let n = 0;
    while (size < 5 * 1024 * 1024) {
      const s = stmt(n++);
      lines.push(`${s},`);
      size += s.length + 2;
    }
    lines[lines.length - 1] = lines[lines.length - 1]!.slice(0, -1);
    lines.push("  ]", "}");
    const text = lines.join("\n");
    expect(text.length).toBeGreaterThan(5 * 1024 * 1024);
    const { r, p } = parseOk(text);
    expect(r.diagnostics).toEqual([]);
    expect(p.statements).toHaveLength(n);
    const last = p.statements[n - 1]!;
    expect(last.pointer).toBe(`/Statement/${n - 1}`);
    const v = last.conditions[0]!.values[0]!;
    expect(v.span.start.line).toBe(n + 3);
    expect(v.span.start.column).toBe(lines[n + 2]!.indexOf('"repo:') + 1);
    expect(decide(p, claims(`repo:octo-org/repo-${n - 1}:ref:refs/heads/main`))).toBe("allow");
    expect(decide(p, claims(`repo:octo-org/repo-${n}:ref:refs/heads/main`))).toBe("deny");
  });

  it("never throws on arbitrary text, and an unreadable input always says where", () => {
    const base = rfc3986(MULTILINE);
    const mutate = fc
      .tuple(fc.constantFrom(MULTILINE, base), fc.nat(), fc.nat({ max: 5 }), fc.string({ maxLength: 3 }))
      .map(([s, at, del, ins]) => {
        const i = at % (s.length + 1);
        return s.slice(0, i) + ins + s.slice(i + del);
      });
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" }), mutate), (text) => {
        const r = parseTrustPolicy(text);
        if (r.policy === null) {
          expect(r.diagnostics.some((d) => d.severity === "error")).toBe(true);
        }
        for (const d of r.diagnostics) {
          expect(d.span.start.line).toBeGreaterThanOrEqual(1);
          expect(d.span.start.column).toBeGreaterThanOrEqual(1);
        }
      }),
      { numRuns: 500 },
    );
  });
});

function claimsOf(values: Record<string, string>): ClaimSet {
  const out: Record<string, ClaimSet[string]> = {};
  for (const [k, v] of Object.entries(values)) out[k] = { kind: "value", value: v };
  return out;
}
