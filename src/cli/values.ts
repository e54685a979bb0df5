// Checks of option values shared by the commands.

/**
 * Keys a custom subject template (`include_claim_keys`) can hold: `repo` and `context`, which stand
 * for parts of the default subject, and the claims of GitHub's token (plus `repo_property_*`).
 */
export const SUB_TEMPLATE_KEYS = [
  "repo",
  "context",
  "actor",
  "actor_id",
  "base_ref",
  "enterprise",
  "enterprise_id",
  "environment",
  "event_name",
  "head_ref",
  "job_workflow_ref",
  "job_workflow_sha",
  "ref",
  "ref_protected",
  "ref_type",
  "repository",
  "repository_id",
  "repository_owner",
  "repository_owner_id",
  "repository_visibility",
  "run_attempt",
  "run_id",
  "run_number",
  "runner_environment",
  "sha",
  "workflow",
  "workflow_ref",
  "workflow_sha",
] as const;

/** Longest `--default-branch` accepted (a path component of a loose git ref cannot be longer either). */
export const MAX_BRANCH_LENGTH = 255;

/**
 * Why `name` is not a branch name git accepts (git check-ref-format, as a branch), or null. One
 * linear pass; the length is capped first.
 */
export function branchNameProblem(name: string): string | null {
  if (name === "") return "it is empty";
  if (name.length > MAX_BRANCH_LENGTH)
    return `it is ${name.length} characters long; rolecall accepts at most ${MAX_BRANCH_LENGTH}`;
  for (const c of name) {
    if (c <= " " || c === "\u007f" || "~^:?*[\\".includes(c))
      return `it contains ${JSON.stringify(c)}, which git does not allow in a branch name`;
  }
  if (name.startsWith("-")) return "it starts with '-'";
  if (name.startsWith("refs/")) return "give the branch name without refs/heads/";
  if (name.includes("..") || name.includes("@{") || name.includes("//") || name === "@")
    return "it contains '..', '@{' or '//', which git does not allow";
  if (name.startsWith("/") || name.endsWith("/") || name.endsWith("."))
    return "it starts or ends with '/' or ends with '.'";
  if (name.split("/").some((c) => c.startsWith(".") || c.endsWith(".lock")))
    return "a part of it starts with '.' or ends with '.lock'";
  return null;
}

/** `HOST[/PATH]` without scheme and trailing slashes, or why it is not an issuer. */
export function parseIssuer(raw: string): { issuer: string } | { problem: string } {
  const issuer = raw
    .trim()
    .replace(/^https:\/\//i, "")
    .replace(/\/+$/, "");
  if (issuer === "")
    return {
      problem: "--issuer is empty; give the token issuer host, e.g. token.actions.githubusercontent.com",
    };
  if (/^[a-z]+:\/\//i.test(issuer)) return { problem: `--issuer must be an https issuer, not ${raw}` };
  if (
    !/^[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]*[A-Za-z0-9])?)*(:\d{1,5})?(\/[A-Za-z0-9._~%/-]*)?$/.test(
      issuer,
    )
  )
    return { problem: `--issuer must be HOST[/PATH] (e.g. token.actions.githubusercontent.com), not ${raw}` };
  return { issuer };
}
