/**
 * The GitHub App permission each adapter call needs, as GitHub's REST reference states it in the
 * "Fine-grained access tokens" box of each endpoint (docs.github.com/rest, API version 2026-03-10),
 * and as reported in `GhFailure.permission` when a call is refused. Administration is never
 * needed: environments and their protection rules are readable with Actions: read, branch
 * protection status (`protected` on Get a branch) with Contents: read.
 */

/** A permission string as shown to users: `"<Permission name>: <read|write>"`. */
export const GITHUB_PERMISSION = {
  /** Mandatory for every App. GET /repos/{o}/{r}; GET …/collaborators/{u}/permission. */
  metadataRead: "Metadata: read",
  /** Git contents: GraphQL `object(expression:)` blobs and trees; GET …/branches/{branch}. */
  contentsRead: "Contents: read",
  /** GET …/pulls/{n}, GET …/pulls/{n}/files, GET …/pulls/{n}/comments. */
  pullRequestsRead: "Pull requests: read",
  /** POST …/pulls/{n}/reviews; POST …/issues/{n}/comments and comment reactions on pull requests. */
  pullRequestsWrite: "Pull requests: write",
  /**
   * GET …/actions/oidc/customization/sub (docs: "Actions" repository permissions (read); older
   * Octokit docs said organization_administration:read, superseded) and GET …/environments.
   */
  actionsRead: "Actions: read",
  /** POST/PATCH …/check-runs. */
  checksWrite: "Checks: write",
} as const;
