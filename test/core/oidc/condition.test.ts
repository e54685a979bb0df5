import { describe, expect, it } from "vitest";
import { Lang } from "../../../src/core/lang/index.js";
import { type ConditionFacts, evaluateCondition } from "../../../src/core/oidc/condition.js";

/**
 * The one `if:` interpreter, pinned row by row (actionlint style): for a run of `event` on `ref`,
 * is the condition certainly true, certainly false, or undecided (the run is then *conditional*)?
 */
type Verdict = "true" | "false" | "undecided";

function verdict(text: string, facts: Partial<ConditionFacts> & { event: string }, ref: string): Verdict {
  const b = evaluateCondition(text, { baseRef: "", headRef: "", ...facts });
  if (!b.max.has(ref)) return "false";
  return b.min.has(ref) ? "true" : "undecided";
}

const PUSH = { event: "push" };
const PR = { event: "pull_request", baseRef: "main", headRef: "feature" };
const MAIN = "refs/heads/main";
const MERGE = "refs/pull/7/merge";

describe("the if: interpreter", () => {
  it.each<[string, string, Partial<ConditionFacts> & { event: string }, string, Verdict]>([
    ["github.event.ref is null on pull_request", "github.event.ref == 'refs/heads/main'", PR, MERGE, "false"],
    ["github.event.ref is the ref on push", "github.event.ref == 'refs/heads/main'", PUSH, MAIN, "true"],
    [
      "github.event.ref on push to another branch",
      "github.event.ref == 'refs/heads/main'",
      PUSH,
      "refs/heads/dev",
      "false",
    ],
    [
      "null-safe access outside pull request events (null == false coerces to 0 == 0)",
      "github.event.pull_request.head.repo.fork == false",
      PUSH,
      MAIN,
      "true",
    ],
    [
      "a pull request field is unknown on pull requests",
      "github.event.pull_request.head.repo.fork == false",
      PR,
      MERGE,
      "undecided",
    ],
    ["null-safe access is falsy", "!github.event.pull_request.merged", PUSH, MAIN, "true"],
    [
      "github.event.workflow_run only on workflow_run",
      "github.event.workflow_run.conclusion == 'success'",
      PUSH,
      MAIN,
      "false",
    ],
    ["head_ref is empty outside pull requests", "github.head_ref == ''", PUSH, MAIN, "true"],
    ["head_ref on a pull request", "github.head_ref == 'feature'", PR, MERGE, "true"],
    ["base_ref on a pull request", "github.base_ref == 'release'", PR, MERGE, "false"],
    ["the actor is not known", "github.actor != 'dependabot[bot]'", PUSH, MAIN, "undecided"],
    [
      "the triggering actor is not known",
      "github.triggering_actor == 'dependabot[bot]'",
      PR,
      MERGE,
      "undecided",
    ],
    [
      "the repository when known",
      "github.repository == 'octo-org/octo-repo'",
      { ...PUSH, repository: "octo-org/octo-repo" },
      MAIN,
      "true",
    ],
    [
      "another repository (a fork's run of the workflow)",
      "github.repository == 'upstream/octo-repo'",
      { ...PUSH, repository: "octo-org/octo-repo" },
      MAIN,
      "false",
    ],
    [
      "the repository owner",
      "github.repository_owner == 'OCTO-ORG'",
      { ...PUSH, repository: "octo-org/octo-repo" },
      MAIN,
      "true",
    ],
    ["the repository when not known", "github.repository == 'octo-org/octo-repo'", PUSH, MAIN, "undecided"],
    [
      "github.event.action with one type",
      "github.event.action == 'closed'",
      { ...PR, types: ["closed"] },
      MERGE,
      "true",
    ],
    [
      "github.event.action outside the types",
      "github.event.action == 'opened'",
      { ...PR, types: ["closed", "labeled"] },
      MERGE,
      "false",
    ],
    [
      "github.event.action among several types",
      "github.event.action == 'closed'",
      { ...PR, types: ["closed", "labeled"] },
      MERGE,
      "undecided",
    ],
    ["event_name compares ignoring case", "github.event_name == 'PUSH'", PUSH, MAIN, "true"],
    ["mixed types compare as numbers", "github.event.ref == 0", PR, MERGE, "true"],
    ["null equals the empty string", "github.event.ref == ''", PR, MERGE, "true"],
    ["a ref is never null", "github.ref == null", PUSH, MAIN, "false"],
    ["step outputs are unknown", "needs.check.outputs.deploy == 'true'", PUSH, MAIN, "undecided"],
    ["inputs are unknown", "inputs.deploy", { event: "workflow_dispatch" }, MAIN, "undecided"],
    ["success() holds", "success() && github.ref == 'refs/heads/main'", PUSH, MAIN, "true"],
    [
      "an undecided part and a false part",
      "github.actor == 'me' && github.event_name == 'pull_request'",
      PUSH,
      MAIN,
      "false",
    ],
    [
      "an undecided part or a true part",
      "github.actor == 'me' || github.event_name == 'push'",
      PUSH,
      MAIN,
      "true",
    ],
    ["fromJSON lists", 'contains(fromJSON(\'["push", "schedule"]\'), github.event_name)', PUSH, MAIN, "true"],
    ["startsWith on the ref", "startsWith(github.ref, 'refs/tags/')", PUSH, MAIN, "false"],
    [
      "text around an expression is always true",
      `deploy-$${"{{"} github.event_name == 'push' }}`,
      PR,
      MERGE,
      "undecided",
    ],
  ])("%s: `%s`", (_what, text, facts, ref, expected) => {
    expect(verdict(text, facts, ref)).toBe(expected);
  });

  it("keeps ref sets exact: github.ref_name over branches and tags", () => {
    const b = evaluateCondition("github.ref_name == 'v1'", { event: "push", baseRef: "", headRef: "" });
    const name = Lang.literal("v1", { ignoreCase: true });
    const want = Lang.literal("refs/heads/").concat(name).union(Lang.literal("refs/tags/").concat(name));
    expect(b.min.equals(want) && b.max.equals(want)).toBe(true);
  });
});
