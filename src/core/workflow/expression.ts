import { data, type Expr, Lexer, Parser } from "@actions/expressions";
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
import { ExpressionError } from "@actions/expressions/errors";
import { type Node, spanWithin } from "./node.js";
import type { WorkflowDiagnostic } from "./workflow-diagnostic.js";

/** One `${{ … }}` occurrence in a string value. Offsets are into that string. */
export interface ExpressionSegment {
  /** Offset of `${{`. */
  start: number;
  /** Offset just after `}}` (the string's length when unclosed). */
  end: number;
  /** The text between `${{` and `}}`, untrimmed. */
  source: string;
  /** Offset of `source`. */
  sourceStart: number;
  /** False when no `}}` closes the expression. */
  closed: boolean;
}

/** The context names GitHub expressions know (lower case). */
export type ExpressionContextName =
  | "github"
  | "env"
  | "vars"
  | "job"
  | "jobs"
  | "steps"
  | "runner"
  | "secrets"
  | "strategy"
  | "matrix"
  | "needs"
  | "inputs";

/** A context value an expression reads, such as `secrets.DEPLOY_ROLE` or `github.event.inputs.env`. */
export interface ExpressionReference {
  /** The context, lower-cased (context names are case-insensitive). */
  context: ExpressionContextName;
  /** Property names read with literal keys, in order (`["event", "inputs", "env"]`), as written. */
  path: string[];
  /** True when the access continues with a computed index or `*` (e.g. `secrets[matrix.name]`). */
  dynamic: boolean;
  /** The reference as a dotted string, e.g. `secrets.DEPLOY_ROLE` (`secrets[*]` when dynamic). */
  text: string;
  /** Offsets of the reference in the string value that holds it. */
  start: number;
  end: number;
}

/** An expression that cannot be parsed; offsets are into the string value that holds it. */
export interface ExpressionProblem {
  message: string;
  start: number;
  end: number;
}

/** The references and problems of the expressions in one string value. */
export interface ExpressionScan {
  segments: ExpressionSegment[];
  references: ExpressionReference[];
  problems: ExpressionProblem[];
}

const CONTEXTS: readonly ExpressionContextName[] = [
  "github",
  "env",
  "vars",
  "job",
  "jobs",
  "steps",
  "runner",
  "secrets",
  "strategy",
  "matrix",
  "needs",
  "inputs",
];

const MAX = Number.MAX_SAFE_INTEGER;
const STATUS_FUNCTIONS = [
  { name: "always", minArgs: 0, maxArgs: 0 },
  { name: "success", minArgs: 0, maxArgs: MAX },
  { name: "failure", minArgs: 0, maxArgs: MAX },
  { name: "cancelled", minArgs: 0, maxArgs: 0 },
  { name: "hashFiles", minArgs: 1, maxArgs: 255 },
];

/** True when `text` contains a `${{` expression opener. */
export function containsExpression(text: string): boolean {
  return text.includes("${{");
}

/** True when `text`, trimmed, is exactly one `${{ … }}` expression (e.g. `${{ vars.ROLE }}`). */
export function isWholeExpression(text: string): boolean {
  const trimmed = text.trim();
  const segments = findExpressions(trimmed);
  return segments.length === 1 && segments[0]!.start === 0 && segments[0]!.end === trimmed.length;
}

/**
 * Finds the `${{ … }}` expressions in a string, honouring `'…'` string literals (with `''`
 * escapes) so that a `}}` inside a literal does not close the expression.
 */
export function findExpressions(text: string): ExpressionSegment[] {
  const segments: ExpressionSegment[] = [];
  let from = 0;
  for (;;) {
    const start = text.indexOf("${{", from);
    if (start === -1) break;
    const sourceStart = start + 3;
    let j = sourceStart;
    let inString = false;
    let closedAt = -1;
    while (j < text.length) {
      const c = text.charCodeAt(j);
      if (inString) {
        if (c === 39) {
          if (text.charCodeAt(j + 1) === 39) j++;
          else inString = false;
        }
      } else if (c === 39) {
        inString = true;
      } else if (c === 125 && text.charCodeAt(j + 1) === 125) {
        closedAt = j;
        break;
      }
      j++;
    }
    if (closedAt === -1) {
      segments.push({
        start,
        end: text.length,
        source: text.slice(sourceStart),
        sourceStart,
        closed: false,
      });
      break;
    }
    segments.push({
      start,
      end: closedAt + 2,
      source: text.slice(sourceStart, closedAt),
      sourceStart,
      closed: true,
    });
    from = closedAt + 2;
  }
  return segments;
}

/**
 * The expression of an `if:` condition: the inside of `${{ … }}` when the value is exactly one
 * expression, the value itself when it has no `${{`, and undefined when it mixes text and
 * expressions (GitHub then evaluates it as a string, which is always truthy when non-empty).
 */
export function conditionSource(text: string): string | undefined {
  if (!containsExpression(text)) return text;
  if (!isWholeExpression(text)) return undefined;
  return findExpressions(text.trim())[0]!.source;
}

/** The outcome of {@link parseExpression}. */
export type ParsedExpression =
  | { ok: true; expr: Expr | undefined }
  | { ok: false; message: string; offset: number };

/** Parses the source of one expression (without `${{ }}`) with GitHub's own parser. Never throws. */
export function parseExpression(source: string): ParsedExpression {
  try {
    const { tokens } = new Lexer(source).lex();
    return { ok: true, expr: new Parser(tokens, [...CONTEXTS], STATUS_FUNCTIONS).parse() };
  } catch (error) {
    if (error instanceof ExpressionError) {
      return { ok: false, message: error.message, offset: offsetOf(source, error.pos) };
    }
    return { ok: false, message: error instanceof Error ? error.message : String(error), offset: 0 };
  }
}

/**
 * Lists the context references of the expressions in a string value. When `asCondition` is set
 * and the value has no `${{`, the whole value is read as one expression (as GitHub does for `if:`).
 * Unparseable expressions become problems, never exceptions.
 */
export function scanExpressions(text: string, options: { asCondition?: boolean } = {}): ExpressionScan {
  const segments =
    options.asCondition && !containsExpression(text)
      ? [{ start: 0, end: text.length, source: text, sourceStart: 0, closed: true }]
      : findExpressions(text);
  const references: ExpressionReference[] = [];
  const problems: ExpressionProblem[] = [];
  for (const segment of segments) {
    if (!segment.closed) {
      problems.push({
        message: "The expression is not closed with `}}`.",
        start: segment.start,
        end: segment.end,
      });
      continue;
    }
    const parsed = parseExpression(segment.source);
    if (!parsed.ok) {
      const at = segment.sourceStart + parsed.offset;
      problems.push({ message: parsed.message, start: at, end: Math.min(segment.end, at + 1) });
      continue;
    }
    if (parsed.expr === undefined) {
      problems.push({ message: "The expression is empty.", start: segment.start, end: segment.end });
      continue;
    }
    collectReferences(parsed.expr, segment, references);
  }
  return { segments, references, problems };
}

/** {@link scanExpressions} on a positioned string, with problems as located diagnostics. */
export function checkExpressions(
  node: Node<string>,
  file: string,
  options: { asCondition?: boolean } = {},
): { references: ExpressionReference[]; diagnostics: WorkflowDiagnostic[] } {
  const scan = scanExpressions(node.value, options);
  const diagnostics = scan.problems.map(
    (p): WorkflowDiagnostic => ({
      code: "invalid-expression",
      severity: "error",
      message: `Invalid expression in \`${truncate(node.value)}\`: ${p.message} GitHub rejects the workflow; fix the expression.`,
      file,
      span: spanWithin(node, p.start, p.end),
      route: node.route,
    }),
  );
  return { references: scan.references, diagnostics };
}

function truncate(text: string): string {
  const oneLine = text.replace(/\s+/g, " ").trim();
  return oneLine.length > 80 ? `${oneLine.slice(0, 77)}...` : oneLine;
}

/** Offset in `source` of a 0-based line/column position reported by the expression lexer. */
function offsetOf(source: string, pos: { line: number; column: number } | undefined): number {
  if (!pos) return 0;
  let offset = 0;
  for (let line = 0; line < pos.line; line++) {
    const nl = source.indexOf("\n", offset);
    if (nl === -1) break;
    offset = nl + 1;
  }
  return Math.min(source.length, offset + pos.column);
}

interface TokenLike {
  range: { start: { line: number; column: number }; end: { line: number; column: number } };
}

function collectReferences(expr: Expr, segment: ExpressionSegment, out: ExpressionReference[]): void {
  if (expr instanceof ContextAccess || expr instanceof IndexAccess) {
    // Unwind the access chain down to its root.
    const chain: Expr[] = [];
    let cur: Expr = expr;
    while (cur instanceof IndexAccess) {
      chain.unshift(cur.index);
      cur = cur.expr;
    }
    if (cur instanceof ContextAccess) {
      const path: string[] = [];
      let dynamic = false;
      let lastToken: TokenLike = cur.name;
      for (const index of chain) {
        if (
          !dynamic &&
          index instanceof Literal &&
          (index.literal.kind === data.Kind.String || index.literal.kind === data.Kind.Number)
        ) {
          path.push(index.literal.coerceString());
          lastToken = index.token;
        } else {
          dynamic = true;
          if (!(index instanceof Literal)) collectReferences(index, segment, out);
        }
      }
      const context = cur.name.lexeme.toLowerCase() as ExpressionContextName;
      const start = segment.sourceStart + offsetOf(segment.source, cur.name.range.start);
      let end = segment.sourceStart + offsetOf(segment.source, lastToken.range.end);
      if (segment.source[end - segment.sourceStart] === "]") end++;
      out.push({
        context,
        path,
        dynamic,
        text: [context, ...path].join(".") + (dynamic ? "[*]" : ""),
        start,
        end,
      });
      return;
    }
    collectReferences(cur, segment, out);
    for (const index of chain) collectReferences(index, segment, out);
    return;
  }
  if (expr instanceof Unary) collectReferences(expr.expr, segment, out);
  else if (expr instanceof Binary) {
    collectReferences(expr.left, segment, out);
    collectReferences(expr.right, segment, out);
  } else if (expr instanceof Logical || expr instanceof FunctionCall) {
    for (const arg of expr.args) collectReferences(arg, segment, out);
  } else if (expr instanceof Grouping) collectReferences(expr.group, segment, out);
}
