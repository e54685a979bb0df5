import {
  compileFilterList,
  compileIgnoreList,
  GithubFilterParseError,
  Lang,
  LangTooComplexError,
  validRefNameLang,
} from "../lang/index.js";
import type { Node, Span, Trigger, Workflow } from "../workflow/index.js";

/** A ref a run can have: concrete, a set (a branch filter), or unknown. */
export type RefSpec =
  | { kind: "value"; value: string }
  | { kind: "pattern"; description: string; domain: Lang }
  | { kind: "unknown"; reason: string };

/** One way a workflow can be started: event × ref × fork, before the job's environment is known. */
export interface TriggerContext {
  event: string;
  /** Where the trigger is declared, for findings. */
  at: { span: Span; route: string } | null;
  ref: RefSpec;
  fork: boolean;
  /** Set when the run gets no OIDC token whatever the job asks (fork pull requests, Dependabot). */
  noToken: string | null;
  /** `github.base_ref` / `github.head_ref` when known ("" outside pull request events). */
  baseRef: string | null;
  headRef: string | null;
  /** Narrative for tables and messages, e.g. "push to any branch matching release/**". */
  label: string;
  /** A run a person starts by hand on a ref of their choice (dispatch on another branch or a tag): a deny there is protection, not breakage. */
  optional?: boolean;
  /** The trigger's activity `types:`, when listed (what `github.event.action` can be). */
  types?: string[];
  /** The job's or step's `if:` that rolecall cannot decide for this run: the run happens only if it holds. */
  conditional?: string;
}

/** Events whose runs use the default branch as `GITHUB_REF` (OIDC-SEMANTICS §2.4). */
const DEFAULT_BRANCH_EVENTS = new Set([
  "schedule",
  "workflow_run",
  "delete",
  "issue_comment",
  "issues",
  "label",
  "milestone",
  "discussion",
  "discussion_comment",
  "fork",
  "gollum",
  "watch",
  "status",
  "check_run",
  "check_suite",
  "page_build",
  "public",
  "branch_protection_rule",
  "image_version",
  "repository_dispatch",
  "project",
  "project_card",
  "project_column",
  "member",
  "team_add",
]);

const HEADS = "refs/heads/";
const TAGS = "refs/tags/";

let branchDomainCache: Lang | undefined;
let tagDomainCache: Lang | undefined;
/** Every valid branch ref (`refs/heads/<valid name>`). */
export function anyBranch(): Lang {
  branchDomainCache ??= Lang.literal(HEADS).concat(validRefNameLang());
  return branchDomainCache;
}
/** Every valid tag ref. */
export function anyTag(): Lang {
  tagDomainCache ??= Lang.literal(TAGS).concat(validRefNameLang());
  return tagDomainCache;
}

const otherBranchesCache = new Map<string, Lang>();
/** Every valid branch but the default one (workflow_dispatch on another branch). */
function otherBranches(defaultBranch: string): Lang {
  let l = otherBranchesCache.get(defaultBranch);
  if (!l) {
    if (otherBranchesCache.size > 64) otherBranchesCache.clear();
    l = anyBranch().difference(Lang.literal(`${HEADS}${defaultBranch}`));
    otherBranchesCache.set(defaultBranch, l);
  }
  return l;
}

const PR_REF: RefSpec = {
  kind: "pattern",
  description: "refs/pull/<number>/merge",
  domain: Lang.literal("refs/pull/").concat(Lang.fromGithubFilter("[0-9]+")).concat(Lang.literal("/merge")),
};

function listValues(n: Node<Node<string>[]> | undefined): string[] | undefined {
  return n?.value.map((x) => String(x.value));
}

const refsCache = new Map<string, { specs: RefSpec[] } | { error: string }>();

/** {@link filteredRefsUncached}, memoised: the same filters recur across workflows and repositories. */
function filteredRefs(
  prefix: string,
  include: string[] | undefined,
  ignore: string[] | undefined,
): { specs: RefSpec[] } | { error: string } {
  const key = JSON.stringify([prefix, include ?? null, ignore ?? null]);
  let r = refsCache.get(key);
  if (!r) {
    if (refsCache.size > 1_000) refsCache.clear();
    r = filteredRefsUncached(prefix, include, ignore);
    refsCache.set(key, r);
  }
  return r;
}

/** The reason a ref language could not be built exactly: the context becomes indeterminate. */
function tooComplex(what: string, e: LangTooComplexError): RefSpec & { kind: "unknown" } {
  return {
    kind: "unknown",
    reason: `the ${what} is too complex for rolecall to analyse exactly (${e.message}); simplify it, or list the refs it should admit`,
  };
}

/**
 * Refs selected by a branches / branches-ignore (or tags / tags-ignore) pair; undefined = all.
 * A malformed pattern is an error (GitHub rejects the file); a pattern whose language is too
 * complex to compile within the automaton budget is a ref of unknown kind (indeterminate), alone
 * when the list has no negation, the whole list otherwise.
 */
function filteredRefsUncached(
  prefix: string,
  include: string[] | undefined,
  ignore: string[] | undefined,
): { specs: RefSpec[] } | { error: string } {
  const base = prefix === HEADS ? anyBranch() : anyTag();
  const kind = prefix === HEADS ? "branches" : "tags";
  try {
    if (include) {
      // Without negations each pattern is its own context: literal names stay concrete refs.
      if (include.every((p) => !p.startsWith("!"))) {
        return {
          specs: include.map((p): RefSpec => {
            if (!/[*?+[\]\\]/.test(p)) return { kind: "value", value: `${prefix}${p}` };
            try {
              const lang = Lang.literal(prefix)
                .concat(compileFilterList([p]))
                .intersect(base);
              return { kind: "pattern", description: `${prefix}${p}`, domain: lang };
            } catch (e) {
              if (e instanceof LangTooComplexError) return tooComplex(`${kind} filter ${quote(p)}`, e);
              throw e;
            }
          }),
        };
      }
      const lang = Lang.literal(prefix).concat(compileFilterList(include)).intersect(base);
      return {
        specs: [
          {
            kind: "pattern",
            description: `${prefix}${include.length === 1 ? include[0] : `{${include.join(",")}}`}`,
            domain: lang,
          },
        ],
      };
    }
    if (ignore) {
      const lang = Lang.literal(prefix).concat(compileIgnoreList(ignore)).intersect(base);
      return {
        specs: [{ kind: "pattern", description: `${prefix}** except {${ignore.join(",")}}`, domain: lang }],
      };
    }
    return { specs: [{ kind: "pattern", description: `${prefix}**`, domain: base }] };
  } catch (e) {
    if (e instanceof GithubFilterParseError) return { error: e.message };
    if (e instanceof LangTooComplexError)
      return { specs: [tooComplex(include ? `${kind} filter list` : `${kind}-ignore filter list`, e)] };
    throw e;
  }
}

/** A pattern quoted for a message, shortened when long. */
function quote(p: string): string {
  return `\`${p.length > 80 ? `${p.slice(0, 60)}…(${p.length} characters)` : p}\``;
}

function refText(ref: RefSpec): string {
  return ref.kind === "value" ? ref.value : ref.kind === "pattern" ? ref.description : "(unknown ref)";
}

/**
 * Every way the workflow can start (OIDC-SEMANTICS §2.4): one context per trigger × ref (concrete
 * or pattern) × fork. `workflow_call` is not expanded here: its contexts come from the callers.
 * Problems with filters are returned as messages (the rest goes on).
 */
export function triggerContexts(
  workflow: Workflow,
  defaultBranch: string,
): { contexts: TriggerContext[]; problems: { message: string; at: { span: Span; route: string } }[] } {
  const contexts: TriggerContext[] = [];
  const problems: { message: string; at: { span: Span; route: string } }[] = [];
  const defaultRef: RefSpec = { kind: "value", value: `${HEADS}${defaultBranch}` };
  for (const t of workflow.triggers) {
    const at = { span: t.name.span, route: t.name.route };
    const push = (
      c: Omit<TriggerContext, "at" | "event" | "baseRef" | "headRef"> & Partial<TriggerContext>,
    ) => {
      const types = t.types?.value.map((x) => x.value.trim());
      contexts.push({
        event: t.event,
        at,
        baseRef: "",
        headRef: "",
        ...(types?.length ? { types } : {}),
        ...c,
      });
    };
    const refsFrom = (kinds: ("branches" | "tags")[]): RefSpec[] => {
      const out: RefSpec[] = [];
      for (const k of kinds) {
        const r =
          k === "branches"
            ? filteredRefs(HEADS, listValues(t.branches), listValues(t.branchesIgnore))
            : filteredRefs(TAGS, listValues(t.tags), listValues(t.tagsIgnore));
        if ("error" in r) {
          const node = k === "branches" ? (t.branches ?? t.branchesIgnore) : (t.tags ?? t.tagsIgnore);
          problems.push({
            message: `invalid ${k} filter: ${r.error}`,
            at: node ? { span: node.span, route: node.route } : at,
          });
          out.push({ kind: "unknown", reason: `the ${k} filter could not be read` });
        } else {
          const node = k === "branches" ? (t.branches ?? t.branchesIgnore) : (t.tags ?? t.tagsIgnore);
          // A filter too complex to compile exactly: its runs are indeterminate, and the scan says so.
          for (const spec of r.specs)
            if (spec.kind === "unknown")
              problems.push({ message: spec.reason, at: node ? { span: node.span, route: node.route } : at });
          out.push(...r.specs);
        }
      }
      return out;
    };
    switch (t.event) {
      case "push": {
        const hasBranches = t.branches || t.branchesIgnore;
        const hasTags = t.tags || t.tagsIgnore;
        const kinds: ("branches" | "tags")[] =
          hasBranches && !hasTags ? ["branches"] : hasTags && !hasBranches ? ["tags"] : ["branches", "tags"];
        for (const ref of refsFrom(kinds))
          push({ ref, fork: false, noToken: null, label: `push to ${refText(ref)}` });
        break;
      }
      case "create":
      case "registry_package":
      case "deployment":
      case "deployment_status": {
        for (const ref of [
          { kind: "pattern", description: `${HEADS}**`, domain: anyBranch() },
          { kind: "pattern", description: `${TAGS}**`, domain: anyTag() },
        ] as RefSpec[])
          push({ ref, fork: false, noToken: null, label: `${t.event} on ${refText(ref)}` });
        if (t.event === "deployment" || t.event === "deployment_status") {
          push({
            ref: {
              kind: "unknown",
              reason:
                "a deployment created from a commit SHA has an empty GITHUB_REF; the subject GitHub mints then is not documented",
            },
            fork: false,
            noToken: null,
            label: `${t.event} of a commit SHA`,
          });
        }
        break;
      }
      case "release":
        push({
          ref: { kind: "pattern", description: `${TAGS}**`, domain: anyTag() },
          fork: false,
          noToken: null,
          label: "release of any tag",
        });
        break;
      case "workflow_dispatch": {
        push({ ref: defaultRef, fork: false, noToken: null, label: `workflow_dispatch on ${defaultBranch}` });
        push({
          ref: {
            kind: "pattern",
            description: `${HEADS}** except ${defaultBranch}`,
            domain: otherBranches(defaultBranch),
          },
          fork: false,
          noToken: null,
          label: "workflow_dispatch on another branch",
          optional: true,
        });
        push({
          ref: { kind: "pattern", description: `${TAGS}**`, domain: anyTag() },
          fork: false,
          noToken: null,
          label: "workflow_dispatch on a tag",
          optional: true,
        });
        break;
      }
      case "merge_group": {
        // refs/heads/gh-readonly-queue/<base>/pr-<N>-<sha>; a branches filter applies to the base branch.
        const bases = listValues(t.branches);
        let base: Lang;
        let ref: RefSpec;
        try {
          try {
            base = bases ? compileFilterList(bases) : validRefNameLang();
          } catch (e) {
            if (!(e instanceof GithubFilterParseError)) throw e;
            problems.push({ message: `invalid branches filter: ${e.message}`, at });
            base = validRefNameLang();
          }
          const domain = Lang.literal(`${HEADS}gh-readonly-queue/`)
            .concat(base)
            .concat(Lang.literal("/pr-"))
            .concat(Lang.any())
            .intersect(anyBranch());
          ref = {
            kind: "pattern",
            description: `${HEADS}gh-readonly-queue/${bases ? (bases.length === 1 ? bases[0] : `{${bases.join(",")}}`) : "**"}/pr-*`,
            domain,
          };
        } catch (e) {
          if (!(e instanceof LangTooComplexError)) throw e;
          const unknown = tooComplex("merge_group branches filter", e);
          ref = unknown;
          const node = t.branches;
          problems.push({ message: unknown.reason, at: node ? { span: node.span, route: node.route } : at });
        }
        push({
          ref,
          fork: false,
          noToken: null,
          label: "merge queue",
        });
        break;
      }
      case "pull_request":
      case "pull_request_review":
      case "pull_request_review_comment": {
        const base = t.event === "pull_request" ? "pull request" : t.event.replace(/_/g, " ");
        push({
          ref: PR_REF,
          fork: false,
          noToken: null,
          baseRef: null,
          headRef: null,
          label: `${base} from a branch of this repository`,
        });
        push({
          ref: PR_REF,
          fork: true,
          noToken:
            "runs for pull requests from forks (and Dependabot) get no OIDC token: id-token is at most none",
          baseRef: null,
          headRef: null,
          label: `${base} from a fork`,
        });
        break;
      }
      case "pull_request_target":
        push({
          ref: defaultRef,
          fork: false,
          noToken: null,
          baseRef: null,
          headRef: null,
          label: "pull_request_target from a branch",
        });
        push({
          ref: defaultRef,
          fork: true,
          noToken: null,
          baseRef: null,
          headRef: null,
          label: "pull_request_target from a fork",
        });
        break;
      case "workflow_call":
        break;
      default:
        push({
          ref: defaultRef,
          fork: false,
          noToken: null,
          label: DEFAULT_BRANCH_EVENTS.has(t.event)
            ? `${t.event} (runs on ${defaultBranch})`
            : `${t.event} (assumed to run on ${defaultBranch})`,
        });
    }
  }
  return { contexts, problems };
}

/** True when the workflow can be called by other workflows. */
export function isReusable(workflow: Workflow): boolean {
  return workflow.triggers.some((t: Trigger) => t.event === "workflow_call");
}
