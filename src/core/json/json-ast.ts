import type { Span } from "../span.js";

/** A JSON value with its location in the source text and its JSON pointer (RFC 6901). */
export type JsonNode = JsonObject | JsonArray | JsonString | JsonNumber | JsonBoolean | JsonNull;

interface JsonNodeBase {
  span: Span;
  pointer: string;
}

export interface JsonMember {
  key: string;
  keySpan: Span;
  value: JsonNode;
}

export interface JsonObject extends JsonNodeBase {
  kind: "object";
  /** Every member in source order, duplicates included (see {@link memberOf} for IAM's last-wins lookup). */
  members: JsonMember[];
}

export interface JsonArray extends JsonNodeBase {
  kind: "array";
  items: JsonNode[];
}

export interface JsonString extends JsonNodeBase {
  kind: "string";
  value: string;
}

export interface JsonNumber extends JsonNodeBase {
  kind: "number";
  value: number;
  raw: string;
}

export interface JsonBoolean extends JsonNodeBase {
  kind: "boolean";
  value: boolean;
}

export interface JsonNull extends JsonNodeBase {
  kind: "null";
}

/** A key that occurs twice in one object. IAM keeps the last one; the earlier is silently lost. */
export interface DuplicateKey {
  key: string;
  pointer: string;
  first: Span;
  second: Span;
}

/** Escapes one reference token of a JSON pointer (RFC 6901). */
export function escapePointerToken(token: string): string {
  return token.replace(/~/g, "~0").replace(/\//g, "~1");
}

/** The last member named `key` (IAM evaluates the last of duplicated keys). */
export function memberOf(
  node: JsonObject,
  key: string,
  opts: { ignoreCase?: boolean } = {},
): JsonMember | undefined {
  const want = opts.ignoreCase ? key.toLowerCase() : key;
  for (let i = node.members.length - 1; i >= 0; i--) {
    const m = node.members[i]!;
    if ((opts.ignoreCase ? m.key.toLowerCase() : m.key) === want) return m;
  }
  return undefined;
}

/** The members of an object with duplicates resolved last-wins, in order of first appearance. */
export function effectiveMembers(node: JsonObject, opts: { ignoreCase?: boolean } = {}): JsonMember[] {
  const seen = new Map<string, number>();
  const out: JsonMember[] = [];
  for (const m of node.members) {
    const k = opts.ignoreCase ? m.key.toLowerCase() : m.key;
    const at = seen.get(k);
    if (at === undefined) {
      seen.set(k, out.length);
      out.push(m);
    } else {
      out[at] = m;
    }
  }
  return out;
}

/** Converts a node to a plain JavaScript value (last-wins for duplicated keys). */
export function toPlain(node: JsonNode): unknown {
  switch (node.kind) {
    case "object": {
      const o: Record<string, unknown> = {};
      // defineProperty, not assignment: a "__proto__" key is an ordinary member in JSON.
      for (const m of node.members)
        Object.defineProperty(o, m.key, {
          value: toPlain(m.value),
          enumerable: true,
          writable: true,
          configurable: true,
        });
      return o;
    }
    case "array":
      return node.items.map(toPlain);
    case "null":
      return null;
    default:
      return node.value;
  }
}
