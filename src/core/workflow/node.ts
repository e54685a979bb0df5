import type { Position, Span } from "../span.js";

export type { Position, Span };

/**
 * A value read from a workflow file, with where it is.
 *
 * - `span` is where the value's text is in the file (for a value reached through a YAML alias, the
 *   anchored text; `via` then gives the span of the alias that brought it here).
 * - `route` is a stable path such as `jobs.deploy.steps[2].with.role-to-assume`, used for
 *   fingerprints; it follows the usage site, so aliased copies get distinct routes.
 */
export interface Node<T> {
  value: T;
  span: Span;
  route: string;
  /** Span of the outermost YAML alias (`*name`) this value was reached through, if any. */
  via?: Span;
  /**
   * File offset of `value[0]` when a string value maps one-to-one onto the file text (a single-line
   * plain scalar, or a quoted scalar without escapes). Lets {@link spanWithin} locate a part of it.
   */
  valueOffset?: number;
}

/** A key of a YAML mapping with its value, e.g. one entry of `with:` or `env:`. */
export interface Entry<T> {
  key: Node<string>;
  value: Node<T>;
}

/**
 * The span of `value.slice(start, end)` inside a string node, when the node's text maps
 * one-to-one onto the file; otherwise the whole node's span.
 */
export function spanWithin(node: Node<string>, start: number, end: number): Span {
  if (node.valueOffset === undefined) return node.span;
  const s = Math.max(0, Math.min(start, node.value.length));
  const e = Math.max(s, Math.min(end, node.value.length));
  const at = (i: number): Position => {
    const offset = node.valueOffset! + i;
    return {
      line: node.span.start.line,
      column: node.span.start.column + (offset - node.span.start.offset),
      offset,
    };
  };
  return { start: at(s), end: at(e) };
}
