import { checkExpressions, containsExpression, isWholeExpression } from "./expression.js";
import type { Entry, Node } from "./node.js";
import type { WorkflowDiagnostic } from "./workflow-diagnostic.js";
import type { YamlMap, YamlScalar, YamlSeq, YamlValue } from "./yaml-tree.js";

/** A mapping of strings (`env:`, `with:`), or an expression standing for the whole mapping. */
export interface StringMap {
  entries: Entry<string>[];
  /** Set when the whole mapping is one expression, e.g. `env: ${{ fromJSON(vars.ENV) }}`. */
  expression?: Node<string>;
  span: Node<unknown>["span"];
  route: string;
}

/**
 * Reads typed values out of the positioned YAML tree, recording a located `invalid-shape`
 * diagnostic for every value of the wrong shape. Internal to the workflow model.
 */
export class ShapeReader {
  readonly diagnostics: WorkflowDiagnostic[] = [];

  constructor(readonly file: string) {}

  /** Records an `invalid-shape` error at `at`. */
  invalid(at: { span: Node<unknown>["span"]; route: string }, message: string): void {
    this.diagnostics.push({
      code: "invalid-shape",
      severity: "error",
      message,
      file: this.file,
      span: at.span,
      route: at.route,
    });
  }

  /** The value of `key` in `map`, if present. */
  get(map: YamlMap | undefined, key: string): YamlValue | undefined {
    if (!map) return undefined;
    for (const pair of map.pairs) if (pair.key.value === key) return pair.value;
    return undefined;
  }

  /** A mapping, or undefined (with a diagnostic unless the value is absent or null). */
  map(value: YamlValue | undefined, what: string): YamlMap | undefined {
    if (!value || isNull(value)) return undefined;
    if (value.kind === "map") return value;
    this.invalid(value, `${what} must be a mapping, not ${describe(value)}; it was ignored.`);
    return undefined;
  }

  /** A sequence, or undefined (with a diagnostic unless the value is absent or null). */
  seq(value: YamlValue | undefined, what: string): YamlSeq | undefined {
    if (!value || isNull(value)) return undefined;
    if (value.kind === "seq") return value;
    this.invalid(value, `${what} must be a list, not ${describe(value)}; it was ignored.`);
    return undefined;
  }

  /** A scalar as a string node (numbers and booleans as GitHub prints them). */
  string(value: YamlValue | undefined, what: string): Node<string> | undefined {
    if (!value) return undefined;
    if (value.kind === "scalar") return stringNode(value);
    this.invalid(value, `${what} must be a string, not ${describe(value)}; it was ignored.`);
    return undefined;
  }

  /** A scalar as a number (or a string when it is an expression). */
  numberOrExpression(value: YamlValue | undefined, what: string): Node<number | string> | undefined {
    if (!value || isNull(value)) return undefined;
    if (value.kind === "scalar") {
      if (typeof value.value === "number") return { ...stringNode(value), value: value.value };
      if (typeof value.value === "string" && containsExpression(value.value)) return stringNode(value);
      const n = Number(value.text);
      if (value.text.trim() !== "" && Number.isFinite(n)) return { ...stringNode(value), value: n };
    }
    this.invalid(value, `${what} must be a number or an expression, not ${describe(value)}; it was ignored.`);
    return undefined;
  }

  /** A scalar as a boolean (or a string when it is an expression or not a boolean). */
  booleanOrText(value: YamlValue | undefined, what: string): Node<boolean | string> | undefined {
    if (!value || isNull(value)) return undefined;
    if (value.kind === "scalar") {
      if (typeof value.value === "boolean") return { ...stringNode(value), value: value.value };
      return stringNode(value);
    }
    this.invalid(value, `${what} must be a boolean, not ${describe(value)}; it was ignored.`);
    return undefined;
  }

  /** A string or a list of strings (branch filters, `runs-on`, `needs`). */
  stringList(value: YamlValue | undefined, what: string): Node<Node<string>[]> | undefined {
    if (!value) return undefined;
    if (value.kind === "scalar") {
      if (value.value === null) return { value: [], span: value.span, route: value.route };
      return { value: [stringNode(value)], span: value.span, route: value.route, ...viaOf(value) };
    }
    if (value.kind === "seq") {
      const items: Node<string>[] = [];
      for (const item of value.items) {
        const s = this.string(item, `Each item of ${what}`);
        if (s) items.push(s);
      }
      return { value: items, span: value.span, route: value.route, ...viaOf(value) };
    }
    this.invalid(value, `${what} must be a string or a list of strings, not a mapping; it was ignored.`);
    return undefined;
  }

  /** A mapping of strings, or an expression standing for it. */
  stringMap(value: YamlValue | undefined, what: string): StringMap | undefined {
    if (!value || isNull(value)) return undefined;
    if (value.kind === "scalar" && typeof value.value === "string" && isWholeExpression(value.value)) {
      return { entries: [], expression: stringNode(value), span: value.span, route: value.route };
    }
    const map = this.map(value, what);
    if (!map) return undefined;
    const entries: Entry<string>[] = [];
    for (const pair of map.pairs) {
      const v = this.string(pair.value, `The value of \`${pair.key.value}\` in ${what}`);
      if (v) entries.push({ key: pair.key, value: v });
    }
    return { entries, span: map.span, route: map.route };
  }

  /** Records `invalid-expression` diagnostics for the expressions of a string node. */
  checkExpressions(node: Node<string> | undefined, options: { asCondition?: boolean } = {}): void {
    if (!node) return;
    if (!options.asCondition && !containsExpression(node.value)) return;
    this.diagnostics.push(...checkExpressions(node, this.file, options).diagnostics);
  }
}

/** A scalar of the YAML tree as a string node. */
export function stringNode(value: YamlScalar): Node<string> {
  const node: Node<string> = { value: value.text, span: value.span, route: value.route };
  if (value.via) node.via = value.via;
  if (value.valueOffset !== undefined) node.valueOffset = value.valueOffset;
  return node;
}

function viaOf(value: YamlValue): { via?: Node<unknown>["span"] } {
  return value.via ? { via: value.via } : {};
}

/** True for a YAML null (`key:` with nothing after it, `~` or `null`). */
export function isNull(value: YamlValue): boolean {
  return value.kind === "scalar" && value.value === null;
}

function describe(value: YamlValue): string {
  if (value.kind === "map") return "a mapping";
  if (value.kind === "seq") return "a list";
  if (value.value === null) return "empty";
  return `the ${typeof value.value} \`${value.text.length > 40 ? `${value.text.slice(0, 37)}...` : value.text}\``;
}
