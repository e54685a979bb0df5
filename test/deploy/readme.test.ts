import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { accountAllowed, parseAccountBoundary } from "../../src/app/aws-access.js";

// The README's App sections must match what the App and the deploy files actually do.
const root = fileURLToPath(new URL("../..", import.meta.url));
const readme = readFileSync(join(root, "README.md"), "utf8");
const manifest = parse(readFileSync(join(root, "app.yml"), "utf8")) as {
  default_events: string[];
  default_permissions: Record<string, string>;
};

/** The text of a section, from its heading to the next heading of the same or a higher level (code blocks skipped). */
function section(heading: string): string {
  const level = /^#+/.exec(heading)![0].length;
  const lines = readme.split("\n");
  const start = lines.indexOf(heading);
  if (start < 0) throw new Error(`README has no section ${heading}`);
  let fenced = false;
  let end = start + 1;
  for (; end < lines.length; end++) {
    const l = lines[end]!;
    if (l.startsWith("```")) fenced = !fenced;
    const m = /^(#+) /.exec(l);
    if (!fenced && m && m[1]!.length <= level) break;
  }
  return lines.slice(start + 1, end).join("\n");
}

/** Rows of the first Markdown table in `text`, as cells (header and separator dropped). */
function tableRows(text: string): string[][] {
  const lines = text.split("\n");
  const first = lines.findIndex((l) => l.startsWith("|"));
  const rows: string[][] = [];
  for (let i = first + 2; i < lines.length && lines[i]!.startsWith("|"); i++)
    rows.push(
      lines[i]!.split("|")
        .slice(1, -1)
        .map((c) => c.trim()),
    );
  return rows;
}

const codeBlocks = (text: string, lang: string): string[] =>
  [...text.matchAll(new RegExp(`\`\`\`${lang}\\n([\\s\\S]*?)\`\`\``, "g"))].map((m) => m[1]!);

describe("README: the GitHub App sections", () => {
  it("sit between `rolecall explain` and Development, in order", () => {
    const headings = [
      "## `rolecall explain`",
      "## The GitHub App",
      "### Register the app",
      "### Permissions the App asks for",
      "### Give it read access to trust policies",
      "### Configure",
      "### Deploy",
      "## Development",
    ].map((h) => readme.indexOf(`\n${h}\n`));
    for (const at of headings) expect(at).toBeGreaterThan(0);
    expect([...headings].sort((a, b) => a - b)).toEqual(headings);
  });

  it("explain every permission of app.yml, with its access, and nothing more", () => {
    const names: Record<string, string> = {
      checks: "Checks",
      contents: "Contents",
      pull_requests: "Pull requests",
      actions: "Actions",
      metadata: "Metadata",
      merge_queues: "Merge queues",
    };
    const rows = tableRows(section("### Permissions the App asks for"));
    const documented = new Map(rows.map((r) => [r[0]!, r[1]!]));
    const asked = new Map(Object.entries(manifest.default_permissions).map(([k, v]) => [names[k] ?? k, v]));
    expect(documented).toEqual(asked);
    for (const r of rows) expect(r[2]!.length, r[0]).toBeGreaterThan(20); // each one says why
  });

  it("name every event of app.yml", () => {
    const text = section("### Permissions the App asks for");
    const line = text.split("\n").find((l) => l.startsWith("Events:"))!;
    const listed = [...line.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]).sort();
    expect(listed).toEqual([...manifest.default_events].sort());
  });

  it("list every server variable rolecall and Probot read in the Configure table", () => {
    const serverConfig = readFileSync(join(root, "src/app/server-config.ts"), "utf8");
    const read = new Set([...serverConfig.matchAll(/\benv\.([A-Z_]+)/g)].map((m) => m[1]!));
    expect(read.size).toBeGreaterThan(0);
    const table = tableRows(section("### Configure"))
      .map((r) => r[0]!)
      .join(" ");
    for (const v of [...read, "APP_ID", "PRIVATE_KEY", "WEBHOOK_SECRET", "HOST", "PORT"])
      expect(table, v).toContain(`\`${v}\``);
  });

  it("give ROLECALL_ACCOUNTS examples that parse and mean what the text says", () => {
    const text = section("### Give it read access to trust policies");
    const examples = [...text.matchAll(/^ROLECALL_ACCOUNTS='([^']*)'$/gm)].map((m) => m[1]!);
    expect(examples).toHaveLength(3);
    const [own, withDefault, byId] = examples.map(parseAccountBoundary);
    expect(accountAllowed(byId!, { login: "octo-org-renamed", id: 6811672 }, "444455556666")).toBe(true);
    expect(accountAllowed(own!, "octo-org", "111122223333")).toBe(true);
    expect(accountAllowed(own!, "Octo-Org", "444455556666")).toBe(true);
    expect(accountAllowed(own!, "someone-else", "111122223333")).toBe(false);
    expect(accountAllowed(withDefault!, "someone-else", "777788889999")).toBe(true);
    // An owner's own entry replaces the default.
    expect(accountAllowed(withDefault!, "octo-org", "777788889999")).toBe(false);
  });

  it("show the reader role's permission as exactly iam:GetRole on the account's roles", () => {
    const text = section("### Give it read access to trust policies");
    const policies = codeBlocks(text, "json").map((j) => JSON.parse(j) as Record<string, unknown>);
    const permission = policies.find((p) => "Statement" in p) as {
      Statement: { Effect: string; Action: string; Resource: string }[];
    };
    expect(permission.Statement).toEqual([
      { Effect: "Allow", Action: "iam:GetRole", Resource: "arn:aws:iam::111122223333:role/*" },
    ]);
    expect(text).toContain("deploy/reader-role.cloudformation.yaml");
    expect(text).toContain("deploy/reader-role.tf");
    expect(text).toContain(
      "ROLECALL_READER_ROLE_TEMPLATE='arn:{partition}:iam::{account}:role/rolecall-reader'",
    );
  });

  it("give the documented deploy commands and point at a heading that exists", () => {
    const deploy = section("### Deploy");
    expect(deploy).toContain("docker build -t rolecall .");
    expect(deploy).toMatch(/docker run .*-p 3000:3000 --env-file \.env rolecall/);
    expect(deploy).toContain("/ping");
    expect(deploy).toContain("_services/token");
    expect(section("### Configure")).toContain("(#configuration-githubrolecallyml)");
    expect(readme).toContain("\n### Configuration: `.github/rolecall.yml`\n");
  });
});
