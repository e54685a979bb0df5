import type { Finding, ScanResult } from "../engine/scan-types.js";
import { compareSeverity, type RuleMeta } from "../rules/rule.js";
import {
  byteLength,
  clipMarkdown,
  code,
  fenced,
  findingLocation,
  fixMarkdown,
  ruleLink,
  severityLabel,
} from "./check-run.js";
import { renderScanJson } from "./scan-json.js";

/** GitHub's cap on the body of a review or a review comment. */
export const REVIEW_BODY_LIMIT = 65_536;

/** What {@link planReview} needs besides the result. */
export interface ReviewOptions {
  /** Path → the right-side lines of its diff a comment can be placed on (see `commentableLines`). */
  commentable: Map<string, Set<number>>;
  /**
   * Fingerprints rolecall already posted on this pull request: the markers of its review comments
   * ({@link parseMarker}) and of its review bodies ({@link parseMarkers}), with the comment or
   * review id.
   */
  existing: { fingerprint: string; id: number }[];
  /** The text of a file at the head commit, or null when it is not at hand (then no suggestion). */
  source(path: string): string | null;
  /** Rule metadata (title, docs link): pass absolute `docs` links for them to work on GitHub. */
  rules: RuleMeta[];
  /** Link to the check run, when known; otherwise the body names it. */
  checkRunUrl?: string;
}

/** One inline review comment, in the shape of the create-review API's `comments[]`. */
export interface ReviewComment {
  path: string;
  line: number;
  side: "RIGHT";
  body: string;
  fingerprint: string;
}

/** What to post: new inline comments, a review body (null when there is nothing new), and what was fixed. */
export interface ReviewPlan {
  comments: ReviewComment[];
  body: string | null;
  /** Fingerprints posted before and no longer found by a complete scan. */
  fixed: string[];
}

const MARKER_PREFIX = "<!-- rolecall:fp=";
/** The hidden marker of an inline comment, always the end of its body. */
const TRAILING_MARKER = /<!-- rolecall:fp=([A-Za-z0-9_.:-]+?) -->\s*$/;
/** The markers of a review body: one line at its end, listing fingerprints. */
const TRAILING_LIST = /<!-- rolecall:fps=([A-Za-z0-9_.:,-]*?) -->\s*$/;

/** The hidden marker that ends every comment rolecall posts for a finding. */
export function marker(fingerprint: string): string {
  return `${MARKER_PREFIX}${fingerprint} -->`;
}

/**
 * The fingerprint of a rolecall review comment, from the marker that ends its body; null for any
 * other comment. Only a marker at the very end counts, so text quoted from a workflow cannot fake one.
 */
export function parseMarker(body: string): string | null {
  return TRAILING_MARKER.exec(body)?.[1] ?? null;
}

/**
 * Every fingerprint a rolecall comment or review body marks: the single marker of a comment, or
 * the list that ends a review body (findings it summarised). Empty for anything else.
 */
export function parseMarkers(body: string): string[] {
  const one = parseMarker(body);
  if (one !== null) return [one];
  const list = TRAILING_LIST.exec(body)?.[1];
  return list ? list.split(",").filter((f) => f !== "") : [];
}

// ---------------------------------------------------------------------------------------------
// Suggestions

const ACTION = "aws-actions/configure-aws-credentials";
const PINNED_IN_FIX =
  /aws-actions\/configure-aws-credentials@([0-9a-f]{40})(?:[ \t]+#[ \t]*([^`\n]*?))?[ \t]*(?:`|\n|$)/;
const USES_LINE =
  /^(\s*(?:-\s+)?uses:\s*)(["']?)aws-actions\/configure-aws-credentials(\/[^@\s"'#]*)?@([^\s"'#]+)\2\s*(#.*)?$/;

/** The line `line` (1-based) of `text`, without its line ending. */
function lineOf(text: string, line: number): string | undefined {
  return text.split("\n")[line - 1]?.replace(/\r$/, "");
}

/** The `uses:` line pinned to the SHA the finding's fix names, keeping the indentation and list dash. */
function pinSuggestion(f: Finding, text: string): string | null {
  const pinned = PINNED_IN_FIX.exec(f.fix ?? "");
  const current = lineOf(text, f.line);
  if (!pinned || current === undefined) return null;
  const uses = USES_LINE.exec(current);
  if (!uses || uses[4] === pinned[1]) return null;
  const version = pinned[2] !== undefined && pinned[2] !== "" ? ` # ${pinned[2]}` : "";
  return `${uses[1]}${ACTION}${uses[3] ?? ""}@${pinned[1]}${version}`;
}

const indentOf = (l: string) => /^\s*/.exec(l)![0];
const isBlankOrComment = (l: string) => /^\s*(#.*)?$/.test(l);

/**
 * The job's `permissions:` line (or the first entry of its block) with `id-token: write` added,
 * keeping the indentation; null when the line is not one, or the block already lists `id-token`
 * elsewhere (then a one-line suggestion would leave a duplicate key).
 */
function idTokenSuggestion(f: Finding, text: string): string | null {
  const lines = text.split("\n").map((l) => l.replace(/\r$/, ""));
  const at = f.line - 1;
  const current = lines[at];
  if (current === undefined) return null;

  // `permissions: { contents: read }` on one line.
  const flow = /^(\s+permissions:\s*)\{(.*)\}(\s*#.*)?$/.exec(current);
  if (flow) {
    const inner = flow[2]!.trim();
    if (/(^|,)\s*id-token\s*:/.test(inner)) {
      return `${flow[1]}{ ${inner.replace(/(^|,)(\s*)id-token\s*:\s*[^,]*/, "$1$2id-token: write")} }${flow[3] ?? ""}`;
    }
    return `${flow[1]}{ ${inner === "" ? "id-token: write" : `id-token: write, ${inner}`} }${flow[3] ?? ""}`;
  }

  // The block's entries: from the `permissions:` key down to the first line indented less.
  let key = -1;
  let entryIndent: string;
  if (/^\s+permissions:\s*(#.*)?$/.test(current)) {
    key = at;
    const next = lines.slice(at + 1).find((l) => !isBlankOrComment(l));
    entryIndent =
      next !== undefined && indentOf(next).length > indentOf(current).length
        ? indentOf(next)
        : `${indentOf(current)}  `;
  } else {
    if (!/^\s+[A-Za-z-]+\s*:\s*[A-Za-z-]+\s*(#.*)?$/.test(current)) return null;
    for (let i = at - 1; i >= 0; i--) {
      if (isBlankOrComment(lines[i]!)) continue;
      if (
        /^\s+permissions:\s*(#.*)?$/.test(lines[i]!) &&
        indentOf(lines[i]!).length < indentOf(current).length
      )
        key = i;
      break;
    }
    if (key === -1) return null;
    entryIndent = indentOf(current);
  }
  for (let i = key + 1; i < lines.length; i++) {
    const l = lines[i]!;
    if (isBlankOrComment(l)) continue;
    if (indentOf(l).length < entryIndent.length) break;
    if (indentOf(l) === entryIndent && /^\s*id-token\s*:/.test(l)) {
      // The entry itself is the commented line: set it to write.
      return i === at ? `${entryIndent}id-token: write` : null;
    }
  }
  return key === at
    ? `${current}\n${entryIndent}id-token: write`
    : `${entryIndent}id-token: write\n${current}`;
}

/** The replacement for the commented line, when the fix is an edit of that line; null otherwise. */
export function suggestionFor(f: Finding, source: (path: string) => string | null): string | null {
  if (f.rule !== "unpinned-credentials-action" && f.rule !== "missing-id-token-permission") return null;
  const text = source(f.file);
  if (text === null) return null;
  return f.rule === "unpinned-credentials-action" ? pinSuggestion(f, text) : idTokenSuggestion(f, text);
}

// ---------------------------------------------------------------------------------------------
// Bodies

const MESSAGE_MAX = 4_000;
const FIX_MAX = 6_000;
/** Inline comments in one review, most severe first; the others are listed in the body. */
export const MAX_COMMENTS = 50;
/** Findings listed by name in a review body; the rest are counted. */
const LISTED_MAX = 10;

function commentBody(f: Finding, rules: readonly RuleMeta[], suggestion: string | null): string {
  const meta = rules.find((r) => r.id === f.rule);
  const parts = [
    `**${severityLabel(f.severity)}** · ${ruleLink(f.rule, rules)}${meta ? ` · ${meta.title}` : ""}`,
    clipMarkdown(f.message, MESSAGE_MAX),
  ];
  if (f.fix !== null && f.fix !== "") parts.push(fixMarkdown(f.fix, FIX_MAX));
  if (f.suggestedPolicy !== undefined) parts.push("The suggested trust policy is in the rolecall check run.");
  if (suggestion !== null) parts.push(fenced("suggestion", suggestion));
  parts.push(marker(f.fingerprint));
  return parts.join("\n\n");
}

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

function briefLine(f: Finding, rules: readonly RuleMeta[]): string {
  const meta = rules.find((r) => r.id === f.rule);
  const what = meta?.title ?? clipMarkdown(f.message, 200);
  return `- ${severityLabel(f.severity)} ${ruleLink(f.rule, rules)} ${code(findingLocation(f))}: ${what}`;
}

function reviewBody(
  comments: ReviewComment[],
  elsewhere: Finding[],
  counts: { fixed: number; open: number; vanished: number },
  opts: ReviewOptions,
): string {
  const checkRun =
    opts.checkRunUrl !== undefined
      ? `[the rolecall check run](${opts.checkRunUrl})`
      : "the **rolecall** check run";
  // The first review says what was found; later ones what is new since.
  const noun = opts.existing.length === 0 ? "finding" : "new finding";
  const out: string[] = [];
  const list = elsewhere.slice(0, LISTED_MAX).map((f) => briefLine(f, opts.rules));
  if (elsewhere.length > LISTED_MAX) list.push(`- … and ${elsewhere.length - LISTED_MAX} more`);
  if (comments.length > 0) {
    const changed = `${plural(comments.length, noun)} on lines this pull request changes (see the comments)`;
    out.push(
      `**rolecall** found ${changed}${elsewhere.length > 0 ? ` and ${elsewhere.length} elsewhere` : ""}.`,
    );
  } else if (elsewhere.length > 0) {
    out.push(
      `**rolecall** found ${plural(elsewhere.length, noun)}, none on a line this pull request changes.`,
    );
  }
  const { fixed, open, vanished } = counts;
  if (fixed > 0) {
    out.push(
      `✅ **Fixed:** ${plural(fixed, "finding")} from an earlier review ${fixed === 1 ? "is" : "are"} no longer reported.`,
    );
  }
  if (elsewhere.length > 0) {
    const head = comments.length > 0 ? "Not on a changed line" : "In short";
    out.push(`${head} (details and fixes in ${checkRun}):\n\n${list.join("\n")}`);
  }
  const footer: string[] = [];
  if (open > 0) {
    footer.push(`${plural(open, "finding")} from earlier reviews ${open === 1 ? "is" : "are"} still open.`);
  }
  if (vanished > 0) {
    footer.push(
      `${plural(vanished, "earlier finding")} ${vanished === 1 ? "is" : "are"} not in this scan, but it was incomplete, so ${vanished === 1 ? "it is" : "they are"} not marked fixed.`,
    );
  }
  if (elsewhere.length === 0) footer.push(`Full report: ${checkRun}.`);
  out.push(footer.join(" "));
  return out.filter((p) => p !== "").join("\n\n");
}

/** The body with the markers of the findings it summarised, within GitHub's limit. */
function withMarkers(body: string, fingerprints: string[]): string {
  if (fingerprints.length === 0) return body;
  let kept = fingerprints;
  const wrap = (fps: string[]) => `${body}\n\n<!-- rolecall:fps=${fps.join(",")} -->`;
  // Past ~3,500 findings the list no longer fits: those left out may be listed again later.
  while (byteLength(wrap(kept)) > REVIEW_BODY_LIMIT) kept = kept.slice(0, Math.floor(kept.length * 0.9));
  return wrap(kept);
}

/**
 * Plans the pull request review of a scan: an inline comment for each finding on a line of the
 * diff (`commentable`) not already posted (`existing`, matched by fingerprint, so a re-scan never
 * repeats one), ending with its hidden marker and carrying a `suggestion` block when the fix is an
 * edit of that line (pin configure-aws-credentials, add `id-token: write` to the job's
 * `permissions:`); the other new findings listed briefly in the review body, pointing to the check
 * run, and marked there too; and the fingerprints posted before that a complete scan no longer
 * finds (`fixed`). An incomplete scan marks nothing fixed: a finding may be missing only because
 * something could not be read. The body is null when there is nothing new to say.
 */
export function planReview(result: ScanResult, opts: ReviewOptions): ReviewPlan {
  const doc = renderScanJson(result);
  const posted = new Set(opts.existing.map((e) => e.fingerprint));
  const current = new Set(doc.findings.map((f) => f.fingerprint));

  const comments: ReviewComment[] = [];
  const elsewhere: Finding[] = [];
  const seen = new Set<string>();
  let open = 0;
  const onDiff: Finding[] = [];
  for (const f of doc.findings) {
    if (seen.has(f.fingerprint)) continue; // the same finding reached twice (YAML aliases)
    seen.add(f.fingerprint);
    if (posted.has(f.fingerprint)) {
      open++;
      continue;
    }
    if (opts.commentable.get(f.file)?.has(f.line)) onDiff.push(f);
    else elsewhere.push(f);
  }
  // A review with hundreds of comments buries the PR: the most severe are inline, the rest listed.
  const inline = new Set(
    [...onDiff].sort((a, b) => compareSeverity(a.severity, b.severity)).slice(0, MAX_COMMENTS),
  );
  for (const f of onDiff) {
    if (!inline.has(f)) {
      elsewhere.push(f);
      continue;
    }
    comments.push({
      path: f.file,
      line: f.line,
      side: "RIGHT",
      body: commentBody(f, opts.rules, suggestionFor(f, opts.source)),
      fingerprint: f.fingerprint,
    });
  }

  const gone = [...posted].filter((fp) => !current.has(fp));
  const fixed = doc.complete ? gone : [];
  const vanished = doc.complete ? 0 : gone.length;
  if (comments.length === 0 && elsewhere.length === 0 && fixed.length === 0) {
    return { comments, body: null, fixed };
  }
  // Most severe first in the body's short list.
  elsewhere.sort((a, b) => compareSeverity(a.severity, b.severity));
  const body = withMarkers(
    reviewBody(comments, elsewhere, { fixed: fixed.length, open, vanished }, opts),
    elsewhere.map((f) => f.fingerprint),
  );
  return { comments, body, fixed };
}
