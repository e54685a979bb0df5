import { githubFilterToLang } from "../lang/index.js";
import { LineIndex } from "../span.js";
import type { Finding, IncompleteItem } from "./finding.js";

/** What the configuration asks to drop (`ignore.rules`, `ignore.paths` of `.github/rolecall.yml`). */
export interface IgnoreConfig {
  rules?: readonly string[];
  paths?: readonly string[];
  /** The configuration file the patterns come from, for the problems of invalid ones. */
  file?: string;
}

/** The one owner of suppression: inline `# rolecall: ignore[...]` comments and configured ignores. */
export interface Suppressions {
  ignores(f: Finding): boolean;
  /** Patterns that could not be used: the scan is incomplete (config-invalid). */
  problems: IncompleteItem[];
}

const INLINE = /#\s*rolecall:\s*ignore\[([^\]]+)\]/;

/**
 * Suppression for one scan. An inline comment on the finding's line or the line above suppresses
 * the rules it names; `sources` holds the repository's texts by path (a finding in a file rolecall
 * has no text of, e.g. a role ARN, is never suppressed inline). An invalid `ignore.paths` pattern
 * ignores nothing and is a problem.
 */
export function suppressions(
  config: IgnoreConfig | null | undefined,
  sources: ReadonlyMap<string, string> | undefined,
): Suppressions {
  const rules = new Set(config?.rules ?? []);
  const problems: IncompleteItem[] = [];
  const paths = (config?.paths ?? []).flatMap((p) => {
    try {
      return [githubFilterToLang(p)];
    } catch (e) {
      problems.push({
        subject: config?.file ?? ".github/rolecall.yml",
        reason: `ignore.paths: ${JSON.stringify(p)} is not a valid pattern (${(e as Error).message})`,
        rule: "config-invalid",
      });
      return [];
    }
  });
  const lines = new Map<string, LineIndex | null>();
  const lineIndex = (file: string): LineIndex | null => {
    let idx = lines.get(file);
    if (idx === undefined) {
      const text = sources?.get(file);
      idx = text === undefined ? null : new LineIndex(text);
      lines.set(file, idx);
    }
    return idx;
  };
  const inline = (f: Finding): boolean => {
    const idx = lineIndex(f.file);
    if (!idx) return false;
    for (const line of [f.line, f.line - 1]) {
      const m = INLINE.exec(idx.lineText(line));
      if (
        m?.[1]
          ?.split(",")
          .map((s) => s.trim())
          .includes(f.rule)
      )
        return true;
    }
    return false;
  };
  return {
    ignores: (f) => rules.has(f.rule) || paths.some((l) => l.has(f.file)) || inline(f),
    problems,
  };
}
