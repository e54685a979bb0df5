import { z } from "zod";
import type { ConfigProblem } from "../findings/finding.js";
import { type RoleMap, roleMapFrom } from "./role-map.js";
import { locate, readConfigDocument } from "./yaml-locate.js";

// A coarse shape, which the generated JSON Schema shows editors; the plan then reads every mapped
// value through the core's ARN parser (`isRoleArn`), and the analysis reports one that is not valid.
const ARN = z
  .string()
  .regex(
    /^arn:[a-z-]+:iam::\d{12}:role\/.+$/,
    "expected a role ARN such as arn:aws:iam::111122223333:role/deploy",
  );

/** The `roles:` section: expression → ARN, or expression → { environment → ARN, default → ARN }. */
export const RolesSchema = z.record(z.string().min(1), z.union([ARN, z.record(z.string().min(1), ARN)]));

/**
 * Reads a role map file (YAML or JSON): either `{roles: {...}}` (the shape of `.github/rolecall.yml`)
 * or the map itself. Problems are located (line, column) and the valid entries are kept.
 */
export function parseRoleMap(text: string, file: string): { map: RoleMap | null; problems: ConfigProblem[] } {
  const { doc, at, data, problems } = readConfigDocument(text, file);
  if (data === undefined && problems.length > 0) return { map: null, problems };
  const section =
    data && typeof data === "object" && "roles" in data ? (data as { roles: unknown }).roles : data;
  const base = data && typeof data === "object" && "roles" in data ? ["roles"] : [];
  if (section === null || section === undefined) return { map: roleMapFrom({}), problems };
  if (typeof section !== "object" || Array.isArray(section)) {
    problems.push({
      file,
      line: 1,
      column: 1,
      message: "the role map must be a mapping of expressions to role ARNs",
    });
    return { map: null, problems };
  }
  const ok: Record<string, string | Record<string, string>> = {};
  for (const [k, v] of Object.entries(section as Record<string, unknown>)) {
    const r = RolesSchema.safeParse({ [k]: v });
    if (r.success) Object.assign(ok, r.data);
    else {
      for (const issue of r.error.issues) {
        const path = issue.path.map((x) => (typeof x === "number" ? x : String(x)));
        const p = at(locate(doc, [...base, ...path]));
        problems.push({
          file,
          line: p.line,
          column: p.col,
          message: `roles.${path.join(".")}: ${issue.message}`,
        });
      }
    }
  }
  return { map: roleMapFrom(ok), problems };
}
