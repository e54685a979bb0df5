import { type ParseArgsConfig, parseArgs } from "node:util";
import { UsageError } from "./usage-error.js";

type Options = NonNullable<ParseArgsConfig["options"]>;

/**
 * Edits between two short names, a swap of neighbours counting as one (optimal string alignment):
 * `sbu` is one typo away from `sub`. Names longer than 64 characters are never near anything.
 */
export function typoDistance(a: string, b: string): number {
  if (a.length > 64 || b.length > 64) return Number.POSITIVE_INFINITY;
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The known name nearest to `given` (an edit or two away, or a prefix either way), if any. */
export function nearest(given: string, known: readonly string[]): string | null {
  const g = given.toLowerCase();
  let best: { name: string; d: number } | null = null;
  for (const name of known) {
    const n = name.toLowerCase();
    const d =
      n.startsWith(g) || g.startsWith(n) ? Math.min(1, Math.abs(n.length - g.length)) : typoDistance(g, n);
    const limit = Math.max(1, Math.min(3, Math.floor(n.length / 3)));
    if (d <= limit && (best === null || d < best.d)) best = { name, d };
  }
  return best?.name ?? null;
}

/**
 * Runs `parse` (a strict `parseArgs` call over `options`) with messages for people: an unknown option
 * names the nearest known one (`--role` → "did you mean --roles?"), and a single-valued option given
 * twice is refused rather than letting the last one silently win.
 */
export function parseCliArgs<R>(argv: string[], options: Options, parse: () => R): R {
  let parsed: R;
  try {
    parsed = parse();
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
      const given = /'([^']+)'/.exec(err.message)?.[1] ?? "";
      const bare = given.replace(/^-+/, "").replace(/=.*$/, "");
      const long = Object.keys(options);
      const shorts = Object.entries(options).flatMap(([k, o]) => (o.short ? [[o.short, k] as const] : []));
      const short = given.length === 2 ? shorts.find(([s]) => s === bare)?.[1] : undefined;
      const near = short ?? nearest(bare, long);
      throw new UsageError(`unknown option ${given}${near ? `; did you mean --${near}?` : ""}`);
    }
    if (err.code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL")
      throw new UsageError(`unexpected argument: ${/'([^']+)'/.exec(err.message)?.[1] ?? err.message}`);
    throw new UsageError(
      err.message
        .split("\n")[0]!
        .replace(
          /^Option '([^']+)' argument is ambiguous\.?/,
          "$1: a value that starts with a dash must be written $1=VALUE",
        ),
    );
  }
  const { tokens } = parseArgs({ args: argv, options, allowPositionals: true, strict: false, tokens: true });
  const seen = new Set<string>();
  for (const t of tokens) {
    if (t.kind !== "option") continue;
    const spec = options[t.name];
    if (!spec || spec.multiple) continue;
    if (seen.has(t.name)) throw new UsageError(`--${t.name} is given more than once`);
    seen.add(t.name);
  }
  return parsed;
}
