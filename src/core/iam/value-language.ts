import { type GlobToken, Lang, LangTooComplexError, tokenizeIamGlob } from "../lang/index.js";
import type { ClaimSet } from "./claims.js";
import { traceCondition } from "./evaluate.js";
import { type ParsedOperator, parseOperator } from "./operators.js";
import type { LocatedString, PolicyCondition, TrustPolicy } from "./policy-model.js";
import { parsePolicyValue } from "./policy-variables.js";
import type { Tri } from "./tri.js";

/**
 * The one place that reads what a policy value admits (issue 7 §2). Escapes (`${*}`, `${?}`, `${$}`)
 * and policy variables are read as the evaluator reads them (`parsePolicyValue`, Version-dependent):
 * a `${*}` is a literal star, never a wildcard, and a value with a policy variable has no fixed
 * language (null). The Equals family is literal; the Like family is an IAM glob.
 */
export function valueTokens(
  op: Pick<ParsedOperator, "base">,
  raw: string,
  version: string | null,
): GlobToken[] | null {
  const like = op.base === "StringLike" || op.base === "StringNotLike";
  const pieces = parsePolicyValue(raw, version);
  if (pieces.some((p) => p.kind === "var")) return null;
  if (!like) return [{ kind: "lit", text: pieces.map((p) => (p.kind === "text" ? p.text : "")).join("") }];
  const tokens: GlobToken[] = [];
  for (const p of pieces) {
    if (p.kind !== "text") continue;
    if (p.wildcards) tokens.push(...tokenizeIamGlob(p.text));
    else tokens.push({ kind: "lit", text: p.text });
  }
  return tokens;
}

/** True when the value holds a real wildcard (escapes resolved) under a Like operator. */
export function hasWildcard(op: Pick<ParsedOperator, "base">, raw: string, version: string | null): boolean {
  return (valueTokens(op, raw, version) ?? []).some((t) => t.kind !== "lit");
}

const langCache = new Map<string, Lang | null>();

/**
 * The language of claim values one policy value admits (before negation), memoised; null when the
 * value has a policy variable. Throws `LangTooComplexError` when the language is too large to
 * build exactly: callers turn that into *indeterminate* with the reason.
 */
export function valueLanguage(
  op: Pick<ParsedOperator, "base" | "ignoreCase">,
  raw: string,
  version: string | null,
): Lang | null {
  const key = `${op.base}\u0000${op.ignoreCase}\u0000${version}\u0000${raw}`;
  if (langCache.has(key)) return langCache.get(key)!;
  const tokens = valueTokens(op, raw, version);
  const lang = tokens === null ? null : Lang.fromGlob(tokens, { ignoreCase: op.ignoreCase });
  if (langCache.size > 5_000) langCache.clear();
  langCache.set(key, lang);
  return lang;
}

/**
 * Whether one value of a condition accepts the claims, exactly as the evaluator decides it (policy
 * variables, escapes, Version and the operator's set qualifiers): the condition traced with that
 * value alone. For negated operators this is the negated outcome.
 */
export function valueAccepts(
  c: PolicyCondition,
  value: LocatedString,
  version: string | null,
  claims: ClaimSet,
  issuer: string,
): Tri {
  return traceCondition({ ...c, values: [value] }, version, claims, issuer).outcome;
}

/**
 * The string-condition values of `policy` whose language is too large to build exactly
 * (`LangTooComplexError`): what they admit cannot be compared, so breadth findings about them may be
 * missing. Verdicts on concrete claims stay exact (the evaluator matches values directly).
 */
export function tooComplexValues(policy: TrustPolicy): { value: LocatedString; reason: string }[] {
  const out: { value: LocatedString; reason: string }[] = [];
  for (const st of policy.statements)
    for (const c of st.conditions) {
      const op = parseOperator(c.operator);
      if (op?.family !== "string") continue;
      for (const v of c.values)
        try {
          valueLanguage(op, v.value, policy.version);
        } catch (e) {
          if (!(e instanceof LangTooComplexError)) throw e;
          out.push({ value: v, reason: e.message });
        }
    }
  return out;
}
