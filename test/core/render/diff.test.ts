import { describe, expect, it } from "vitest";
import { commentableLines } from "../../../src/core/render/diff.js";

const sorted = (s: Set<number>) => [...s].sort((a, b) => a - b);
const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("commentableLines", () => {
  it("takes added and context lines of every hunk, skipping deletions and the no-newline marker", () => {
    // A pull request that tightens the release tags and bumps the credentials action.
    const patch = [
      "@@ -1,8 +1,9 @@",
      " name: Release",
      " ",
      " on:",
      "-  push:",
      '-    tags: ["v*"]',
      "+  push:",
      '+    tags: ["v[0-9]*"]',
      "+  workflow_dispatch:",
      " ",
      " permissions:",
      "   contents: write",
      "@@ -14,6 +15,6 @@ jobs:",
      "     runs-on: ubuntu-latest",
      "     steps:",
      "       - uses: actions/checkout@v4",
      "-      - uses: aws-actions/configure-aws-credentials@v3",
      "+      - uses: aws-actions/configure-aws-credentials@v4",
      "         with:",
      "           role-to-assume: arn:aws:iam::123456789012:role/payments-release",
      "\\ No newline at end of file",
    ].join("\n");
    expect(sorted(commentableLines(patch))).toEqual([...range(1, 9), ...range(15, 20)]);
  });

  it("gives nothing for a null patch (binary or too large) or a deletion-only hunk", () => {
    expect(commentableLines(null).size).toBe(0);
    expect(commentableLines("").size).toBe(0);
    expect(commentableLines("@@ -5,2 +4,0 @@\n-  id-token: write\n-  contents: read").size).toBe(0);
  });

  it("numbers a new file from 1 and reads counts omitted from the header as 1", () => {
    expect(sorted(commentableLines("@@ -0,0 +1,3 @@\n+on: push\n+jobs:\n+  a: {}\n"))).toEqual([1, 2, 3]);
    expect(sorted(commentableLines("@@ -7 +7 @@\n-a\n+b"))).toEqual([7]);
  });

  it("handles the no-newline marker between the old and the new last line", () => {
    const patch = "@@ -3,2 +3,3 @@\n x\n-y\n\\ No newline at end of file\n+y\n+z\n";
    expect(sorted(commentableLines(patch))).toEqual([3, 4, 5]);
  });

  it("ignores git headers outside hunks and counts a stripped empty context line", () => {
    const patch = [
      "diff --git a/.github/workflows/a.yml b/.github/workflows/a.yml",
      "index 1111111..2222222 100644",
      "--- a/.github/workflows/a.yml",
      "+++ b/.github/workflows/a.yml",
      "@@ -10,3 +10,3 @@",
      " a:",
      "",
      "-b",
      "+c",
    ].join("\r\n");
    expect(sorted(commentableLines(patch))).toEqual([10, 11, 12]);
  });

  it("does not read a line that looks like a header inside a hunk as one", () => {
    const patch = "@@ -1,2 +1,3 @@\n a\n+@@ -90,1 +90,1 @@\n b";
    expect(sorted(commentableLines(patch))).toEqual([1, 2, 3]);
  });
});
