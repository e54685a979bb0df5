import { LineIndex, type Position } from "../span.js";
import {
  type DuplicateKey,
  escapePointerToken,
  type JsonMember,
  type JsonNode,
  type JsonObject,
} from "./json-ast.js";

/** A JSON syntax error with its location. */
export interface JsonSyntaxError {
  message: string;
  position: Position;
}

export type JsonParseResult =
  | { ok: true; root: JsonNode; duplicates: DuplicateKey[]; lines: LineIndex }
  | { ok: false; error: JsonSyntaxError; lines: LineIndex };

const MAX_DEPTH = 256;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

class Fail extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/**
 * Parses strict JSON (RFC 8259) keeping, for every value, its span and JSON pointer,
 * and reporting every duplicated key. Never throws on bad input.
 */
export function parseJson(text: string): JsonParseResult {
  const lines = new LineIndex(text);
  const duplicates: DuplicateKey[] = [];
  let i = 0;

  const ws = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
  };

  const describe = (at: number) => {
    if (at >= text.length) return "end of input";
    const ch = text[at]!;
    return `'${ch === "\n" ? "\\n" : ch}'`;
  };

  const value = (pointer: string, depth: number): JsonNode => {
    if (depth > MAX_DEPTH) throw new Fail(`nesting deeper than ${MAX_DEPTH} levels`, i);
    ws();
    const start = i;
    const c = text[i];
    if (c === "{") return object(pointer, depth);
    if (c === "[") {
      i++;
      const items: JsonNode[] = [];
      ws();
      if (text[i] === "]") {
        i++;
        return { kind: "array", items, span: lines.span(start, i), pointer };
      }
      for (;;) {
        items.push(value(`${pointer}/${items.length}`, depth + 1));
        ws();
        if (text[i] === ",") {
          i++;
          continue;
        }
        if (text[i] === "]") {
          i++;
          return { kind: "array", items, span: lines.span(start, i), pointer };
        }
        throw new Fail(`expected ',' or ']' in array but found ${describe(i)}`, i);
      }
    }
    if (c === '"') {
      const s = string();
      return { kind: "string", value: s, span: lines.span(start, i), pointer };
    }
    if (c === "-" || (c !== undefined && c >= "0" && c <= "9")) {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) throw new Fail("invalid number", i);
      i += m[0].length;
      return { kind: "number", value: Number(m[0]), raw: m[0], span: lines.span(start, i), pointer };
    }
    for (const [word, node] of [
      ["true", { kind: "boolean", value: true }],
      ["false", { kind: "boolean", value: false }],
      ["null", { kind: "null" }],
    ] as const) {
      if (text.startsWith(word, i)) {
        i += word.length;
        return { ...node, span: lines.span(start, i), pointer } as JsonNode;
      }
    }
    throw new Fail(`expected a JSON value but found ${describe(i)}`, i);
  };

  const object = (pointer: string, depth: number): JsonObject => {
    const start = i;
    i++; // {
    const members: JsonMember[] = [];
    const firstSeen = new Map<string, JsonMember>();
    ws();
    if (text[i] === "}") {
      i++;
      return { kind: "object", members, span: lines.span(start, i), pointer };
    }
    for (;;) {
      ws();
      if (text[i] !== '"')
        throw new Fail(`expected a property name in double quotes but found ${describe(i)}`, i);
      const keyStart = i;
      const key = string();
      const keySpan = lines.span(keyStart, i);
      ws();
      if (text[i] !== ":")
        throw new Fail(`expected ':' after property name "${key}" but found ${describe(i)}`, i);
      i++;
      const member: JsonMember = {
        key,
        keySpan,
        value: value(`${pointer}/${escapePointerToken(key)}`, depth + 1),
      };
      const prior = firstSeen.get(key);
      if (prior) {
        duplicates.push({
          key,
          pointer: `${pointer}/${escapePointerToken(key)}`,
          first: prior.keySpan,
          second: keySpan,
        });
      } else {
        firstSeen.set(key, member);
      }
      members.push(member);
      ws();
      if (text[i] === ",") {
        i++;
        continue;
      }
      if (text[i] === "}") {
        i++;
        return { kind: "object", members, span: lines.span(start, i), pointer };
      }
      throw new Fail(`expected ',' or '}' in object but found ${describe(i)}`, i);
    }
  };

  const string = (): string => {
    i++; // opening quote
    let out = "";
    let runStart = i;
    for (;;) {
      if (i >= text.length) throw new Fail("unterminated string", i);
      const c = text.charCodeAt(i);
      if (c === 34) {
        out += text.slice(runStart, i);
        i++;
        return out;
      }
      if (c < 0x20) throw new Fail("control character in string (escape it)", i);
      if (c === 92) {
        out += text.slice(runStart, i);
        const e = text[i + 1];
        const simple: Record<string, string> = {
          '"': '"',
          "\\": "\\",
          "/": "/",
          b: "\b",
          f: "\f",
          n: "\n",
          r: "\r",
          t: "\t",
        };
        if (e !== undefined && e in simple) {
          out += simple[e];
          i += 2;
        } else if (e === "u") {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Fail("invalid \\u escape", i);
          out += String.fromCharCode(Number.parseInt(hex, 16));
          i += 6;
        } else {
          throw new Fail(`invalid escape '\\${e ?? ""}'`, i);
        }
        runStart = i;
        continue;
      }
      i++;
    }
  };

  try {
    if (text.charCodeAt(0) === 0xfeff) i = 1; // tolerate a byte-order mark
    const root = value("", 0);
    ws();
    if (i < text.length) throw new Fail(`unexpected ${describe(i)} after the end of the JSON value`, i);
    return { ok: true, root, duplicates, lines };
  } catch (e) {
    if (e instanceof Fail)
      return { ok: false, error: { message: e.message, position: lines.position(e.offset) }, lines };
    throw e;
  }
}
