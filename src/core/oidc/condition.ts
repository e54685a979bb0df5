import { data, type Expr } from "@actions/expressions";
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

/**
 * The one three-valued interpreter of `if:` conditions (issue 7 §2, §4). A condition is evaluated
 * for a hypothetical run as a pair of ref sets: the refs for which it is certainly true (`min`) and
 * possibly true (`max`). Everything else a condition reads is a fact of the run (`RunFacts`): per
 * event, what GitHub's contexts hold (`github.event.ref` is null on `pull_request`,
 * `github.event.pull_request.*` exists only on pull request events, `github.event.action` is one of
 * the trigger's `types`), or a symbol for values rolecall cannot know but can compare (the fork's
 * repository differs from the base repository). Property access is null-safe, as GitHub's is. A
 * value rolecall cannot know keeps the run possible (`max` stays open, `min` does not grow): the
 * caller calls such a run *conditional*.
 */

/** A set of refs known to satisfy a condition (`min`) and possibly satisfying it (`max`). */
export interface RefBounds {
  min: Lang;
  max: Lang;
}

/**
 * A value of a GitHub expression in a hypothetical run: a literal; a string pattern (lower case
 * `prefix…suffix`, e.g. `refs/pull/…/merge`); a symbol that differs from every other symbol (the
 * fork's repository vs the base repository); one of a few strings; a list; or unknown.
 */
export type RunValue =
  | { kind: "literal"; value: string | number | boolean | null }
  | { kind: "pattern"; prefix: string; suffix: string }
  | { kind: "symbol"; name: string; equalsLiteral: false | undefined; differsFrom?: readonly string[] }
  | { kind: "one-of"; values: readonly string[] }
  | { kind: "list"; items: RunValue[] }
  | { kind: "unknown" };

/** What is known of a run: context values by lower-case dotted path (`github.event_name`). */
export type RunFacts = ReadonlyMap<string, RunValue>;

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
  /** The trigger's activity `types:` (what `github.event.action` can be), when listed. */
  types?: readonly string[] | null;
  /** `owner/name` of the repository the run belongs to, when known (`github.repository`). */
  repository?: string | null;
  /** Further facts by path; they take precedence over what the event implies. */
  values?: RunFacts;
}

const ALL: RefBounds = { min: Lang.any(), max: Lang.any() };
const NONE: RefBounds = { min: Lang.empty(), max: Lang.empty() };
const OPEN: RefBounds = { min: Lang.empty(), max: Lang.any() };

const not = (b: RefBounds): RefBounds => ({ min: b.max.complement(), max: b.min.complement() });
const and = (a: RefBounds, b: RefBounds): RefBounds => ({
  min: a.min.intersect(b.min),
  max: a.max.intersect(b.max),
});
const or = (a: RefBounds, b: RefBounds): RefBounds => ({ min: a.min.union(b.min), max: a.max.union(b.max) });
const tri = (t: boolean | undefined): RefBounds => (t === undefined ? OPEN : t ? ALL : NONE);

/** Events whose payloads carry the pull request (`github.event.pull_request`). */
export const PULL_REQUEST_EVENTS: readonly string[] = [
  "pull_request",
  "pull_request_target",
  "pull_request_review",
  "pull_request_review_comment",
];

/**
 * Evaluates a job's or step's `if:` for a run: the refs for which it is certainly true (`min`) and
 * possibly true (`max`). Refs are compared case-insensitively unless `refsIgnoreCase` is false;
 * other strings case-insensitively, as GitHub does.
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

/**
 * Whether a condition can hold in a run whose `github.ref` is one of `refs`: false only when it
 * certainly cannot. No condition, an unparseable one, or one that mixes text with `${{ }}` may hold.
 */
export function conditionMayHold(
  text: string | undefined,
  facts: ConditionFacts,
  refs: Lang = Lang.any(),
): boolean {
  return !evaluateCondition(text, facts).max.intersect(refs).isEmpty();
}

/**
 * The facts of one run context: its event, refs, activity types, and for a pull request whether
 * the head is this repository or a fork (`github.event.pull_request.head.repo.*`).
 */
export function runConditionFacts(
  t: {
    event: string;
    baseRef: string | null;
    headRef: string | null;
    fork: boolean;
    types?: readonly string[] | undefined;
  },
  repository: string | null,
): ConditionFacts {
  const values = new Map<string, RunValue>();
  if (PULL_REQUEST_EVENTS.includes(t.event)) {
    const base: RunValue = repository
      ? { kind: "literal", value: repository }
      : { kind: "symbol", name: "base-repo", equalsLiteral: undefined };
    const head: RunValue = t.fork ? { kind: "symbol", name: "fork-repo", equalsLiteral: false } : base;
    values.set("github.repository", base);
    values.set("github.event.pull_request.head.repo.full_name", head);
    values.set("github.event.pull_request.head.repo.fork", { kind: "literal", value: t.fork });
    values.set("github.event.pull_request.base.repo.full_name", base);
  }
  return {
    event: t.event,
    baseRef: t.baseRef,
    headRef: t.headRef,
    types: t.types ?? null,
    repository,
    values,
  };
}

/** What GitHub's contexts hold for a run of `event` (before anything the caller knows better). */
function eventValue(path: string, f: ConditionFacts): Sym | undefined {
  const pr = PULL_REQUEST_EVENTS.includes(f.event);
  switch (path) {
    case "github.event_name":
      return { k: "str", v: f.event };
    case "github.ref":
      return { k: "ref", name: false };
    case "github.ref_name":
      return { k: "ref", name: true };
    case "github.base_ref":
      return f.baseRef === null ? undefined : { k: "str", v: f.baseRef };
    case "github.head_ref":
      return f.headRef === null ? undefined : { k: "str", v: f.headRef };
    case "github.repository":
      return f.repository ? { k: "str", v: f.repository } : undefined;
    case "github.repository_owner":
      return f.repository ? { k: "str", v: f.repository.split("/")[0]! } : undefined;
    case "github.event.ref":
      // Push and dispatch payloads carry the full ref; pull request, release, schedule and
      // workflow_run payloads have no top-level `ref` (create/delete carry a short name).
      if (f.event === "push" || f.event === "workflow_dispatch") return { k: "ref", name: false };
      if (
        pr ||
        ["release", "schedule", "workflow_run", "merge_group", "issue_comment", "issues"].includes(f.event)
      )
        return { k: "null" };
      return undefined;
    case "github.event.action":
      if (f.types && f.types.length > 0)
        return f.types.length === 1 ? { k: "str", v: f.types[0]! } : { k: "oneof", v: [...f.types] };
      return undefined;
    default:
      return undefined;
  }
}

/** True when a payload object is certainly absent for this event: every property under it is null. */
function absentObject(path: string, f: ConditionFacts): boolean {
  const pr = PULL_REQUEST_EVENTS.includes(f.event);
  const under = (p: string) => path === p || path.startsWith(`${p}.`);
  if (under("github.event.pull_request")) return !pr;
  if (under("github.event.workflow_run")) return f.event !== "workflow_run";
  if (under("github.event.release")) return f.event !== "release";
  if (under("github.event.inputs")) return f.event !== "workflow_dispatch";
  if (under("github.event.merge_group")) return f.event !== "merge_group";
  return false;
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
  | { k: "arr"; v: Sym[] }
  | { k: "oneof"; v: string[] }
  | { k: "pattern"; prefix: string; suffix: string }
  | { k: "sym"; name: string; equalsLiteral: false | undefined; differsFrom?: readonly string[] }
  | { k: "unknown" };

function fromRunValue(v: RunValue): Sym {
  switch (v.kind) {
    case "literal":
      return literal(v.value);
    case "pattern":
      return { k: "pattern", prefix: v.prefix, suffix: v.suffix };
    case "symbol":
      return { k: "sym", name: v.name, equalsLiteral: v.equalsLiteral, differsFrom: v.differsFrom };
    case "one-of":
      return { k: "oneof", v: [...v.values] };
    case "list":
      return { k: "arr", v: v.items.map(fromRunValue) };
    case "unknown":
      return { k: "unknown" };
  }
}

function literal(v: string | number | boolean | null): Sym {
  if (typeof v === "string") return { k: "str", v };
  if (typeof v === "boolean") return { k: "bool", v };
  if (typeof v === "number") return { k: "num", v };
  return { k: "null" };
}

/** GitHub truthiness: `false`, `0`, `''`, `null` and NaN are falsy; objects and lists are truthy. */
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
    case "oneof":
      return s.v.every((x) => x !== "") ? ALL : OPEN;
    case "ref":
    case "arr":
    case "pattern":
    case "sym":
      return ALL; // a ref, a pattern or a symbol is never empty; a list is truthy
    case "unknown":
      return OPEN;
  }
}

/** Refs whose `github.ref` (or `github.ref_name`) satisfies `test` on the value. */
function refLang(name: boolean, lang: Lang): Lang {
  if (!name) return lang;
  return Lang.literal("refs/heads/").concat(lang).union(Lang.literal("refs/tags/").concat(lang));
}

function evalExpr(e: Expr, f: ConditionFacts): Sym {
  if (e instanceof Grouping) return evalExpr(e.group, f);
  if (e instanceof Literal) {
    const v = e.literal;
    if (v.kind === data.Kind.Null) return { k: "null" };
    if (v.kind === data.Kind.String || v.kind === data.Kind.Number || v.kind === data.Kind.Boolean)
      return literal(v.value as string | number | boolean);
    return { k: "unknown" };
  }
  if (e instanceof ContextAccess || e instanceof IndexAccess) return access(e, f);
  if (e instanceof Unary) return { k: "cond", b: not(truth(evalExpr(e.expr, f))) };
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
  if (e instanceof FunctionCall) return call(e, f);
  return { k: "unknown" };
}

function call(e: FunctionCall, f: ConditionFacts): Sym {
  const name = e.functionName.lexeme.toLowerCase();
  if (name === "always" || name === "success") return { k: "bool", v: true };
  const args = e.args.map((x) => evalExpr(x, f));
  if (name === "fromjson") {
    const arg = args[0];
    if (arg?.k !== "str") return { k: "unknown" };
    try {
      return fromJson(JSON.parse(arg.v) as unknown);
    } catch {
      return { k: "unknown" };
    }
  }
  const [a, b] = args;
  if (!a || !b) return { k: "unknown" };
  if (name === "contains" && a.k === "arr") {
    let r: RefBounds = NONE;
    for (const item of a.v) r = or(r, equals(item, b, f));
    return { k: "cond", b: r };
  }
  if (name !== "startswith" && name !== "endswith" && name !== "contains") return { k: "unknown" };
  if (b.k !== "str" && b.k !== "num" && b.k !== "bool" && b.k !== "null") return { k: "unknown" };
  const needle = coerceString(b).toLowerCase();
  const test = (h: string) =>
    name === "startswith"
      ? h.startsWith(needle)
      : name === "endswith"
        ? h.endsWith(needle)
        : h.includes(needle);
  if (a.k === "str" || a.k === "num" || a.k === "bool" || a.k === "null")
    return { k: "bool", v: test(coerceString(a).toLowerCase()) };
  if (a.k === "ref") {
    const lit = Lang.literal(coerceString(b), { ignoreCase: f.refsIgnoreCase !== false });
    const l =
      name === "startswith"
        ? lit.concat(Lang.any())
        : name === "endswith"
          ? Lang.any().concat(lit)
          : Lang.any().concat(lit).concat(Lang.any());
    const r = refLang(a.name, l);
    return { k: "cond", b: { min: r, max: r } };
  }
  if (a.k === "oneof") {
    const hits = a.v.map((x) => test(x.toLowerCase()));
    return hits.every(Boolean)
      ? { k: "bool", v: true }
      : hits.some(Boolean)
        ? { k: "unknown" }
        : { k: "bool", v: false };
  }
  if (a.k === "pattern") {
    if (name === "contains")
      return a.prefix.includes(needle) || a.suffix.includes(needle)
        ? { k: "bool", v: true }
        : { k: "unknown" };
    const start = name === "startswith";
    const fixed = start ? a.prefix : a.suffix;
    if (start ? fixed.startsWith(needle) : fixed.endsWith(needle)) return { k: "bool", v: true };
    // The needle extends the fixed part into the variable middle: it may or may not match.
    return (start ? needle.startsWith(fixed) : needle.endsWith(fixed))
      ? { k: "unknown" }
      : { k: "bool", v: false };
  }
  return { k: "unknown" };
}

function fromJson(v: unknown): Sym {
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean")
    return literal(v);
  if (Array.isArray(v)) return { k: "arr", v: v.map(fromJson) };
  return { k: "unknown" };
}

function coerceString(s: Sym & { k: "str" | "num" | "bool" | "null" }): string {
  if (s.k === "null") return "";
  return String(s.v);
}

/** GitHub's number coercion for `==` of mixed types: null → 0, booleans → 0/1, strings parsed. */
function toNumber(s: Sym & { k: "str" | "num" | "bool" | "null" }): number {
  if (s.k === "null") return 0;
  if (s.k === "bool") return s.v ? 1 : 0;
  if (s.k === "num") return s.v;
  return s.v.trim() === "" ? 0 : Number(s.v);
}

const isPrim = (s: Sym): s is Sym & { k: "str" | "num" | "bool" | "null" } =>
  s.k === "str" || s.k === "num" || s.k === "bool" || s.k === "null";

/**
 * `==` of GitHub expressions: strings compare case-insensitively, mixed primitive types as numbers
 * (so `null == 'refs/heads/main'` is false and `null == ''` is true); a ref against a string is the
 * set of refs spelled so; symbols equal only themselves.
 */
function equals(a: Sym, b: Sym, f: ConditionFacts): RefBounds {
  if (a.k === "ref" && b.k === "str") {
    const r = refLang(a.name, Lang.literal(b.v, { ignoreCase: f.refsIgnoreCase !== false }));
    return { min: r, max: r };
  }
  if (b.k === "ref" && a.k === "str") return equals(b, a, f);
  if (a.k === "ref" && isPrim(b)) return NONE; // a ref is a non-empty string that is not a number
  if (b.k === "ref" && isPrim(a)) return NONE;
  if (isPrim(a) && isPrim(b)) {
    if (a.k === "str" && b.k === "str") return tri(a.v.toLowerCase() === b.v.toLowerCase());
    const x = toNumber(a);
    const y = toNumber(b);
    return tri(!Number.isNaN(x) && x === y);
  }
  if (a.k === "oneof" && b.k === "str") {
    const hits = a.v.filter((x) => x.toLowerCase() === b.v.toLowerCase()).length;
    return hits === 0 ? NONE : a.v.length === 1 ? ALL : OPEN;
  }
  if (b.k === "oneof" && a.k === "str") return equals(b, a, f);
  if (a.k === "sym" && b.k === "sym") return tri(a.name === b.name);
  if (a.k === "sym" || b.k === "sym") {
    const [s, other] = a.k === "sym" ? [a, b] : [b as Sym & { k: "sym" }, a];
    if (!isPrim(other)) return OPEN;
    if (other.k === "null") return NONE; // a symbol is a non-empty value
    if (s.differsFrom?.includes(coerceString(other).toLowerCase())) return NONE;
    return tri(s.equalsLiteral);
  }
  if (a.k === "pattern" || b.k === "pattern") {
    const [p, other] = a.k === "pattern" ? [a, b] : [b as Sym & { k: "pattern" }, a];
    if (!isPrim(other)) return OPEN;
    if (other.k !== "str") return NONE;
    const s = other.v.toLowerCase();
    const fits =
      s.length >= p.prefix.length + p.suffix.length && s.startsWith(p.prefix) && s.endsWith(p.suffix);
    return fits ? OPEN : NONE;
  }
  return OPEN;
}

function access(e: Expr, f: ConditionFacts): Sym {
  const path: string[] = [];
  let cur: Expr = e;
  while (cur instanceof IndexAccess) {
    const idx = cur.index;
    if (idx instanceof Literal && idx.literal.primitive) {
      path.unshift(idx.literal.coerceString());
    } else if (idx instanceof ContextAccess) {
      path.unshift(idx.name.lexeme);
    } else {
      return { k: "unknown" };
    }
    cur = cur.expr;
  }
  if (!(cur instanceof ContextAccess)) return { k: "unknown" };
  path.unshift(cur.name.lexeme);
  const p = path.map((x) => x.toLowerCase()).join(".");
  const known = f.values?.get(p);
  if (known) return fromRunValue(known);
  // Null-safe access: under a value known to be null, every property is null.
  for (let i = p.lastIndexOf("."); i > 0; i = p.lastIndexOf(".", i - 1)) {
    const parent = f.values?.get(p.slice(0, i));
    if (parent?.kind === "literal" && parent.value === null) return { k: "null" };
  }
  if (absentObject(p, f)) return { k: "null" };
  return eventValue(p, f) ?? { k: "unknown" };
}
