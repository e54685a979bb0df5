import { Marked, type Token, type Tokens } from "marked";

/**
 * GitHub-flavoured Markdown as GitHub shows it, near enough to judge layout: `marked` with GFM
 * (tables, hard breaks by two spaces) into a page styled like GitHub's `markdown-body` (system
 * font, 14 px, 1.5 line height, bordered tables that scroll sideways when too wide, 85 % code).
 * Test and screenshot tooling only; never used by the App.
 */
const marked = new Marked({ gfm: true, breaks: false, async: false });

/** The Markdown's block tokens, as GitHub's parser sees the structure (tables, lists, paragraphs). */
export function markdownTokens(md: string): Token[] {
  return marked.lexer(md);
}

/** Every table of the document, nested ones (inside lists, `<details>`) included. */
export function markdownTables(md: string): Tokens.Table[] {
  const tables: Tokens.Table[] = [];
  marked.walkTokens(markdownTokens(md), (t) => {
    if (t.type === "table") tables.push(t as Tokens.Table);
  });
  return tables;
}

/** The width of the check-run summary column on GitHub's checks page, beside the sidebar. */
export const CHECKS_PAGE_WIDTH = 700;

const STYLE = `
body { margin: 0; background: #fff; }
.markdown-body { box-sizing: border-box; width: ${CHECKS_PAGE_WIDTH}px; padding: 16px;
  font-family: -apple-system, BlinkMacSystemFont, "Segoe UI", "Noto Sans", Helvetica, Arial, sans-serif,
    "Apple Color Emoji", "Segoe UI Emoji", "Noto Color Emoji";
  font-size: 14px; line-height: 1.5; color: #1f2328; word-wrap: break-word; }
.markdown-body h3 { font-size: 1.25em; font-weight: 600; line-height: 1.25; margin: 24px 0 16px; }
.markdown-body h4 { font-size: 1em; font-weight: 600; line-height: 1.25; margin: 24px 0 16px; }
.markdown-body p, .markdown-body ul, .markdown-body ol, .markdown-body blockquote,
.markdown-body table, .markdown-body pre, .markdown-body details { margin: 0 0 16px; }
.markdown-body ul, .markdown-body ol { padding-left: 2em; }
.markdown-body li + li { margin-top: .25em; }
.markdown-body blockquote { padding: 0 1em; color: #59636e; border-left: .25em solid #d1d9e0; }
.markdown-body table { border-spacing: 0; border-collapse: collapse; display: block; width: max-content;
  max-width: 100%; overflow: auto; }
.markdown-body th, .markdown-body td { padding: 6px 13px; border: 1px solid #d1d9e0; }
.markdown-body th { font-weight: 600; }
.markdown-body tr:nth-child(2n) { background: #f6f8fa; }
.markdown-body code { padding: .2em .4em; font-size: 85%; white-space: break-spaces; border-radius: 6px;
  background: rgba(129, 139, 152, .12);
  font-family: ui-monospace, SFMono-Regular, "SF Mono", Menlo, Consolas, "Liberation Mono", monospace; }
.markdown-body pre { padding: 16px; overflow: auto; font-size: 85%; line-height: 1.45; background: #f6f8fa;
  border-radius: 6px; }
.markdown-body pre code { padding: 0; font-size: 100%; background: transparent; white-space: pre; }
.markdown-body a { color: #0969da; text-decoration: none; }
.markdown-body sup { font-size: 75%; }
`;

/** A whole HTML page holding the Markdown rendered as GitHub renders a check-run summary. */
export function githubMarkdownPage(md: string, title: string): string {
  const body = marked.parse(md) as string;
  const esc = title.replace(/&/g, "&amp;").replace(/</g, "&lt;");
  return `<!doctype html>\n<html><head><meta charset="utf-8"><title>${esc}</title><style>${STYLE}</style></head>\n<body><article class="markdown-body">\n${body}\n</article></body></html>\n`;
}
