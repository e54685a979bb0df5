/** The IAM condition operators (without `IfExists` and set prefixes). */
export const BASE_OPERATORS = [
  "StringEquals",
  "StringNotEquals",
  "StringEqualsIgnoreCase",
  "StringNotEqualsIgnoreCase",
  "StringLike",
  "StringNotLike",
  "NumericEquals",
  "NumericNotEquals",
  "NumericLessThan",
  "NumericLessThanEquals",
  "NumericGreaterThan",
  "NumericGreaterThanEquals",
  "DateEquals",
  "DateNotEquals",
  "DateLessThan",
  "DateLessThanEquals",
  "DateGreaterThan",
  "DateGreaterThanEquals",
  "Bool",
  "BinaryEquals",
  "IpAddress",
  "NotIpAddress",
  "ArnEquals",
  "ArnLike",
  "ArnNotEquals",
  "ArnNotLike",
  "Null",
] as const;

export type BaseOperator = (typeof BASE_OPERATORS)[number];

/** A condition operator taken apart: `ForAnyValue:StringLikeIfExists` → set ForAnyValue, base StringLike, ifExists. */
export interface ParsedOperator {
  set: "ForAnyValue" | "ForAllValues" | null;
  base: BaseOperator;
  ifExists: boolean;
  /** Negated operators need the value to differ from every policy value, and hold when the key is absent. */
  negated: boolean;
  ignoreCase: boolean;
  /** String operators are the only ones defined for GitHub's string claims. */
  family: "string" | "null" | "other";
  /** The canonical spelling. */
  name: string;
}

const BY_LOWER = new Map(BASE_OPERATORS.map((op) => [op.toLowerCase(), op]));

/** Parses an operator name; `null` when IAM does not know it. */
export function parseOperator(raw: string): ParsedOperator | null {
  let op = operatorCache.get(raw);
  if (op === undefined) {
    if (operatorCache.size > 1_000) operatorCache.clear();
    op = parseOperatorUncached(raw);
    operatorCache.set(raw, op);
  }
  return op;
}

const operatorCache = new Map<string, ParsedOperator | null>();

function parseOperatorUncached(raw: string): ParsedOperator | null {
  let rest = raw;
  let set: ParsedOperator["set"] = null;
  const colon = rest.indexOf(":");
  if (colon >= 0) {
    const prefix = rest.slice(0, colon).toLowerCase();
    if (prefix === "foranyvalue") set = "ForAnyValue";
    else if (prefix === "forallvalues") set = "ForAllValues";
    else return null;
    rest = rest.slice(colon + 1);
  }
  let ifExists = false;
  if (rest.toLowerCase().endsWith("ifexists")) {
    ifExists = true;
    rest = rest.slice(0, -"ifexists".length);
  }
  const base = BY_LOWER.get(rest.toLowerCase());
  if (!base) return null;
  if (base === "Null" && (ifExists || set)) return null;
  const negated = base !== "Null" && /Not/.test(base);
  const family = base === "Null" ? "null" : base.startsWith("String") ? "string" : "other";
  const name = `${set ? `${set}:` : ""}${base}${ifExists ? "IfExists" : ""}`;
  return { set, base, ifExists, negated, ignoreCase: base.endsWith("IgnoreCase"), family, name };
}
