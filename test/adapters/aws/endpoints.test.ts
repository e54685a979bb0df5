import { describe, expect, it } from "vitest";
import {
  expandReaderRoleTemplate,
  resolveEndpoints,
  validateReaderRoleTemplate,
} from "../../../src/adapters/aws/index.js";

function endpointsOf(partition: string, env = {}) {
  const r = resolveEndpoints(partition, env);
  if (!r.ok) throw new Error(r.message);
  return r.endpoints;
}

describe("resolveEndpoints", () => {
  it.each([
    ["aws", "https://iam.amazonaws.com", "us-east-1", "https://sts.us-east-1.amazonaws.com", "us-east-1"],
    [
      "aws-cn",
      "https://iam.cn-north-1.amazonaws.com.cn",
      "cn-north-1",
      "https://sts.cn-north-1.amazonaws.com.cn",
      "cn-north-1",
    ],
    [
      "aws-us-gov",
      "https://iam.us-gov.amazonaws.com",
      "us-gov-west-1",
      "https://sts.us-gov-west-1.amazonaws.com",
      "us-gov-west-1",
    ],
    [
      "aws-iso",
      "https://iam.us-iso-east-1.c2s.ic.gov",
      "us-iso-east-1",
      "https://sts.us-iso-east-1.c2s.ic.gov",
      "us-iso-east-1",
    ],
  ])("%s: IAM %s signed %s, STS %s", (partition, iamUrl, iamRegion, stsUrl, stsRegion) => {
    const e = endpointsOf(partition);
    expect(e.iam).toEqual({ url: iamUrl, region: iamRegion, overridden: false });
    expect(e.sts).toEqual({ url: stsUrl, region: stsRegion, overridden: false });
  });

  it("prefers AWS_ENDPOINT_URL_IAM over AWS_ENDPOINT_URL and keeps the signing region", () => {
    const e = endpointsOf("aws-cn", {
      AWS_ENDPOINT_URL: "http://localhost:4566",
      AWS_ENDPOINT_URL_IAM: "http://localhost:5000",
    });
    expect(e.iam).toEqual({ url: "http://localhost:5000", region: "cn-north-1", overridden: true });
    expect(e.sts).toEqual({ url: "http://localhost:4566", region: "cn-north-1", overridden: true });
  });

  it("ignores configured endpoint URLs when AWS_IGNORE_CONFIGURED_ENDPOINT_URLS=true", () => {
    const e = endpointsOf("aws", {
      AWS_ENDPOINT_URL_IAM: "http://localhost:5000",
      AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: "true",
    });
    expect(e.iam.url).toBe("https://iam.amazonaws.com");
  });

  it("rejects an override that is not an http(s) URL", () => {
    expect(resolveEndpoints("aws", { AWS_ENDPOINT_URL_STS: "localhost:4566" })).toMatchObject({
      ok: false,
      code: "InvalidEndpointUrl",
    });
  });

  it("says which partitions it knows when given an unknown one", () => {
    const r = resolveEndpoints("aws-future", {});
    expect(r).toMatchObject({ ok: false, code: "UnsupportedPartition" });
    expect(r.ok ? "" : r.message).toContain("aws-us-gov");
  });
});

describe("reader role templates", () => {
  it("fills {account} and {partition}", () => {
    expect(
      expandReaderRoleTemplate("arn:{partition}:iam::{account}:role/rolecall-reader", {
        accountId: "111122223333",
        partition: "aws-cn",
      }),
    ).toBe("arn:aws-cn:iam::111122223333:role/rolecall-reader");
  });

  it("validates templates up front", () => {
    expect(validateReaderRoleTemplate("arn:aws:iam::{account}:role/rolecall-reader")).toBeUndefined();
    expect(validateReaderRoleTemplate("arn:aws:iam::{acount}:role/r")).toMatch(
      /Unknown placeholder \{acount\}/,
    );
    expect(validateReaderRoleTemplate("rolecall-reader")).toMatch(/not a role ARN/);
  });
});
