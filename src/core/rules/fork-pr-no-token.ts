import { data, type Expr } from "@actions/expressions";
import {
  Binary,
  ContextAccess,
  FunctionCall,
  Grouping,
  IndexAccess,
  Literal,
  Logical,
  Unary,
} from "@actions/expressions/ast";
import type { Finding } from "../engine/scan-types.js";
import {
  type AwsCredentials,
  awsCredentialsPath,
  awsCredentialsSteps,
  conditionSource,
  effectiveIdTokenGrant,
  type Job,
  type Node,
  parseExpression,
  type Trigger,
  type Workflow,
} from "../workflow/index.js";
import { defineRule } from "./define-rule.js";
import { docsUrl } from "./rule.js";
import { nodeAt, workflowFinding } from "./workflow-rule.js";

const id = "fork-pr-no-token";

/**
 * A value of a GitHub expression in a hypothetical run: a literal; a string pattern (lower case
 * `prefix…suffix`, e.g. `refs/pull/…/merge`); a symbol that differs from every other symbol (the
 * fork's repository vs the base repository); a list; or unknown.
 */
export type RunValue =
  | { kind: "literal"; value: string | number | boolean | null }
  | { kind: "pattern"; prefix: string; suffix: string }
  | { kind: "symbol"; name: string; equalsLiteral: false | undefined; differsFrom?: readonly string[] }
  | { kind: "list"; items: RunValue[] }
  | { kind: "unknown" };

/** What is known of a hypothetical run: context values by lower-case dotted path (`github.event_name`). */
export type RunFacts = ReadonlyMap<string, RunValue>;

/** True, false, or unknown (undefined). */
type Tri = boolean | undefined;

const UNKNOWN: RunValue = { kind: "unknown" };
const lit = (value: string | number | boolean | null): RunValue => ({ kind: "literal", value });
/** The fork's side: compared with any literal it is false (a literal `owner/name` names the base repository). */
const fork = (name: string): RunValue => ({ kind: "symbol", name, equalsLiteral: false });
const base = (name: string): RunValue => ({ kind: "symbol", name, equalsLiteral: undefined });
/** A fork's pull request author: anyone, but not a bot that only opens pull requests from the base repository. */
const FORK_AUTHOR: RunValue = {
  kind: "symbol",
  name: "fork-author",
  equalsLiteral: undefined,
  differsFrom: ["dependabot[bot]", "renovate[bot]", "github-actions[bot]"],
};

/** Events whose fork runs get no OIDC token (OIDC-SEMANTICS §2.6). */
export const FORK_PR_EVENTS: readonly string[] = [
  "pull_request",
  "pull_request_review",
  "pull_request_review_comment",
];

/**
 * The facts of a run of `trigger` caused by a pull request from a fork: what `if:` conditions that
 * restrict a job to same-repository pull requests test. For the pull request family, `workflow_run`
 * and `issue_comment` (payloads without a top-level `ref`). `pull_request*` events carry the fork in
 * `github.event.pull_request.head.repo`, `workflow_run` in `github.event.workflow_run.head_repository`.
 */
export function forkRunFacts(trigger: Trigger): RunFacts {
  const event = trigger.event;
  const types = trigger.types?.value.map((t) => t.value.trim()) ?? [];
  // A merged pull request's `closed` run has the base branch as its ref (OIDC-SEMANTICS §2.4).
  const mayBeClosed = types.includes("closed");
  const facts = new Map<string, RunValue>([
    ["github.event_name", lit(event)],
    ["github.repository", base("base-repo")],
    ["github.repository_owner", base("base-owner")],
    ["github.repository_id", base("base-repo-id")],
    ["github.event.repository.full_name", base("base-repo")],
    ["github.event.repository.id", base("base-repo-id")],
    ["github.event.repository.owner.login", base("base-owner")],
    // Only push-like payloads carry a top-level `ref`; these events' payloads do not.
    ["github.event.ref", lit(null)],
  ]);
  if (event === "pull_request" || event.startsWith("pull_request_")) {
    facts.set("github.event.pull_request.head.repo.full_name", fork("fork-repo"));
    facts.set("github.event.pull_request.head.repo.fork", lit(true));
    facts.set("github.event.pull_request.head.repo.id", fork("fork-repo-id"));
    facts.set("github.event.pull_request.head.repo.owner.login", fork("fork-owner"));
    facts.set("github.event.pull_request.head.user.login", fork("fork-owner"));
    facts.set("github.event.pull_request.user.login", FORK_AUTHOR);
    facts.set("github.event.pull_request.base.repo.full_name", base("base-repo"));
    facts.set("github.event.pull_request.base.repo.id", base("base-repo-id"));
    facts.set("github.event.pull_request.base.repo.owner.login", base("base-owner"));
    if (event !== "pull_request_target") {
      if (!mayBeClosed || event !== "pull_request") {
        facts.set("github.ref", { kind: "pattern", prefix: "refs/pull/", suffix: "/merge" });
        facts.set("github.ref_name", { kind: "pattern", prefix: "", suffix: "/merge" });
        facts.set("github.event.pull_request.merged", lit(false));
      }
    }
  }
  if (event === "workflow_run") {
    facts.set("github.event.workflow_run.event", lit("pull_request"));
    facts.set("github.event.workflow_run.head_repository.full_name", fork("fork-repo"));
    facts.set("github.event.workflow_run.head_repository.fork", lit(true));
    facts.set("github.event.workflow_run.head_repository.id", fork("fork-repo-id"));
    facts.set("github.event.workflow_run.head_repository.owner.login", fork("fork-owner"));
    facts.set("github.event.workflow_run.repository.full_name", base("base-repo"));
    facts.set("github.event.workflow_run.repository.id", base("base-repo-id"));
  }
  return facts;
}

/**
 * Whether an `if:` condition can hold in a run described by `facts`: false only when it certainly
 * cannot (e.g. `github.event.pull_request.head.repo.full_name == github.repository` in a fork run,
 * `github.event_name == 'push'` in a pull request run). No condition, an unparseable one, or one
 * that mixes text with `${{ }}` (always true) may hold.
 */
export function conditionMayHold(condition: Node<string> | undefined, facts: RunFacts): boolean {
  if (!condition) return true;
  const source = conditionSource(condition.value);
  if (source === undefined) return true;
  const parsed = parseExpression(source);
  if (!parsed.ok || parsed.expr === undefined) return true;
  return truth(parsed.expr, facts) !== false;
}

const STATUS_OVERRIDE = /\b(?:always|failure|cancelled)\s*\(/i;

/**
 * Whether a job may run in a run described by `facts`: its `if:` may hold, and no job it `needs`
 * is certainly skipped (a skipped need skips the job unless its `if:` uses a status function).
 */
export function jobMayRun(job: Job, workflow: Workflow, facts: RunFacts): boolean {
  const memo = new Map<string, boolean>();
  const visit = (j: Job, depth: number): boolean => {
    const known = memo.get(j.id.value);
    if (known !== undefined) return known;
    memo.set(j.id.value, true); // cycles (invalid workflows) end here
    let runs = conditionMayHold(j.if, facts);
    if (runs && depth < 50 && !(j.if && STATUS_OVERRIDE.test(j.if.value))) {
      for (const need of j.needs) {
        const needed = workflow.jobs.find((other) => other.id.value === need.value.trim());
        if (needed && !visit(needed, depth + 1)) {
          runs = false;
          break;
        }
      }
    }
    memo.set(j.id.value, runs);
    return runs;
  };
  return visit(job, 0);
}

function truth(expr: Expr, facts: RunFacts): Tri {
  if (expr instanceof Grouping) return truth(expr.group, facts);
  if (expr instanceof Unary) {
    const t = truth(expr.expr, facts);
    return t === undefined ? undefined : !t;
  }
  if (expr instanceof Logical) {
    const and = expr.operator.lexeme === "&&";
    let result: Tri = and;
    for (const arg of expr.args) {
      const t = truth(arg, facts);
      if (t === !and) return !and;
      if (t === undefined) result = undefined;
    }
    return result;
  }
  return truthy(value(expr, facts));
}

function value(expr: Expr, facts: RunFacts): RunValue {
  if (expr instanceof Grouping) return value(expr.group, facts);
  if (expr instanceof Literal) {
    const v = expr.literal;
    if (v.kind === data.Kind.Null) return lit(null);
    if (v.kind === data.Kind.String || v.kind === data.Kind.Number || v.kind === data.Kind.Boolean)
      return lit(v.value);
    return UNKNOWN;
  }
  if (expr instanceof Unary) {
    const t = truth(expr.expr, facts);
    return t === undefined ? UNKNOWN : lit(!t);
  }
  if (expr instanceof Binary) {
    const op = expr.operator.lexeme;
    if (op !== "==" && op !== "!=") return UNKNOWN;
    const eq = equals(value(expr.left, facts), value(expr.right, facts));
    return eq === undefined ? UNKNOWN : lit(op === "==" ? eq : !eq);
  }
  if (expr instanceof ContextAccess || expr instanceof IndexAccess) {
    const path = contextPath(expr);
    return path === undefined ? UNKNOWN : (facts.get(path) ?? UNKNOWN);
  }
  if (expr instanceof FunctionCall) return call(expr, facts);
  return UNKNOWN;
}

/** `github.event.pull_request.head.repo.fork` for an access chain with literal keys, lower case. */
function contextPath(expr: Expr): string | undefined {
  const parts: string[] = [];
  let cur: Expr = expr;
  while (cur instanceof IndexAccess) {
    const index = cur.index;
    if (!(index instanceof Literal) || !index.literal.primitive) return undefined;
    parts.unshift(index.literal.coerceString().toLowerCase());
    cur = cur.expr;
  }
  if (!(cur instanceof ContextAccess)) return undefined;
  parts.unshift(cur.name.lexeme.toLowerCase());
  return parts.join(".");
}

function call(expr: FunctionCall, facts: RunFacts): RunValue {
  const name = expr.functionName.lexeme.toLowerCase();
  const args = expr.args.map((a) => value(a, facts));
  if (name === "always") return lit(true);
  if (name === "fromjson") {
    const a = args[0];
    if (a?.kind !== "literal" || typeof a.value !== "string") return UNKNOWN;
    try {
      return fromJson(JSON.parse(a.value) as unknown);
    } catch {
      return UNKNOWN;
    }
  }
  const [haystack, needle] = args;
  if (!haystack || needle?.kind !== "literal") return UNKNOWN;
  const n = String(needle.value ?? "").toLowerCase();
  if (name === "contains") {
    if (haystack.kind === "list") return toValue(anyEquals(haystack.items, needle));
    if (haystack.kind === "literal")
      return lit(
        String(haystack.value ?? "")
          .toLowerCase()
          .includes(n),
      );
    if (haystack.kind === "pattern" && (haystack.prefix.includes(n) || haystack.suffix.includes(n)))
      return lit(true);
    return UNKNOWN;
  }
  if (name === "startswith" || name === "endswith") {
    const start = name === "startswith";
    if (haystack.kind === "literal") {
      const h = String(haystack.value ?? "").toLowerCase();
      return lit(start ? h.startsWith(n) : h.endsWith(n));
    }
    if (haystack.kind !== "pattern") return UNKNOWN;
    const fixed = start ? haystack.prefix : haystack.suffix;
    if (start ? fixed.startsWith(n) : fixed.endsWith(n)) return lit(true);
    // The needle extends the fixed part into the variable middle: it may or may not match.
    return (start ? n.startsWith(fixed) : n.endsWith(fixed)) ? UNKNOWN : lit(false);
  }
  return UNKNOWN;
}

function fromJson(v: unknown): RunValue {
  if (v === null || typeof v === "string" || typeof v === "number" || typeof v === "boolean") return lit(v);
  if (Array.isArray(v)) return { kind: "list", items: v.map(fromJson) };
  return UNKNOWN;
}

function anyEquals(items: RunValue[], needle: RunValue): Tri {
  let result: Tri = false;
  for (const item of items) {
    const eq = equals(item, needle);
    if (eq === true) return true;
    if (eq === undefined) result = undefined;
  }
  return result;
}

function toValue(t: Tri): RunValue {
  return t === undefined ? UNKNOWN : lit(t);
}

/** GitHub truthiness: `false`, `0`, `''`, `null` and NaN are falsy. */
function truthy(v: RunValue): Tri {
  if (v.kind === "unknown") return undefined;
  if (v.kind !== "literal") return true;
  const x = v.value;
  return !(x === null || x === false || x === "" || (typeof x === "number" && (x === 0 || Number.isNaN(x))));
}

/** `==` of GitHub expressions: strings compare case-insensitively, mixed types as numbers. */
function equals(a: RunValue, b: RunValue): Tri {
  if (a.kind === "unknown" || b.kind === "unknown" || a.kind === "list" || b.kind === "list")
    return undefined;
  if (a.kind === "literal" && b.kind === "literal") {
    if (typeof a.value === "string" && typeof b.value === "string")
      return a.value.toLowerCase() === b.value.toLowerCase();
    const x = toNumber(a.value);
    const y = toNumber(b.value);
    return !Number.isNaN(x) && x === y;
  }
  if (a.kind === "symbol" && b.kind === "symbol") return a.name === b.name;
  if (a.kind === "symbol" || b.kind === "symbol") {
    const [s, other] = a.kind === "symbol" ? [a, b] : [b as RunValue & { kind: "symbol" }, a];
    if (other.kind !== "literal") return undefined;
    if (s.differsFrom?.includes(String(other.value).toLowerCase())) return false;
    return s.equalsLiteral;
  }
  if (a.kind === "pattern" && b.kind === "pattern") return undefined;
  const [p, other] = a.kind === "pattern" ? [a, b] : [b as RunValue & { kind: "pattern" }, a];
  if (other.kind !== "literal" || typeof other.value !== "string") return false;
  const s = other.value.toLowerCase();
  const fits =
    s.length >= p.prefix.length + p.suffix.length && s.startsWith(p.prefix) && s.endsWith(p.suffix);
  return fits ? undefined : false;
}

function toNumber(x: string | number | boolean | null): number {
  if (x === null) return 0;
  if (typeof x === "boolean") return x ? 1 : 0;
  if (typeof x === "number") return x;
  return x.trim() === "" ? 0 : Number(x);
}

/** The credentials steps of `job` that take the OIDC path (a role, no keys, no token file, no chaining). */
function oidcSteps(job: Job, workflow: Workflow): AwsCredentials[] {
  return awsCredentialsSteps({ ...workflow, jobs: [job] }).filter(
    (v) => awsCredentialsPath(v).path === "oidc",
  );
}

/** `fork-pr-no-token`: a pull request job assumes a role through OIDC, which fork runs cannot. */
export const forkPrNoToken = defineRule({
  meta: {
    id,
    severity: "medium",
    category: "will-fail",
    title: "Fork pull requests get no OIDC token",
    explanation:
      "GitHub gives runs of `pull_request`, `pull_request_review` and `pull_request_review_comment` from forks (and Dependabot's pull requests) at most `id-token: none`, whatever the workflow asks for. The credentials step then falls back to the default credential chain and fails with `Credentials could not be loaded, please check your action inputs: Could not load credentials from any providers`. rolecall stays silent when the job's or the step's `if:` (or a job it `needs`) already rules out fork runs, e.g. `github.event.pull_request.head.repo.full_name == github.repository` (or `== 'owner/name'`), `!github.event.pull_request.head.repo.fork` or `github.event.pull_request.user.login == 'dependabot[bot]'`, or when it rules out pull request events altogether (`github.event_name == 'push'`, `github.ref == 'refs/heads/main'`). A guard computed in a step and passed through outputs is not followed.",
    fix: "Skip the role for fork pull requests, e.g. `if: github.event.pull_request.head.repo.full_name == github.repository` on the job or the credentials step (add `&& github.actor != 'dependabot[bot]'` if Dependabot opens pull requests), or run the AWS part after merge on `push`.",
    docs: docsUrl(id),
  },
  onWorkflow({ file, workflow }) {
    const out: Finding[] = [];
    const triggers = workflow.triggers.filter((t) => FORK_PR_EVENTS.includes(t.event));
    if (triggers.length === 0) return out;
    for (const job of workflow.jobs) {
      if (effectiveIdTokenGrant(job, workflow).level !== "write") continue; // missing-id-token-permission
      for (const trigger of triggers) {
        const facts = forkRunFacts(trigger);
        if (!jobMayRun(job, workflow, facts)) continue;
        const view = oidcSteps(job, workflow).find((v) => conditionMayHold(v.step.if, facts));
        if (!view) continue;
        const role = view.inputs["role-to-assume"]!;
        out.push(
          workflowFinding(this.meta, nodeAt(file, view.action.uses), {
            message: `Job \`${job.id.value}\` assumes \`${role.value}\` on \`${trigger.event}\`, but runs from fork pull requests get no OIDC token, so this step fails for them with \`Credentials could not be loaded, please check your action inputs: Could not load credentials from any providers\`.`,
            job: job.id.value,
            role: role.value,
            related: [
              {
                file,
                line: trigger.name.span.start.line,
                column: trigger.name.span.start.column,
                message: `\`${trigger.event}\` runs for pull requests from forks`,
              },
            ],
          }),
        );
        break;
      }
    }
    return out;
  },
});
