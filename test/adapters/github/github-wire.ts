/**
 * Test helpers for the GitHub adapter: a real ProbotOctokit with retry and throttling off
 * (TOOLCHAIN.md: the function form of `defaults`), GitHub's wire shapes, and fixtures.
 */
import { readFileSync } from "node:fs";
import { ProbotOctokit } from "probot";

export const API = "https://api.github.com";
export const OWNER = "octo-org";
export const REPO = "octo-repo";
export const REPO_ID = 2002;
export const TOKEN = "ghs_16C7e42F292c6912E7710c838347Ae178B4a";
export const HEAD_SHA = "ce587453ced02b1526dfb4cb910479d431683101";
export const JSON_HEADERS = { "content-type": "application/json; charset=utf-8" };

const TestOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
  ...options,
  retry: { enabled: false },
  throttle: { enabled: false },
}));

/** A ProbotOctokit authenticated with an installation token, as `context.octokit` is. */
export function makeOctokit(): ProbotOctokit {
  return new TestOctokit({ auth: { token: TOKEN } });
}

/** A JSON fixture from test/fixtures/github. */
export function fixture(name: string): unknown {
  return JSON.parse(readFileSync(new URL(`../../fixtures/github/${name}`, import.meta.url), "utf8"));
}

/** GitHub's `Link` header for a page of a list (GitHub links by repository id). */
export function linkHeader(
  path: string,
  page: number,
  last: number,
  perPage = 100,
): { link: string } | object {
  const url = (p: number) => `${API}/repositories/${REPO_ID}${path}?per_page=${perPage}&page=${p}`;
  const parts: string[] = [];
  if (page > 1) parts.push(`<${url(page - 1)}>; rel="prev"`);
  if (page < last) parts.push(`<${url(page + 1)}>; rel="next"`, `<${url(last)}>; rel="last"`);
  if (page > 1) parts.push(`<${url(1)}>; rel="first"`);
  return parts.length === 0 ? {} : { link: parts.join(", ") };
}

/** One entry of GET /pulls/{n}/files. */
export function pullFile(
  filename: string,
  extra: { status?: string; previous_filename?: string; patch?: string | null } = {},
): Record<string, unknown> {
  const status = extra.status ?? "modified";
  const body: Record<string, unknown> = {
    sha: "bbcd538c8e72b8c175046e27cc8f907076331401",
    filename,
    status,
    additions: 3,
    deletions: 1,
    changes: 4,
    blob_url: `https://github.com/${OWNER}/${REPO}/blob/${HEAD_SHA}/${filename}`,
    raw_url: `https://github.com/${OWNER}/${REPO}/raw/${HEAD_SHA}/${filename}`,
    contents_url: `${API}/repos/${OWNER}/${REPO}/contents/${filename}?ref=${HEAD_SHA}`,
  };
  if (extra.patch !== null)
    body.patch = extra.patch ?? "@@ -1,3 +1,5 @@\n name: deploy\n+permissions:\n+  id-token: write";
  if (extra.previous_filename !== undefined) body.previous_filename = extra.previous_filename;
  return body;
}

/** A GraphQL `Blob` as selected by the adapter. */
export function blob(
  text: string | null,
  extra: { isBinary?: boolean; isTruncated?: boolean; byteSize?: number } = {},
) {
  return {
    byteSize: extra.byteSize ?? (text === null ? 2048 : Buffer.byteLength(text)),
    isBinary: extra.isBinary ?? false,
    isTruncated: extra.isTruncated ?? false,
    text,
  };
}

/** A GraphQL `TreeEntry` under .github/workflows. */
export function treeEntry(name: string, object: unknown, type = "blob", mode = 33188) {
  return { name, path: `.github/workflows/${name}`, type, mode, object };
}

/** A workflow file's text. */
export function workflowText(i: number): string {
  return [
    `name: deploy-${i}`,
    "on:",
    "  push:",
    "    branches: [main]",
    "permissions:",
    "  id-token: write",
    "  contents: read",
    "jobs:",
    "  deploy:",
    "    runs-on: ubuntu-latest",
    "    environment: production",
    "    steps:",
    "      - uses: aws-actions/configure-aws-credentials@v6",
    "        with:",
    `          role-to-assume: arn:aws:iam::111122223333:role/deploy-${i}`,
    "          aws-region: eu-west-1",
    "",
  ].join("\n");
}

/** One entry of GET /pulls/{n}/comments. */
export function reviewComment(id: number, path: string, line: number | null, body: string, userType = "Bot") {
  return {
    url: `${API}/repos/${OWNER}/${REPO}/pulls/comments/${id}`,
    pull_request_review_id: 80,
    id,
    node_id: "MDI0OlB1bGxSZXF1ZXN0UmV2aWV3Q29tbWVudDEw",
    diff_hunk: "@@ -16,33 +16,40 @@ jobs:",
    path,
    commit_id: HEAD_SHA,
    original_commit_id: "9c48853fa3dc5c1c3d6f1f1cd1f2743e72652840",
    user: {
      login: userType === "Bot" ? "rolecall[bot]" : "octocat",
      id: userType === "Bot" ? 424242 : 1,
      node_id: "MDQ6VXNlcjE=",
      type: userType,
      site_admin: false,
    },
    body,
    created_at: "2026-11-02T14:06:00Z",
    updated_at: "2026-11-02T14:06:00Z",
    html_url: `https://github.com/${OWNER}/${REPO}/pull/42#discussion-diff-${id}`,
    pull_request_url: `${API}/repos/${OWNER}/${REPO}/pulls/42`,
    author_association: "NONE",
    start_line: null,
    original_start_line: null,
    start_side: null,
    line,
    original_line: line ?? 12,
    side: "RIGHT",
    subject_type: "line",
  };
}
