import { describe, expect, it } from "vitest";
import { formatRoleArn, parseRoleArn } from "../../../src/adapters/aws/index.js";

describe("parseRoleArn", () => {
  it("parses a commercial-partition role ARN", () => {
    expect(parseRoleArn("arn:aws:iam::111122223333:role/deploy")).toEqual({
      ok: true,
      arn: "arn:aws:iam::111122223333:role/deploy",
      partition: "aws",
      accountId: "111122223333",
      roleName: "deploy",
      path: "/",
    });
  });

  it("separates the role path from the name GetRole needs", () => {
    const parsed = parseRoleArn("arn:aws:iam::123456789012:role/service/team-a/deploy");
    expect(parsed).toMatchObject({ ok: true, roleName: "deploy", path: "/service/team-a/" });
  });

  it.each([
    ["aws-cn", "arn:aws-cn:iam::123456789012:role/deploy"],
    ["aws-us-gov", "arn:aws-us-gov:iam::123456789012:role/deploy"],
    ["aws-iso-b", "arn:aws-iso-b:iam::123456789012:role/deploy"],
  ])("accepts the %s partition", (partition, arn) => {
    expect(parseRoleArn(arn)).toMatchObject({ ok: true, partition });
  });

  it("accepts every character IAM allows in role names", () => {
    expect(parseRoleArn("arn:aws:iam::123456789012:role/a+b=c,d.e@f_g-h")).toMatchObject({
      ok: true,
      roleName: "a+b=c,d.e@f_g-h",
    });
  });

  it("reports a bare role name and suggests the ARN form", () => {
    const r = parseRoleArn("deploy-prod");
    expect(r).toMatchObject({ ok: false, code: "bare-role-name", offset: 0, length: 11 });
    expect(r.ok ? "" : r.message).toContain("arn:PARTITION:iam::ACCOUNT_ID:role/deploy-prod");
  });

  it("reports role/NAME without the arn prefix as a bare role name", () => {
    expect(parseRoleArn("role/deploy")).toMatchObject({ ok: false, code: "bare-role-name" });
  });

  it("points at the service of an assumed-role session ARN", () => {
    const input = "arn:aws:sts::123456789012:assumed-role/deploy/session";
    const r = parseRoleArn(input);
    expect(r).toMatchObject({ ok: false, code: "wrong-service", offset: input.indexOf("sts"), length: 3 });
    expect(r.ok ? "" : r.message).toMatch(/assumed-role session ARN/);
  });

  it("rejects IAM ARNs of other resource types", () => {
    const input = "arn:aws:iam::123456789012:user/alice";
    expect(parseRoleArn(input)).toMatchObject({
      ok: false,
      code: "not-a-role",
      offset: input.indexOf("user"),
      length: 4,
    });
  });

  it("locates a malformed account id", () => {
    const input = "arn:aws:iam::12345:role/deploy";
    expect(parseRoleArn(input)).toMatchObject({ ok: false, code: "bad-account", offset: 13, length: 5 });
  });

  it("rejects a region in an IAM ARN", () => {
    expect(parseRoleArn("arn:aws:iam:us-east-1:123456789012:role/deploy")).toMatchObject({
      ok: false,
      code: "region-not-empty",
      offset: 12,
      length: 9,
    });
  });

  it("rejects an unknown partition shape", () => {
    expect(parseRoleArn("arn:azure:iam::123456789012:role/deploy")).toMatchObject({
      ok: false,
      code: "bad-partition",
      offset: 4,
      length: 5,
    });
  });

  it("rejects a wildcard role name and locates it", () => {
    const input = "arn:aws:iam::123456789012:role/deploy-*";
    const r = parseRoleArn(input);
    expect(r).toMatchObject({
      ok: false,
      code: "bad-role-name",
      offset: input.indexOf("deploy-*"),
      length: 8,
    });
    expect(r.ok ? "" : r.message).toMatch(/wildcard/);
  });

  it("rejects a missing role name", () => {
    expect(parseRoleArn("arn:aws:iam::123456789012:role/")).toMatchObject({
      ok: false,
      code: "bad-role-name",
    });
  });

  it("rejects whitespace, empty input and truncated ARNs", () => {
    expect(parseRoleArn("arn:aws:iam::123456789012:role/deploy ")).toMatchObject({
      ok: false,
      code: "whitespace",
      offset: 37,
    });
    expect(parseRoleArn("")).toMatchObject({ ok: false, code: "empty" });
    expect(parseRoleArn("arn:aws:iam::123456789012")).toMatchObject({ ok: false, code: "not-an-arn" });
    expect(parseRoleArn("$" + "{{secrets.ROLE}}")).toMatchObject({ ok: false, code: "not-an-arn" });
  });

  it("round-trips through formatRoleArn", () => {
    const arn = "arn:aws-us-gov:iam::123456789012:role/ci/deploy";
    const r = parseRoleArn(arn);
    if (!r.ok) throw new Error(r.message);
    expect(formatRoleArn(r)).toBe(arn);
  });
});
