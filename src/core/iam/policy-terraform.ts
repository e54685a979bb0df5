/**
 * A trust policy document (IAM JSON, as an object) written as a Terraform `aws_iam_policy_document`
 * data source, statement by statement: principals, actions, conditions and Sids are kept. HCL
 * interpolation is escaped (`${` → `$${`, `%{` → `%%{`) so policy variables reach IAM as written.
 */
export function policyToTerraform(doc: unknown, name: string): string {
  const out = [`data "aws_iam_policy_document" "${name}" {`];
  const d = isObject(doc) ? doc : {};
  if (typeof d.Version === "string" && d.Version !== "2012-10-17") out.push(`  version = ${hcl(d.Version)}`);
  const statements = Array.isArray(d.Statement) ? d.Statement : d.Statement ? [d.Statement] : [];
  for (const raw of statements) {
    const s = isObject(raw) ? raw : {};
    out.push("  statement {");
    if (typeof s.Sid === "string" && s.Sid !== "") out.push(`    sid     = ${hcl(s.Sid)}`);
    out.push(`    effect  = ${hcl(String(s.Effect ?? "Allow"))}`);
    if (s.Action !== undefined) out.push(`    actions = ${list(s.Action)}`);
    if (s.NotAction !== undefined) out.push(`    not_actions = ${list(s.NotAction)}`);
    for (const [block, key] of [
      ["principals", "Principal"],
      ["not_principals", "NotPrincipal"],
    ] as const) {
      const p = s[key];
      if (p === undefined) continue;
      const entries: [string, unknown][] = p === "*" ? [["*", "*"]] : isObject(p) ? Object.entries(p) : [];
      for (const [type, ids] of entries) {
        out.push(`    ${block} {`);
        out.push(`      type        = ${hcl(type)}`);
        out.push(`      identifiers = ${list(ids)}`);
        out.push("    }");
      }
    }
    const cond = isObject(s.Condition) ? s.Condition : {};
    for (const [test, block] of Object.entries(cond)) {
      if (!isObject(block)) continue;
      for (const [variable, values] of Object.entries(block)) {
        out.push("    condition {");
        out.push(`      test     = ${hcl(test)}`);
        out.push(`      variable = ${hcl(variable)}`);
        out.push(`      values   = ${list(values)}`);
        out.push("    }");
      }
    }
    out.push("  }");
  }
  out.push("}");
  return out.join("\n");
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** A JSON string literal with HCL's template sequences escaped. */
function hcl(s: string): string {
  return JSON.stringify(s).replaceAll("${", "$${").replaceAll("%{", "%%{");
}

function list(v: unknown): string {
  const xs = Array.isArray(v) ? v : [v];
  return `[${xs.map((x) => hcl(typeof x === "string" ? x : JSON.stringify(x))).join(", ")}]`;
}
