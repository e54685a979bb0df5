import type { Finding, RelatedLocation } from "../findings/finding.js";

/**
 * One cause, one finding: findings of the same rule and role whose rules gave the same typed
 * cause key (a job denied for the same reason over several runs, credentials steps or tag filters)
 * become the first of them (in output order), listing the others in its message and as related
 * locations. A cause met once keeps its finding, fingerprint included. `cause` never reaches output.
 */
export function groupByCause(sorted: readonly Finding[]): Finding[] {
  const groups = new Map<string, Finding[]>();
  const out: (Finding | Finding[])[] = [];
  for (const f of sorted) {
    if (!f.cause) {
      out.push(f);
      continue;
    }
    const key = `${f.rule}\u0000${f.role ?? ""}\u0000${f.cause.key}`;
    const g = groups.get(key);
    if (g) g.push(f);
    else {
      const fresh = [f];
      groups.set(key, fresh);
      out.push(fresh);
    }
  }
  return out.map((x) => (Array.isArray(x) ? merge(x) : x));
}

function merge(group: Finding[]): Finding {
  const [first, ...rest] = group as [Finding, ...Finding[]];
  const { cause: _cause, ...head } = first;
  if (rest.length === 0) return head;
  const others = [...new Set(rest.map((f) => f.cause!.occurrence))]
    .sort()
    .filter((o) => o !== first.cause!.occurrence);
  const related: RelatedLocation[] = [...first.related];
  const seen = new Set([`${first.file}:${first.line}:${first.column}`]);
  for (const f of rest) {
    const at = `${f.file}:${f.line}:${f.column}`;
    if (seen.has(at)) continue;
    seen.add(at);
    related.push({
      file: f.file,
      line: f.line,
      column: f.column,
      message: `same cause: ${f.cause!.occurrence}`,
    });
  }
  return {
    ...head,
    message:
      others.length === 0
        ? head.message
        : `${head.message} The same cause also applies to ${others.length === 1 ? "" : `${others.length} more: `}${others.join("; ")}.`,
    related,
  };
}
