import type { Position } from "./node.js";
import type { WorkflowDiagnostic } from "./workflow-diagnostic.js";

/** Default size limit for a workflow or action file: 1 MiB. */
export const DEFAULT_MAX_BYTES = 1024 * 1024;

/** The outcome of {@link decodeWorkflowText}: the text, or why there is none. */
export type DecodedText = { ok: true; text: string } | { ok: false; diagnostic: WorkflowDiagnostic };

/**
 * Checks a file's size and encoding before parsing: more than `maxBytes` bytes (UTF-8) gives a
 * `too-large` diagnostic; bytes that are not UTF-8 give a `not-utf8` diagnostic located at the first
 * bad byte. A leading byte-order mark is dropped, and a lone carriage return (a line break in YAML
 * 1.2, §5.4, which the parser does not honour) becomes a line feed: offsets are unchanged.
 */
export function decodeWorkflowText(
  input: string | Uint8Array,
  file: string,
  maxBytes: number = DEFAULT_MAX_BYTES,
): DecodedText {
  const size = typeof input === "string" ? utf8LengthUpTo(input, maxBytes + 1) : input.byteLength;
  if (size > maxBytes) {
    const at: Position = { line: 1, column: 1, offset: 0 };
    return {
      ok: false,
      diagnostic: {
        code: "too-large",
        severity: "error",
        message: `The file is larger than the ${maxBytes}-byte limit${typeof input === "string" ? "" : ` (${size} bytes)`}; it was not analysed. Split it, or raise the size limit.`,
        file,
        span: { start: at, end: at },
      },
    };
  }
  if (typeof input === "string") return { ok: true, text: loneCrToLf(stripBom(input)) };
  try {
    return { ok: true, text: loneCrToLf(new TextDecoder("utf-8", { fatal: true }).decode(input)) };
  } catch {
    const bad = firstInvalidUtf8(input);
    const prefix = new TextDecoder("utf-8").decode(input.subarray(0, Math.max(0, bad)));
    const at = positionAtEnd(prefix);
    const byte = input[bad] ?? 0;
    return {
      ok: false,
      diagnostic: {
        code: "not-utf8",
        severity: "error",
        message: `The file is not valid UTF-8: byte 0x${byte.toString(16).padStart(2, "0")} at byte offset ${bad} cannot be decoded. Save the file as UTF-8.`,
        file,
        span: { start: at, end: { ...at, column: at.column + 1, offset: at.offset + 1 } },
      },
    };
  }
}

/** Every CR not followed by LF replaced by LF (same length, so every offset stays valid). */
function loneCrToLf(text: string): string {
  return text.includes("\r") ? text.replace(/\r(?!\n)/g, "\n") : text;
}

function stripBom(text: string): string {
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The UTF-8 length of `text`, counting no further than `cap`. */
function utf8LengthUpTo(text: string, cap: number): number {
  if (text.length >= cap) return text.length;
  if (text.length * 3 < cap) return text.length;
  let n = 0;
  for (let i = 0; i < text.length && n < cap; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/** Offset of the first byte that starts an invalid UTF-8 sequence, or -1 when all bytes are valid. */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  const cont = (j: number, lo = 0x80, hi = 0xbf): boolean => {
    const b = bytes[j];
    return b !== undefined && b >= lo && b <= hi;
  };
  while (i < n) {
    const b = bytes[i]!;
    if (b < 0x80) {
      i += 1;
    } else if (b >= 0xc2 && b <= 0xdf) {
      if (!cont(i + 1)) return i;
      i += 2;
    } else if (b >= 0xe0 && b <= 0xef) {
      const lo = b === 0xe0 ? 0xa0 : 0x80;
      const hi = b === 0xed ? 0x9f : 0xbf;
      if (!cont(i + 1, lo, hi) || !cont(i + 2)) return i;
      i += 3;
    } else if (b >= 0xf0 && b <= 0xf4) {
      const lo = b === 0xf0 ? 0x90 : 0x80;
      const hi = b === 0xf4 ? 0x8f : 0xbf;
      if (!cont(i + 1, lo, hi) || !cont(i + 2) || !cont(i + 3)) return i;
      i += 4;
    } else {
      return i;
    }
  }
  return -1;
}

/** The position just after the end of `text` (1-based line/column, UTF-16 offset). */
function positionAtEnd(text: string): Position {
  const lastNl = text.lastIndexOf("\n");
  let line = 1;
  for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) line++;
  return { line, column: text.length - (lastNl + 1) + 1, offset: text.length };
}
