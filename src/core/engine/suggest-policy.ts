import { analyzeBreadth, type BreadthIssue, githubStatements } from "../iam/breadth.js";
import type { ClaimSet } from "../iam/claims.js";
import { classifyKey } from "../iam/condition-keys.js";
import type { PatternRequest } from "../iam/evaluate-pattern.js";
import { parseOperator } from "../iam/operators.js";
import { parseTrustPolicy } from "../iam/parse-policy.js";
import { unifiedDiff } from "../iam/policy-diff.js";
import type { PolicyCondition, PolicyStatement, TrustPolicy } from "../iam/policy-model.js";
import { policyToTerraform } from "../iam/policy-terraform.js";
import { valueLanguage } from "../iam/value-language.js";
import { Lang, LangTooComplexError, tokenizeIamGlob } from "../lang/index.js";
import { anyBranch, anyTag } from "../oidc/run-context.js";
import type { AnalyzedContext, ScanModel } from "./analysis-types.js";
import { evaluateClaims } from "./evaluate-run.js";
import type { SuggestedPolicy } from "./scan-types.js";

/** One run a suggestion must admit: its subject as GitHub mints it, and the claims to verify with. */
export interface NeededRun {
  /** The subject as shown (a GitHub filter pattern inside, e.g. `repo:o/r:ref:refs/tags/v[0-9]+`). */
  sub: string;
  claims: ClaimSet | null;
  variable: PatternRequest["variable"] | null;
}

export interface SuggestInput {
  roleArn: string;
  issuer: string;
  audience: string;
  /** The role's current policy; null when it was not read (the suggestion is then a new document). */
  policy: TrustPolicy | null;
  /** `repo:<segment>:`, the prefix of this repository's subjects; null when the repository is unknown. */
  subjectPrefix: string | null;
  needed: NeededRun[];
  /** Subjects deliberately not proposed, with why (e.g. pull requests on a deploy role). */
  withheld?: { sub: string; why: string }[];
  /** True when push, tag, schedule or environment jobs use the role: no high-rated trust may be added. */
  deploy?: boolean;
}

/** Breadth kinds our policy rules rate high or critical (trust-any-repository … trust-pull-request). */
const HIGH_KINDS: ReadonlySet<BreadthIssue["kind"]> = new Set([
  "any-repository",
  "owner-prefix",
  "org-wide",
  "repo-wide",
  "pull-request",
]);

/**
 * Suggests the role's current trust policy minimally edited so that it admits the subjects this
 * repository's workflows need, and no more of this repository than that (issue 7 §3):
 * - other statements (a cross-account `sts:AssumeRole`, Deny statements), other repositories'
 *   subjects, values with policy variables, and every condition other than this repository's `sub`
 *   values are kept as written;
 * - values of this repository that admit more than the workflows need are removed; a value that also
 *   admits other repositories is kept, and the note says so;
 * - missing subjects are added, as IAM values (a GitHub filter such as `v[0-9]+` becomes the IAM glob
 *   `v*`, and the note says what it admits beyond the filter);
 * - for a role used by deploy jobs, nothing a rule of ours rates high is added (the pull request
 *   subject above all).
 * The result is verified with the evaluator: every needed run is admitted unless a Deny blocks it, or
 * the note says why not. When the edit cannot be made in place, a statement is appended; when there
 * is no current policy (or it cannot be located in the input), a new document is given and
 * `minimal` is false.
 */
export function suggestPolicy(input: SuggestInput): SuggestedPolicy | null {
  const notes: string[] = [];
  for (const w of input.withheld ?? []) notes.push(`not added: \`${w.sub}\`: ${w.why}`);
  const values = uniqueValues(input.needed, notes);
  if (values.length === 0 && input.policy === null) return null;
  let doc: Record<string, unknown>;
  let before: Record<string, unknown> | null = null;
  let minimal = true;
  const located = input.policy ? locateDocument(input.policy) : null;
  if (input.policy && located) {
    before = located;
    doc = structuredClone(located);
    try {
      editInPlace(doc, input, values, notes);
    } catch (e) {
      if (!(e instanceof LangTooComplexError)) throw e;
      notes.push(
        `the policy's subject values are too complex to compare exactly (${e.message}); this is a new document, not an edit`,
      );
      doc = freshDocument(input, values);
      minimal = false;
    }
  } else {
    minimal = false;
    notes.push(
      input.policy
        ? "the current policy could not be located in the input as JSON, so this is a new document, not an edit of it: merge it with the role's other statements by hand"
        : "the role's current policy was not read, so this is a new document for this repository's subjects only: merge it with any other statements and repositories the role trusts",
    );
    doc = freshDocument(input, values);
  }
  if (input.deploy && input.policy) {
    try {
      dropHighRated(doc, input, values, notes);
    } catch (e) {
      if (!(e instanceof LangTooComplexError)) throw e;
      notes.push(
        `rolecall could not check the suggestion against its breadth rules (${e.message}): review it`,
      );
    }
  }
  verify(doc, input, notes);
  const json = JSON.stringify(doc, null, 2);
  if (before !== null && json === JSON.stringify(before, null, 2)) return null;
  const name = (/:role\/(?:.*\/)?([^/]+)$/.exec(input.roleArn)?.[1] ?? "role").replace(/[^A-Za-z0-9_]/g, "_");
  return {
    json,
    terraform: policyToTerraform(doc, `${name}_trust`),
    diff: before === null ? null : unifiedDiff(JSON.stringify(before, null, 2), json),
    minimal,
    notes,
  };
}

/** The IAM value for each needed subject, once each, with what the IAM form admits beyond the filter. */
function uniqueValues(needed: NeededRun[], notes: string[]): string[] {
  const out = new Set<string>();
  for (const r of needed) {
    const iam = toIamPattern(r.sub);
    if (!out.has(iam) && iam !== r.sub.replace(/ where `.*$/, "")) {
      const extra = beyondFilter(r, iam);
      notes.push(
        `\`${r.sub}\` is a GitHub filter; IAM's StringLike has only \`*\` and \`?\`, so it is written \`${iam}\`${extra ? `, which also admits e.g. \`${extra}\`` : ""}`,
      );
    }
    out.add(iam);
  }
  return [...out].sort();
}

/** A subject the IAM glob admits that the GitHub filter does not, when rolecall can compute one. */
function beyondFilter(r: NeededRun, iam: string): string | null {
  const sub = r.claims?.sub;
  if (sub?.kind !== "pattern" || !r.variable || sub.variable !== r.variable.name) return null;
  try {
    const exact = Lang.literal(sub.prefix).concat(r.variable.domain).concat(Lang.literal(sub.suffix));
    // Only subjects GitHub can mint count: for a ref, valid branch and tag refs.
    const mintable =
      r.variable.name === "ref"
        ? Lang.literal(sub.prefix).concat(anyBranch().union(anyTag())).concat(Lang.literal(sub.suffix))
        : Lang.any();
    return Lang.fromGlob(tokenizeIamGlob(iam)).intersect(mintable).difference(exact).shortestExample();
  } catch (e) {
    if (!(e instanceof LangTooComplexError)) throw e;
    return null;
  }
}

/** The policy document object inside the input (a bare policy or a `get-role` output), or null. */
function locateDocument(policy: TrustPolicy): Record<string, unknown> | null {
  let root: unknown;
  try {
    root = JSON.parse(policy.text);
  } catch {
    return null;
  }
  // Pointers are relative to the policy document: for a `get-role` output read as JSON, that is its
  // `AssumeRolePolicyDocument`.
  const obj = (x: unknown, k: string): unknown =>
    typeof x === "object" && x !== null && !Array.isArray(x) ? (x as Record<string, unknown>)[k] : undefined;
  let cur: unknown = root;
  if (policy.origin === "get-role" && !policy.decoded)
    cur = obj(obj(root, "Role"), "AssumeRolePolicyDocument") ?? obj(root, "AssumeRolePolicyDocument");
  if (typeof cur !== "object" || cur === null || Array.isArray(cur)) return null;
  const doc = cur as Record<string, unknown>;
  // The parsed statements must be the document's, one for one, or the edit could land elsewhere.
  const count = Array.isArray(doc.Statement) ? doc.Statement.length : doc.Statement === undefined ? 0 : 1;
  return count === policy.statements.length ? doc : null;
}

function providerArn(roleArn: string, issuer: string): string {
  const m = /^arn:([^:]+):iam::(\d{12}):/.exec(roleArn);
  return `arn:${m?.[1] ?? "aws"}:iam::${m?.[2] ?? "ACCOUNT_ID"}:oidc-provider/${issuer}`;
}

function freshStatement(input: SuggestInput, values: string[]): Record<string, unknown> {
  const like = values.some((s) => /[*?]/.test(s));
  const sub = values.length === 1 ? values[0]! : values;
  const condition: Record<string, Record<string, unknown>> = {
    StringEquals: { [`${input.issuer}:aud`]: input.audience },
  };
  if (like) condition.StringLike = { [`${input.issuer}:sub`]: sub };
  else condition.StringEquals![`${input.issuer}:sub`] = sub;
  return {
    Effect: "Allow",
    Principal: { Federated: providerArn(input.roleArn, input.issuer) },
    Action: "sts:AssumeRoleWithWebIdentity",
    Condition: condition,
  };
}

function freshDocument(input: SuggestInput, values: string[]): Record<string, unknown> {
  return { Version: "2012-10-17", Statement: [freshStatement(input, values)] };
}

/** The statement objects of the document, as an array (a single-object `Statement` is made one). */
function statementsOf(doc: Record<string, unknown>): Record<string, unknown>[] {
  if (!Array.isArray(doc.Statement)) doc.Statement = doc.Statement === undefined ? [] : [doc.Statement];
  return doc.Statement as Record<string, unknown>[];
}

interface SubCondition {
  statement: PolicyStatement;
  condition: PolicyCondition;
}

/** Positive `sub` string conditions (StringEquals/StringLike, no set qualifier) of a statement. */
function subConditions(s: PolicyStatement, issuer: string): PolicyCondition[] {
  return s.conditions.filter((c) => {
    const kc = classifyKey(c.key, issuer);
    const op = parseOperator(c.operator);
    return kc.kind === "claim" && kc.claim === "sub" && op?.family === "string" && !op.negated;
  });
}

function editInPlace(
  doc: Record<string, unknown>,
  input: SuggestInput,
  values: string[],
  notes: string[],
): void {
  const policy = input.policy!;
  const version = policy.version;
  const stmts = statementsOf(doc);
  const prefix = input.subjectPrefix;
  const mine = prefix ? Lang.literal(prefix).concat(Lang.any()) : Lang.empty();
  const needLang = values.reduce((l, v) => l.union(Lang.fromGlob(tokenizeIamGlob(v))), Lang.empty());
  const gh = githubStatements(policy, "Allow").filter(
    (g) => g.issuer.toLowerCase() === input.issuer.toLowerCase(),
  );
  const removed: string[] = [];
  const emptied: number[] = [];
  let target: SubCondition | null = null;
  for (const { statement } of gh) {
    for (const c of subConditions(statement, input.issuer)) {
      const op = parseOperator(c.operator)!;
      const kept: string[] = [];
      let forThisRepo = false;
      for (const v of c.values) {
        const lang = valueLanguage(op, v.value, version);
        if (lang === null) {
          kept.push(v.value);
          continue;
        }
        const here = lang.intersect(mine);
        if (here.isEmpty()) {
          kept.push(v.value); // another repository's subject
          continue;
        }
        forThisRepo = true;
        const extra = here.difference(needLang).shortestExample();
        if (extra === null) kept.push(v.value);
        else if (!lang.isSubsetOf(mine)) {
          const other = lang.difference(mine).shortestExample();
          removed.push(`\`${v.value}\` (admits e.g. \`${extra}\`, which no workflow here needs)`);
          notes.push(
            `\`${v.value}\` also admits other repositories' subjects (e.g. \`${other}\`): if other repositories use this role, add their exact subjects back`,
          );
        } else
          removed.push(
            extra === v.value
              ? `\`${v.value}\` (no workflow here needs it)`
              : `\`${v.value}\` (admits e.g. \`${extra}\`, which no workflow here needs)`,
          );
      }
      if (forThisRepo && target === null) target = { statement, condition: c };
      if (kept.length !== c.values.length) {
        setValues(stmts[statement.index]!, c, kept);
        if (kept.length === 0) emptied.push(statement.index);
      }
    }
  }
  if (removed.length) notes.push(`removes ${removed.join(", ")}`);
  // Where to add: the statement that trusted this repository, else the first GitHub statement with a
  // subject condition of a single operator (adding there keeps its other conditions).
  if (target === null) {
    for (const { statement } of gh) {
      const subs = subConditions(statement, input.issuer);
      if (subs.length === 1) {
        target = { statement, condition: subs[0]! };
        break;
      }
    }
  }
  const missing = (admitted: Lang) =>
    values.filter((v) => !Lang.fromGlob(tokenizeIamGlob(v)).isSubsetOf(admitted));
  let added: string[] = [];
  if (target) {
    const obj = stmts[target.statement.index]!;
    const c = target.condition;
    const op = parseOperator(c.operator)!;
    const current = readValues(obj, c);
    const admitted = current.reduce((l, v) => {
      const x = valueLanguage(op, v, version);
      return x ? l.union(x) : l;
    }, Lang.empty());
    added = missing(admitted);
    if (added.length > 0) {
      const wild = added.some((v) => /[*?]/.test(v));
      if (wild && op.base !== "StringLike") {
        if (
          op.ignoreCase ||
          subConditions(target.statement, input.issuer).length > 1 ||
          !canEscape(current, version)
        ) {
          target = null; // cannot widen the operator safely: append a statement instead
        } else {
          moveToLike(obj, c, current.map((v) => escapeGlob(v, version)).concat(added));
          notes.push(
            `the subject condition moves from ${c.operator} to StringLike (existing values escaped)`,
          );
        }
      } else setValues(obj, c, [...current, ...added]);
      if (target && emptied.includes(target.statement.index))
        emptied.splice(emptied.indexOf(target.statement.index), 1);
    }
    if (target) fixPrincipal(obj, target.statement, input, notes);
  }
  if (target === null) {
    added = values;
    stmts.push(freshStatement(input, values));
    notes.push(
      gh.length === 0
        ? "the policy has no statement for GitHub's OIDC provider: one is appended"
        : "the subjects could not be added to an existing statement without changing what it admits for others: a statement is appended",
    );
  }
  if (added.length) notes.push(`adds ${added.map((v) => `\`${v}\``).join(", ")}`);
  // A statement left with no subject at all admits nothing any more: remove it, and say so.
  for (const i of [...new Set(emptied)].sort((a, b) => b - a)) {
    stmts.splice(i, 1);
    notes.push(
      `removes statement ${i}: all its subjects were this repository's and are no longer needed there`,
    );
  }
  if (!doc.Version) doc.Version = version ?? "2012-10-17";
}

/** Replaces a GitHub provider in another account (or a bare host) with the role account's provider ARN. */
function fixPrincipal(
  obj: Record<string, unknown>,
  s: PolicyStatement,
  input: SuggestInput,
  notes: string[],
) {
  const want = providerArn(input.roleArn, input.issuer);
  const p = obj.Principal;
  if (!s.principal || typeof p !== "object" || p === null) return;
  const fed = (p as Record<string, unknown>).Federated;
  const list = Array.isArray(fed) ? fed : fed === undefined ? [] : [fed];
  if (list.includes(want)) return;
  const i = list.findIndex(
    (f) => typeof f === "string" && (f === input.issuer || f.endsWith(`:oidc-provider/${input.issuer}`)),
  );
  if (i < 0) return;
  notes.push(
    `trusts \`${want}\` instead of \`${list[i]}\` (STS uses the provider in the role's own account)`,
  );
  list[i] = want;
  (p as Record<string, unknown>).Federated = Array.isArray(fed) ? list : list[0];
}

/** The condition object and key of a parsed condition inside the statement object. */
function slotOf(
  obj: Record<string, unknown>,
  c: PolicyCondition,
): { block: Record<string, unknown>; key: string } {
  const cond = obj.Condition as Record<string, Record<string, unknown>>;
  return { block: cond[c.operator]!, key: c.key };
}

function readValues(obj: Record<string, unknown>, c: PolicyCondition): string[] {
  const { block, key } = slotOf(obj, c);
  const v = block[key];
  return (Array.isArray(v) ? v : [v]).map((x) => (typeof x === "string" ? x : JSON.stringify(x)));
}

function setValues(obj: Record<string, unknown>, c: PolicyCondition, values: string[]): void {
  const { block, key } = slotOf(obj, c);
  const sorted = [...new Set(values)];
  block[key] = sorted.length === 1 ? sorted[0] : sorted;
}

function moveToLike(obj: Record<string, unknown>, c: PolicyCondition, values: string[]): void {
  const cond = obj.Condition as Record<string, Record<string, unknown>>;
  delete cond[c.operator]![c.key];
  if (Object.keys(cond[c.operator]!).length === 0) delete cond[c.operator];
  const unique = [...new Set(values)];
  cond.StringLike = { ...(cond.StringLike ?? {}), [c.key]: unique.length === 1 ? unique[0] : unique };
}

function canEscape(values: string[], version: string | null): boolean {
  return version === "2012-10-17" || values.every((v) => !/[*?]/.test(v));
}

/** An Equals value written for StringLike: literal `*` and `?` (outside `${…}`) become `${*}`, `${?}`. */
function escapeGlob(v: string, version: string | null): string {
  if (version !== "2012-10-17") return v;
  return v.replace(/\$\{[^}]*\}|[*?]/g, (m) => (m.length === 1 ? `\${${m}}` : m));
}

/** Removes added values that make a rule of ours rate the role high (deploy roles only). */
function dropHighRated(doc: Record<string, unknown>, input: SuggestInput, values: string[], notes: string[]) {
  const before = highIssues(input.policy!.text);
  const parsed = parseTrustPolicy(JSON.stringify(doc));
  if (!parsed.policy) return;
  const fresh = analyzeBreadth(parsed.policy).filter(
    (i) => HIGH_KINDS.has(i.kind) && !before.has(`${i.kind}|${i.values.map((v) => v.value).join("|")}`),
  );
  const bad = new Set(fresh.flatMap((i) => i.values.map((v) => v.value)).filter((v) => values.includes(v)));
  if (bad.size === 0) return;
  for (const s of statementsOf(doc)) {
    const cond = s.Condition as Record<string, Record<string, unknown>> | undefined;
    for (const block of Object.values(cond ?? {})) {
      for (const [k, v] of Object.entries(block)) {
        if (!k.toLowerCase().endsWith(":sub")) continue;
        const list = (Array.isArray(v) ? v : [v]).filter((x) => !(typeof x === "string" && bad.has(x)));
        block[k] = list.length === 1 ? list[0] : list;
      }
    }
  }
  for (const v of bad)
    notes.push(`not added: \`${v}\`: a rule of rolecall rates it high on a role that deploy jobs use`);
}

function highIssues(text: string): Set<string> {
  const parsed = parseTrustPolicy(text);
  if (!parsed.policy) return new Set();
  return new Set(
    analyzeBreadth(parsed.policy)
      .filter((i) => HIGH_KINDS.has(i.kind))
      .map((i) => `${i.kind}|${i.values.map((v) => v.value).join("|")}`),
  );
}

/** Checks with the evaluator that every needed run is admitted; says which are not, and why. */
function verify(doc: Record<string, unknown>, input: SuggestInput, notes: string[]): void {
  const parsed = parseTrustPolicy(JSON.stringify(doc));
  if (!parsed.policy) {
    notes.push("the suggested document could not be re-read to verify it");
    return;
  }
  const withheld = new Set(notes.filter((n) => n.startsWith("not added: ")));
  for (const r of input.needed) {
    if (!r.claims) continue;
    if ([...withheld].some((n) => n.includes(`\`${toIamPattern(r.sub)}\``) || n.includes(`\`${r.sub}\``)))
      continue;
    const v = evaluateClaims(parsed.policy, r.claims, r.variable, input.issuer, input.roleArn);
    if (v.decision === "allow") continue;
    const why =
      v.evaluation?.reasons.join("; ") ?? v.pattern?.reasons.join("; ") ?? "the evaluator could not decide";
    notes.push(`still ${v.decision === "deny" ? "denied" : "undecided"} for \`${r.sub}\`: ${why}`);
  }
}

/** A GitHub filter pattern inside a subject, written as an IAM glob (`**` and `*` → `*`). */
export function toIamPattern(subject: string): string {
  return subject
    .replace(/ where `.*$/, "")
    .replace(/ except \{[^}]*\}$/, "")
    .replace(/\*\*/g, "*")
    .replace(/\{[^}]*\}/g, "*")
    .replace(/\[[^\]]*\]\+/g, "*") // one or more of a class: any length
    .replace(/\[[^\]]*\]/g, "?")
    .replace(/\+/g, "*")
    .replace(/\*+/g, "*");
}

/** True for a run whose subject is the pull request one (any subject format). */
export function isPullRequestSubject(sub: string): boolean {
  return /(^|:)pull_request(:|$)/.test(sub) && !/:ref:/.test(sub);
}

/**
 * The runs a role's suggestion must admit: every context of this repository that can mint a token
 * for it, except runs a person starts by hand on a ref of their choice (the policy guards those).
 * For a role that push, tag, schedule or environment jobs also use, pull request runs are withheld:
 * they get "a read-only role of their own", never the deploy role's trust.
 */
export function neededRuns(
  model: ScanModel,
  role: string,
): { needed: NeededRun[]; withheld: { sub: string; why: string }[]; deploy: boolean } {
  const runs: { run: NeededRun; context: AnalyzedContext }[] = [];
  for (const a of model.assumptions) {
    if (a.role !== role) continue;
    for (const c of a.contexts) {
      if (c.decision === "no-token" || c.decision === "not-oidc" || c.decision === "unknown-role") continue;
      if (c.trigger.optional === true) continue;
      const first = Array.isArray(c.sub) ? c.sub[0] : c.sub;
      if (!first || first.includes("(unknown") || first.includes("${{") || first.includes("(custom template"))
        continue;
      const v = c.candidates.find((x) => x.sub === first) ?? c.candidates[0];
      runs.push({
        run: { sub: first, claims: v?.claims ?? null, variable: v?.variable ?? null },
        context: c,
      });
    }
  }
  const deploy = runs.some((r) => !isPullRequestSubject(r.run.sub));
  const needed: NeededRun[] = [];
  const withheld = new Map<string, string>();
  for (const r of runs) {
    if (deploy && isPullRequestSubject(r.run.sub)) {
      withheld.set(
        r.run.sub,
        "pull request runs execute code any writer can change in a pull request; this role is also used by deploy jobs, so give pull requests a read-only role of their own, or guard the job with `if: github.event_name != 'pull_request'`",
      );
      continue;
    }
    needed.push(r.run);
  }
  return { needed, withheld: [...withheld].map(([sub, why]) => ({ sub, why })), deploy };
}

/** The suggestion for one role of a scan: its current policy edited for this repository's runs. */
export function suggestionFor(
  model: ScanModel,
  role: string,
  policy: TrustPolicy | null,
  audience: string,
): SuggestedPolicy | null {
  const { needed, withheld, deploy } = neededRuns(model, role);
  const repo = model.repo;
  const prefix = repo.subPrefix ? `${repo.subPrefix}:` : repo.fullName ? `repo:${repo.fullName}:` : null;
  // The policy trusts this repository's immutable subjects while it still mints names: the fix is
  // to move the repository to immutable subjects, not to downgrade the policy.
  if (policy && !repo.subPrefix && repo.fullName && trustsOwnImmutable(policy, repo.fullName)) return null;
  return suggestPolicy({
    roleArn: role,
    issuer: repo.issuer,
    audience,
    policy,
    subjectPrefix: prefix,
    needed,
    withheld,
    deploy,
  });
}

/** Whether a policy names this repository's immutable form (`repo:owner@ID/name@ID:`). */
export function trustsOwnImmutable(policy: TrustPolicy, fullName: string): boolean {
  const [owner, name] = fullName.split("/") as [string, string];
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const own = new RegExp(`^repo:${esc(owner)}@\\d+/${esc(name)}@\\d+:`, "i");
  return policy.statements.some(
    (s) =>
      s.effect === "Allow" &&
      s.conditions.some(
        (c) => c.key.toLowerCase().endsWith(":sub") && c.values.some((v) => own.test(v.value)),
      ),
  );
}
