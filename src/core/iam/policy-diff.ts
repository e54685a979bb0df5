/**
 * A unified diff (`--- a`, `+++ b`, `@@` hunks with `context` lines around each change) between two
 * texts, line by line, or null when they are equal. Used to show a suggested trust policy against
 * the role's current one. The longest common subsequence is computed on the lines that differ after
 * the common head and tail are trimmed; past a size bound (large rewrites) the middle is shown as
 * removed and added whole, so the cost stays linear in practice.
 */
export function unifiedDiff(
  before: string,
  after: string,
  labels: { before: string; after: string } = { before: "current", after: "suggested" },
  context = 3,
): string | null {
  if (before === after) return null;
  const a = before.split("\n");
  const b = after.split("\n");
  let head = 0;
  while (head < a.length && head < b.length && a[head] === b[head]) head++;
  let tail = 0;
  while (
    tail < a.length - head &&
    tail < b.length - head &&
    a[a.length - 1 - tail] === b[b.length - 1 - tail]
  )
    tail++;
  const midA = a.slice(head, a.length - tail);
  const midB = b.slice(head, b.length - tail);
  const ops: { kind: " " | "-" | "+"; text: string }[] = a
    .slice(0, head)
    .map((text) => ({ kind: " ", text }));
  if (midA.length * midB.length > 250_000) {
    for (const text of midA) ops.push({ kind: "-", text });
    for (const text of midB) ops.push({ kind: "+", text });
  } else {
    // LCS table from the end: lcs[i][j] = LCS of midA[i..] and midB[j..].
    const n = midA.length;
    const m = midB.length;
    const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--)
        lcs[i]![j] =
          midA[i] === midB[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    let i = 0;
    let j = 0;
    while (i < n || j < m) {
      if (i < n && j < m && midA[i] === midB[j]) {
        ops.push({ kind: " ", text: midA[i]! });
        i++;
        j++;
      } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!))
        ops.push({ kind: "-", text: midA[i++]! });
      else ops.push({ kind: "+", text: midB[j++]! });
    }
  }
  for (const text of a.slice(a.length - tail)) ops.push({ kind: " ", text });
  // Group into hunks.
  const out = [`--- ${labels.before}`, `+++ ${labels.after}`];
  const changed = ops.map((o, k) => (o.kind !== " " ? k : -1)).filter((k) => k >= 0);
  let k = 0;
  while (k < changed.length) {
    const start = Math.max(0, changed[k]! - context);
    let end = Math.min(ops.length, changed[k]! + context + 1);
    while (k + 1 < changed.length && changed[k + 1]! - context <= end) {
      k++;
      end = Math.min(ops.length, changed[k]! + context + 1);
    }
    k++;
    let oldStart = 1;
    let newStart = 1;
    for (let x = 0; x < start; x++) {
      if (ops[x]!.kind !== "+") oldStart++;
      if (ops[x]!.kind !== "-") newStart++;
    }
    const slice = ops.slice(start, end);
    const oldLen = slice.filter((o) => o.kind !== "+").length;
    const newLen = slice.filter((o) => o.kind !== "-").length;
    out.push(
      `@@ -${oldLen === 0 ? oldStart - 1 : oldStart},${oldLen} +${newLen === 0 ? newStart - 1 : newStart},${newLen} @@`,
    );
    for (const o of slice) out.push(`${o.kind}${o.text}`);
  }
  return out.join("\n");
}
