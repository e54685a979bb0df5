import { byteLength } from "./markdown.js";

/**
 * Budgeted packing of a Markdown document under a byte limit. Every block is valid Markdown on its
 * own, so cutting between blocks keeps the document valid; a note says how much was left out.
 */
export interface Section {
  blocks: string[];
  /** Joined before the blocks when there is at least one. */
  head?: string;
  /** The note that replaces the blocks left out. */
  omitted(n: number): string;
  /** Share of the room when sections compete for it. */
  weight: number;
}

function sectionSize(s: Section): number {
  if (s.blocks.length === 0) return 0;
  return byteLength(s.head ?? "") + s.blocks.reduce((n, b) => n + byteLength(b) + 1, 0);
}

/** Lays out a section within `budget` bytes, cutting at a block boundary with a note. */
export function packSection(s: Section, budget: number): string {
  if (s.blocks.length === 0) return "";
  const full = [s.head, ...s.blocks].filter((x) => x !== undefined).join("\n");
  if (byteLength(full) <= budget) return full;
  const out: string[] = s.head !== undefined ? [s.head] : [];
  let size = byteLength(s.head ?? "");
  for (let i = 0; i < s.blocks.length; i++) {
    const block = s.blocks[i]!;
    const note = s.omitted(s.blocks.length - i - 1);
    const needed = byteLength(block) + 1 + (i < s.blocks.length - 1 ? byteLength(note) + 1 : 0);
    if (size + needed > budget) {
      out.push(s.omitted(s.blocks.length - i));
      return out.join("\n");
    }
    out.push(block);
    size += byteLength(block) + 1;
  }
  return out.join("\n");
}

/**
 * Joins the fixed head and the sections (in order) with blank lines, within `limit` bytes. When
 * everything does not fit, the room is shared by weight; a section needing less than its share
 * gives the rest to the others.
 */
export function packDocument(head: string, sections: Section[], limit: number): string {
  const present = sections.filter((s) => s.blocks.length > 0);
  const separators = present.length * 2;
  let left = limit - byteLength(head) - separators;
  const budgets = new Map<Section, number>(present.map((s) => [s, sectionSize(s)]));
  let open = [...present];
  // Water-filling: satisfy the small sections, share what is left among the others.
  for (;;) {
    const weight = open.reduce((n, s) => n + s.weight, 0);
    const fits = open.filter((s) => sectionSize(s) <= (left * s.weight) / weight);
    if (fits.length === 0) {
      for (const s of open) budgets.set(s, Math.floor((left * s.weight) / weight));
      break;
    }
    for (const s of fits) left -= sectionSize(s);
    open = open.filter((s) => !fits.includes(s));
    if (open.length === 0) break;
  }
  return [head, ...present.map((s) => packSection(s, budgets.get(s)!))].join("\n\n");
}
