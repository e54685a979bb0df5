/**
 * The attributes of the start tags of an HTML document, decoded the way a browser's tokenizer does
 * (WHATWG HTML, "13.2.5 Tokenization": the attribute name and value states, and character
 * references in attribute values). No HTML parser is installed, so this implements the part of the
 * tokenizer that decides what a form submits from an attribute: comments, doctype and end tags are
 * skipped, the content of raw-text and RCDATA elements (`title`, `script`, `style`, `textarea`, …)
 * is skipped to its end tag, and the first of duplicate attributes wins.
 *
 * Named character references need the spec's table of 2,231 names, which is not here: a `&`
 * followed by an ASCII letter inside an attribute value throws instead of guessing, so a value that
 * a browser might decode differently from its source text can never pass a test unnoticed.
 */

export interface StartTag {
  name: string;
  attributes: Map<string, string>;
  /** Offset of the `<` in the (newline-normalised) input. */
  offset: number;
}

const RAW_TEXT = new Set(["title", "textarea", "script", "style", "xmp", "iframe", "noembed", "noframes"]);
const isSpace = (c: string | undefined) => c === "\t" || c === "\n" || c === "\f" || c === " ";
const isAlpha = (c: string | undefined) => c !== undefined && /^[A-Za-z]$/.test(c);
const isAlnum = (c: string | undefined) => c !== undefined && /^[A-Za-z0-9]$/.test(c);

/** Numeric references to C1 controls map to these code points (the spec's table). */
const C1: Record<number, number> = {
  128: 0x20ac,
  130: 0x201a,
  131: 0x0192,
  132: 0x201e,
  133: 0x2026,
  134: 0x2020,
  135: 0x2021,
  136: 0x02c6,
  137: 0x2030,
  138: 0x0160,
  139: 0x2039,
  140: 0x0152,
  142: 0x017d,
  145: 0x2018,
  146: 0x2019,
  147: 0x201c,
  148: 0x201d,
  149: 0x2022,
  150: 0x2013,
  151: 0x2014,
  152: 0x02dc,
  153: 0x2122,
  154: 0x0161,
  155: 0x203a,
  156: 0x0153,
  158: 0x017e,
  159: 0x0178,
};

export function startTags(html: string): StartTag[] {
  // Input stream preprocessing: CR LF and lone CR become LF.
  const s = html.replace(/\r\n?/g, "\n");
  const tags: StartTag[] = [];
  let i = 0;
  while (i < s.length) {
    const lt = s.indexOf("<", i);
    if (lt < 0) break;
    i = lt + 1;
    if (s.startsWith("!--", i)) {
      const end = s.indexOf("-->", i + 3);
      i = end < 0 ? s.length : end + 3;
    } else if (s[i] === "!" || s[i] === "?") {
      const end = s.indexOf(">", i); // doctype, or a bogus comment
      i = end < 0 ? s.length : end + 1;
    } else if (s[i] === "/") {
      const end = s.indexOf(">", i);
      i = end < 0 ? s.length : end + 1;
    } else if (isAlpha(s[i])) {
      const tag = readStartTag(s, lt);
      tags.push(tag.tag);
      i = tag.next;
      if (RAW_TEXT.has(tag.tag.name)) {
        const close = new RegExp(`</${tag.tag.name}[\\t\\n\\f />]`, "i");
        const m = close.exec(s.slice(i));
        i = m ? i + m.index : s.length;
      }
    }
  }
  return tags;
}

function readStartTag(s: string, lt: number): { tag: StartTag; next: number } {
  let i = lt + 1;
  let name = "";
  while (i < s.length && !isSpace(s[i]) && s[i] !== "/" && s[i] !== ">") {
    name += s[i] === "\0" ? "\ufffd" : s[i]!.toLowerCase();
    i++;
  }
  const attributes = new Map<string, string>();
  const add = (n: string, v: string) => {
    if (!attributes.has(n)) attributes.set(n, v);
  };
  for (;;) {
    // Before attribute name.
    while (isSpace(s[i])) i++;
    if (i >= s.length) return { tag: { name, attributes, offset: lt }, next: i };
    if (s[i] === ">") return { tag: { name, attributes, offset: lt }, next: i + 1 };
    if (s[i] === "/") {
      i++; // self-closing start tag state: `>` ends the tag, anything else starts over
      continue;
    }
    // Attribute name (a leading `=` is part of the name).
    let attr = s[i] === "=" ? "=" : "";
    if (attr) i++;
    while (i < s.length && !isSpace(s[i]) && s[i] !== "/" && s[i] !== ">" && s[i] !== "=") {
      attr += s[i] === "\0" ? "\ufffd" : s[i]!.toLowerCase();
      i++;
    }
    // After attribute name.
    while (isSpace(s[i])) i++;
    if (s[i] !== "=") {
      add(attr, "");
      continue;
    }
    i++;
    // Before attribute value.
    while (isSpace(s[i])) i++;
    const quote = s[i] === '"' || s[i] === "'" ? s[i]! : null;
    if (quote) i++;
    if (!quote && s[i] === ">") {
      add(attr, "");
      continue;
    }
    let value = "";
    for (;;) {
      const c = s[i];
      if (c === undefined) break;
      if (quote ? c === quote : isSpace(c) || c === ">") break;
      if (c === "&") {
        const ref = characterReference(s, i);
        value += ref.text;
        i = ref.next;
        continue;
      }
      value += c === "\0" ? "\ufffd" : c;
      i++;
    }
    if (quote && s[i] === quote) i++;
    add(attr, value);
  }
}

/** A character reference at `s[at] === "&"` inside an attribute value. */
function characterReference(s: string, at: number): { text: string; next: number } {
  const c = s[at + 1];
  if (isAlnum(c)) {
    if (isAlpha(c))
      throw new Error(
        `named character reference "${s.slice(at, at + 12)}…" at offset ${at}: a browser may decode it; ` +
          "this decoder has no table of names and refuses to guess",
      );
    return { text: "&", next: at + 1 }; // `&` then a digit: no reference
  }
  if (c !== "#") return { text: "&", next: at + 1 };
  const hex = s[at + 2] === "x" || s[at + 2] === "X";
  const digits = hex ? /^[0-9A-Fa-f]+/ : /^[0-9]+/;
  const start = at + (hex ? 3 : 2);
  const m = digits.exec(s.slice(start));
  if (!m) return { text: s.slice(at, start), next: start }; // `&#` or `&#x` without digits: as is
  let next = start + m[0].length;
  if (s[next] === ";") next++;
  let code = Number.parseInt(m[0], hex ? 16 : 10);
  if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) code = 0xfffd;
  else if (C1[code] !== undefined) code = C1[code]!;
  return { text: String.fromCodePoint(code), next };
}
