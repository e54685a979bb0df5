import type { IncomingMessage, ServerResponse } from "node:http";
import type { ApplicationFunction } from "probot";
import { allRuleMeta } from "../core/rules/index.js";
import type { RuleMeta } from "../core/rules/rule.js";

/**
 * The App serves its own rule docs, so a link in a check run or review always resolves:
 * `GET /rules` (every rule, one anchor per id, like docs/rules.md) and `GET /rules/<id>` (one rule),
 * rendered from the rule registry (the source docs/rules.md is generated from). A plain Node
 * handler: it answers and returns true for paths under `/rules`, and returns false for every other
 * path so the next handler of any HTTP server can take it.
 */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** The path of the rule docs route; a rule's page is `${RULES_PATH}/<id>`. */
export const RULES_PATH = "/rules";

const CATEGORY_TITLES: Record<RuleMeta["category"], string> = {
  "will-fail": "Will fail (the deploy breaks)",
  "over-broad": "Over-broad trust (exposure)",
  hygiene: "Workflow hygiene",
  "could-not-verify": "Could not verify",
};

/** The link to rule `id` on an App served at `publicUrl` (no trailing slash needed). */
export function ruleDocsLink(publicUrl: string, id: string): string {
  return `${publicUrl.replace(/\/+$/, "")}${RULES_PATH}/${encodeURIComponent(id)}`;
}

/** Escapes text for HTML element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/**
 * The Markdown the rule texts use, as HTML: paragraphs, fenced code blocks, `code` and **bold**.
 * Everything is escaped first; nothing in a rule text can become markup it did not ask for.
 */
export function markdownToHtml(md: string): string {
  const out: string[] = [];
  const lines = md.split("\n");
  let para: string[] = [];
  const flush = () => {
    if (para.length > 0) out.push(`<p>${inline(para.join("\n"))}</p>`);
    para = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const fence = /^```([A-Za-z0-9_-]*)\s*$/.exec(line);
    if (fence) {
      flush();
      const code: string[] = [];
      for (i++; i < lines.length && !/^```\s*$/.test(lines[i]!); i++) code.push(lines[i]!);
      const lang = fence[1] ? ` class="language-${escapeHtml(fence[1])}"` : "";
      out.push(`<pre><code${lang}>${escapeHtml(code.join("\n"))}</code></pre>`);
    } else if (line.trim() === "") {
      flush();
    } else {
      para.push(line);
    }
  }
  flush();
  return out.join("\n");
}

/** Inline Markdown: code spans (taken literally) and **bold** outside them. */
function inline(s: string): string {
  return s
    .split(/(`[^`]*`)/)
    .map((part, i) =>
      i % 2 === 1
        ? `<code>${escapeHtml(part.slice(1, -1))}</code>`
        : escapeHtml(part).replace(/\*\*(.+?)\*\*/g, "<strong>$1</strong>"),
    )
    .join("");
}

function ruleSection(r: RuleMeta, heading: "h1" | "h3"): string {
  const id = escapeHtml(r.id);
  return [
    `<section id="${id}">`,
    `<${heading}><code>${id}</code></${heading}>`,
    `<p><strong>${inline(r.title)}</strong> — severity <code>${escapeHtml(r.severity)}</code>, ${escapeHtml(CATEGORY_TITLES[r.category].toLowerCase())}</p>`,
    markdownToHtml(r.explanation),
    markdownToHtml(r.fix.startsWith("```") ? `**Fix.**\n\n${r.fix}` : `**Fix.** ${r.fix}`),
    `<p class="keys">Ignore it in <code>.github/rolecall.yml</code> with <code>ignore: [${id}]</code>, or on one line with <code># rolecall: ignore[${id}]</code>.</p>`,
    "</section>",
  ].join("\n");
}

function page(title: string, body: string): string {
  return [
    "<!DOCTYPE html>",
    '<html lang="en">',
    "<head>",
    '<meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<title>${escapeHtml(title)}</title>`,
    "<style>body{font:16px/1.5 system-ui,sans-serif;max-width:52rem;margin:2rem auto;padding:0 1rem}" +
      "code,pre{font-family:ui-monospace,monospace;font-size:.9em}pre{background:#f4f4f4;padding:.75rem;overflow:auto}" +
      "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25rem .5rem;text-align:left}</style>",
    "</head>",
    "<body>",
    body,
    "</body>",
    "</html>",
    "",
  ].join("\n");
}

/** `GET /rules`: the catalogue and every rule, each under an anchor named by its id. */
export function renderRulesIndex(rules: readonly RuleMeta[]): string {
  const table = [
    "<table>",
    "<thead><tr><th>id</th><th>severity</th><th>title</th></tr></thead>",
    "<tbody>",
    ...rules.map(
      (r) =>
        `<tr><td><a href="${escapeHtml(`${RULES_PATH}/${encodeURIComponent(r.id)}`)}"><code>${escapeHtml(r.id)}</code></a></td><td>${escapeHtml(r.severity)}</td><td>${inline(r.title)}</td></tr>`,
    ),
    "</tbody>",
    "</table>",
  ].join("\n");
  const sections: string[] = [];
  for (const category of Object.keys(CATEGORY_TITLES) as RuleMeta["category"][]) {
    const inCat = rules.filter((r) => r.category === category);
    if (inCat.length === 0) continue;
    sections.push(
      `<h2>${escapeHtml(CATEGORY_TITLES[category])}</h2>`,
      ...inCat.map((r) => ruleSection(r, "h3")),
    );
  }
  return page(
    "rolecall rules",
    [
      "<h1>rolecall rules</h1>",
      "<p>Each rule id is stable: it names the rule in findings, in <code>.github/rolecall.yml</code> <code>ignore</code>, and in an inline <code># rolecall: ignore[rule-id]</code> comment.</p>",
      table,
      ...sections,
    ].join("\n"),
  );
}

/** `GET /rules/<id>`: one rule. */
export function renderRulePage(rule: RuleMeta): string {
  return page(
    `${rule.id} — rolecall rules`,
    [`<p><a href="${RULES_PATH}">All rolecall rules</a></p>`, ruleSection(rule, "h1")].join("\n"),
  );
}

const HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "x-content-type-options": "nosniff",
  "content-security-policy": "default-src 'none'; style-src 'unsafe-inline'",
  "referrer-policy": "no-referrer",
  "cache-control": "public, max-age=300",
};

/**
 * The rule docs handler. Only the exact paths `/rules`, `/rules/` and `/rules/<id>` of a rule in
 * the registry answer 200; anything else under `/rules` is 404 (no file is ever read, so there is
 * nothing to traverse to), and a method other than GET or HEAD is 405.
 */
export function createRuleDocsHandler(rules: readonly RuleMeta[] = allRuleMeta()): NodeHandler {
  const byId = new Map(rules.map((r) => [r.id, renderRulePage(r)]));
  const index = renderRulesIndex(rules);
  return (req, res) => {
    const path = (req.url ?? "").split(/[?#]/, 1)[0]!;
    if (path !== RULES_PATH && !path.startsWith(`${RULES_PATH}/`)) return false;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res
        .writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain; charset=utf-8" })
        .end("Method not allowed\n");
      return true;
    }
    const rest = path.slice(RULES_PATH.length + 1);
    const body = path === RULES_PATH || rest === "" ? index : byId.get(rest);
    if (body === undefined) {
      const html = page(
        "Unknown rule — rolecall",
        `<h1>No such rule</h1>\n<p>rolecall has no rule with this id. <a href="${RULES_PATH}">All rolecall rules</a>.</p>`,
      );
      res.writeHead(404, HEADERS).end(req.method === "HEAD" ? undefined : html);
      return true;
    }
    res.writeHead(200, { ...HEADERS, "content-length": Buffer.byteLength(body) });
    res.end(req.method === "HEAD" ? undefined : body);
    return true;
  };
}

/** Wraps a Probot app function so the server it is loaded into also serves the rule docs. */
export function withRuleDocs(
  appFn: ApplicationFunction,
  handler = createRuleDocsHandler(),
): ApplicationFunction {
  return (app, options) => {
    options.addHandler(handler);
    return appFn(app, options);
  };
}
