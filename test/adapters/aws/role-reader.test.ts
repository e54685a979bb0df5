import { readFileSync } from "node:fs";
import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createRoleReader,
  type RoleReader,
  type RoleReaderOptions,
} from "../../../src/adapters/aws/index.js";
import {
  callerIdentityXml,
  errorXml,
  FAKE_CREDENTIALS,
  getRoleXml,
  rfc3986,
  STS_NS,
  XML_HEADERS,
} from "./aws-wire.js";

const IAM = "https://iam.amazonaws.com";
const STS = "https://sts.us-east-1.amazonaws.com";
const ARN = "arn:aws:iam::111122223333:role/deploy";
const POLICY = readFileSync(
  new URL("../../fixtures/aws/trust-policy-plus-and-spaces.json", import.meta.url),
  "utf8",
);

let reader: RoleReader | undefined;
function makeReader(extra: Partial<RoleReaderOptions> = {}) {
  const sleep = vi.fn(async (_ms: number) => {});
  reader = createRoleReader({ credentials: FAKE_CREDENTIALS, sleep, random: () => 0.5, ...extra });
  return { reader, sleep };
}

const getRoleBody = (roleName: string) => ({ Action: "GetRole", Version: "2010-05-08", RoleName: roleName });

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  reader?.destroy();
  reader = undefined;
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe("createRoleReader().getRole", () => {
  it("returns the URL-decoded trust policy text exactly, with MaxSessionDuration", async () => {
    // Real IAM percent-encodes the document (RFC 3986). Here "*" travels as %2A, spaces as %20 and
    // one "+" literally: decoding must turn neither "+" into a space.
    const encoded = rfc3986(POLICY).replace("%2Beu", "+eu");
    expect(encoded).toContain("%2A");
    expect(encoded).toContain("c%2B%2B-tools");
    expect(encoded).toContain("prod+eu");
    const scope = nock(IAM)
      .post("/", getRoleBody("deploy"))
      .matchHeader("authorization", /Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/iam\/aws4_request/)
      .reply(
        200,
        getRoleXml({ arn: ARN, roleName: "deploy", encodedPolicy: encoded, maxSessionDuration: 7200 }),
        XML_HEADERS,
      );

    const result = await makeReader().reader.getRole(ARN);

    expect(result).toEqual({
      kind: "found",
      arn: ARN,
      roleName: "deploy",
      accountId: "111122223333",
      partition: "aws",
      maxSessionDuration: 7200,
      policyText: POLICY,
    });
    expect(scope.isDone()).toBe(true);
  });

  it("calls GetRole with the last path segment of a role with a path", async () => {
    const arn = "arn:aws:iam::111122223333:role/service/ci/deploy";
    const scope = nock(IAM)
      .post("/", getRoleBody("deploy"))
      .reply(
        200,
        getRoleXml({ arn, roleName: "deploy", path: "/service/ci/", encodedPolicy: rfc3986("{}") }),
        XML_HEADERS,
      );
    const result = await makeReader().reader.getRole(arn);
    expect(result).toMatchObject({ kind: "found", arn, roleName: "deploy", policyText: "{}" });
    expect(scope.isDone()).toBe(true);
  });

  it("reports not-found when a same-named role exists under another path", async () => {
    const scope = nock(IAM)
      .post("/", getRoleBody("deploy"))
      .reply(
        200,
        getRoleXml({
          arn: "arn:aws:iam::111122223333:role/other/deploy",
          roleName: "deploy",
          path: "/other/",
          encodedPolicy: rfc3986("{}"),
        }),
        XML_HEADERS,
      );
    const result = await makeReader().reader.getRole("arn:aws:iam::111122223333:role/service/deploy");
    expect(result.kind).toBe("not-found");
    expect(result.kind === "not-found" && result.message).toContain("has path /other/");
    expect(scope.isDone()).toBe(true);
  });

  it("maps NoSuchEntity (404) to not-found once the credentials are known to be in that account", async () => {
    const iam = nock(IAM)
      .post("/", getRoleBody("deploy"))
      .reply(404, errorXml("NoSuchEntity", "The role with name deploy cannot be found."), XML_HEADERS);
    const sts = nock(STS)
      .post("/", { Action: "GetCallerIdentity", Version: "2011-06-15" })
      .reply(200, callerIdentityXml("111122223333"), XML_HEADERS);

    const result = await makeReader().reader.getRole(ARN);

    expect(result).toEqual({
      kind: "not-found",
      arn: ARN,
      message: expect.stringContaining("The role with name deploy cannot be found."),
    });
    expect(iam.isDone() && sts.isDone()).toBe(true);
  });

  it("does not call a role missing when the credentials belong to another account", async () => {
    const iam = nock(IAM)
      .post("/", getRoleBody("deploy"))
      .reply(404, errorXml("NoSuchEntity", "The role with name deploy cannot be found."), XML_HEADERS);
    const sts = nock(STS).post("/").reply(200, callerIdentityXml("444455556666"), XML_HEADERS);

    const result = await makeReader().reader.getRole(ARN);

    expect(result).toMatchObject({ kind: "error", code: "CrossAccountRead", retryable: false });
    expect(result.kind === "error" && result.message).toMatch(/account 444455556666.*account 111122223333/);
    expect(iam.isDone() && sts.isDone()).toBe(true);
  });

  it("refuses a same-named role that GetRole found in the caller's other account", async () => {
    const scope = nock(IAM)
      .post("/")
      .reply(
        200,
        getRoleXml({
          arn: "arn:aws:iam::444455556666:role/deploy",
          roleName: "deploy",
          encodedPolicy: "%7B%7D",
        }),
        XML_HEADERS,
      );
    const result = await makeReader().reader.getRole(ARN);
    expect(result).toMatchObject({ kind: "error", code: "CrossAccountRead" });
    expect(scope.isDone()).toBe(true);
  });

  it("maps AccessDenied (403) to access-denied with AWS's explanation", async () => {
    const awsMessage =
      "User: arn:aws:sts::111122223333:assumed-role/ci/run is not authorized to perform: iam:GetRole on resource: role deploy because no identity-based policy allows the iam:GetRole action";
    const scope = nock(IAM).post("/").reply(403, errorXml("AccessDenied", awsMessage), XML_HEADERS);

    const result = await makeReader().reader.getRole(ARN);

    expect(result).toEqual({ kind: "access-denied", arn: ARN, message: expect.stringContaining(awsMessage) });
    expect(scope.isDone()).toBe(true);
  });

  it("retries throttling with exponential backoff, then succeeds", async () => {
    let requests = 0;
    const scope = nock(IAM)
      .post("/")
      .times(2)
      .reply(() => {
        requests++;
        return [400, errorXml("Throttling", "Rate exceeded"), XML_HEADERS];
      })
      .post("/")
      .reply(() => {
        requests++;
        return [200, getRoleXml({ arn: ARN, roleName: "deploy", encodedPolicy: "%7B%7D" }), XML_HEADERS];
      });
    const { reader, sleep } = makeReader();

    const result = await reader.getRole(ARN);

    expect(result).toMatchObject({ kind: "found", policyText: "{}" });
    expect(requests).toBe(3);
    // random() = 0.5 and a 100 ms base: half of 100, then half of 200.
    expect(sleep.mock.calls.map(([ms]) => ms)).toEqual([50, 100]);
    expect(scope.isDone()).toBe(true);
  });

  it("retries a 5xx ServiceFailure", async () => {
    const scope = nock(IAM)
      .post("/")
      .reply(500, errorXml("ServiceFailure", "Internal failure", undefined, "Receiver"), XML_HEADERS)
      .post("/")
      .reply(200, getRoleXml({ arn: ARN, roleName: "deploy", encodedPolicy: "%7B%7D" }), XML_HEADERS);
    expect(await makeReader().reader.getRole(ARN)).toMatchObject({ kind: "found" });
    expect(scope.isDone()).toBe(true);
  });

  it("gives up after maxAttempts throttled requests with a retryable error", async () => {
    let requests = 0;
    const scope = nock(IAM)
      .post("/")
      .times(3)
      .reply(() => {
        requests++;
        return [400, errorXml("Throttling", "Rate exceeded"), XML_HEADERS];
      });
    const { reader, sleep } = makeReader({ maxAttempts: 3 });

    const result = await reader.getRole(ARN);

    expect(result).toMatchObject({ kind: "error", arn: ARN, code: "Throttling", retryable: true });
    expect(result.kind === "error" && result.message).toMatch(/after 3 attempts/);
    expect(requests).toBe(3);
    expect(sleep).toHaveBeenCalledTimes(2);
    expect(scope.isDone()).toBe(true);
  });

  it("reports expired credentials clearly, without retrying or echoing the key", async () => {
    const scope = nock(IAM)
      .post("/")
      .once()
      .reply(
        403,
        errorXml("ExpiredToken", "The security token included in the request is expired"),
        XML_HEADERS,
      );
    const { reader, sleep } = makeReader();

    const result = await reader.getRole(ARN);

    expect(result).toMatchObject({ kind: "error", code: "ExpiredToken", retryable: false });
    expect(result.kind === "error" && result.message).toMatch(/^AWS credentials expired; refresh them/);
    expect(JSON.stringify(result)).not.toContain("AKIDEXAMPLE");
    expect(sleep).not.toHaveBeenCalled();
    expect(scope.isDone()).toBe(true);
  });

  it("reports rejected credentials (InvalidClientTokenId) naming the partition", async () => {
    const arn = "arn:aws-cn:iam::111122223333:role/deploy";
    const scope = nock("https://iam.cn-north-1.amazonaws.com.cn")
      .post("/")
      .reply(
        403,
        errorXml("InvalidClientTokenId", "The security token included in the request is invalid."),
        XML_HEADERS,
      );
    const result = await makeReader().reader.getRole(arn);
    expect(result).toMatchObject({ kind: "error", code: "InvalidClientTokenId", retryable: false });
    expect(result.kind === "error" && result.message).toContain("aws-cn partition");
    expect(scope.isDone()).toBe(true);
  });

  it("reports missing credentials without touching the network", async () => {
    const credentials = async () => {
      throw Object.assign(new Error("Could not load credentials from any providers"), {
        name: "CredentialsProviderError",
      });
    };
    const result = await makeReader({ credentials }).reader.getRole(ARN);
    expect(result).toMatchObject({ kind: "error", code: "CredentialsProviderError", retryable: false });
    expect(result.kind === "error" && result.message).toMatch(/^No AWS credentials found/);
  });

  it("redacts access key ids that appear in AWS messages", async () => {
    const scope = nock(IAM)
      .post("/")
      .reply(403, errorXml("AccessDenied", "Key ASIAEXAMPLEKEY12345 is not allowed"), XML_HEADERS);
    const result = await makeReader().reader.getRole(ARN);
    expect(result.kind).toBe("access-denied");
    expect(JSON.stringify(result)).not.toContain("ASIAEXAMPLEKEY12345");
    expect(scope.isDone()).toBe(true);
  });

  it.each([
    ["aws-cn", "https://iam.cn-north-1.amazonaws.com.cn", "cn-north-1"],
    ["aws-us-gov", "https://iam.us-gov.amazonaws.com", "us-gov-west-1"],
  ])("sends %s roles to %s, signed for %s", async (partition, host, region) => {
    const arn = `arn:${partition}:iam::111122223333:role/deploy`;
    const scope = nock(host)
      .post("/", getRoleBody("deploy"))
      .matchHeader("authorization", new RegExp(`/${region}/iam/aws4_request`))
      .reply(200, getRoleXml({ arn, roleName: "deploy", encodedPolicy: "%7B%7D" }), XML_HEADERS);
    expect(await makeReader().reader.getRole(arn)).toMatchObject({ kind: "found", partition, arn });
    expect(scope.isDone()).toBe(true);
  });

  it("honours AWS_ENDPOINT_URL_IAM from the env option", async () => {
    const scope = nock("http://localhost:4566")
      .post("/", getRoleBody("deploy"))
      .matchHeader("authorization", /\/us-east-1\/iam\/aws4_request/)
      .reply(200, getRoleXml({ arn: ARN, roleName: "deploy", encodedPolicy: "%7B%7D" }), XML_HEADERS);
    const { reader } = makeReader({ env: { AWS_ENDPOINT_URL_IAM: "http://localhost:4566" } });
    expect(await reader.getRole(ARN)).toMatchObject({ kind: "found" });
    expect(scope.isDone()).toBe(true);
  });

  it("shares one request between concurrent reads of the same ARN", async () => {
    let requests = 0;
    const scope = nock(IAM)
      .post("/")
      .delay(20)
      .reply(() => {
        requests++;
        return [200, getRoleXml({ arn: ARN, roleName: "deploy", encodedPolicy: "%7B%7D" }), XML_HEADERS];
      });
    const { reader } = makeReader();

    const [a, b, c] = await Promise.all([reader.getRole(ARN), reader.getRole(ARN), reader.getRole(ARN)]);

    expect(requests).toBe(1);
    expect(a).toMatchObject({ kind: "found" });
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    expect(scope.isDone()).toBe(true);

    // Settled reads are not cached: a later read asks again.
    const again = nock(IAM).post("/").reply(403, errorXml("AccessDenied", "denied now"), XML_HEADERS);
    expect(await reader.getRole(ARN)).toMatchObject({ kind: "access-denied" });
    expect(again.isDone()).toBe(true);
  });

  it("returns errors, not throws, for unusable ARNs and partitions (no request made)", async () => {
    const { reader } = makeReader();
    expect(await reader.getRole("deploy")).toMatchObject({
      kind: "error",
      code: "InvalidRoleArn",
      retryable: false,
    });
    expect(await reader.getRole("arn:aws-future:iam::111122223333:role/deploy")).toMatchObject({
      kind: "error",
      code: "UnsupportedPartition",
    });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("falls back to not-found when the caller account is unknown; network failures become errors", async () => {
    // With net connect disabled and no interceptor, the request fails below the SDK.
    const sts = nock(STS)
      .post("/")
      .reply(403, errorXml("AccessDenied", "no", STS_NS), XML_HEADERS);
    const iam = nock(IAM).post("/").reply(404, errorXml("NoSuchEntity", "gone"), XML_HEADERS);
    const { reader, sleep } = makeReader();
    expect(await reader.getRole(ARN)).toMatchObject({ kind: "not-found" });
    expect(sleep).not.toHaveBeenCalled();
    expect(iam.isDone() && sts.isDone()).toBe(true);

    const result = await reader.getRole(ARN);
    expect(result).toMatchObject({ kind: "error", arn: ARN });
    expect(JSON.stringify(result)).not.toMatch(/AKIDEXAMPLE|Signature=[0-9a-f]/);
  });
});
