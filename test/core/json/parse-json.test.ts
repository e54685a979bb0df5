import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type JsonNode, toPlain } from "../../../src/core/json/json-ast.js";
import { type JsonParseResult, parseJson } from "../../../src/core/json/parse-json.js";

/** Every node of a tree, depth first. */
function* nodes(n: JsonNode): Generator<JsonNode> {
  yield n;
  if (n.kind === "object") for (const m of n.members) yield* nodes(m.value);
  else if (n.kind === "array") for (const item of n.items) yield* nodes(item);
}

/** Resolves an RFC 6901 pointer in a plain value, independently of the parser. */
function resolve(value: unknown, pointer: string): unknown {
  if (pointer === "") return value;
  let at: unknown = value;
  for (const raw of pointer.slice(1).split("/")) {
    const token = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    expect(at !== null && typeof at === "object" && Object.hasOwn(at, token), `pointer ${pointer}`).toBe(
      true,
    );
    at = (at as Record<string, unknown>)[token];
  }
  return at;
}

/** 1-based line and column of `offset`, counted naively. */
function lineCol(text: string, offset: number): [number, number] {
  const before = text.slice(0, offset);
  const line = before.split("\n").length;
  return [line, offset - (before.lastIndexOf("\n") + 1) + 1];
}

function ok(r: JsonParseResult): Extract<JsonParseResult, { ok: true }> {
  if (!r.ok) throw new Error(`parse failed: ${r.error.message} at ${JSON.stringify(r.error.position)}`);
  return r;
}

const jsonValues = fc.oneof(fc.jsonValue(), fc.jsonValue({ stringUnit: "binary" }));
const indents = fc.constantFrom<string | number | undefined>(undefined, 2, 4, "\t");

describe("parseJson on JSON.stringify output (properties)", () => {
  it("succeeds and round-trips through toPlain to the same value", () => {
    fc.assert(
      fc.property(jsonValues, indents, (v, indent) => {
        const text = JSON.stringify(v, null, indent);
        const r = ok(parseJson(text));
        expect(r.duplicates).toEqual([]);
        expect(toPlain(r.root)).toEqual(JSON.parse(text));
      }),
      { numRuns: 300 },
    );
  });

  it("every node's span slices back to text that JSON.parses to that node's value, found at its pointer", () => {
    fc.assert(
      fc.property(jsonValues, indents, (v, indent) => {
        const text = JSON.stringify(v, null, indent);
        const whole = JSON.parse(text);
        const r = ok(parseJson(text));
        expect(r.root.pointer).toBe("");
        const seen = new Set<string>();
        for (const n of nodes(r.root)) {
          const slice = text.slice(n.span.start.offset, n.span.end.offset);
          const parsed = JSON.parse(slice);
          expect(parsed).toEqual(resolve(whole, n.pointer));
          if (n.kind === "string" || n.kind === "number" || n.kind === "boolean")
            expect(parsed).toBe(n.value);
          if (n.kind === "null") expect(parsed).toBeNull();
          if (n.kind === "array") expect(parsed).toHaveLength(n.items.length);
          if (n.kind === "object") {
            expect(Object.keys(parsed)).toHaveLength(n.members.length);
            for (const m of n.members) {
              expect(JSON.parse(text.slice(m.keySpan.start.offset, m.keySpan.end.offset))).toBe(m.key);
              expect(lineCol(text, m.keySpan.start.offset)).toEqual([
                m.keySpan.start.line,
                m.keySpan.start.column,
              ]);
            }
          }
          expect(lineCol(text, n.span.start.offset)).toEqual([n.span.start.line, n.span.start.column]);
          expect(lineCol(text, n.span.end.offset)).toEqual([n.span.end.line, n.span.end.column]);
          expect(seen.has(n.pointer)).toBe(false);
          seen.add(n.pointer);
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("objects whose keys are Object.prototype names (property)", () => {
  const protoKeys = fc.constantFrom("__proto__", "constructor", "toString", "hasOwnProperty", "valueOf");
  const objects = fc.dictionary(fc.oneof(protoKeys, fc.string()), fc.jsonValue({ maxDepth: 2 }), {
    minKeys: 1,
  });

  it("round-trip through toPlain like JSON.parse: own members, untouched prototype", () => {
    fc.assert(
      fc.property(objects, (v) => {
        const text = JSON.stringify(v);
        const plain = toPlain(ok(parseJson(text)).root) as object;
        expect(plain).toEqual(JSON.parse(text));
        expect(Object.keys(plain)).toEqual(Object.keys(JSON.parse(text)));
        expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
      }),
      { numRuns: 200 },
    );
  });
});

describe("invalid JSON never throws and agrees with JSON.parse", () => {
  const mutated = fc
    .tuple(fc.json(), fc.nat(), fc.nat({ max: 3 }), fc.string({ maxLength: 3 }))
    .map(([s, at, del, ins]) => {
      const i = at % (s.length + 1);
      return s.slice(0, i) + ins + s.slice(i + del);
    });
  const truncated = fc.tuple(fc.json(), fc.nat()).map(([s, n]) => s.slice(0, n % (s.length + 1)));

  it("for arbitrary and mutated text: no throw, same verdict as JSON.parse, a position inside the text", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.string({ unit: "binary" }), mutated, truncated), (text) => {
        fc.pre(!text.startsWith("\uFEFF"));
        let r: JsonParseResult | undefined;
        expect(() => {
          r = parseJson(text);
        }).not.toThrow();
        let valid = true;
        try {
          JSON.parse(text);
        } catch {
          valid = false;
        }
        expect(r!.ok).toBe(valid);
        if (!r!.ok) {
          const p = r!.error.position;
          expect(p.offset).toBeGreaterThanOrEqual(0);
          expect(p.offset).toBeLessThanOrEqual(text.length);
          expect(lineCol(text, p.offset)).toEqual([p.line, p.column]);
          expect(r!.error.message).not.toBe("");
        } else {
          expect(toPlain(r!.root)).toEqual(JSON.parse(text));
        }
      }),
      { numRuns: 1000 },
    );
  });

  it.each([
    ['{"a": 1,}', 1, 9],
    ['{\n  "a": 1\n  "b": 2\n}', 3, 3],
    ["[1, 2", 1, 6],
    ['{"a" 1}', 1, 6],
    ["01", 1, 2],
    ["-", 1, 1],
    ['"\\x"', 1, 2],
    ['"\\u12"', 1, 2],
    ["tru", 1, 1],
    ["nul", 1, 1],
    ["[1]x", 1, 4],
    ['{"a":\n\n  }', 3, 3],
  ])("%j fails at line %i, column %i", (text, line, column) => {
    const r = parseJson(text);
    expect(r.ok).toBe(false);
    if (!r.ok) expect([r.error.position.line, r.error.position.column]).toEqual([line, column]);
  });

  it("pathological nesting is rejected, not a stack overflow", () => {
    for (const text of ["[".repeat(100_000), `${'{"a":'.repeat(50_000)}1${"}".repeat(50_000)}`]) {
      let r: JsonParseResult | undefined;
      expect(() => {
        r = parseJson(text);
      }).not.toThrow();
      expect(r!.ok).toBe(false);
    }
  });
});

describe("parseJson specifics rolecall relies on", () => {
  it("reports every duplicated key with both spans; toPlain keeps the last (IAM's rule)", () => {
    const text = '{\n  "a": 1,\n  "b": {"c": true, "c": false},\n  "a": 2\n}';
    const r = ok(parseJson(text));
    expect(r.duplicates.map((d) => [d.key, d.pointer, d.first.start.line, d.second.start.line])).toEqual([
      ["c", "/b/c", 3, 3],
      ["a", "/a", 2, 4],
    ]);
    const c = r.duplicates[0]!;
    expect([c.first.start.column, c.second.start.column]).toEqual([9, 20]);
    expect(toPlain(r.root)).toEqual({ a: 2, b: { c: false } });
  });

  it('a "__proto__" key is an ordinary own member, as JSON.parse makes it', () => {
    const text = '{"__proto__": {"polluted": true}, "x": 1}';
    const plain = toPlain(ok(parseJson(text)).root) as Record<string, unknown>;
    expect(plain).toEqual(JSON.parse(text));
    expect(Object.hasOwn(plain, "__proto__")).toBe(true);
    expect(Object.getPrototypeOf(plain)).toBe(Object.prototype);
    expect((plain as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it("numbers of any length that JSON.parse accepts are accepted", () => {
    for (const text of [`1${"0".repeat(500)}`, `0.${"1".repeat(600)}`, `[-1${"2".repeat(450)}e5]`]) {
      const r = ok(parseJson(text));
      expect(toPlain(r.root)).toEqual(JSON.parse(text));
      expect(r.root.span.end.offset).toBe(text.length);
    }
  });

  it("keeps the raw text of numbers, and a leading byte-order mark is tolerated", () => {
    const r = ok(parseJson("\uFEFF[1.50, -0, 2e3]"));
    expect(r.root.kind).toBe("array");
    if (r.root.kind === "array") {
      expect(r.root.items.map((n) => (n.kind === "number" ? n.raw : null))).toEqual(["1.50", "-0", "2e3"]);
      expect(r.root.items[0]!.span.start.column).toBe(3);
    }
  });

  it("columns count UTF-16 code units, lines count \\n (CRLF included)", () => {
    const text = '{\r\n  "emoji": "😀😀",\r\n  "k": 1\r\n}';
    const r = ok(parseJson(text));
    if (r.root.kind !== "object") throw new Error("not an object");
    const [emoji, k] = r.root.members;
    expect([emoji!.value.span.start.line, emoji!.value.span.start.column]).toEqual([2, 12]);
    expect(emoji!.value.span.end.column).toBe(18);
    expect([k!.keySpan.start.line, k!.keySpan.start.column]).toEqual([3, 3]);
  });
});
