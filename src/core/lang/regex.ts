import type { CharSet } from "./char-set.js";

/**
 * A minimal regular-expression syntax tree. It is the common target of the IAM-glob and
 * GitHub-filter front ends and can be turned into a {@link Lang} with `Lang.fromRegex`.
 */
export type Regex =
  | { readonly kind: "empty" }
  | { readonly kind: "epsilon" }
  | { readonly kind: "chars"; readonly set: CharSet }
  | { readonly kind: "seq"; readonly items: readonly Regex[] }
  | { readonly kind: "alt"; readonly items: readonly Regex[] }
  | { readonly kind: "star"; readonly item: Regex }
  | { readonly kind: "plus"; readonly item: Regex }
  | { readonly kind: "opt"; readonly item: Regex };

/** The empty language (matches nothing). */
export const reEmpty: Regex = { kind: "empty" };
/** The language containing only the empty string. */
export const reEpsilon: Regex = { kind: "epsilon" };
/** Exactly one character from `set`. */
export const reChars = (set: CharSet): Regex => ({ kind: "chars", set });
/** Concatenation. */
export const reSeq = (...items: Regex[]): Regex => ({ kind: "seq", items });
/** Alternation. */
export const reAlt = (...items: Regex[]): Regex => ({ kind: "alt", items });
/** Zero or more repetitions. */
export const reStar = (item: Regex): Regex => ({ kind: "star", item });
/** One or more repetitions. */
export const rePlus = (item: Regex): Regex => ({ kind: "plus", item });
/** Zero or one occurrence. */
export const reOpt = (item: Regex): Regex => ({ kind: "opt", item });

/** A nondeterministic automaton with ε-moves and character-set labelled edges. */
export interface Nfa {
  readonly start: number;
  readonly accept: readonly boolean[];
  readonly eps: readonly (readonly number[])[];
  readonly edges: readonly (readonly { readonly set: CharSet; readonly to: number }[])[];
}

/** Thompson construction: one start state, one accepting state. */
export function regexToNfa(re: Regex): Nfa {
  const eps: number[][] = [];
  const edges: { set: CharSet; to: number }[][] = [];
  const fresh = (): number => {
    eps.push([]);
    edges.push([]);
    return eps.length - 1;
  };
  const build = (node: Regex): [number, number] => {
    const s = fresh();
    const e = fresh();
    switch (node.kind) {
      case "empty":
        break;
      case "epsilon":
        eps[s]!.push(e);
        break;
      case "chars":
        edges[s]!.push({ set: node.set, to: e });
        break;
      case "seq": {
        let cur = s;
        for (const item of node.items) {
          const [is, ie] = build(item);
          eps[cur]!.push(is);
          cur = ie;
        }
        eps[cur]!.push(e);
        break;
      }
      case "alt":
        for (const item of node.items) {
          const [is, ie] = build(item);
          eps[s]!.push(is);
          eps[ie]!.push(e);
        }
        break;
      case "star":
      case "plus":
      case "opt": {
        const [is, ie] = build(node.item);
        eps[s]!.push(is);
        eps[ie]!.push(e);
        if (node.kind !== "plus") eps[s]!.push(e);
        if (node.kind !== "opt") eps[ie]!.push(is);
        break;
      }
    }
    return [s, e];
  };
  const [start, end] = build(re);
  const accept = eps.map((_, i) => i === end);
  return { start, accept, eps, edges };
}
