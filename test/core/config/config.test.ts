import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { configJsonSchema, parseConfig } from "../../../src/core/config/config.js";

describe(".github/rolecall.yml", () => {
  it("reads every documented key", () => {
    const { config, problems } = parseConfig(
      [
        "fail-on: medium",
        "ignore:",
        "  rules: [trust-name-based-subject]",
        "  paths: ['.github/workflows/legacy-*.yml']",
        "roles:",
        "  secrets.DEPLOY_ROLE: arn:aws:iam::111122223333:role/deploy",
        "  vars.ROLE:",
        "    production: arn:aws:iam::111122223333:role/prod",
        "    default: arn:aws:iam::444455556666:role/dev",
        "review: summary",
        "environments:",
        "  protected: [production]",
      ].join("\n"),
      ".github/rolecall.yml",
    );
    expect(problems).toEqual([]);
    expect(config).toEqual({
      "fail-on": "medium",
      ignore: { rules: ["trust-name-based-subject"], paths: [".github/workflows/legacy-*.yml"] },
      roles: {
        "secrets.DEPLOY_ROLE": "arn:aws:iam::111122223333:role/deploy",
        "vars.ROLE": {
          production: "arn:aws:iam::111122223333:role/prod",
          default: "arn:aws:iam::444455556666:role/dev",
        },
      },
      review: "summary",
      environments: { protected: ["production"] },
    });
  });

  it("locates each invalid part and keeps the valid rest", () => {
    const { config, problems } = parseConfig(
      "fail-on: severe\nroles:\n  secrets.X: not-an-arn\nreveiw: off\nreview: off\n",
      ".github/rolecall.yml",
    );
    expect(config).toEqual({ review: "off" });
    expect(problems.map((p) => [p.line, p.message.split(":")[0]])).toEqual([
      [1, "fail-on"],
      [3, "roles.secrets.X"],
      [4, "reveiw"],
    ]);
  });

  it("bad YAML is one located problem and no configuration", () => {
    const { config, problems } = parseConfig("fail-on: [high\n", "c.yml");
    expect(config).toEqual({});
    expect(problems[0]!.line).toBeGreaterThanOrEqual(1);
  });

  it("the committed JSON Schema is generated from the zod schema (run `npm run docs`)", () => {
    const onDisk = JSON.parse(
      readFileSync(new URL("../../../schemas/rolecall-config.schema.json", import.meta.url), "utf8"),
    );
    expect(onDisk).toEqual(configJsonSchema());
  });
});
