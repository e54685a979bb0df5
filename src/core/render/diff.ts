const HUNK_HEADER = /^@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@/;

/**
 * The right-side (new file) line numbers a pull request review comment can be placed on: every
 * added and context line inside the hunks of a unified diff, as GitHub gives it in the `patch` of a
 * pull request file. Removed lines and `\ No newline at end of file` markers have no new-file line;
 * text outside a hunk (`diff --git`, `+++ b/file` headers) is ignored, because each hunk is read
 * for exactly the line counts its `@@ -a,b +c,d @@` header announces. A null patch (a binary file,
 * or a diff too large for GitHub to include) gives an empty set.
 */
export function commentableLines(patch: string | null): Set<number> {
  const lines = new Set<number>();
  if (patch === null) return lines;
  let oldLeft = 0;
  let newLeft = 0;
  let next = 0;
  for (const raw of patch.split("\n")) {
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (oldLeft <= 0 && newLeft <= 0) {
      const header = HUNK_HEADER.exec(line);
      if (header) {
        oldLeft = header[2] === undefined ? 1 : Number(header[2]);
        newLeft = header[4] === undefined ? 1 : Number(header[4]);
        next = Number(header[3]);
      }
      continue;
    }
    const kind = line[0];
    if (kind === "\\") continue; // `\ No newline at end of file`
    if (kind === "-") {
      oldLeft--;
    } else if (kind === "+") {
      lines.add(next++);
      newLeft--;
    } else {
      // A context line; some tools strip the lone space of an empty one.
      lines.add(next++);
      oldLeft--;
      newLeft--;
    }
  }
  return lines;
}
