import nock from "nock";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { createRoleReader, type RoleReader } from "../../../src/adapters/aws/index.js";
import { assumeRoleXml, FAKE_CREDENTIALS, getRoleXml, XML_HEADERS } from "./aws-wire.js";

const READER = "arn:aws:iam::111122223333:role/rolecall-reader";
let reader: RoleReader | undefined;

beforeAll(() => nock.disableNetConnect());
afterEach(() => {
  reader?.destroy();
  nock.cleanAll();
});
afterAll(() => nock.enableNetConnect());

describe("reader role with an external id", () => {
  it("sends ExternalId when assuming the reader role, and reads with its credentials", async () => {
    const sts = nock("https://sts.us-east-1.amazonaws.com")
      .post("/", {
        Action: "AssumeRole",
        Version: "2011-06-15",
        RoleArn: READER,
        RoleSessionName: "rolecall",
        DurationSeconds: "900",
        ExternalId: "rolecall-7f3a",
      })
      .reply(
        200,
        assumeRoleXml({
          roleArn: READER,
          accessKeyId: "ASIAEXTERNALID000001",
          secretAccessKey: "s",
          sessionToken: "t",
          expiration: "2026-11-01T12:15:00Z",
        }),
        XML_HEADERS,
      );
    const iam = nock("https://iam.amazonaws.com")
      .post("/", { Action: "GetRole", Version: "2010-05-08", RoleName: "deploy" })
      .matchHeader("authorization", /Credential=ASIAEXTERNALID000001\//)
      .reply(
        200,
        getRoleXml({
          arn: "arn:aws:iam::111122223333:role/deploy",
          roleName: "deploy",
          encodedPolicy: "%7B%7D",
        }),
        XML_HEADERS,
      );
    reader = createRoleReader({
      credentials: FAKE_CREDENTIALS,
      assumeRoleTemplate: "arn:{partition}:iam::{account}:role/rolecall-reader",
      externalId: "rolecall-7f3a",
      sleep: vi.fn(async () => {}),
      now: () => Date.parse("2026-11-01T12:00:00Z"),
    });
    const r = await reader.getRole("arn:aws:iam::111122223333:role/deploy");
    expect(r, JSON.stringify(r)).toMatchObject({ kind: "found" });
    expect(sts.isDone()).toBe(true);
    expect(iam.isDone()).toBe(true);
  });
});
