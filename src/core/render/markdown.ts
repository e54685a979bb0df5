/**
 * GitHub-flavoured Markdown building blocks shared by the check-run and review renderers: sizes in
 * UTF-8 bytes, cuts that keep the document valid, code spans and fences that survive any content.
 */

/** UTF-8 size: GitHub's limits are counted in characters; bytes are never fewer, so always safe. */
export function byteLength(s: string): number {
  let n = 0;
  for (const ch of s) {
    const cp = ch.codePointAt(0)!;
    // A lone surrogate is encoded as U+FFFD (3 bytes), as Node's and the browser's encoders do.
    n += cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
  }
  return n;
}

/** `s` cut to at most `max` UTF-8 bytes (including `suffix`), on a code point boundary. */
export function clipBytes(s: string, max: number, suffix = "…"): string {
  if (byteLength(s) <= max) return s;
  const room = max - byteLength(suffix);
  let out = "";
  let size = 0;
  for (const ch of s) {
    const n = byteLength(ch);
    if (size + n > room) break;
    out += ch;
    size += n;
  }
  return out + suffix;
}

/** Markdown cut to at most `max` characters, closing a code fence the cut left open. */
export function clipMarkdown(s: string, max: number): string {
  if (s.length <= max) return s;
  const cut = `${[...s].slice(0, max).join("")}…`;
  const open = cut.split("\n").filter((l) => /^\s*(`{3,}|~{3,})/.test(l)).length % 2 === 1;
  return open ? `${cut}\n\`\`\`` : cut;
}

/**
 * One line of inline Markdown of at most about `max` characters: line breaks become spaces and a
 * cut never leaves a code span open (the span is closed after the cut).
 */
export function clipInline(s: string, max: number): string {
  const flat = s.replace(/\s*\r?\n\s*/g, " ").trim();
  if (flat.length <= max) return flat;
  let cut = [...flat].slice(0, max).join("").replace(/\s+$/, "");
  // An odd number of single backticks means the cut is inside a code span: close it.
  const ticks = cut.match(/`+/g) ?? [];
  if (ticks.length % 2 === 1) cut += ticks[ticks.length - 1];
  return `${cut}…`;
}

/** An inline code span that survives backticks and newlines in `s`. */
export function code(s: string): string {
  const flat = s.replace(/\r?\n/g, " ");
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const ticks = "`".repeat(longest + 1);
  const pad = longest > 0 || flat.startsWith(" ") || flat.endsWith(" ") ? " " : "";
  return `${ticks}${pad}${flat}${pad}${ticks}`;
}

/** A fenced block whose fence is longer than any backtick run inside. */
export function fenced(lang: string, body: string): string {
  const longest = Math.max(0, ...(body.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(Math.max(3, longest + 1));
  return `${fence}${lang}\n${body.replace(/\n+$/, "")}\n${fence}`;
}

/** Text for a one-line table cell: `|` escaped (even inside code spans), line breaks as spaces. */
export function cell(s: string): string {
  return s.replace(/\|/g, "\\|").replace(/\s*\r?\n\s*/g, " ");
}

export function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/** Continuation lines of a list item, indented to stay inside it. */
export function indent(s: string, by = "  "): string {
  return s
    .split("\n")
    .map((l) => (l === "" ? "" : `${by}${l}`))
    .join("\n");
}

export const plural = (n: number, one: string, many = `${one}s`): string => `${n} ${n === 1 ? one : many}`;

/** Joins the parts of a list item: a hard line break between one-line parts, a blank line around others. */
export function listItem(parts: string[]): string {
  let out = `- ${parts[0]}`;
  for (let i = 1; i < parts.length; i++) {
    const loose = parts[i - 1]!.includes("\n") || parts[i]!.includes("\n");
    out += loose ? `\n\n${indent(parts[i]!)}` : `  \n${indent(parts[i]!)}`;
  }
  return out;
}
