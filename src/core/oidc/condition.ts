import type { Expr } from "@actions/expressions";
import {
  Binary,
  ContextAccess,
  FunctionCall,
  Grouping,
  IndexAccess,
  Literal,
  Logical,
  Unary,
} from "@actions/expressions/ast";
import { Lang } from "../lang/index.js";
import { conditionSource, parseExpression } from "../workflow/index.js";

/** A set of refs known to satisfy a condition (`min`) and possibly satisfying it (`max`). */
export interface RefBounds {
  min: Lang;
  max: Lang;
}

/** What is known of a run when its `if:` is evaluated. */
export interface ConditionFacts {
  event: string;
  /**
   * Compare refs ignoring case, as GitHub's `==`, `startsWith` and `contains` do (default). With
   * false, refs must match as spelled: the runs the author meant (a `Main` branch also passes
   * `github.ref == 'refs/heads/main'`, but is not a run the workflow is written for).
   */
  refsIgnoreCase?: boolean;
  /** `github.base_ref` / `github.head_ref` when known ("" outside pull request events). */
  baseRef: string | null;
  headRef: string | null;
}

type Sym =
  | { k: "str"; v: string }
  | { k: "bool"; v: boolean }
  | { k: "num"; v: number }
  | { k: "null" }
  /** github.ref, or github.ref_name (the ref with refs/heads/ or refs/tags/ removed) */
  | { k: "ref"; name: boolean }
  | { k: "cond"; b: RefBounds }
  /** A literal list, e.g. `fromJSON('["push", "schedule"]')`. */
  | { k: "arr"; v: string[] }
  | { k: "unknown" };

const ALL: RefBounds = { min: Lang.any(), max: Lang.any() };
const NONE: RefBounds = { min: Lang.empty(), max: Lang.empty() };
const OPEN: RefBounds = { min: Lang.empty(), max: Lang.any() };

const not = (b: RefBounds): RefBounds => ({ min: b.max.complement(), max: b.min.complement() });
const and = (a: RefBounds, b: RefBounds): RefBounds => ({
  min: a.min.intersect(b.min),
  max: a.max.intersect(b.max),
});
const or = (a: RefBounds, b: RefBounds): RefBounds => ({ min: a.min.union(b.min), max: a.max.union(b.max) });

function truth(s: Sym): RefBounds {
  switch (s.k) {
    case "bool":
      return s.v ? ALL : NONE;
    case "str":
      return s.v !== "" ? ALL : NONE;
    case "num":
      return s.v !== 0 && !Number.isNaN(s.v) ? ALL : NONE;
    case "null":
      return NONE;
    case "cond":
      return s.b;
    case "ref":
    case "arr":
      return ALL; // a ref is never empty; an array is truthy
    case "unknown":
      return OPEN;
  }
}

/** Refs whose `github.ref` (or `github.ref_name`) satisfies `test` on the value. */
function refLang(name: boolean, lang: Lang): Lang {
  if (!name) return lang;
  return Lang.literal("refs/heads/").concat(lang).union(Lang.literal("refs/tags/").concat(lang));
}

/**
 * Evaluates a job's or step's `if:` for a run, as far as the event and the ref decide it:
 * the refs for which it is certainly true (`min`) and possibly true (`max`). Anything rolecall
 * cannot know (step outputs, `github.actor`, fork flags, …) keeps the run (`max` stays open).
 * Refs are compared case-sensitively (see `ci`); other strings case-insensitively, as GitHub does.
 */
export function evaluateCondition(text: string | undefined, facts: ConditionFacts): RefBounds {
  if (text === undefined) return ALL;
  const source = conditionSource(text);
  if (source === undefined) return OPEN; // text with embedded expressions: not a pure condition
  const parsed = parseExpression(source);
  if (!parsed.ok || !parsed.expr) return OPEN;
  try {
    return truth(evalExpr(parsed.expr, facts));
  } catch {
    return OPEN;
  }
}

function evalExpr(e: Expr, f: ConditionFacts): Sym {
  if (e instanceof Grouping) return evalExpr(e.group, f);
  if (e instanceof Literal) {
    const d = e.literal as unknown as { kind?: number; value?: unknown; coerceString?: () => string };
    const v = (d as { value?: unknown }).value;
    if (typeof v === "string") return { k: "str", v };
    if (typeof v === "boolean") return { k: "bool", v };
    if (typeof v === "number") return { k: "num", v };
    return { k: "null" };
  }
  if (e instanceof ContextAccess || e instanceof IndexAccess) return access(e, f);
  if (e instanceof Unary) {
    const inner = evalExpr(e.expr, f);
    return { k: "cond", b: not(truth(inner)) };
  }
  if (e instanceof Logical) {
    const op = e.operator.lexeme;
    const parts = e.args.map((a) => truth(evalExpr(a, f)));
    const combined = parts.reduce((acc, b) => (op === "&&" ? and(acc, b) : or(acc, b)));
    return { k: "cond", b: combined };
  }
  if (e instanceof Binary) {
    const op = e.operator.lexeme;
    if (op !== "==" && op !== "!=") return { k: "unknown" };
    const eq = equals(evalExpr(e.left, f), evalExpr(e.right, f), f);
    return { k: "cond", b: op === "==" ? eq : not(eq) };
  }
  if (e instanceof FunctionCall) {
    const name = e.functionName.lexeme.toLowerCase();
    if (name === "always" || name === "success") return { k: "bool", v: true };
    if (name === "fromjson") {
      const arg = e.args[0] ? evalExpr(e.args[0], f) : undefined;
      if (arg?.k !== "str") return { k: "unknown" };
      try {
        const v: unknown = JSON.parse(arg.v);
        if (Array.isArray(v) && v.every((x) => typeof x === "string")) return { k: "arr", v };
        if (typeof v === "string") return { k: "str", v };
        if (typeof v === "boolean") return { k: "bool", v };
      } catch {
        // not JSON: unknown
      }
      return { k: "unknown" };
    }
    if (name === "contains") {
      const [a, b] = e.args.map((x) => evalExpr(x, f));
      if (a?.k === "arr" && b?.k === "str")
        return { k: "bool", v: a.v.some((x) => x.toLowerCase() === b.v.toLowerCase()) };
      if (a?.k === "arr" && b?.k === "ref") {
        const r = a.v.reduce(
          (acc, x) => acc.union(refLang(b.name, Lang.literal(x, { ignoreCase: f.refsIgnoreCase !== false }))),
          Lang.empty(),
        );
        return { k: "cond", b: { min: r, max: r } };
      }
    }
    if (name === "startswith" || name === "endswith" || name === "contains") {
      const [a, b] = e.args.map((x) => evalExpr(x, f));
      if (!a || !b || b.k !== "str") return { k: "unknown" };
      if (a.k === "str") {
        const x = a.v.toLowerCase();
        const y = b.v.toLowerCase();
        return {
          k: "bool",
          v: name === "startswith" ? x.startsWith(y) : name === "endswith" ? x.endsWith(y) : x.includes(y),
        };
      }
      if (a.k === "ref") {
        const lit = Lang.literal(b.v, { ignoreCase: f.refsIgnoreCase !== false });
        const l =
          name === "startswith"
            ? lit.concat(Lang.any())
            : name === "endswith"
              ? Lang.any().concat(lit)
              : Lang.any().concat(lit).concat(Lang.any());
        const r = refLang(a.name, l);
        return { k: "cond", b: { min: r, max: r } };
      }
      return { k: "unknown" };
    }
    return { k: "unknown" };
  }
  return { k: "unknown" };
}

function equals(a: Sym, b: Sym, f: ConditionFacts): RefBounds {
  if (a.k === "ref" && b.k === "str") {
    const r = refLang(a.name, Lang.literal(b.v, { ignoreCase: f.refsIgnoreCase !== false }));
    return { min: r, max: r };
  }
  if (b.k === "ref" && a.k === "str") return equals(b, a, f);
  if (a.k === "str" && b.k === "str") return a.v.toLowerCase() === b.v.toLowerCase() ? ALL : NONE;
  if (a.k === "bool" && b.k === "bool") return a.v === b.v ? ALL : NONE;
  if (a.k === "null" && b.k === "null") return ALL;
  return OPEN;
}

function access(e: Expr, f: ConditionFacts): Sym {
  const path: string[] = [];
  let cur: Expr = e;
  while (cur instanceof IndexAccess) {
    const idx = cur.index;
    if (idx instanceof Literal && typeof (idx.literal as unknown as { value?: unknown }).value === "string") {
      path.unshift((idx.literal as unknown as { value: string }).value);
    } else if (idx instanceof ContextAccess) {
      path.unshift(idx.name.lexeme);
    } else {
      return { k: "unknown" };
    }
    cur = cur.expr;
  }
  if (!(cur instanceof ContextAccess)) return { k: "unknown" };
  path.unshift(cur.name.lexeme);
  const p = path.map((x) => x.toLowerCase());
  if (p[0] !== "github" || p.length !== 2) return { k: "unknown" };
  switch (p[1]) {
    case "event_name":
      return { k: "str", v: f.event };
    case "ref":
      return { k: "ref", name: false };
    case "ref_name":
      return { k: "ref", name: true };
    case "base_ref":
      return f.baseRef === null ? { k: "unknown" } : { k: "str", v: f.baseRef };
    case "head_ref":
      return f.headRef === null ? { k: "unknown" } : { k: "str", v: f.headRef };
    default:
      return { k: "unknown" };
  }
}
