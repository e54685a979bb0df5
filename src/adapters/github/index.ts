/**
 * GitHub adapter: reads a repository's pull request files, workflow files, repository facts and
 * settings, and publishes check runs, reviews and comments, through an injected Octokit
 * (Probot's `context.octokit` or `@octokit/rest`). Fetches and publishes only; the core decides.
 */
export type { GitHubClient, GitHubResponse, RepoRef } from "./client.js";
export { GITHUB_PERMISSION } from "./permissions.js";
export {
  ANNOTATIONS_PER_REQUEST,
  CHECK_RUN_NAME,
  type CheckRunAnnotation,
  type CheckRunConclusion,
  type CheckRunFields,
  type CheckRunOutput,
  type CheckRunStatus,
  createGitHubPublisher,
  type GitHubPublisher,
  type PullRequestState,
  type Reaction,
  type ReviewComment,
  type ReviewCommentMarker,
  type ReviewRequest,
  type ReviewSummary,
  type ReviewThread,
} from "./publisher.js";
export {
  COMPARE_FILES_CAP,
  createGitHubReader,
  type EnvironmentFacts,
  type GitHubReader,
  type OidcSubjectSetting,
  PULL_FILES_CAP,
  type PullFile,
  type PullFiles,
  type RepositoryFacts,
  type RepositoryRole,
  type WorkflowFile,
} from "./reader.js";
export type { GhFailure, GhResult } from "./result.js";
