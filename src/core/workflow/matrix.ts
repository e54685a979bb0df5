import { isWholeExpression } from "./expression.js";
import type { Entry, Node, Span } from "./node.js";
import { type ShapeReader, stringNode } from "./shape-reader.js";
import type { YamlValue } from "./yaml-tree.js";

/** A matrix value: a scalar, or a list/mapping of them (e.g. `- { env: prod, role: ... }`). */
export type MatrixValue = string | number | boolean | null | MatrixValue[] | { [key: string]: MatrixValue };

/** One matrix variable (`os: [ubuntu, windows]`), or an expression that yields its values. */
export interface MatrixDimension {
  name: Node<string>;
  /** The values, when written out. */
  values?: Node<MatrixValue>[];
  /** Set when the values come from an expression, e.g. `${{ fromJSON(needs.a.outputs.envs) }}`. */
  expression?: Node<string>;
}

/** One entry of `include` or `exclude`. */
export interface MatrixRow {
  entries: Entry<MatrixValue>[];
  span: Span;
  route: string;
}

/** `strategy.matrix` of a job. */
export interface Matrix {
  span: Span;
  route: string;
  /** Set when the whole matrix is an expression (`matrix: ${{ fromJSON(...) }}`). */
  expression?: Node<string>;
  dimensions: MatrixDimension[];
  include?: MatrixRow[];
  /** Set when `include` is an expression. */
  includeExpression?: Node<string>;
  exclude?: MatrixRow[];
  /** Set when `exclude` is an expression. */
  excludeExpression?: Node<string>;
}

/** One job instance of a matrix: variable name → value. */
export type MatrixCombination = ReadonlyMap<string, Node<MatrixValue>>;

/** The outcome of {@link expandMatrix}. */
export type MatrixExpansion =
  | { kind: "static"; combinations: MatrixCombination[] }
  /** Part of the matrix is computed at run time; `at` is the expression. */
  | { kind: "dynamic"; at: Node<string> }
  /** More combinations than `limit` (GitHub allows 256 jobs per matrix). */
  | { kind: "too-large"; count: number; limit: number; beforeExclude?: boolean };

/** Why a matrix variable has no known value when the matrix is too large to expand. */
export function matrixTooLargeReason(e: { count: number; limit: number; beforeExclude?: boolean }): string {
  return e.beforeExclude
    ? `the matrix has ${e.count} combinations before \`exclude\`, too many for rolecall to expand (it expands up to ${e.limit}, the most jobs GitHub runs for one matrix)`
    : `the matrix has ${e.count} combinations, more than the ${e.limit} jobs GitHub runs for one matrix`;
}

/** Reads `strategy.matrix`. */
export function readMatrix(reader: ShapeReader, value: YamlValue | undefined): Matrix | undefined {
  if (!value) return undefined;
  if (value.kind === "scalar" && typeof value.value === "string" && isWholeExpression(value.value)) {
    return { span: value.span, route: value.route, expression: stringNode(value), dimensions: [] };
  }
  const map = reader.map(value, "`strategy.matrix`");
  if (!map) return undefined;
  const matrix: Matrix = { span: map.span, route: map.route, dimensions: [] };
  for (const pair of map.pairs) {
    const key = pair.key.value;
    if (key === "include" || key === "exclude") {
      const v = pair.value;
      if (v.kind === "scalar" && typeof v.value === "string" && isWholeExpression(v.value)) {
        if (key === "include") matrix.includeExpression = stringNode(v);
        else matrix.excludeExpression = stringNode(v);
        continue;
      }
      const list = reader.seq(v, `\`strategy.matrix.${key}\``);
      if (!list) continue;
      const rows: MatrixRow[] = [];
      for (const item of list.items) {
        const row = reader.map(item, `Each entry of \`strategy.matrix.${key}\``);
        if (!row) continue;
        rows.push({
          entries: row.pairs.map((p) => ({ key: p.key, value: matrixNode(p.value) })),
          span: row.span,
          route: row.route,
        });
      }
      if (key === "include") matrix.include = rows;
      else matrix.exclude = rows;
      continue;
    }
    const v = pair.value;
    if (v.kind === "seq") {
      matrix.dimensions.push({ name: pair.key, values: v.items.map(matrixNode) });
    } else if (v.kind === "scalar" && typeof v.value === "string" && isWholeExpression(v.value)) {
      matrix.dimensions.push({ name: pair.key, expression: stringNode(v) });
    } else {
      reader.invalid(v, `The matrix variable \`${key}\` must be a list of values or an expression.`);
    }
  }
  return matrix;
}

function matrixNode(value: YamlValue): Node<MatrixValue> {
  const node: Node<MatrixValue> = { value: plain(value), span: value.span, route: value.route };
  if (value.via) node.via = value.via;
  if (value.kind === "scalar" && value.valueOffset !== undefined) node.valueOffset = value.valueOffset;
  return node;
}

function plain(value: YamlValue): MatrixValue {
  if (value.kind === "scalar") return value.value;
  if (value.kind === "seq") return value.items.map(plain);
  const out: { [key: string]: MatrixValue } = {};
  for (const pair of value.pairs) {
    Object.defineProperty(out, pair.key.value, {
      value: plain(pair.value),
      enumerable: true,
      writable: true,
    });
  }
  return out;
}

/**
 * Expands a matrix into its combinations the way GitHub does: the product of the variables, minus
 * `exclude` matches, then each `include` entry is added to every combination whose original values
 * it does not overwrite, or becomes a new combination when it fits none. Returns `dynamic` when
 * the matrix, a variable, `include` or `exclude` is an expression.
 */
export function expandMatrix(matrix: Matrix, limit = 256): MatrixExpansion {
  if (matrix.expression) return { kind: "dynamic", at: matrix.expression };
  for (const d of matrix.dimensions) if (d.expression) return { kind: "dynamic", at: d.expression };
  if (matrix.includeExpression) return { kind: "dynamic", at: matrix.includeExpression };
  if (matrix.excludeExpression) return { kind: "dynamic", at: matrix.excludeExpression };

  const dims = matrix.dimensions.filter((d) => d.values);
  let count = dims.length === 0 ? 0 : 1;
  for (const d of dims) count *= d.values!.length;
  const hardLimit = Math.max(limit, 1) * 16;
  if (count > hardLimit) return { kind: "too-large", count, limit, beforeExclude: true };

  let base: Map<string, Node<MatrixValue>>[] = dims.length === 0 ? [] : [new Map()];
  for (const d of dims) {
    const next: Map<string, Node<MatrixValue>>[] = [];
    for (const combo of base) {
      for (const value of d.values!) next.push(new Map(combo).set(d.name.value, value));
    }
    base = next;
  }
  for (const row of matrix.exclude ?? []) {
    base = base.filter((combo) => !row.entries.every((e) => matches(combo.get(e.key.value), e.value)));
  }
  const originalKeys = new Set(dims.map((d) => d.name.value));
  const extra: Map<string, Node<MatrixValue>>[] = [];
  for (const row of matrix.include ?? []) {
    let added = false;
    for (const combo of base) {
      const fits = row.entries.every(
        (e) => !originalKeys.has(e.key.value) || matches(combo.get(e.key.value), e.value),
      );
      if (!fits) continue;
      for (const e of row.entries) combo.set(e.key.value, e.value);
      added = true;
    }
    if (!added) extra.push(new Map(row.entries.map((e) => [e.key.value, e.value])));
  }
  const combinations = [...base, ...extra];
  if (combinations.length > limit) return { kind: "too-large", count: combinations.length, limit };
  return { kind: "static", combinations };
}

function matches(actual: Node<MatrixValue> | undefined, expected: Node<MatrixValue>): boolean {
  return actual !== undefined && deepEqual(actual.value, expected.value);
}

function deepEqual(a: MatrixValue, b: MatrixValue): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => deepEqual(x, b[i]!));
  }
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  return ka.length === kb.length && ka.every((k) => Object.hasOwn(b, k) && deepEqual(a[k]!, b[k]!));
}
