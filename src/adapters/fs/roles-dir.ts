import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join } from "node:path";
import type { RoleSource } from "../../core/engine/analysis-types.js";
import { parseTrustPolicy } from "../../core/iam/index.js";

/** Roles read from files: by ARN (get-role output) and by role name (`<role-name>.json`). */
export interface RoleFiles {
  lookup(arn: string): RoleSource | undefined;
  problems: { path: string; message: string }[];
  count: number;
}

/**
 * Reads `--roles` paths: files or folders of JSON, each the output of `aws iam get-role` (matched
 * by its ARN) or a bare trust policy named `<role-name>.json` (matched by the role name in the ARN).
 */
export async function readRoleFiles(paths: string[]): Promise<RoleFiles> {
  const byArn = new Map<string, RoleSource>();
  const byName = new Map<string, { file: string; text: string }>();
  const problems: RoleFiles["problems"] = [];
  const files: string[] = [];
  for (const p of paths) {
    try {
      if ((await stat(p)).isDirectory()) {
        for (const n of (await readdir(p)).sort()) if (n.endsWith(".json")) files.push(join(p, n));
      } else files.push(p);
    } catch (e) {
      problems.push({
        path: p,
        message:
          (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file or folder" : (e as Error).message,
      });
    }
  }
  for (const f of files) {
    let text: string;
    try {
      text = await readFile(f, "utf8");
    } catch (e) {
      problems.push({ path: f, message: (e as Error).message });
      continue;
    }
    const { policy } = parseTrustPolicy(text);
    if (policy?.role.arn) {
      byArn.set(policy.role.arn, {
        kind: "found",
        arn: policy.role.arn,
        policy,
        file: f,
        maxSessionDuration: policy.role.maxSessionDuration,
      });
    } else {
      byName.set(basename(f, ".json"), { file: f, text });
    }
  }
  return {
    count: files.length,
    problems,
    lookup(arn) {
      const found = byArn.get(arn);
      if (found) return found;
      const name = /:role\/(?:.*\/)?([^/]+)$/.exec(arn)?.[1];
      const bare = name ? byName.get(name) : undefined;
      if (!bare) return undefined;
      const { policy, diagnostics } = parseTrustPolicy(bare.text);
      if (!policy) {
        const d = diagnostics[0];
        return {
          kind: "unreadable",
          arn,
          code: "invalid-policy",
          reason: `${bare.file}${d ? `:${d.span.start.line}:${d.span.start.column}` : ""}: ${d?.message ?? "not a trust policy"}`,
        };
      }
      return {
        kind: "found",
        arn,
        policy,
        file: bare.file,
        maxSessionDuration: policy.role.maxSessionDuration,
      };
    },
  };
}
