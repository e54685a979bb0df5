import type { RunContextResult } from "../engine/scan-types.js";
import { DECISION_LABEL, type JobUnit, unitTitle } from "./check-run-jobs.js";
import { cell, clipInline, code } from "./markdown.js";

/**
 * The check run's "Run contexts": per job and role, a narrow table (decision, run, `sub`; one line
 * of Markdown per cell) of every way the job runs with the exact `sub`, and the reasons below it as numbered notes
 * (the table holds only their numbers), numbered through the whole section.
 */

/** Columns of every contexts table; a test holds every table of the summary to this many. */
export const CONTEXT_COLUMNS = ["Decision", "Run", "`sub`"] as const;
/** Longest cell, in Markdown characters (only a pathological value is cut; JSON output has it whole). */
export const TABLE_CELL_MAX = 200;
/** Rows of one job's table; the rest is counted in a note. */
const ROWS_MAX = 60;
const REASON_MAX = 1_000;

function subCell(sub: string | string[]): string {
  const subs = Array.isArray(sub) ? sub : [sub];
  const each = Math.floor((TABLE_CELL_MAX - 30) / subs.length) - 2;
  const shown = subs.map((s) => code(s.length > each ? `${[...s].slice(0, each - 1).join("")}…` : s));
  return subs.length === 1 ? shown[0]! : `${shown.join(" or ")} (sources disagree)`;
}

/** The run in one cell, its parts separated by spaces so the cell wraps in a narrow column. */
function runCell(c: RunContextResult): string {
  const parts = [code(c.event)];
  if (c.ref !== null) parts.push(code(c.ref));
  if (c.environment !== null) parts.push(`env ${code(c.environment)}`);
  if (c.fork) parts.push("from a fork");
  return parts.join(" ");
}

function row(c: RunContextResult, note: number | null): string {
  // No break inside the label: the column stays one label wide.
  const label = DECISION_LABEL[c.decision].replace(/ /g, "\u00a0");
  const decision = note !== null ? `${label}\u00a0<sup>${note}</sup>` : label;
  const cells = [decision, runCell(c), subCell(c.sub)];
  return `| ${cells.map((x) => cell(x.length > TABLE_CELL_MAX ? clipInline(x, TABLE_CELL_MAX - 2) : x)).join(" | ")} |`;
}

/**
 * One block per job: a title line, the table, then the reasons of the rows that are not `allow`
 * (one note per distinct reason in the job), numbered through the whole section.
 */
export function contextBlocks(
  units: readonly JobUnit[],
  roleLabel: (role: string | null) => string,
): string[] {
  let next = 1;
  return units.map((u) => {
    const a = u.assumption;
    const head = `${unitTitle(u, roleLabel)} · ${code(a.line > 0 ? `${a.file}:${a.line}` : a.file)}`;
    if (u.contexts.length === 0) return `${head}\n\n_No run context reaches this job._\n`;
    const notes = new Map<string, number>();
    const rows = u.contexts.slice(0, ROWS_MAX).map((c) => {
      if (c.decision === "allow" || c.reason === "") return row(c, null);
      let n = notes.get(c.reason);
      if (n === undefined) {
        n = next++;
        notes.set(c.reason, n);
      }
      return row(c, n);
    });
    const parts = [
      head,
      "",
      [`| ${CONTEXT_COLUMNS.join(" | ")} |`, `|${CONTEXT_COLUMNS.map(() => "---").join("|")}|`, ...rows].join(
        "\n",
      ),
    ];
    if (u.contexts.length > ROWS_MAX) {
      parts.push(
        "",
        `_… ${u.contexts.length - ROWS_MAX} more run contexts of this job; run \`rolecall scan\` locally for all of them._`,
      );
    }
    // A blank line ends the table (GFM makes a following line without pipes one more row).
    if (notes.size > 0)
      parts.push("", ...[...notes].map(([reason, n]) => `${n}. ${clipInline(reason, REASON_MAX)}`));
    return `${parts.join("\n")}\n`;
  });
}
