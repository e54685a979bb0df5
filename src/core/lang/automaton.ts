import { charSetHas } from "./char-set.js";
import { LangTooComplexError, MAX_STATES, WorkBudget } from "./errors.js";
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
export function determinize(
  nfa: Nfa,
  operation: string,
  budget: WorkBudget = new WorkBudget(operation),
): Dfa {
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
      budget.spend(1 + nfa.eps[s]!.length);
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
    let edgeCount = 0;
    for (const s of subset) {
      if (nfa.accept[s]) b.accept[q] = true;
      edgeCount += nfa.edges[s]!.length;
      for (const e of nfa.edges[s]!) {
        for (const c of e.set.chars) mentioned.add(c);
        // A code point no edge mentions lies in exactly the co-finite sets.
        if (e.set.negated) defaultMoves.push(e.to);
      }
    }
    const defTarget = visit(closure(defaultMoves));
    b.def[q] = defTarget;
    budget.spend(subset.length + edgeCount * (mentioned.size + 1));
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
  const budget = new WorkBudget(operation);
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
    budget.spend(1 + a.edges[qa]!.size + b.edges[qb]!.size);
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
 * Minimal, canonical form of `d`.
 *
 * Partition refinement by signatures with Hopcroft's "all but the largest part" rule: a state's
 * signature is its acceptance, the class of its default target and the classes of its explicit
 * targets that differ from the default's. When a class splits, the largest part keeps the class's
 * number and only the predecessors of the states that changed number are looked at again, so each
 * state changes number at most log₂ n times and the work is O(m log n) for m edges (Moore's
 * round-by-round refinement needed about n rounds of n states for an n-character literal). The
 * work is also counted against {@link MAX_WORK}, so a pathological automaton costs bounded time.
 *
 * States are renumbered in breadth-first order from the start (explicit code points ascending, then
 * the default edge), and explicit edges that agree with the default are dropped, so two automata
 * for the same language have structurally identical canonical forms.
 */
export function minimize(d: Dfa, budget: WorkBudget = new WorkBudget("minimize")): Dfa {
  // Reachable states, numbered densely in discovery order.
  const dense = new Int32Array(d.accept.length).fill(-1);
  const reach: number[] = [d.start];
  dense[d.start] = 0;
  for (let head = 0; head < reach.length; head++) {
    const q = reach[head]!;
    for (const t of d.edges[q]!.values()) {
      if (dense[t] === -1) {
        dense[t] = reach.length;
        reach.push(t);
      }
    }
    const t = d.def[q]!;
    if (dense[t] === -1) {
      dense[t] = reach.length;
      reach.push(t);
    }
  }
  const n = reach.length;
  budget.spend(d.accept.length);
  const acc: boolean[] = new Array(n);
  const def = new Int32Array(n);
  const codes: number[][] = new Array(n);
  const targets: number[][] = new Array(n);
  const preds: number[][] = Array.from({ length: n }, () => []);
  for (let i = 0; i < n; i++) {
    const q = reach[i]!;
    acc[i] = d.accept[q]!;
    def[i] = dense[d.def[q]!]!;
    preds[def[i]!]!.push(i);
    const explicit = d.edges[q]!;
    budget.spend(explicit.size + 1);
    const cs: number[] = [];
    const ts: number[] = [];
    if (explicit.size === 1) {
      for (const [c, t] of explicit) {
        cs.push(c);
        ts.push(dense[t]!);
      }
    } else if (explicit.size > 1) {
      for (const [c, t] of [...explicit].sort((x, y) => x[0] - y[0])) {
        cs.push(c);
        ts.push(dense[t]!);
      }
    }
    for (const t of ts) preds[t]!.push(i);
    codes[i] = cs;
    targets[i] = ts;
  }

  // Classes: members in an array with each state's position, so a state leaves in O(1).
  const cls = new Int32Array(n);
  const pos = new Int32Array(n);
  const members: number[][] = [Array.from({ length: n }, (_, i) => i)];
  for (let i = 0; i < n; i++) pos[i] = i;
  const classSig: (string | null)[] = [null];
  const dirtyMark = new Int32Array(n).fill(-1);
  let dirty: number[] = Array.from({ length: n }, (_, i) => i);
  const signature = (i: number): string => {
    const dc = cls[def[i]!]!;
    let key = `${acc[i] ? 1 : 0}|${dc}`;
    const cs = codes[i]!;
    const ts = targets[i]!;
    budget.spend(cs.length + 1);
    for (let k = 0; k < cs.length; k++) {
      const tc = cls[ts[k]!]!;
      if (tc !== dc) key += `|${cs[k]}:${tc}`;
    }
    return key;
  };
  const leave = (s: number): void => {
    const list = members[cls[s]!]!;
    const last = list.pop()!;
    if (last !== s) {
      list[pos[s]!] = last;
      pos[last] = pos[s]!;
    }
  };
  const moveTo = (states: readonly number[], sig: string | null, next: number[]): void => {
    const id = members.length;
    members.push([]);
    classSig.push(sig);
    const list = members[id]!;
    for (const s of states) {
      leave(s);
      cls[s] = id;
      pos[s] = list.length;
      list.push(s);
      budget.spend(preds[s]!.length + 1);
      for (const p of preds[s]!) next.push(p);
    }
  };
  for (let round = 0; dirty.length > 0; round++) {
    // Signatures against one snapshot of the classes, grouped by class.
    const byClass = new Map<number, Map<string, number[]>>();
    const dirtyCount = new Map<number, number>();
    for (const s of dirty) {
      if (dirtyMark[s] === round) continue;
      dirtyMark[s] = round;
      const c = cls[s]!;
      let groups = byClass.get(c);
      if (!groups) {
        groups = new Map();
        byClass.set(c, groups);
      }
      const sig = signature(s);
      const g = groups.get(sig);
      if (g) g.push(s);
      else groups.set(sig, [s]);
      dirtyCount.set(c, (dirtyCount.get(c) ?? 0) + 1);
    }
    const next: number[] = [];
    for (const [c, groups] of byClass) {
      const keepSig = classSig[c]!;
      const clean = members[c]!.length - dirtyCount.get(c)!;
      const keepSize = clean + (keepSig === null ? 0 : (groups.get(keepSig)?.length ?? 0));
      let largest: string | null = null;
      let largestSize = 0;
      for (const [sig, g] of groups) {
        if (sig !== keepSig && g.length > largestSize) {
          largest = sig;
          largestSize = g.length;
        }
      }
      if (largest !== null && largestSize > keepSize) {
        // The largest part keeps the number; the clean states (signature `keepSig`) move with
        // the dirty ones that share it.
        const moving: number[] = [];
        if (clean > 0) {
          budget.spend(members[c]!.length);
          for (const s of members[c]!) if (dirtyMark[s] !== round) moving.push(s);
        }
        if (keepSig !== null) moving.push(...(groups.get(keepSig) ?? []));
        classSig[c] = largest;
        if (moving.length > 0) moveTo(moving, keepSig, next);
        for (const [sig, g] of groups) if (sig !== largest && sig !== keepSig) moveTo(g, sig, next);
      } else {
        for (const [sig, g] of groups) if (sig !== keepSig) moveTo(g, sig, next);
      }
    }
    dirty = next;
  }

  // Canonical rebuild from one representative per class.
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
  enqueue(cls[0]!);
  const accept: boolean[] = [];
  const edges: Map<number, number>[] = [];
  const outDef: number[] = [];
  for (let i = 0; i < order.length; i++) {
    const r = members[order[i]!]![0]!;
    accept.push(acc[r]!);
    const dc = cls[def[r]!]!;
    const m = new Map<number, number>();
    const cs = codes[r]!;
    const ts = targets[r]!;
    for (let k = 0; k < cs.length; k++) {
      const tc = cls[ts[k]!]!;
      if (tc !== dc) m.set(cs[k]!, enqueue(tc));
    }
    edges.push(m);
    outDef.push(enqueue(dc));
  }
  return { start: 0, accept, edges, def: outDef };
}
