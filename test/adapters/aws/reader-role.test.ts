import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createRoleReader,
  type RoleReader,
  type RoleReaderOptions,
} from "../../../src/adapters/aws/index.js";
import { assumeRoleXml, errorXml, FAKE_CREDENTIALS, getRoleXml, STS_NS, XML_HEADERS } from "./aws-wire.js";

const IAM = "https://iam.amazonaws.com";
const STS = "https://sts.us-east-1.amazonaws.com";
const TEMPLATE = "arn:{partition}:iam::{account}:role/rolecall-reader";
const ACCOUNT_A = "111122223333";
const ACCOUNT_B = "444455556666";
const READER_A = `arn:aws:iam::${ACCOUNT_A}:role/rolecall-reader`;
const READER_B = `arn:aws:iam::${ACCOUNT_B}:role/rolecall-reader`;
const NOW = Date.parse("2026-11-01T12:00:00Z");

let reader: RoleReader | undefined;
function makeReader(extra: Partial<RoleReaderOptions> = {}) {
  reader = createRoleReader({
    credentials: FAKE_CREDENTIALS,
    assumeRoleTemplate: TEMPLATE,
    sleep: vi.fn(async () => {}),
    random: () => 0.5,
    now: () => NOW,
    ...extra,
  });
  return reader;
}

function assumeRoleBody(roleArn: string) {
  return {
    Action: "AssumeRole",
    Version: "2011-06-15",
    RoleArn: roleArn,
    RoleSessionName: "rolecall",
    DurationSeconds: "900",
  };
}

function temporaryCredentials(readerArn: string, accessKeyId: string, expiration = "2026-11-01T12:15:00Z") {
  return assumeRoleXml({
    roleArn: readerArn,
    accessKeyId,
    secretAccessKey: "temporary-secret",
    sessionToken: `${accessKeyId}-session-token`,
    expiration,
  });
}

/** A GetRole interceptor that only matches requests signed with `accessKeyId`'s session. */
function getRoleAs(accessKeyId: string, account: string, roleName: string) {
  const arn = `arn:aws:iam::${account}:role/${roleName}`;
  return nock(IAM)
    .post("/", { Action: "GetRole", Version: "2010-05-08", RoleName: roleName })
    .matchHeader("authorization", new RegExp(`Credential=${accessKeyId}/\\d{8}/us-east-1/iam/aws4_request`))
    .matchHeader("x-amz-security-token", `${accessKeyId}-session-token`)
    .reply(
      200,
      getRoleXml({ arn, roleName, encodedPolicy: "%7B%22Version%22%3A%222012-10-17%22%7D" }),
      XML_HEADERS,
    );
}

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  reader?.destroy();
  reader = undefined;
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe("reader role (assumeRoleTemplate)", () => {
  it("assumes the templated reader role once per account and reads with its credentials", async () => {
    const sts = nock(STS)
      .post("/", assumeRoleBody(READER_A))
      .matchHeader("authorization", /Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/sts\/aws4_request/)
      .once()
      .reply(200, temporaryCredentials(READER_A, "ASIATEMPACCOUNTA0001"), XML_HEADERS)
      .post("/", assumeRoleBody(READER_B))
      .once()
      .reply(200, temporaryCredentials(READER_B, "ASIATEMPACCOUNTB0001"), XML_HEADERS);
    const deploy = getRoleAs("ASIATEMPACCOUNTA0001", ACCOUNT_A, "deploy");
    const audit = getRoleAs("ASIATEMPACCOUNTA0001", ACCOUNT_A, "audit");
    const other = getRoleAs("ASIATEMPACCOUNTB0001", ACCOUNT_B, "deploy");
    const r = makeReader();

    const results = await Promise.all([
      r.getRole(`arn:aws:iam::${ACCOUNT_A}:role/deploy`),
      r.getRole(`arn:aws:iam::${ACCOUNT_A}:role/audit`),
    ]);
    const inB = await r.getRole(`arn:aws:iam::${ACCOUNT_B}:role/deploy`);

    expect(results.map((x) => x.kind)).toEqual(["found", "found"]);
    expect(results[0]).toMatchObject({ accountId: ACCOUNT_A, policyText: '{"Version":"2012-10-17"}' });
    expect(inB).toMatchObject({ kind: "found", accountId: ACCOUNT_B });
    expect(sts.isDone() && deploy.isDone() && audit.isDone() && other.isDone()).toBe(true);
  });

  it("turns a denied reader-role assumption into access-denied naming the reader role, once per account", async () => {
    const sts = nock(STS)
      .post("/", assumeRoleBody(READER_A))
      .once()
      .reply(
        403,
        errorXml(
          "AccessDenied",
          `User: arn:aws:sts::999988887777:assumed-role/ci/run is not authorized to perform: sts:AssumeRole on resource: ${READER_A}`,
          STS_NS,
        ),
        XML_HEADERS,
      );
    const r = makeReader();

    const first = await r.getRole(`arn:aws:iam::${ACCOUNT_A}:role/deploy`);
    const second = await r.getRole(`arn:aws:iam::${ACCOUNT_A}:role/audit`);

    expect(first).toMatchObject({
      kind: "access-denied",
      arn: `arn:aws:iam::${ACCOUNT_A}:role/deploy`,
      via: READER_A,
    });
    expect(first.kind === "access-denied" && first.message).toContain(
      `Could not assume reader role ${READER_A}`,
    );
    expect(second).toMatchObject({
      kind: "access-denied",
      arn: `arn:aws:iam::${ACCOUNT_A}:role/audit`,
      via: READER_A,
    });
    expect(sts.isDone()).toBe(true);
  });

  it("remembers a refused reader role only for a while (IAM is eventually consistent), and forgetRefusals clears it", async () => {
    const denied = () =>
      nock(STS)
        .post("/", assumeRoleBody(READER_A))
        .reply(
          403,
          errorXml("AccessDenied", `not authorized to perform: sts:AssumeRole on ${READER_A}`, STS_NS),
          XML_HEADERS,
        );
    let clock = NOW;
    const r = makeReader({ now: () => clock });
    denied();
    expect((await r.getRole(`arn:aws:iam::${ACCOUNT_A}:role/deploy`)).kind).toBe("access-denied");
    // Within the TTL: no second AssumeRole (an unmatched one would be an error, not access-denied).
    expect((await r.getRole(`arn:aws:iam::${ACCOUNT_A}:role/deploy`)).kind).toBe("access-denied");
    // The reader role was fixed meanwhile; two minutes later it is assumed again.
    clock += 2 * 60_000;
    const sts = nock(STS)
      .post("/", assumeRoleBody(READER_A))
      .reply(
        200,
        temporaryCredentials(READER_A, "ASIATEMPACCOUNTA0001", "2026-11-01T12:17:00Z"),
        XML_HEADERS,
      );
    getRoleAs("ASIATEMPACCOUNTA0001", ACCOUNT_A, "deploy");
    expect((await r.getRole(`arn:aws:iam::${ACCOUNT_A}:role/deploy`)).kind).toBe("found");
    expect(sts.isDone()).toBe(true);
    // `/rolecall rescan` (forgetRefusals) does not wait for the TTL.
    const r2 = makeReader({ now: () => NOW });
    denied();
    expect((await r2.getRole(`arn:aws:iam::${ACCOUNT_B}:role/x`.replace(ACCOUNT_B, ACCOUNT_A))).kind).toBe(
      "access-denied",
    );
    r2.forgetRefusals();
    await Promise.resolve();
    const again = nock(STS)
      .post("/", assumeRoleBody(READER_A))
      .reply(200, temporaryCredentials(READER_A, "ASIATEMPACCOUNTA0002"), XML_HEADERS);
    getRoleAs("ASIATEMPACCOUNTA0002", ACCOUNT_A, "x");
    expect((await r2.getRole(`arn:aws:iam::${ACCOUNT_A}:role/x`)).kind).toBe("found");
    expect(again.isDone()).toBe(true);
  });

  it("times out a hung IAM connection instead of waiting for ever", async () => {
    nock(IAM)
      .post("/", { Action: "GetRole", Version: "2010-05-08", RoleName: "deploy" })
      .times(2)
      .delay(5_000)
      .reply(
        200,
        getRoleXml({
          arn: `arn:aws:iam::${ACCOUNT_A}:role/deploy`,
          roleName: "deploy",
          encodedPolicy: "%7B%7D",
        }),
        XML_HEADERS,
      );
    const r = createRoleReader({
      credentials: FAKE_CREDENTIALS,
      maxAttempts: 2,
      sleep: async () => {},
      random: () => 0.5,
      timeouts: { connectionMs: 200, requestMs: 300 },
    });
    reader = r;
    const started = performance.now();
    const got = await r.getRole(`arn:aws:iam::${ACCOUNT_A}:role/deploy`);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(got).toMatchObject({ kind: "error", retryable: true });
  });

  it("reports GetRole denied to the reader role with via", async () => {
    const sts = nock(STS)
      .post("/")
      .reply(200, temporaryCredentials(READER_A, "ASIATEMPACCOUNTA0001"), XML_HEADERS);
    const iam = nock(IAM)
      .post("/")
      .reply(403, errorXml("AccessDenied", "not authorized to perform iam:GetRole"), XML_HEADERS);
    const result = await makeReader().getRole(`arn:aws:iam::${ACCOUNT_A}:role/deploy`);
    expect(result).toMatchObject({ kind: "access-denied", via: READER_A });
    expect(sts.isDone() && iam.isDone()).toBe(true);
  });

  it("reports expired base credentials while assuming the reader role as a non-retryable error", async () => {
    const sts = nock(STS)
      .post("/")
      .reply(
        403,
        errorXml("ExpiredToken", "The security token included in the request is expired", STS_NS),
        XML_HEADERS,
      );
    const result = await makeReader().getRole(`arn:aws:iam::${ACCOUNT_A}:role/deploy`);
    expect(result).toMatchObject({ kind: "error", code: "ExpiredToken", retryable: false });
    expect(result.kind === "error" && result.message).toMatch(/^AWS credentials expired; refresh them/);
    expect(result.kind === "error" && result.message).toContain(READER_A);
    expect(sts.isDone()).toBe(true);
  });

  it("does not cache a throttled assumption: the next read assumes again", async () => {
    const sts = nock(STS)
      .post("/")
      .times(2)
      .reply(400, errorXml("Throttling", "Rate exceeded", STS_NS), XML_HEADERS)
      .post("/", assumeRoleBody(READER_A))
      .reply(200, temporaryCredentials(READER_A, "ASIATEMPACCOUNTA0001"), XML_HEADERS);
    const iam = getRoleAs("ASIATEMPACCOUNTA0001", ACCOUNT_A, "deploy");
    const r = makeReader({ maxAttempts: 2 });

    expect(await r.getRole(`arn:aws:iam::${ACCOUNT_A}:role/deploy`)).toMatchObject({
      kind: "error",
      code: "Throttling",
      retryable: true,
    });
    expect(await r.getRole(`arn:aws:iam::${ACCOUNT_A}:role/deploy`)).toMatchObject({ kind: "found" });
    expect(sts.isDone() && iam.isDone()).toBe(true);
  });

  it("assumes the reader role again when its session is about to expire", async () => {
    let clock = NOW;
    const sts = nock(STS)
      .post("/", assumeRoleBody(READER_A))
      .reply(200, temporaryCredentials(READER_A, "ASIATEMPFIRST0000001", "2026-11-01T12:15:00Z"), XML_HEADERS)
      .post("/", assumeRoleBody(READER_A))
      .reply(
        200,
        temporaryCredentials(READER_A, "ASIATEMPSECOND000001", "2026-11-01T12:26:00Z"),
        XML_HEADERS,
      );
    const first = getRoleAs("ASIATEMPFIRST0000001", ACCOUNT_A, "deploy");
    const second = getRoleAs("ASIATEMPSECOND000001", ACCOUNT_A, "deploy");
    const r = makeReader({ now: () => clock });

    expect(await r.getRole(`arn:aws:iam::${ACCOUNT_A}:role/deploy`)).toMatchObject({ kind: "found" });
    clock = NOW + 11 * 60 * 1000; // 4 minutes before the first session expires
    expect(await r.getRole(`arn:aws:iam::${ACCOUNT_A}:role/deploy`)).toMatchObject({ kind: "found" });
    expect(sts.isDone() && first.isDone() && second.isDone()).toBe(true);
  });

  it("uses the partition's STS endpoint for reader roles in aws-cn", async () => {
    const reader = "arn:aws-cn:iam::111122223333:role/rolecall-reader";
    const sts = nock("https://sts.cn-north-1.amazonaws.com.cn")
      .post("/", assumeRoleBody(reader))
      .matchHeader("authorization", /\/cn-north-1\/sts\/aws4_request/)
      .reply(403, errorXml("AccessDenied", "denied", STS_NS), XML_HEADERS);
    const result = await makeReader().getRole("arn:aws-cn:iam::111122223333:role/deploy");
    expect(result).toMatchObject({ kind: "access-denied", via: reader });
    expect(sts.isDone()).toBe(true);
  });

  it("refuses a template whose reader role sits in another account (GetRole reads only its own)", async () => {
    const r = makeReader({ assumeRoleTemplate: `arn:aws:iam::${ACCOUNT_B}:role/rolecall-reader` });
    const result = await r.getRole(`arn:aws:iam::${ACCOUNT_A}:role/deploy`);
    expect(result).toMatchObject({ kind: "error", code: "CrossAccountRead", retryable: false });
    expect(nock.pendingMocks()).toEqual([]);
  });

  it("reports a template that does not expand to a role ARN", async () => {
    const result = await makeReader({ assumeRoleTemplate: "rolecall-reader" }).getRole(
      `arn:aws:iam::${ACCOUNT_A}:role/deploy`,
    );
    expect(result).toMatchObject({ kind: "error", code: "InvalidReaderRoleTemplate", retryable: false });
  });
});
