import { z } from "zod";
import type { ConfigProblem } from "../findings/finding.js";
import { SEVERITIES } from "../findings/severity.js";
import { RolesSchema } from "./role-map-schema.js";
import { locate, readConfigDocument } from "./yaml-locate.js";

/** `.github/rolecall.yml`: repository configuration (DESIGN §6). Every key is optional. */
export const ConfigSchema = z
  .object({
    _extends: z
      .string()
      .min(1)
      .describe(
        "Another repository's configuration to extend (repo, owner/repo or owner/repo:path), as Probot's config plugin does.",
      )
      .optional(),
    "fail-on": z
      .enum(SEVERITIES)
      .describe("Findings at or above this severity fail the check (default high).")
      .optional(),
    ignore: z
      .object({
        rules: z
          .array(z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/, "a rule id such as trust-name-based-subject"))
          .optional(),
        paths: z
          .array(z.string().min(1))
          .describe(
            "Workflow paths (GitHub filter patterns such as .github/workflows/legacy-*.yml) whose findings are dropped.",
          )
          .optional(),
      })
      .strict()
      .optional(),
    roles: RolesSchema.describe(
      "Role expressions rolecall cannot resolve (secrets.X, vars.X), mapped to ARNs, optionally per environment.",
    ).optional(),
    "on-incomplete": z
      .enum(["failure", "neutral"])
      .describe(
        "What the GitHub App concludes when it could not verify everything (default failure; GitHub counts neutral as passing a required check).",
      )
      .optional(),
    review: z
      .enum(["comments", "summary", "off"])
      .describe("How the GitHub App reviews pull requests (default comments).")
      .optional(),
    environments: z
      .object({
        protected: z
          .array(z.string().min(1))
          .describe("Environment names that count as protected (reviewers, branch rules)."),
      })
      .strict()
      .optional(),
  })
  .strict();

export type RolecallConfig = z.infer<typeof ConfigSchema>;

/** The JSON Schema of the configuration, generated from the zod schema (committed as schemas/rolecall-config.schema.json). */
export function configJsonSchema(): unknown {
  return {
    ...z.toJSONSchema(ConfigSchema, { target: "draft-2020-12" }),
    $id: "urn:rolecall:schema:config",
    title: "rolecall configuration (.github/rolecall.yml)",
  };
}

/**
 * Reads and validates a configuration file. Invalid parts become located problems
 * (`config-invalid`) and are left out; the valid rest applies. Never throws.
 */
export function parseConfig(
  text: string,
  file: string,
): { config: RolecallConfig; problems: ConfigProblem[] } {
  const { doc, at, data, problems } = readConfigDocument(text, file);
  if (data === undefined && problems.length > 0) return { config: {}, problems };
  if (data === null || data === undefined) return { config: {}, problems };
  if (typeof data !== "object" || Array.isArray(data)) {
    problems.push({
      file,
      line: 1,
      column: 1,
      message: "the configuration must be a mapping of keys such as fail-on, ignore, roles",
    });
    return { config: {}, problems };
  }
  const config: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    const r = ConfigSchema.safeParse({ [key]: value });
    if (r.success) {
      Object.assign(config, r.data);
      continue;
    }
    for (const issue of r.error.issues) {
      const path = issue.path.map((p) => (typeof p === "number" ? p : String(p)));
      if (issue.code === "unrecognized_keys" && issue.keys[0] !== undefined) path.push(issue.keys[0]);
      const node = locate(doc, path);
      const p = at(node);
      const where = path.join(".");
      problems.push({ file, line: p.line, column: p.col, message: `${where || key}: ${issue.message}` });
    }
  }
  return { config: config as RolecallConfig, problems };
}
