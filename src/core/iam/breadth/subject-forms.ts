import { classifyKey } from "../condition-keys.js";
import { parseOperator } from "../operators.js";
import type { LocatedString, PolicyStatement } from "../policy-model.js";
import { parsePolicyValue } from "../policy-variables.js";

/**
 * Breadth of `sub` values in every subject format (issue 7 §5). A custom subject template
 * (`include_claim_keys`) is set by any repository for itself, and by an organisation admin for all
 * of its repositories, so a `sub` value is judged by the claims it pins:
 * - none that names a repository (`environment:production`, `repository_visibility:private`,
 *   `actor:x`): any repository on GitHub can mint it → any-repository;
 * - only the owner (`repository_owner:org`, `repository_owner_id:1`): any repository of the owner;
 * - a repository (`repo:o/r`, `repository:o/r`, `repository_id:1`) but no claim of the run
 *   (context, ref, environment, event): every run of it, pull requests included → repo-wide;
 * - no `key:value` form at all: no GitHub token carries it → never matches.
 * Default-format values (`repo:o/r:<context>`) are left to the probe analysis.
 */

/** Claim keys a custom template may hold (OIDC-SEMANTICS §3.1), `repo` and `context` included. */
const TEMPLATE_KEYS = new Set([
  "repo",
  "context",
  "job_workflow_ref",
  "job_workflow_sha",
  "workflow_ref",
  "workflow_sha",
  "workflow",
  "repository_owner_id",
  "repository_owner",
  "repository_visibility",
  "repository_id",
  "repository",
  "actor_id",
  "actor",
  "event_name",
  "ref_type",
  "ref_protected",
  "runner_environment",
  "head_ref",
  "base_ref",
  "environment",
  "ref",
  "pull_request",
]);
/** Keys that name one repository. */
const REPOSITORY_KEYS = new Set(["repo", "repository", "repository_id", "job_workflow_ref", "workflow_ref"]);
/** Keys that name an owner only. */
const OWNER_KEYS = new Set(["repository_owner", "repository_owner_id"]);
/** Keys that restrict which runs of a repository (the context). */
const RUN_KEYS = new Set([
  "context",
  "ref",
  "environment",
  "pull_request",
  "event_name",
  "ref_type",
  "head_ref",
  "base_ref",
  "job_workflow_ref",
  "workflow_ref",
  "ref_protected",
]);

export interface SubjectFormIssue {
  kind: "any-repository" | "org-wide" | "repo-wide" | "never-matches";
  value: LocatedString;
  /** The repository or owner the value pins, when it pins one. */
  intended: string | null;
  detail: string;
}

/** The keys a `sub` value pins, in order, or null when it has no `key:value` form. */
function keysOf(text: string): string[] | null {
  // Values encode `:` as `%3A`, so `:` separates keys and values; `pull_request` has no value.
  const tokens = text.split(":");
  if (tokens.length < 2 && tokens[0] !== "pull_request") return null;
  if (!TEMPLATE_KEYS.has(tokens[0]!)) return null;
  const keys: string[] = [];
  let i = 0;
  while (i < tokens.length) {
    const key = tokens[i]!;
    if (!TEMPLATE_KEYS.has(key)) {
      i++;
      continue;
    }
    keys.push(key);
    i += key === "pull_request" ? 1 : 2;
  }
  return keys;
}

/** Positive `sub` values of a statement, read as the evaluator reads them (escapes resolved). */
export function subjectFormIssues(
  s: PolicyStatement,
  issuer: string,
  version: string | null,
): SubjectFormIssue[] {
  const out: SubjectFormIssue[] = [];
  for (const c of s.conditions) {
    const kc = classifyKey(c.key, issuer);
    const op = parseOperator(c.operator);
    if (kc.kind !== "claim" || kc.claim !== "sub" || !op || op.family !== "string" || op.negated) continue;
    if (!c.valuesReadable) continue;
    for (const v of c.values) {
      const pieces = parsePolicyValue(v.value, version);
      if (pieces.some((p) => p.kind === "var")) continue;
      const text = pieces.map((p) => (p.kind === "text" ? p.text : "")).join("");
      const wild = op.base === "StringLike" && /[*?]/.test(text);
      const keys = keysOf(text);
      // Wildcards in the default format (`repo:o/*`, `repo:o/r:*`) are the probe analysis's.
      if (wild && (keys === null || keys[0] === "repo")) continue;
      if (keys === null) {
        // A `*` or `?` under StringEquals is `stringequals-wildcard`'s finding.
        if (/[*?]/.test(text)) continue;
        out.push({
          kind: "never-matches",
          value: v,
          intended: null,
          detail: `no GitHub token carries it: every \`sub\` GitHub mints is \`key:value\` pairs starting with a claim name such as \`repo:\`, \`environment:\` or \`repository_owner:\``,
        });
        continue;
      }
      // Default format (`repo:o/r:<context>`): the probe analysis judges it.
      if (keys[0] === "repo" && keys.length > 1 && RUN_KEYS.has(keys[1]!)) continue;
      // `repo:o/r:<not a claim name>`: a default-format context (or a literal `*`), judged elsewhere.
      const third = text.split(":")[2];
      if (keys[0] === "repo" && third !== undefined && !TEMPLATE_KEYS.has(third)) continue;
      if (keys[0] === "repo" && /^repo:[^:]*[*?]/.test(text)) continue;
      const names = keys.filter((k) => REPOSITORY_KEYS.has(k));
      const owners = keys.filter((k) => OWNER_KEYS.has(k));
      const runs = keys.filter((k) => RUN_KEYS.has(k));
      if (names.length === 0 && owners.length === 0) {
        out.push({
          kind: "any-repository",
          value: v,
          intended: null,
          detail: `it pins no repository (${keys.map((k) => `\`${k}\``).join(", ")}): any repository can set a custom subject template with ${keys.length === 1 ? "that claim" : "those claims"} for itself and mint this subject`,
        });
      } else if (names.length === 0) {
        const owner = new RegExp(`(?:^|:)${owners[0]}:([^:]+)`).exec(text)?.[1] ?? null;
        out.push({
          kind: "org-wide",
          value: v,
          intended: owner,
          detail: `it pins only the owner (${owners.map((k) => `\`${k}\``).join(", ")}): every repository of ${owner ?? "that owner"} can mint it with a custom subject template, on any trigger`,
        });
      } else if (runs.length === 0) {
        const repo =
          /^repo:([^:]+)/.exec(text)?.[1] ?? new RegExp(`(?:^|:)${names[0]}:([^:]+)`).exec(text)?.[1] ?? null;
        out.push({
          kind: "repo-wide",
          value: v,
          intended: repo,
          detail:
            "every branch any writer pushes, every pull request and every environment (the value pins no claim of the run)",
        });
      }
    }
  }
  return out;
}

/**
 * A statement whose only identity is `repository_id`, with nothing restricting
 * the run: every run of that repository, pull requests included, gets in.
 */
export function repositoryOnlyIdentity(s: PolicyStatement, issuer: string): LocatedString | null {
  let identity: LocatedString | null = null;
  for (const c of s.conditions) {
    const kc = classifyKey(c.key, issuer);
    const op = parseOperator(c.operator);
    if (kc.kind !== "claim" || !op || op.family !== "string") continue;
    if (
      [
        "sub",
        "job_workflow_ref",
        "workflow_ref",
        "ref",
        "environment",
        "event_name",
        "ref_type",
        "base_ref",
        "head_ref",
      ].includes(kc.claim)
    )
      return null;
    // (`repository` is a naming claim: the probe analysis judges it.)
    if (kc.claim === "repository" && !op.negated) return null;
    if (kc.claim === "repository_id" && !op.negated && c.values.length > 0) identity ??= c.values[0]!;
  }
  return identity;
}
