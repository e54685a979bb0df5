/**
 * The tenancy boundary (ROLECALL_ACCOUNTS) keyed on the owner's immutable id: a renamed
 * organisation keeps its accounts, and a newcomer that takes the old login does not get them.
 */
import { describe, expect, it } from "vitest";
import { accountAllowed, parseAccountBoundary } from "../../src/app/aws-access.js";

describe("ROLECALL_ACCOUNTS keyed on owner ids", () => {
  const boundary = parseAccountBoundary("id:6811672=111122223333;octo-org=444455556666;*=777788889999");

  it("an id entry follows the owner through a rename", () => {
    expect(accountAllowed(boundary, { login: "octo-org-renamed", id: 6811672 }, "111122223333")).toBe(true);
  });

  it("an id entry wins over the login entry of the same owner, and a login taken over by another owner gets only that login's accounts", () => {
    expect(accountAllowed(boundary, { login: "octo-org", id: 6811672 }, "444455556666")).toBe(false);
    // Someone else (another id) now holds the login `octo-org`: the login convenience applies, the id's accounts do not.
    expect(accountAllowed(boundary, { login: "octo-org", id: 99 }, "111122223333")).toBe(false);
    expect(accountAllowed(boundary, { login: "octo-org", id: 99 }, "444455556666")).toBe(true);
  });

  it("an owner with neither entry gets the default", () => {
    expect(accountAllowed(boundary, { login: "someone", id: 5 }, "777788889999")).toBe(true);
    expect(accountAllowed(boundary, { login: "someone", id: 5 }, "111122223333")).toBe(false);
  });

  it("refuses a malformed id", () => {
    expect(() => parseAccountBoundary("id:abc=111122223333")).toThrow(/id:OWNER_ID=account/);
  });
});
