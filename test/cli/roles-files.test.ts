import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readRegularFile, readRoleDocuments, readRoleFiles } from "../../src/adapters/fs/roles-dir.js";
import { ROOT } from "./helpers.js";

const ROLES = join(ROOT, "examples/roles");
const NAMES = ["octo-repo-deploy", "octo-repo-plan", "octo-repo-release", "octo-repo-terraform"];
const arn = (name: string) => `arn:aws:iam::111122223333:role/${name}`;
const getRole = (name: string) =>
  JSON.parse(readFileSync(join(ROLES, `${name}.json`), "utf8")) as { Role: Record<string, unknown> };

function scratch(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), "rolecall-roles-"));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, ".."), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
}

/** The 1-based line of the first occurrence of `needle` at or after line `from`. */
function lineOf(text: string, needle: string, from = 1): number {
  const lines = text.split("\n");
  const i = lines.findIndex((l, n) => n + 1 >= from && l.includes(needle));
  return i + 1;
}

describe("--roles files", () => {
  it("reads a JSON array of get-role outputs, `aws iam list-roles` output and documents back to back", async () => {
    const docs = NAMES.map(getRole);
    const dir = scratch({
      "array.json": JSON.stringify(docs, null, 2),
      "list-roles.json": JSON.stringify({ Roles: docs.map((d) => d.Role) }, null, 2),
      "concat.json": docs.map((d) => JSON.stringify(d, null, 2)).join("\n"),
    });
    for (const f of ["array.json", "list-roles.json", "concat.json"]) {
      const roles = await readRoleFiles([join(dir, f)]);
      expect(roles.problems, f).toEqual([]);
      for (const n of NAMES) {
        const s = roles.lookup(arn(n));
        expect(s?.kind, `${f} ${n}`).toBe("found");
      }
      expect(roles.notes().map((n) => n.status)).toEqual(["used", "used", "used", "used"]);
    }
  });

  it("positions of a role inside a file of several are the file's own lines", async () => {
    const docs = NAMES.map(getRole);
    const text = docs.map((d) => JSON.stringify(d, null, 2)).join("\n");
    const dir = scratch({ "concat.json": text });
    const roles = await readRoleFiles([join(dir, "concat.json")]);
    const s = roles.lookup(arn("octo-repo-terraform"));
    if (s?.kind !== "found") throw new Error("not found");
    const start = lineOf(text, '"RoleName": "octo-repo-terraform"');
    const statement = s.policy.statements[0]!;
    expect(statement.span.start.line).toBe(lineOf(text, '"Sid"', start) - 1);
    const cond = statement.conditions[0]!;
    expect(cond.keySpan.start.line).toBe(lineOf(text, cond.key, start));
  });

  it("a Terraform file gets a hint that Terraform is not read yet, and how to pass the role", async () => {
    const dir = scratch({
      "roles/deploy.tf": 'resource "aws_iam_role" "deploy" {\n  name = "deploy"\n}\n',
      "deploy.json": 'resource "aws_iam_role" "deploy" {\n  assume_role_policy = jsonencode({})\n}\n',
    });
    const roles = await readRoleFiles([join(dir, "roles"), join(dir, "deploy.json")]);
    expect(roles.problems).toHaveLength(2);
    for (const p of roles.problems) {
      expect(p.message).toContain("looks like Terraform");
      expect(p.message).toContain("later release");
      expect(p.message).toContain("aws iam get-role --role-name NAME");
    }
  });

  it("says what became of every file: used, not used (and why), ambiguous, unreadable, skipped", async () => {
    const deploy = getRole("octo-repo-deploy");
    const other = structuredClone(deploy);
    (other.Role.AssumeRolePolicyDocument as { Statement: { Sid: string }[] }).Statement[0]!.Sid = "Other";
    const dir = scratch({
      "a/deploy.json": JSON.stringify(deploy),
      "a/deploy-copy.json": JSON.stringify(other),
      "a/plan.json": JSON.stringify(getRole("octo-repo-plan")),
      "a/broken.json": '{\n  "Version": "2012-10-17",\n  "Statement": [\n',
      "a/README.md": "notes",
      "a/nested/x.json": "{}",
      "a/lonely.json": JSON.stringify({ Version: "2012-10-17", Statement: [] }),
    });
    const roles = await readRoleFiles([join(dir, "a")]);
    const deploySource = roles.lookup(arn("octo-repo-deploy"));
    expect(deploySource).toMatchObject({ kind: "unreadable", code: "invalid-policy" });
    expect(deploySource?.kind === "unreadable" && deploySource.reason).toMatch(
      /2 times with different trust policies .*deploy-copy\.json.*deploy\.json.*does not guess/,
    );
    const notes = roles.notes();
    const by = (name: string) => notes.find((n) => n.path.endsWith(name));
    expect(by("deploy.json")?.status).toBe("ambiguous");
    expect(by("deploy-copy.json")?.status).toBe("ambiguous");
    expect(by("plan.json")).toMatchObject({
      status: "unused",
      message: `not used: no job in the scan assumes ${arn("octo-repo-plan")}`,
    });
    expect(by("lonely.json")?.message).toMatch(
      /no job in the scan assumes a role named lonely \(a bare trust policy is matched by its file name/,
    );
    expect(by("README.md")?.status).toBe("skipped");
    expect(by("/nested")).toMatchObject({
      status: "skipped",
      message: "not read: a folder inside a --roles folder is not searched (give it as its own --roles)",
    });
    expect(by("broken.json")).toMatchObject({
      status: "unreadable",
      message: expect.stringMatching(
        /^holds no readable trust policy \(line 4, column 1: Invalid JSON at line 4, column 1/,
      ),
    });
    expect(roles.problems).toEqual([]);
  });

  it("never blocks on or reads a FIFO or a device, and does not follow links out of a --roles folder", async () => {
    const dir = scratch({ "r/inside.json": JSON.stringify(getRole("octo-repo-plan")) });
    execFileSync("mkfifo", [join(dir, "r/pipe.json")]);
    execFileSync("mkfifo", [join(dir, "pipe.json")]);
    symlinkSync("/etc/passwd", join(dir, "r/passwd.json"));
    symlinkSync(join(dir, "r/inside.json"), join(dir, "r/alias.json"));
    const roles = await readRoleFiles([join(dir, "r"), join(dir, "pipe.json"), "/dev/zero"]);
    const messages = roles.problems.map((p) => `${p.path}: ${p.message}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        `${join(dir, "r/passwd.json")}: --roles: a symbolic link that leaves the folder; it was not followed`,
        `${join(dir, "r/pipe.json")}: --roles: it is a named pipe (FIFO), not a file; it was not read`,
        `${join(dir, "pipe.json")}: --roles: it is a named pipe (FIFO), not a file; it was not read`,
        "/dev/zero: --roles: it is a device, not a file; it was not read",
      ]),
    );
    // A link that stays inside the folder is read.
    expect(roles.lookup(arn("octo-repo-plan"))?.kind).toBe("found");
    // Whatever stdin is here (a pipe, a socket, nothing), it is refused, never waited on.
    await expect(readRegularFile("/dev/stdin")).rejects.toThrow();
  }, 10_000);

  it("a broken AssumeRolePolicyDocument string in get-role output is located where the string stands in the file", () => {
    const text = [
      "{",
      '  "Role": {',
      '    "Arn": "arn:aws:iam::111122223333:role/x",',
      '    "AssumeRolePolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A"',
      "  }",
      "}",
    ].join("\n");
    const { documents } = readRoleDocuments("g.json", text);
    expect(documents).toHaveLength(1);
    const d = documents[0]!.diagnostics[0]!;
    expect(d.span.start).toMatchObject({ line: 4, column: 33 });
    expect(d.message).toMatch(
      /^In the AssumeRolePolicyDocument string \(decoded, at line 1, column \d+ of the decoded text\): Invalid JSON/,
    );
  });

  it("a get-role output with lower-case keys gets a hint at the case", () => {
    const text = JSON.stringify({
      role: { arn: "arn:aws:iam::111122223333:role/x", assumeRolePolicyDocument: { Statement: [] } },
    });
    const { documents } = readRoleDocuments("x.json", text);
    expect(documents[0]?.diagnostics[0]?.message).toMatch(/keys are case-sensitive: `role` should be `Role`/);
  });

  it("a get-role output whose policy cannot be read is named with its ARN and the problem", async () => {
    const dir = scratch({
      "r/bad.json": JSON.stringify({
        Role: { Arn: arn("gone"), AssumeRolePolicyDocument: { Version: "2012-10-17" } },
      }),
    });
    const roles = await readRoleFiles([join(dir, "r")]);
    expect(roles.notes()).toEqual([
      expect.objectContaining({
        status: "unreadable",
        message: expect.stringMatching(
          /^holds arn:aws:iam::111122223333:role\/gone, whose trust policy could not be read \(line 1, column \d+: The policy has no Statement element\.\); no job in the scan assumes it$/,
        ),
      }),
    ]);
    const used = roles.lookup(arn("gone"));
    expect(used).toMatchObject({ kind: "unreadable", code: "invalid-policy" });
    expect(used?.kind === "unreadable" && used.reason).toMatch(
      /bad\.json:1:\d+: The policy has no Statement element/,
    );
  });
});
