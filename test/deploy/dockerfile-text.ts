/**
 * A small reader for the repository's Dockerfile and .dockerignore, enough to assert what the image
 * contains (no Docker engine runs here). Handles line continuations, comments, parser directives,
 * `--flag=value` options and JSON (exec) forms; not a full Dockerfile parser.
 */

export interface Instruction {
  keyword: string;
  /** Arguments as written, continuations joined with a space. */
  args: string;
  /** 1-based line of the keyword. */
  line: number;
}

export interface Stage {
  image: string;
  name: string | null;
  instructions: Instruction[];
}

export function parseInstructions(text: string): Instruction[] {
  const out: Instruction[] = [];
  let current: Instruction | null = null;
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i]!;
    const trimmed = raw.trim();
    // Comment lines (and parser directives) are dropped, also inside a continued instruction.
    if (trimmed.startsWith("#")) continue;
    if (current === null) {
      if (trimmed === "") continue;
      const m = /^(\S+)\s*(.*)$/.exec(trimmed)!;
      current = { keyword: m[1]!.toUpperCase(), args: "", line: i + 1 };
      const rest = m[2]!;
      if (rest.endsWith("\\")) current.args = rest.slice(0, -1).trim();
      else {
        current.args = rest;
        out.push(current);
        current = null;
      }
      continue;
    }
    const continued = trimmed.endsWith("\\");
    const part = continued ? trimmed.slice(0, -1).trim() : trimmed;
    if (part !== "") current.args = current.args ? `${current.args} ${part}` : part;
    if (!continued) {
      out.push(current);
      current = null;
    }
  }
  if (current) out.push(current);
  return out;
}

export function stagesOf(instructions: Instruction[]): Stage[] {
  const stages: Stage[] = [];
  for (const ins of instructions) {
    if (ins.keyword === "FROM") {
      const { rest } = splitFlags(ins.args);
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest.trim());
      stages.push({ image: m?.[1] ?? rest, name: m?.[2] ?? null, instructions: [] });
      continue;
    }
    const stage = stages.at(-1);
    if (!stage) throw new Error(`line ${ins.line}: ${ins.keyword} before the first FROM`);
    stage.instructions.push(ins);
  }
  return stages;
}

/** Leading `--name=value` / `--name` options of an instruction, and what follows them. */
export function splitFlags(args: string): { flags: Map<string, string>; rest: string } {
  const flags = new Map<string, string>();
  let rest = args.trim();
  for (;;) {
    const m = /^--([A-Za-z-]+)(?:=(\S*))?\s*/.exec(rest);
    if (!m) break;
    flags.set(m[1]!, m[2] ?? "");
    rest = rest.slice(m[0].length);
  }
  return { flags, rest };
}

/** The words of a shell-form argument list, or the array of an exec (JSON) form. */
export function words(args: string): string[] {
  const t = args.trim();
  if (t.startsWith("[")) {
    const parsed: unknown = JSON.parse(t);
    if (!Array.isArray(parsed) || !parsed.every((w) => typeof w === "string"))
      throw new Error(`not an array of strings: ${t}`);
    return parsed;
  }
  return t.split(/\s+/).filter(Boolean);
}

/** `ENV a=b c=d` (and the legacy `ENV a b`) as a map. */
export function envOf(args: string): Map<string, string> {
  const env = new Map<string, string>();
  const ws = words(args);
  if (ws.length === 2 && !ws[0]!.includes("=")) {
    env.set(ws[0]!, ws[1]!);
    return env;
  }
  for (const w of ws) {
    const i = w.indexOf("=");
    if (i <= 0) throw new Error(`ENV word without "=": ${w}`);
    env.set(w.slice(0, i), w.slice(i + 1).replace(/^"(.*)"$/, "$1"));
  }
  return env;
}

/** The patterns of a .dockerignore (comments and blank lines dropped). */
export function ignorePatterns(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"))
    .map((l) => l.replace(/^\/+/, "").replace(/\/+$/, ""));
}

function globToRegExp(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === "*" && pattern[i + 1] === "*") {
      // `**/` matches any number of directories, `**` at the end anything.
      if (pattern[i + 2] === "/") {
        re += "(?:.*/)?";
        i += 2;
      } else {
        re += ".*";
        i += 1;
      }
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

/**
 * Whether `path` (relative to the context, `/`-separated) is left out of the build context by these
 * patterns: a pattern matching the path or one of its parent directories excludes it. Negations
 * (`!`) are not supported: the test fails if one appears.
 */
export function isIgnored(patterns: string[], path: string): boolean {
  const parts = path.split("/");
  return patterns.some((p) => {
    if (p.startsWith("!")) throw new Error(`negated .dockerignore pattern not supported here: ${p}`);
    const re = globToRegExp(p);
    for (let n = 1; n <= parts.length; n++) if (re.test(parts.slice(0, n).join("/"))) return true;
    return false;
  });
}
