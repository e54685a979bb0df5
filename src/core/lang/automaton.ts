import { charSetHas } from "./char-set.js";
import { LangTooComplexError, MAX_STATES } from "./errors.js";
import type { Nfa } from "./regex.js";

/**
 * A complete deterministic automaton over Unicode code points. Every state has explicit
 * transitions for finitely many code points plus a default transition taken for every other code
 * point, so the automaton is total without knowing the alphabet (complement is a flag flip).
 *
 * Internal representation shared by the constructions below; `Lang` wraps it immutably.
 */
export interface Dfa {
  readonly start: number;
  readonly accept: readonly boolean[];
  readonly edges: readonly ReadonlyMap<number, number>[];
  readonly def: readonly number[];
}

/** The state reached from `q` on code point `cp`. */
export function step(d: Dfa, q: number, cp: number): number {
  return d.edges[q]!.get(cp) ?? d.def[q]!;
}

/** The state reached from `q` after reading the whole string `s` (by code points). */
export function run(d: Dfa, q: number, s: string): number {
  let state = q;
  for (const ch of s) state = step(d, state, ch.codePointAt(0)!);
  return state;
}

class Builder {
  readonly accept: boolean[] = [];
  readonly edges: Map<number, number>[] = [];
  readonly def: number[] = [];
  private readonly index = new Map<string | number, number>();

  constructor(private readonly operation: string) {}

  /** Index of the state keyed `key`, and whether it was newly created. */
  intern(key: string | number): [number, boolean] {
    const found = this.index.get(key);
    if (found !== undefined) return [found, false];
    const id = this.accept.length;
    if (id >= MAX_STATES) throw new LangTooComplexError(this.operation, MAX_STATES);
    this.index.set(key, id);
    this.accept.push(false);
    this.edges.push(new Map());
    this.def.push(-1);
    return [id, true];
  }

  done(): Dfa {
    return { start: 0, accept: this.accept, edges: this.edges, def: this.def };
  }
}

/** Subset construction (ε-closure included) of an NFA; the result is not minimal. */
export function determinize(nfa: Nfa, operation: string): Dfa {
  const n = nfa.accept.length;
  const mark = new Int32Array(n);
  let generation = 0;
  const closure = (seeds: Iterable<number>): number[] => {
    generation++;
    const out: number[] = [];
    const stack: number[] = [];
    for (const s of seeds) {
      if (mark[s] !== generation) {
        mark[s] = generation;
        stack.push(s);
      }
    }
    while (stack.length > 0) {
      const s = stack.pop()!;
      out.push(s);
      for (const t of nfa.eps[s]!) {
        if (mark[t] !== generation) {
          mark[t] = generation;
          stack.push(t);
        }
      }
    }
    return out.sort((a, b) => a - b);
  };
  const b = new Builder(operation);
  const subsets: number[][] = [];
  const visit = (subset: number[]): number => {
    const [id, isNew] = b.intern(subset.join(","));
    if (isNew) subsets.push(subset);
    return id;
  };
  visit(closure([nfa.start]));
  for (let q = 0; q < subsets.length; q++) {
    const subset = subsets[q]!;
    const mentioned = new Set<number>();
    const defaultMoves: number[] = [];
    for (const s of subset) {
      if (nfa.accept[s]) b.accept[q] = true;
      for (const e of nfa.edges[s]!) {
        for (const c of e.set.chars) mentioned.add(c);
        // A code point no edge mentions lies in exactly the co-finite sets.
        if (e.set.negated) defaultMoves.push(e.to);
      }
    }
    const defTarget = visit(closure(defaultMoves));
    b.def[q] = defTarget;
    for (const c of mentioned) {
      const moves: number[] = [];
      for (const s of subset) for (const e of nfa.edges[s]!) if (charSetHas(e.set, c)) moves.push(e.to);
      const t = visit(closure(moves));
      if (t !== defTarget) b.edges[q]!.set(c, t);
    }
  }
  return b.done();
}

/** Product automaton; a pair state accepts when `combine(acceptA, acceptB)`. Not minimal. */
export function product(
  a: Dfa,
  b: Dfa,
  combine: (x: boolean, y: boolean) => boolean,
  operation: string,
): Dfa {
  const nb = b.accept.length;
  const out = new Builder(operation);
  const pairs: [number, number][] = [];
  const visit = (qa: number, qb: number): number => {
    const [id, isNew] = out.intern(qa * nb + qb);
    if (isNew) pairs.push([qa, qb]);
    return id;
  };
  visit(a.start, b.start);
  for (let q = 0; q < pairs.length; q++) {
    const [qa, qb] = pairs[q]!;
    out.accept[q] = combine(a.accept[qa]!, b.accept[qb]!);
    const defTarget = visit(a.def[qa]!, b.def[qb]!);
    out.def[q] = defTarget;
    const chars = new Set([...a.edges[qa]!.keys(), ...b.edges[qb]!.keys()]);
    for (const c of chars) {
      const t = visit(step(a, qa, c), step(b, qb, c));
      if (t !== defTarget) out.edges[q]!.set(c, t);
    }
  }
  return out.done();
}

/** `a` viewed as an NFA (states keep their numbers, plus `offset`). */
function addAsNfa(
  d: Dfa,
  offset: number,
  eps: number[][],
  edges: { set: { negated: boolean; chars: ReadonlySet<number> }; to: number }[][],
): void {
  for (let q = 0; q < d.accept.length; q++) {
    const explicit = d.edges[q]!;
    const list: { set: { negated: boolean; chars: ReadonlySet<number> }; to: number }[] = [];
    for (const [c, t] of explicit)
      list.push({ set: { negated: false, chars: new Set([c]) }, to: t + offset });
    list.push({ set: { negated: true, chars: new Set(explicit.keys()) }, to: d.def[q]! + offset });
    edges.push(list);
    eps.push([]);
  }
}

/** Automaton for the concatenation `a · b` (ε-NFA then subset construction). Not minimal. */
export function concatDfa(a: Dfa, b: Dfa, operation: string): Dfa {
  const eps: number[][] = [];
  const edges: { set: { negated: boolean; chars: ReadonlySet<number> }; to: number }[][] = [];
  addAsNfa(a, 0, eps, edges);
  const na = a.accept.length;
  addAsNfa(b, na, eps, edges);
  for (let q = 0; q < na; q++) if (a.accept[q]) eps[q]!.push(b.start + na);
  const accept = eps.map((_, i) => i >= na && b.accept[i - na]!);
  return determinize({ start: a.start, accept, eps, edges }, operation);
}

/**
 * Minimal, canonical form of `d` (Moore partition refinement, O(n²·k) worst case but n is capped).
 *
 * States are renumbered in breadth-first order from the start (explicit code points ascending, then
 * the default edge), and explicit edges that agree with the default are dropped, so two automata
 * for the same language have structurally identical canonical forms.
 */
export function minimize(d: Dfa): Dfa {
  // Reachable states and their sorted explicit edges.
  const reach: number[] = [];
  const seen = new Set<number>([d.start]);
  const queue = [d.start];
  for (let head = 0; head < queue.length; head++) {
    const q = queue[head]!;
    reach.push(q);
    for (const t of [...d.edges[q]!.values(), d.def[q]!]) {
      if (!seen.has(t)) {
        seen.add(t);
        queue.push(t);
      }
    }
  }
  const sorted = new Map<number, [number, number][]>();
  for (const q of reach)
    sorted.set(
      q,
      [...d.edges[q]!].sort((x, y) => x[0] - y[0]),
    );

  let cls = new Map<number, number>();
  for (const q of reach) cls.set(q, d.accept[q] ? 1 : 0);
  let count = new Set(cls.values()).size;
  for (;;) {
    const ids = new Map<string, number>();
    const next = new Map<number, number>();
    for (const q of reach) {
      const dc = cls.get(d.def[q]!)!;
      let key = `${cls.get(q)}|${dc}`;
      for (const [c, t] of sorted.get(q)!) {
        const tc = cls.get(t)!;
        if (tc !== dc) key += `|${c}:${tc}`;
      }
      let id = ids.get(key);
      if (id === undefined) {
        id = ids.size;
        ids.set(key, id);
      }
      next.set(q, id);
    }
    cls = next;
    if (ids.size === count) break;
    count = ids.size;
  }

  // Canonical rebuild from one representative per class.
  const rep = new Map<number, number>();
  for (const q of reach) if (!rep.has(cls.get(q)!)) rep.set(cls.get(q)!, q);
  const order: number[] = [];
  const newId = new Map<number, number>();
  const enqueue = (c: number): number => {
    let id = newId.get(c);
    if (id === undefined) {
      id = order.length;
      newId.set(c, id);
      order.push(c);
    }
    return id;
  };
  enqueue(cls.get(d.start)!);
  const accept: boolean[] = [];
  const edges: Map<number, number>[] = [];
  const def: number[] = [];
  for (let i = 0; i < order.length; i++) {
    const r = rep.get(order[i]!)!;
    accept.push(d.accept[r]!);
    const dc = cls.get(d.def[r]!)!;
    const m = new Map<number, number>();
    for (const [c, t] of sorted.get(r)!) {
      const tc = cls.get(t)!;
      if (tc !== dc) m.set(c, enqueue(tc));
    }
    edges.push(m);
    def.push(enqueue(dc));
  }
  return { start: 0, accept, edges, def };
}
