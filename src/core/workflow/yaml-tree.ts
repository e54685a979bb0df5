import {
  type Alias,
  type Document,
  isAlias,
  isMap,
  isPair,
  isScalar,
  isSeq,
  LineCounter,
  parseDocument,
  type Scalar,
  visit,
  type YAMLError,
  type Node as YamlAstNode,
} from "yaml";
import type { Node, Position, Span } from "./node.js";
import { routeIndex, routeKey } from "./route.js";
import type { WorkflowDiagnostic } from "./workflow-diagnostic.js";

/** A scalar of the positioned YAML tree. */
export interface YamlScalar {
  kind: "scalar";
  /** The value under the YAML 1.2 core schema (other tags fall back to their source text). */
  value: string | number | boolean | null;
  /** The value as GitHub reads it where a string is expected (`null` → `""`, `true` → `"true"`). */
  text: string;
  span: Span;
  route: string;
  via?: Span;
  /** See {@link Node.valueOffset}. */
  valueOffset?: number;
}

/** One key/value pair of a {@link YamlMap}. */
export interface YamlPair {
  key: Node<string>;
  value: YamlValue;
}

/** A mapping of the positioned YAML tree (duplicates dropped, merge keys applied). */
export interface YamlMap {
  kind: "map";
  pairs: YamlPair[];
  span: Span;
  route: string;
  via?: Span;
}

/** A sequence of the positioned YAML tree. */
export interface YamlSeq {
  kind: "seq";
  items: YamlValue[];
  span: Span;
  route: string;
  via?: Span;
}

/** A node of the positioned YAML tree: aliases resolved, every node with its span and route. */
export type YamlValue = YamlScalar | YamlMap | YamlSeq;

/** Options of {@link parseYamlTree}. */
export interface YamlTreeOptions {
  /** Most nodes that alias expansion may produce in one file (default 50 000). */
  aliasBudget?: number;
  /** Deepest nesting modelled (default 200). */
  maxDepth?: number;
}

/** The positioned tree of a YAML file, or null when the file has no content, plus diagnostics. */
export interface YamlTree {
  root: YamlValue | null;
  diagnostics: WorkflowDiagnostic[];
}

const DEFAULT_ALIAS_BUDGET = 50_000;
const DEFAULT_MAX_DEPTH = 200;

interface BuildContext {
  file: string;
  text: string;
  lines: LineCounter;
  anchors: Map<Alias, YamlAstNode | undefined>;
  diagnostics: WorkflowDiagnostic[];
  budget: number;
  maxDepth: number;
  expanded: number;
  aliasDepth: number;
  limitReported: boolean;
  depthReported: boolean;
  active: Set<YamlAstNode>;
}

/**
 * Parses YAML text into a positioned tree without converting it to plain JS: aliases are resolved
 * while walking (within an expansion budget, so an alias bomb ends fast with an `alias-limit`
 * diagnostic), `<<` merge keys are applied (with an `unsupported-merge-key` diagnostic, as GitHub
 * does not support them), duplicate keys keep their first occurrence (`duplicate-key`), and syntax
 * errors become `yaml-syntax` diagnostics while the valid parts are still returned.
 */
export function parseYamlTree(text: string, file: string, options: YamlTreeOptions = {}): YamlTree {
  const lines = new LineCounter();
  const doc = parseDocument(text, {
    lineCounter: lines,
    merge: true,
    // The yaml library compares each key with every earlier one (quadratic: 80,000 keys took 52 s);
    // the walk below finds duplicates with a map instead.
    uniqueKeys: false,
    prettyErrors: false,
    keepSourceTokens: false,
  });
  const ctx: BuildContext = {
    file,
    text,
    lines,
    anchors: resolveAnchors(doc),
    diagnostics: [],
    budget: options.aliasBudget ?? DEFAULT_ALIAS_BUDGET,
    maxDepth: options.maxDepth ?? DEFAULT_MAX_DEPTH,
    expanded: 0,
    aliasDepth: 0,
    limitReported: false,
    depthReported: false,
    active: new Set(),
  };
  for (const error of doc.errors) {
    if (error.code === "DUPLICATE_KEY") continue; // reported by the walk, with a route
    ctx.diagnostics.push(yamlDiagnostic(ctx, error, "error"));
  }
  for (const warning of doc.warnings) ctx.diagnostics.push(yamlDiagnostic(ctx, warning, "warning"));
  const root = doc.contents === null ? null : convert(ctx, doc.contents, "", undefined, 0);
  return { root, diagnostics: dedupe(ctx.diagnostics) };
}

/** Maps every alias to the node it refers to: the last node anchored with its name before it. */
function resolveAnchors(doc: Document): Map<Alias, YamlAstNode | undefined> {
  const seen = new Map<string, YamlAstNode>();
  const result = new Map<Alias, YamlAstNode | undefined>();
  visit(doc, {
    Node(_key, node) {
      if (isAlias(node)) {
        result.set(node, seen.get(node.source));
        return;
      }
      const anchor = (node as { anchor?: string }).anchor;
      if (anchor) seen.set(anchor, node);
    },
  });
  return result;
}

function yamlDiagnostic(
  ctx: BuildContext,
  error: YAMLError,
  severity: "error" | "warning",
): WorkflowDiagnostic {
  const [start, end] = error.pos;
  const firstLine = error.message.split("\n")[0] ?? error.message;
  const message = firstLine.replace(/ at line \d+, column \d+:?$/, "").replace(/\.?$/, ".");
  return {
    code: "yaml-syntax",
    severity,
    message:
      severity === "error"
        ? `Invalid YAML: ${message} Fix the syntax here; GitHub will not run this file as it stands.`
        : `YAML: ${message}`,
    file: ctx.file,
    span: spanOf(ctx, start, Math.max(start, end)),
  };
}

function dedupe(diagnostics: WorkflowDiagnostic[]): WorkflowDiagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = `${d.code}:${d.span.start.offset}:${d.span.end.offset}:${d.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function positionOf(ctx: BuildContext, offset: number): Position {
  const o = Math.max(0, Math.min(offset, ctx.text.length));
  const { line, col } = ctx.lines.linePos(o);
  return { line, column: col, offset: o };
}

function spanOf(ctx: BuildContext, start: number, end: number): Span {
  return { start: positionOf(ctx, start), end: positionOf(ctx, end) };
}

function nodeSpan(ctx: BuildContext, node: YamlAstNode): Span {
  const range = node.range;
  if (!range) return spanOf(ctx, 0, 0);
  return spanOf(ctx, range[0], range[1]);
}

function nullScalar(span: Span, route: string, via: Span | undefined): YamlScalar {
  return withVia<YamlScalar>({ kind: "scalar", value: null, text: "", span, route }, via);
}

function withVia<T extends { via?: Span }>(node: T, via: Span | undefined): T {
  if (via) node.via = via;
  return node;
}

function convert(
  ctx: BuildContext,
  node: unknown,
  route: string,
  via: Span | undefined,
  depth: number,
): YamlValue {
  if (isAlias(node)) return convertAlias(ctx, node, route, via, depth);
  const astNode = node as YamlAstNode;
  const span = astNode?.range ? nodeSpan(ctx, astNode) : spanOf(ctx, 0, 0);
  if (ctx.aliasDepth > 0) {
    ctx.expanded++;
    if (ctx.expanded > ctx.budget) {
      reportAliasLimit(ctx, via ?? span, route);
      return nullScalar(span, route, via);
    }
  }
  if (depth > ctx.maxDepth) {
    if (!ctx.depthReported) {
      ctx.depthReported = true;
      ctx.diagnostics.push({
        code: "invalid-shape",
        severity: "error",
        message: `Values are nested more than ${ctx.maxDepth} levels deep; the deeper part was not analysed. Flatten the structure.`,
        file: ctx.file,
        span,
        route,
      });
    }
    return nullScalar(span, route, via);
  }
  if (isScalar(node)) return convertScalar(ctx, node, span, route, via);
  if (isMap(node)) {
    ctx.active.add(node);
    try {
      return convertMap(ctx, node.items, span, route, via, depth);
    } finally {
      ctx.active.delete(node);
    }
  }
  if (isSeq(node)) {
    ctx.active.add(node);
    try {
      const items = node.items.map((item, i) => convert(ctx, item, routeIndex(route, i), via, depth + 1));
      return withVia<YamlSeq>({ kind: "seq", items, span, route }, via);
    } finally {
      ctx.active.delete(node);
    }
  }
  return nullScalar(span, route, via);
}

function convertAlias(
  ctx: BuildContext,
  alias: Alias,
  route: string,
  via: Span | undefined,
  depth: number,
): YamlValue {
  const aliasSpan = nodeSpan(ctx, alias);
  const outerVia = via ?? aliasSpan;
  const target = ctx.anchors.get(alias);
  if (target === undefined) return nullScalar(aliasSpan, route, outerVia);
  if (ctx.active.has(target)) {
    ctx.diagnostics.push({
      code: "alias-limit",
      severity: "error",
      message: `The alias \`*${alias.source}\` refers to a value that contains it, which never ends; it was not expanded. Remove the self-reference.`,
      file: ctx.file,
      span: aliasSpan,
      route,
    });
    return nullScalar(aliasSpan, route, outerVia);
  }
  if (ctx.expanded >= ctx.budget) {
    reportAliasLimit(ctx, aliasSpan, route);
    return nullScalar(aliasSpan, route, outerVia);
  }
  ctx.aliasDepth++;
  try {
    return convert(ctx, target, route, outerVia, depth);
  } finally {
    ctx.aliasDepth--;
  }
}

/** Reports, once per file, that alias expansion ran out of budget at `span`. */
function reportAliasLimit(ctx: BuildContext, span: Span, route: string): void {
  if (ctx.limitReported) return;
  ctx.limitReported = true;
  ctx.diagnostics.push({
    code: "alias-limit",
    severity: "error",
    message: `YAML aliases expand to more than ${ctx.budget} values (an alias bomb?); expansion stopped here and the rest was not analysed. Reduce the use of aliases.`,
    file: ctx.file,
    span,
    route,
  });
}

function convertScalar(
  ctx: BuildContext,
  node: Scalar,
  span: Span,
  route: string,
  via: Span | undefined,
): YamlScalar {
  const raw = node.value;
  let value: string | number | boolean | null;
  if (raw === null || raw === undefined) value = null;
  else if (typeof raw === "string" || typeof raw === "number" || typeof raw === "boolean") value = raw;
  else if (typeof raw === "bigint") value = raw.toString();
  else value = node.source ?? ctx.text.slice(span.start.offset, span.end.offset);
  const scalar: YamlScalar = { kind: "scalar", value, text: scalarText(value), span, route };
  if (typeof value === "string" && node.range) {
    const offset = directOffset(ctx.text, node, value);
    if (offset !== undefined) scalar.valueOffset = offset;
  }
  return withVia(scalar, via);
}

/** The file offset of the string's first character when the source spells it out verbatim. */
function directOffset(text: string, node: Scalar, value: string): number | undefined {
  const [start, end] = node.range!;
  const length = end - start;
  if (value.includes("\n")) return undefined;
  if (node.type === "PLAIN" && length === value.length && text.startsWith(value, start)) return start;
  if (
    (node.type === "QUOTE_SINGLE" || node.type === "QUOTE_DOUBLE") &&
    length === value.length + 2 &&
    text.startsWith(value, start + 1)
  ) {
    return start + 1;
  }
  return undefined;
}

/** How GitHub turns a scalar into a string: null → "", booleans and numbers printed. */
export function scalarText(value: string | number | boolean | null): string {
  if (value === null) return "";
  if (typeof value === "number") {
    if (Number.isInteger(value) || !Number.isFinite(value)) return String(value);
    return String(Number(value.toPrecision(15)));
  }
  return String(value);
}

function keyText(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const v = node.value;
  if (typeof v === "string") return v;
  // A plain key such as `on` read as a boolean (YAML 1.1) or `3.10` read as a number keeps its spelling.
  if (node.source !== undefined && node.type === "PLAIN") return node.source;
  if (v === null || v === undefined) return "";
  return typeof v === "symbol" ? undefined : String(v);
}

function isMergeKey(node: unknown): boolean {
  return isScalar(node) && (typeof node.value === "symbol" || (node.value === "<<" && node.type === "PLAIN"));
}

function convertMap(
  ctx: BuildContext,
  items: unknown[],
  span: Span,
  route: string,
  via: Span | undefined,
  depth: number,
): YamlMap {
  const pairs: YamlPair[] = [];
  /** Key → index in `pairs` and whether it was written in this mapping (not merged in). */
  const index = new Map<string, { at: number; explicit: boolean }>();
  for (const item of items) {
    if (!isPair(item)) continue;
    const keyNode = item.key;
    if (isMergeKey(keyNode)) {
      const keySpan = nodeSpan(ctx, keyNode as YamlAstNode);
      ctx.diagnostics.push({
        code: "unsupported-merge-key",
        severity: "error",
        message:
          "GitHub Actions does not support YAML merge keys (`<<`); GitHub will reject this workflow. rolecall applied the merge to analyse it; write the keys out instead.",
        file: ctx.file,
        span: keySpan,
        route: routeKey(route, "<<"),
      });
      mergeInto(ctx, pairs, index, item.value, route, via, depth, keySpan);
      continue;
    }
    const key = keyText(isAlias(keyNode) ? ctx.anchors.get(keyNode) : keyNode);
    const keySpan = keyNode && (keyNode as YamlAstNode).range ? nodeSpan(ctx, keyNode as YamlAstNode) : span;
    if (key === undefined) {
      ctx.diagnostics.push({
        code: "invalid-shape",
        severity: "error",
        message: "A mapping key must be a plain string; this complex key was ignored. Use a string key.",
        file: ctx.file,
        span: keySpan,
        route,
      });
      continue;
    }
    const childRoute = routeKey(route, key);
    const existing = index.get(key);
    if (existing?.explicit) {
      ctx.diagnostics.push({
        code: "duplicate-key",
        severity: "error",
        message: `The key \`${key}\` appears twice in the same mapping; GitHub rejects the file. rolecall kept the first one; remove the duplicate.`,
        file: ctx.file,
        span: keySpan,
        route: childRoute,
      });
      continue;
    }
    const value =
      item.value === null || item.value === undefined
        ? nullScalar(spanOf(ctx, keySpan.end.offset, keySpan.end.offset), childRoute, via)
        : convert(ctx, item.value, childRoute, via, depth + 1);
    const pair: YamlPair = {
      key: withVia<Node<string>>({ value: key, span: keySpan, route: childRoute }, via),
      value,
    };
    if (existing) {
      pairs[existing.at] = pair;
      existing.explicit = true;
    } else {
      index.set(key, { at: pairs.length, explicit: true });
      pairs.push(pair);
    }
  }
  return withVia<YamlMap>({ kind: "map", pairs, span, route }, via);
}

function mergeInto(
  ctx: BuildContext,
  pairs: YamlPair[],
  index: Map<string, { at: number; explicit: boolean }>,
  source: unknown,
  route: string,
  via: Span | undefined,
  depth: number,
  keySpan: Span,
): void {
  const sources = isSeq(source) ? source.items : [source];
  for (const item of sources) {
    const merged = convert(ctx, item, route, via, depth);
    if (merged.kind !== "map") {
      if (merged.kind === "scalar" && merged.value === null && ctx.limitReported) continue;
      ctx.diagnostics.push({
        code: "invalid-shape",
        severity: "error",
        message: "A merge key (`<<`) must refer to a mapping or a list of mappings; this one was ignored.",
        file: ctx.file,
        span: keySpan,
        route,
      });
      continue;
    }
    for (const pair of merged.pairs) {
      if (index.has(pair.key.value)) continue;
      index.set(pair.key.value, { at: pairs.length, explicit: false });
      pairs.push(pair);
    }
  }
}
