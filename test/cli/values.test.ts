import { describe, expect, it } from "vitest";
import { splitJsonDocuments } from "../../src/adapters/fs/roles-dir.js";
import { nearest, typoDistance } from "../../src/cli/args.js";
import { isGithubHost } from "../../src/cli/scan.js";
import { branchNameProblem, parseIssuer } from "../../src/cli/values.js";
import { proseLines, safeProse, safeText } from "../../src/core/render/scan-text.js";

describe("option values", () => {
  it("branch names: what git accepts passes, the rest is refused with why", () => {
    for (const ok of ["main", "release/1.x", "feature/a-b_c", "v1.2"])
      expect(branchNameProblem(ok), ok).toBeNull();
    expect(branchNameProblem("")).toBe("it is empty");
    expect(branchNameProblem("a b")).toMatch(/contains " "/);
    expect(branchNameProblem("a..b")).toMatch(/'\.\.'/);
    expect(branchNameProblem("refs/heads/main")).toMatch(/without refs\/heads/);
    expect(branchNameProblem("x.lock")).toMatch(/\.lock/);
    expect(branchNameProblem("-x")).toMatch(/starts with '-'/);
    expect(branchNameProblem("a".repeat(256))).toMatch(/256 characters long/);
  });

  it("issuers: scheme and trailing slashes dropped; empty or odd values refused", () => {
    expect(parseIssuer("https://token.actions.githubusercontent.com/")).toEqual({
      issuer: "token.actions.githubusercontent.com",
    });
    expect(parseIssuer("ghes.example.com/_services/token")).toEqual({
      issuer: "ghes.example.com/_services/token",
    });
    for (const bad of ["", "https://", "  ", "http://x.com", "a b", "token actions"])
      expect(parseIssuer(bad), JSON.stringify(bad)).toHaveProperty("problem");
  });

  it("a remote is GitHub on github.com, a GHE.com tenant, or the GHES host of --issuer", () => {
    expect(isGithubHost("github.com", "token.actions.githubusercontent.com")).toBe(true);
    expect(isGithubHost("octo.ghe.com", "token.actions.octo.ghe.com")).toBe(true);
    expect(isGithubHost("ghes.example.com", "ghes.example.com/_services/token")).toBe(true);
    expect(isGithubHost("gitlab.com", "token.actions.githubusercontent.com")).toBe(false);
    expect(isGithubHost("github.com.evil.example", "token.actions.githubusercontent.com")).toBe(false);
    expect(isGithubHost("ghes.example.com", "token.actions.githubusercontent.com")).toBe(false);
  });

  it("the nearest name: a swap, a missing or extra letter; nothing for far-off words", () => {
    expect(typoDistance("sbu", "sub")).toBe(1);
    expect(nearest("role", ["roles", "repo", "aws"])).toBe("roles");
    expect(nearest("fromat", ["format", "fail-on"])).toBe("format");
    expect(nearest("enviroment", ["environment", "event_name"])).toBe("environment");
    expect(nearest("banana", ["roles", "repo", "aws"])).toBeNull();
    expect(nearest("x".repeat(1000), ["roles"])).toBeNull();
  });
});

describe("terminal text", () => {
  it("control characters, newlines and bidi overrides become visible escapes; tabs and text stay", () => {
    expect(safeText("a\u001b[2Jb\nc\rd\u0007\u009b\u202e\te")).toBe("a\\x1b[2Jb\\nc\\rd\\x07\\x9b\\u202e\te");
    expect(safeText("plain – ünïcode ✓")).toBe("plain – ünïcode ✓");
  });

  it("long runs in prose are cut, with their length", () => {
    const s = safeProse(`Sid "${"S".repeat(5000)}" admits it`);
    expect(s.length).toBeLessThan(300);
    expect(s).toContain("… (5002 characters)");
    expect(s.endsWith(" admits it")).toBe(true);
  });

  it("fixes lose their code fences; the code is indented", () => {
    expect(proseLines("Do this:\n\n```yaml\npermissions:\n  id-token: write\n```\n")).toEqual([
      "Do this:",
      "",
      "    permissions:",
      "      id-token: write",
    ]);
  });
});

describe("several JSON documents in one file", () => {
  it("splits objects and arrays back to back, strings with braces included; anything else is not split", () => {
    const text = '{"a": "}{"}\n[1, {"b": "\\"]"}]  {"c": 1}';
    expect(splitJsonDocuments(text)?.map((r) => text.slice(r.start, r.end))).toEqual([
      '{"a": "}{"}',
      '[1, {"b": "\\"]"}]',
      '{"c": 1}',
    ]);
    expect(splitJsonDocuments('{"a": 1')).toBeNull();
    expect(splitJsonDocuments("%7B%22a%22")).toBeNull();
    expect(splitJsonDocuments('{"a": 1} x')).toBeNull();
  });
});
