/**
 * Property: the decision rolecall gives a push whose branch filter is a pattern agrees with the
 * decisions of the concrete pushes it stands for. For a random `push: branches: [...]` filter and a
 * random `StringLike` / `StringEquals` subject pin:
 *  - a concrete branch of the filter that is denied (scanned alone, `branches: [that-branch]`) makes
 *    the pattern context `deny`; so `allow` means every sampled branch is allowed;
 *  - a `deny` names an example branch: it matches the filter and is denied when scanned alone (and a
 *    "some" verdict's admitted example is allowed alone).
 * Branch membership in the filter is decided by a reference matcher written here.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { RunContextResult } from "../../../src/core/engine/scan-types.js";
import { contexts, ROLE, SUB, scan, subEquals, subLike, workflow } from "./scan-harness.js";

const WORDS = ["main", "release", "v1", "v2", "a", "ab", "feat"] as const;
const WF = ".github/workflows/deploy.yml";

/** A GitHub filter pattern over WORDS with `*` (no `/`) and `**` (anything). */
const filterPattern: fc.Arbitrary<string> = fc.oneof(
  { weight: 1, arbitrary: fc.constantFrom("*", "**") },
  {
    weight: 6,
    arbitrary: fc
      .tuple(
        fc.constantFrom(...WORDS),
        fc.array(
          fc.tuple(
            fc.constantFrom("/", "-"),
            fc.oneof(fc.constantFrom(...WORDS), fc.constantFrom("*", "**")),
          ),
          { minLength: 0, maxLength: 2 },
        ),
      )
      .map(([head, rest]) => head + rest.map(([sep, part]) => sep + part).join("")),
  },
);

/** A filter list with at least one wildcard (so the push is one pattern context). */
const branchFilter: fc.Arbitrary<string[]> = fc
  .array(filterPattern, { minLength: 1, maxLength: 3 })
  .filter((ps) => ps.some((p) => p.includes("*")))
  .map((ps) => [...new Set(ps)]);

/** A subject glob over the same words, `*` and `?` (IAM: `*` spans `/`). */
const subGlob: fc.Arbitrary<string> = fc
  .array(
    fc.oneof(
      { weight: 4, arbitrary: fc.constantFrom(...WORDS) },
      { weight: 2, arbitrary: fc.constantFrom("/", "-") },
      { weight: 2, arbitrary: fc.constantFrom("*", "?") },
    ),
    { minLength: 1, maxLength: 5 },
  )
  .map((parts) => parts.join(""));

const pin = fc.record({
  op: fc.constantFrom("StringLike", "StringEquals"),
  values: fc.array(
    fc.oneof(
      { weight: 8, arbitrary: subGlob.map((g) => SUB(`ref:refs/heads/${g}`)) },
      { weight: 1, arbitrary: fc.constantFrom(SUB("*"), SUB("ref:refs/heads/*"), SUB("ref:refs/tags/*")) },
    ),
    { minLength: 1, maxLength: 3 },
  ),
});

/**
 * A pin written from the filter itself (GitHub `**` and `*` both become IAM `*`, which also spans
 * `/`), sometimes tightened (`*` → `?`, or a wildcard dropped): near misses on both sides.
 */
function derivedPin(filter: string[]) {
  const tighten = (p: string) =>
    fc.constantFrom(
      p,
      p.replace("*", "?"),
      p.replace(/\*+/, ""),
      p.replace(/\*+$/, "v*"),
      `${p.replace(/\/?\*\*$/, "")}`,
    );
  return fc.record({
    op: fc.constantFrom("StringLike", "StringLike", "StringEquals"),
    values: fc
      .tuple(...filter.map((f) => tighten(f.replace(/\*\*/g, "*"))))
      .map((gs) => gs.map((g) => SUB(`ref:refs/heads/${g}`))),
  });
}

/** A valid branch name component, from the same alphabet as the words. */
const component = fc
  .array(fc.constantFrom("a", "b", "m", "v", "1", "2", "-"), { minLength: 1, maxLength: 4 })
  .map((cs) => cs.join(""))
  .filter((c) => /^[a-z0-9]/.test(c));

/** Replaces each wildcard of a filter pattern: `*` by one component, `**` by one or two. */
function instance(pattern: string): fc.Arbitrary<string> {
  const parts = pattern.split(/(\*\*|\*)/);
  return fc
    .tuple(
      ...parts.map((p) =>
        p === "**"
          ? fc.oneof(
              component,
              fc.tuple(component, component).map(([x, y]) => `${x}/${y}`),
            )
          : p === "*"
            ? component
            : fc.constant(p),
      ),
    )
    .map((xs) => xs.join(""));
}

/**
 * Reference GitHub filter matcher for the subset generated here: `*` matches anything but `/`,
 * `**` anything; `**` followed by `/` at a segment start may match nothing (the docs' cheat
 * sheet: the pattern docs, globstar, slash, star-dot-md matches `docs/README.md`).
 */
function filterMatches(patterns: string[], branch: string): boolean {
  return patterns.some((p) => {
    const parts = p.split(/(\*\*\/|\*\*|\*)/);
    const re = parts
      .map((x, i) => {
        const before = parts.slice(0, i).join("");
        const atSegmentStart = before === "" || before.endsWith("/");
        if (x === "**/") return atSegmentStart ? "(?:.*/)?" : ".*/";
        if (x === "**") return ".*";
        if (x === "*") return "[^/]*";
        return x.replace(/[.+?^${}()|[\]\\-]/g, "\\$&");
      })
      .join("");
    return new RegExp(`^${re}$`).test(branch);
  });
}

/** A name git accepts as a branch (the subset that can occur here). */
function validBranch(b: string): boolean {
  return (
    b.length > 0 &&
    !b.startsWith("/") &&
    !b.endsWith("/") &&
    !b.includes("//") &&
    !b.startsWith("-") &&
    !b.split("/").some((c) => c === "" || c.startsWith(".") || c.endsWith(".lock"))
  );
}

const yamlList = (xs: string[]) => `[${xs.map((x) => `'${x}'`).join(", ")}]`;

function policyText(p: { op: string; values: string[] }): string {
  return p.op === "StringLike" ? subLike(...p.values) : subEquals(...p.values);
}

function pushContexts(branches: string[], policy: string): RunContextResult[] {
  const text = workflow({ on: `  push:\n    branches: ${yamlList(branches)}` });
  return contexts(scan({ files: { [WF]: text }, roles: { [ROLE]: policy } }).result);
}

describe("pattern contexts agree with concrete runs", () => {
  it("push to a branch pattern: allow iff every concrete branch is allowed, deny iff one is denied", () => {
    const cache = new Map<string, string>();
    const concrete = (branch: string, policy: string): string => {
      const key = `${policy}\u0000${branch}`;
      let d = cache.get(key);
      if (d === undefined) {
        const cs = pushContexts([branch], policy);
        expect(cs, `branch ${branch} scanned alone`).toHaveLength(1);
        expect(cs[0]!.ref).toBe(`refs/heads/${branch}`);
        d = cs[0]!.decision;
        cache.set(key, d);
      }
      return d;
    };
    const scenario = branchFilter.chain((filter) =>
      fc.record({
        filter: fc.constant(filter),
        pin: fc.oneof(pin, derivedPin(filter)),
        samples: fc.array(fc.constantFrom(...filter).chain(instance), { minLength: 1, maxLength: 6 }),
        extra: fc.array(
          fc.array(component, { minLength: 1, maxLength: 3 }).map((cs) => cs.join("/")),
          { maxLength: 3 },
        ),
      }),
    );
    fc.assert(
      fc.property(scenario, ({ filter, pin: p, samples, extra }) => {
        const policy = policyText(p);
        // Without negations each pattern of the list is its own context: the filter is denied when
        // any of them is, and a denied context carries the examples.
        const cs = pushContexts(filter, policy);
        expect(cs.length).toBeGreaterThanOrEqual(1);
        for (const c of cs) expect(["allow", "deny"]).toContain(c.decision);
        const pattern = cs.find((c) => c.decision === "deny") ?? cs[0]!;
        const members = [...new Set([...samples, ...extra])].filter(
          (b) => validBranch(b) && filterMatches(filter, b),
        );
        const denied = members.filter((b) => concrete(b, policy) === "deny");
        if (denied.length > 0)
          expect(pattern.decision, `${filter} vs ${JSON.stringify(p)}: ${denied[0]} is denied alone`).toBe(
            "deny",
          );
        if (pattern.decision === "deny" && /[*?+[]/.test(pattern.ref ?? "")) {
          // The verdict names a denied example (and, for "some", an admitted one): check both alone.
          const examples = [...pattern.reason.matchAll(/e\.g\. (refs\/heads\/[^)\s]+)\)/g)].map((m) =>
            m[1]!.slice("refs/heads/".length),
          );
          expect(examples.length, pattern.reason).toBeGreaterThan(0);
          const deniedExample = examples[examples.length - 1]!;
          const admittedExample = examples.length > 1 ? examples[0]! : null;
          for (const ex of [deniedExample, admittedExample]) {
            if (ex === null || /[*?+[\]!\\']/.test(ex)) continue;
            expect(filterMatches(filter, ex), `${ex} is in ${filter}`).toBe(true);
          }
          if (!/[*?+[\]!\\']/.test(deniedExample))
            expect(concrete(deniedExample, policy), `denied example ${deniedExample}`).toBe("deny");
          if (admittedExample !== null && !/[*?+[\]!\\']/.test(admittedExample))
            expect(concrete(admittedExample, policy), `admitted example ${admittedExample}`).toBe("allow");
        }
      }),
      { numRuns: 100 },
    );
  }, 120_000);

  it("known cases", () => {
    const release = ["release/**"];
    expect(pushContexts(release, subLike(SUB("ref:refs/heads/release/*")))[0]!.decision).toBe("allow");
    expect(pushContexts(release, subEquals(SUB("ref:refs/heads/release/*")))[0]!.decision).toBe("deny");
    expect(pushContexts(release, subLike(SUB("ref:refs/heads/release/v*")))[0]!.decision).toBe("deny");
    expect(pushContexts(["release/*"], subLike(SUB("ref:refs/heads/release/?*")))[0]!.decision).toBe("allow");
    expect(pushContexts(["feat-*"], subLike(SUB("ref:refs/heads/feat-*")))[0]!.decision).toBe("allow");
  });
});
