import {
  effectiveMembers,
  type JsonMember,
  type JsonNode,
  type JsonObject,
  memberOf,
} from "../json/json-ast.js";
import { parseJson } from "../json/parse-json.js";
import { LineIndex, type Span } from "../span.js";
import { parseOperator } from "./operators.js";
import type { PolicyDiagnostic } from "./policy-diagnostic.js";
import type {
  LocatedString,
  PolicyCondition,
  PolicyOrigin,
  PolicyStatement,
  PrincipalSpec,
  RoleFacts,
  TrustPolicy,
} from "./policy-model.js";

export interface ParsePolicyResult {
  /** `null` when the text is not a readable policy; `diagnostics` then say why and where. */
  policy: TrustPolicy | null;
  diagnostics: PolicyDiagnostic[];
}

const KNOWN_STATEMENT_KEYS = new Set([
  "sid",
  "effect",
  "principal",
  "notprincipal",
  "action",
  "notaction",
  "resource",
  "notresource",
  "condition",
]);

/**
 * Reads a trust policy as users have it: the `AssumeRolePolicyDocument` string IAM returns
 * (URL-encoded per RFC 3986), plain policy JSON, or the output of `aws iam get-role`.
 * Every element keeps its JSON pointer and span; malformed parts become located diagnostics.
 */
export function parseTrustPolicy(input: string): ParsePolicyResult {
  const diagnostics: PolicyDiagnostic[] = [];
  let text = input;
  let origin: PolicyOrigin = "policy-json";
  const trimmed = input.trim();
  if (!trimmed.startsWith("{") && /%[0-9a-fA-F]{2}/.test(trimmed)) {
    const decoded = decodePercent(trimmed);
    if (decoded.ok) {
      text = decoded.text;
      origin = "url-encoded";
    } else {
      const zero = new LineIndex(input).position(decoded.offset + (input.length - input.trimStart().length));
      diagnostics.push({
        code: "invalid-url-encoding",
        severity: "error",
        message: `The text looks URL-encoded but has a broken escape at line ${zero.line}, column ${zero.column}; pass the policy JSON or the exact AssumeRolePolicyDocument string IAM returned.`,
        pointer: "",
        span: { start: zero, end: zero },
      });
      return { policy: null, diagnostics };
    }
  }

  const parsed = parseJson(text);
  if (!parsed.ok) {
    const p = parsed.error.position;
    diagnostics.push({
      code: "invalid-json",
      severity: "error",
      message: `Invalid JSON at line ${p.line}, column ${p.column}: ${parsed.error.message}.`,
      pointer: "",
      span: { start: p, end: p },
    });
    return { policy: null, diagnostics };
  }

  let root: JsonNode = parsed.root;
  let base = "";
  const role: RoleFacts = { arn: null, name: null, maxSessionDuration: null };
  if (root.kind === "object") {
    const roleMember = memberOf(root, "Role");
    const roleObj: JsonObject | null =
      roleMember?.value.kind === "object"
        ? roleMember.value
        : memberOf(root, "AssumeRolePolicyDocument")
          ? root
          : null;
    if (roleObj) {
      origin = "get-role";
      const arn = memberOf(roleObj, "Arn")?.value;
      const name = memberOf(roleObj, "RoleName")?.value;
      const max = memberOf(roleObj, "MaxSessionDuration")?.value;
      if (arn?.kind === "string") role.arn = arn.value;
      if (name?.kind === "string") role.name = name.value;
      if (max?.kind === "number") role.maxSessionDuration = max.value;
      const doc = memberOf(roleObj, "AssumeRolePolicyDocument");
      if (!doc) {
        diagnostics.push(
          diag(
            "not-a-policy",
            "error",
            "The role has no AssumeRolePolicyDocument.",
            roleObj.pointer,
            roleObj.span,
          ),
        );
        return { policy: null, diagnostics };
      }
      if (doc.value.kind === "string") {
        // The raw API shape: the document is still a (URL-encoded) string. Parse it on its own;
        // spans then refer to the decoded document.
        const inner = parseTrustPolicy(doc.value.value);
        if (inner.policy) {
          inner.policy.role = role;
          inner.policy.origin = "get-role";
          inner.policy.decoded = true;
          inner.policy.embeddedAt = doc.value.span;
          return { policy: inner.policy, diagnostics: [...diagnostics, ...inner.diagnostics] };
        }
        // Unreadable: no decoded policy to point into, so locate each problem at the string in the file.
        const at = doc.value.span;
        const outer = inner.diagnostics.map((d) => ({
          ...d,
          message: `In the AssumeRolePolicyDocument string (decoded, at line ${d.span.start.line}, column ${d.span.start.column} of the decoded text): ${d.message}`,
          span: at,
        }));
        return { policy: null, diagnostics: [...diagnostics, ...outer] };
      }
      root = doc.value;
      base = doc.value.pointer;
    }
  }
  const rel = (pointer: string) => pointer.slice(base.length);

  for (const d of parsed.duplicates) {
    if (!d.pointer.startsWith(base)) continue;
    diagnostics.push({
      code: "duplicate-key",
      severity: "warning",
      message: `"${d.key}" appears twice in the same object (lines ${d.first.start.line} and ${d.second.start.line}); IAM keeps only the last one, so everything under the first is silently ignored. Merge them into one.`,
      pointer: rel(d.pointer),
      span: d.second,
    });
  }

  if (root.kind !== "object") {
    diagnostics.push(
      diag(
        "not-a-policy",
        "error",
        "A trust policy must be a JSON object with a Statement.",
        rel(root.pointer),
        root.span,
      ),
    );
    return { policy: null, diagnostics };
  }

  let version: string | null = null;
  const versionMember = memberOf(root, "Version");
  if (versionMember) {
    if (
      versionMember.value.kind === "string" &&
      (versionMember.value.value === "2012-10-17" || versionMember.value.value === "2008-10-17")
    ) {
      version = versionMember.value.value;
    } else {
      diagnostics.push(
        diag(
          "invalid-version",
          "error",
          `Version must be "2012-10-17" or "2008-10-17"; IAM rejects ${JSON.stringify(plainText(versionMember.value))}, so no role can have this policy and rolecall does not evaluate it.`,
          rel(versionMember.value.pointer),
          versionMember.value.span,
        ),
      );
      // IAM refuses the whole document: nothing in it may be read as letting anyone in.
      return { policy: null, diagnostics };
    }
  }

  const stmtMember = memberOf(root, "Statement");
  if (!stmtMember) {
    diagnostics.push(
      diag(
        "missing-statement",
        "error",
        "The policy has no Statement element.",
        rel(root.pointer),
        root.span,
      ),
    );
    return { policy: null, diagnostics };
  }
  const stmtNodes =
    stmtMember.value.kind === "array"
      ? stmtMember.value.items
      : stmtMember.value.kind === "object"
        ? [stmtMember.value]
        : null;
  if (!stmtNodes) {
    diagnostics.push(
      diag(
        "missing-statement",
        "error",
        "Statement must be an object or an array of objects.",
        rel(stmtMember.value.pointer),
        stmtMember.value.span,
      ),
    );
    return { policy: null, diagnostics };
  }

  const statements: PolicyStatement[] = [];
  stmtNodes.forEach((node, index) => {
    const st = readStatement(node, index, rel, diagnostics);
    if (st) statements.push(st);
  });

  return {
    policy: { version, statements, role, origin, text, decoded: origin === "url-encoded", embeddedAt: null },
    diagnostics,
  };
}

function readStatement(
  node: JsonNode,
  index: number,
  rel: (p: string) => string,
  diagnostics: PolicyDiagnostic[],
): PolicyStatement | null {
  if (node.kind !== "object") {
    diagnostics.push(
      diag(
        "invalid-statement",
        "error",
        "Each statement must be a JSON object.",
        rel(node.pointer),
        node.span,
      ),
    );
    return null;
  }
  let malformed = false;
  const get = (name: string) => memberOf(node, name);

  for (const m of node.members) {
    const k = m.key.toLowerCase();
    if (!KNOWN_STATEMENT_KEYS.has(k)) {
      diagnostics.push(
        diag(
          "invalid-statement",
          "error",
          `Unknown statement element "${m.key}"; IAM rejects the policy.`,
          rel(m.value.pointer),
          m.keySpan,
        ),
      );
    } else if (k === "resource" || k === "notresource") {
      diagnostics.push(
        diag(
          "prohibited-element",
          "error",
          `"${m.key}" is not allowed in a role trust policy (IAM answers "Has prohibited field ${m.key}"); remove it.`,
          rel(m.value.pointer),
          m.keySpan,
        ),
      );
    }
  }

  const sidNode = get("Sid")?.value;
  const sid = sidNode?.kind === "string" ? sidNode.value : null;

  const effectMember = get("Effect");
  let effect: "Allow" | "Deny" | null = null;
  if (
    effectMember?.value.kind === "string" &&
    (effectMember.value.value === "Allow" || effectMember.value.value === "Deny")
  ) {
    effect = effectMember.value.value;
  } else {
    malformed = true;
    diagnostics.push(
      diag(
        "invalid-effect",
        "error",
        effectMember
          ? `Effect must be exactly "Allow" or "Deny" (case-sensitive), not ${JSON.stringify(plainText(effectMember.value))}.`
          : 'The statement has no Effect; it must be "Allow" or "Deny".',
        rel(effectMember?.value.pointer ?? node.pointer),
        effectMember?.value.span ?? node.span,
      ),
    );
  }

  const notPrincipalMember = get("NotPrincipal");
  let notPrincipal: LocatedString | null = null;
  if (notPrincipalMember) {
    malformed = true;
    notPrincipal = {
      value: plainText(notPrincipalMember.value),
      pointer: rel(notPrincipalMember.value.pointer),
      span: notPrincipalMember.keySpan,
    };
    diagnostics.push(
      diag(
        "not-principal",
        "error",
        "NotPrincipal cannot be used in a role trust policy (IAM rejects it); name the OIDC provider in Principal.Federated instead.",
        notPrincipal.pointer,
        notPrincipalMember.keySpan,
      ),
    );
  }

  const principalMember = get("Principal");
  const principal = principalMember ? readPrincipal(principalMember, rel, diagnostics) : null;
  if (!principalMember && !notPrincipalMember) {
    malformed = true;
    diagnostics.push(
      diag(
        "missing-principal",
        "error",
        "A trust policy statement needs a Principal.",
        rel(node.pointer),
        node.span,
      ),
    );
  }

  const actionMember = get("Action");
  const notActionMember = get("NotAction");
  let action: PolicyStatement["action"] = null;
  if (actionMember && notActionMember) {
    malformed = true;
    diagnostics.push(
      diag(
        "action-and-notaction",
        "error",
        "A statement cannot have both Action and NotAction.",
        rel(notActionMember.value.pointer),
        notActionMember.keySpan,
      ),
    );
  }
  const chosen = actionMember ?? notActionMember;
  if (chosen) {
    const values = readStringList(
      chosen.value,
      rel,
      diagnostics,
      "invalid-action",
      "Action values must be strings.",
    );
    if (values === null) malformed = true;
    action = {
      kind: actionMember ? "Action" : "NotAction",
      values: values ?? [],
      pointer: rel(chosen.value.pointer),
      span: chosen.value.span,
    };
  } else {
    malformed = true;
    diagnostics.push(
      diag("missing-action", "error", "The statement has no Action.", rel(node.pointer), node.span),
    );
  }

  const conditions: PolicyCondition[] = [];
  const condMember = get("Condition");
  if (condMember) {
    if (condMember.value.kind !== "object") {
      malformed = true;
      diagnostics.push(
        diag(
          "invalid-condition",
          "error",
          "Condition must be an object of operators.",
          rel(condMember.value.pointer),
          condMember.value.span,
        ),
      );
    } else {
      // IAM keeps the last of duplicated keys: evaluate exactly that (the duplicate is reported above).
      for (const opMember of effectiveMembers(condMember.value)) {
        if (!readOperator(opMember, rel, diagnostics, conditions)) malformed = true;
      }
    }
  }

  return {
    index,
    sid,
    pointer: rel(node.pointer),
    span: node.span,
    effect,
    effectSpan: effectMember?.value.span ?? node.span,
    principal,
    notPrincipal,
    action,
    conditions,
    malformed,
  };
}

/** Reads one operator block; false when it could not be read (the statement is then indeterminate). */
function readOperator(
  opMember: JsonMember,
  rel: (p: string) => string,
  diagnostics: PolicyDiagnostic[],
  out: PolicyCondition[],
): boolean {
  if (parseOperator(opMember.key) === null) {
    diagnostics.push(
      diag(
        "unknown-operator",
        "error",
        `"${opMember.key}" is not an IAM condition operator (IAM rejects the policy); did you mean StringEquals or StringLike?`,
        rel(opMember.value.pointer),
        opMember.keySpan,
      ),
    );
  }
  if (opMember.value.kind !== "object") {
    diagnostics.push(
      diag(
        "invalid-condition",
        "error",
        `The ${opMember.key} block must be an object of condition keys.`,
        rel(opMember.value.pointer),
        opMember.value.span,
      ),
    );
    return false;
  }
  for (const keyMember of effectiveMembers(opMember.value)) {
    const v = keyMember.value;
    const items = v.kind === "array" ? v.items : [v];
    const values: LocatedString[] = [];
    let readable = true;
    for (const item of items) {
      if (item.kind === "string") {
        values.push({ value: item.value, pointer: rel(item.pointer), span: item.span });
      } else if (item.kind === "number" || item.kind === "boolean") {
        const s = item.kind === "number" ? item.raw : String(item.value);
        values.push({ value: s, pointer: rel(item.pointer), span: item.span });
        diagnostics.push(
          diag(
            "non-string-condition-value",
            "warning",
            `Condition value ${s} for "${keyMember.key}" is a JSON ${item.kind}; IAM compares it as the string "${s}". Write it as a string to make that explicit.`,
            rel(item.pointer),
            item.span,
          ),
        );
      } else {
        readable = false;
        diagnostics.push(
          diag(
            "non-string-condition-value",
            "error",
            `Condition values for "${keyMember.key}" must be strings (or a list of strings), not ${item.kind === "null" ? "null" : `an ${item.kind}`}.`,
            rel(item.pointer),
            item.span,
          ),
        );
      }
    }
    out.push({
      operator: opMember.key,
      operatorSpan: opMember.keySpan,
      key: keyMember.key,
      keySpan: keyMember.keySpan,
      values,
      valuesReadable: readable,
      pointer: rel(v.pointer),
      span: { start: keyMember.keySpan.start, end: v.span.end },
    });
  }
  return true;
}

function readPrincipal(
  member: JsonMember,
  rel: (p: string) => string,
  diagnostics: PolicyDiagnostic[],
): PrincipalSpec {
  const node = member.value;
  const spec: PrincipalSpec = {
    pointer: rel(node.pointer),
    span: node.span,
    everyone: false,
    federated: [],
    aws: [],
    service: [],
    canonicalUser: [],
  };
  if (node.kind === "string") {
    if (node.value === "*") spec.everyone = true;
    else
      diagnostics.push(
        diag(
          "invalid-principal",
          "error",
          `Principal as a string may only be "*"; use {"Federated": "arn:..."}.`,
          rel(node.pointer),
          node.span,
        ),
      );
    return spec;
  }
  if (node.kind !== "object") {
    diagnostics.push(
      diag("invalid-principal", "error", 'Principal must be an object or "*".', rel(node.pointer), node.span),
    );
    return spec;
  }
  for (const m of effectiveMembers(node)) {
    const list =
      readStringList(m.value, rel, diagnostics, "invalid-principal", "Principal values must be strings.") ??
      [];
    switch (m.key) {
      case "Federated":
        spec.federated.push(...list);
        break;
      case "AWS":
        spec.aws.push(...list);
        if (list.some((v) => v.value === "*")) spec.everyone = true;
        break;
      case "Service":
        spec.service.push(...list);
        break;
      case "CanonicalUser":
        spec.canonicalUser.push(...list);
        break;
      default:
        diagnostics.push(
          diag(
            "invalid-principal",
            "error",
            `Unknown principal type "${m.key}"; expected Federated, AWS, Service or CanonicalUser (case-sensitive).`,
            rel(m.value.pointer),
            m.keySpan,
          ),
        );
    }
  }
  return spec;
}

function readStringList(
  node: JsonNode,
  rel: (p: string) => string,
  diagnostics: PolicyDiagnostic[],
  code: PolicyDiagnostic["code"],
  message: string,
): LocatedString[] | null {
  const items = node.kind === "array" ? node.items : [node];
  const out: LocatedString[] = [];
  let ok = true;
  for (const item of items) {
    if (item.kind === "string") out.push({ value: item.value, pointer: rel(item.pointer), span: item.span });
    else {
      ok = false;
      diagnostics.push(diag(code, "error", message, rel(item.pointer), item.span));
    }
  }
  return ok ? out : null;
}

function diag(
  code: PolicyDiagnostic["code"],
  severity: PolicyDiagnostic["severity"],
  message: string,
  pointer: string,
  span: Span,
): PolicyDiagnostic {
  return { code, severity, message, pointer, span };
}

function plainText(node: JsonNode): string {
  switch (node.kind) {
    case "string":
      return node.value;
    case "number":
      return node.raw;
    case "boolean":
      return String(node.value);
    case "null":
      return "null";
    default:
      return node.kind;
  }
}

function decodePercent(s: string): { ok: true; text: string } | { ok: false; offset: number } {
  try {
    return { ok: true, text: decodeURIComponent(s) };
  } catch {
    const bare = /%(?![0-9a-fA-F]{2})/.exec(s);
    if (bare) return { ok: false, offset: bare.index };
    // Escapes that are not valid UTF-8: report the lead byte of the first bad sequence.
    for (const m of s.matchAll(/(?:%[0-9a-fA-F]{2})+/g)) {
      const bytes = m[0].match(/%[0-9a-fA-F]{2}/g) ?? [];
      for (let j = 0; j < bytes.length; ) {
        const lead = Number.parseInt(bytes[j]!.slice(1), 16);
        const len = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 0;
        try {
          if (len === 0) throw new URIError();
          decodeURIComponent(bytes.slice(j, j + len).join(""));
        } catch {
          return { ok: false, offset: (m.index ?? 0) + j * 3 };
        }
        j += len;
      }
    }
    return { ok: false, offset: 0 };
  }
}
