import { ANY_CHAR, type CharSet, codePoints } from "../lang/char-set.js";
import {
  charsExcept,
  charsOf,
  type GlobToken,
  Lang,
  LangTooComplexError,
  type Regex,
  reAlt,
  reChars,
  rePlus,
  reSeq,
  reStar,
} from "../lang/index.js";
import { repositoryOnlyIdentity, subjectFormIssues } from "./breadth/subject-forms.js";
import type { ClaimSet, ClaimValue } from "./claims.js";
import { classifyKey } from "./condition-keys.js";
import { traceCondition } from "./evaluate.js";
import { type GithubStatement, githubStatements } from "./github-statements.js";
import { type ParsedOperator, parseOperator } from "./operators.js";
import type { LocatedString, PolicyCondition, PolicyStatement, TrustPolicy } from "./policy-model.js";
import { valueTokens } from "./value-language.js";

export { type GithubStatement, githubStatements } from "./github-statements.js";

/** One way a statement admits more than it should, with the policy values that cause it. */
export interface BreadthIssue {
  kind:
    | "any-repository"
    | "owner-prefix"
    | "org-wide"
    | "repo-prefix"
    | "repo-wide"
    | "pull-request"
    | "ref-prefix"
    /** A `sub` value no GitHub token can carry: the condition never matches it. */
    | "never-matches";
  statement: PolicyStatement;
  /** The repository the statement seems meant for (`owner/name`, or the immutable segment). */
  intended: string | null;
  /** A subject the statement admits that it very likely was not meant to. */
  example: string;
  /** The values that let the example in (empty when the cause is a missing condition). */
  values: LocatedString[];
  /** Extra words for the message (why, for whom). */
  detail: string;
}

/** Claims that identify the repository (and so the trust boundary) in a GitHub token. */
const IDENTITY_CLAIMS = new Set(["sub", "job_workflow_ref", "repository", "repository_id"]);
/** Claims a writer of the repository chooses freely. */
const CONTEXT_CLAIMS = new Set(["ref", "environment"]);
/** Claims whose values name a repository: the values probes are derived from. */
const NAMING_CLAIMS = new Set(["sub", "job_workflow_ref", "repository"]);

const FOREIGN_OWNER = "someone-else";
const FOREIGN_OWNER_IMMUTABLE = "someone-else@424242";
const FOREIGN_REPO = "any-repo";
const FOREIGN_REPO_IMMUTABLE = "any-repo@434343";
const OTHER_REPO = "another-repo";
const OTHER_REPO_IMMUTABLE = "another-repo@434343";
/** `repository_id` of a repository that is not the one the policy means. */
const FOREIGN_REPOSITORY_ID = "987654321";
const ANY_WORKFLOW = "any-workflow.yml";
const MAIN = "ref:refs/heads/main";

// ---------------------------------------------------------------------------------------------
// Probes: concrete runs (repository, trigger context, workflow file) and the claims they carry.

type RunContext =
  | { kind: "branch" | "tag"; name: string }
  | { kind: "pr" }
  /** `name` as it stands in `sub` (`:` encoded as `%3A`). */
  | { kind: "env"; name: string };

/** A concrete run: owner and repository (each possibly `name@id`), context and workflow file. */
interface Run {
  owner: string;
  repo: string;
  context: RunContext;
  workflow: string;
  /** The exact `sub`, when the run was derived from a subject value. */
  sub?: string;
}

interface Probe {
  run: Run;
  claims: ClaimSet;
  /** Claims whose conditions the one who starts the run satisfies at will: skipped. */
  attackerChosen: ReadonlySet<string>;
}

const NONE: ReadonlySet<string> = new Set();

function refOf(c: RunContext): string {
  switch (c.kind) {
    case "branch":
      return `refs/heads/${c.name}`;
    case "tag":
      return `refs/tags/${c.name}`;
    case "pr":
      return "refs/pull/1/merge";
    case "env":
      // A writer names the environment in a workflow on a branch of their own.
      return "refs/heads/any-branch";
  }
}

function contextText(c: RunContext): string {
  return c.kind === "pr" ? "pull_request" : c.kind === "env" ? `environment:${c.name}` : `ref:${refOf(c)}`;
}

function subOf(r: Run): string {
  return r.sub ?? `repo:${r.owner}/${r.repo}:${contextText(r.context)}`;
}

const bare = (seg: string) => seg.split("@")[0]!;
const idOf = (seg: string): string | null => /@(\d+)$/.exec(seg)?.[1] ?? null;

function probeOf(run: Run, repositoryId: string, attackerChosen: ReadonlySet<string>): Probe {
  const ref = refOf(run.context);
  const claims: Record<string, ClaimValue> = {
    sub: { kind: "value", value: subOf(run) },
    repository: { kind: "value", value: `${bare(run.owner)}/${bare(run.repo)}` },
    repository_id: { kind: "value", value: idOf(run.repo) ?? repositoryId },
    job_workflow_ref: {
      kind: "value",
      value: `${bare(run.owner)}/${bare(run.repo)}/.github/workflows/${run.workflow}@${ref}`,
    },
    ref: { kind: "value", value: ref },
  };
  if (run.context.kind === "env")
    claims.environment = { kind: "value", value: run.context.name.replaceAll("%3A", ":") };
  return { run, claims, attackerChosen };
}

function parseContext(text: string): RunContext | null {
  if (text === "pull_request") return { kind: "pr" };
  let m = /^ref:refs\/(heads|tags)\/(.+)$/.exec(text);
  if (m) return { kind: m[1] === "heads" ? "branch" : "tag", name: m[2]! };
  m = /^environment:(.+)$/.exec(text);
  return m ? { kind: "env", name: m[1]! } : null;
}

function contextOfRef(ref: string): RunContext | null {
  if (/^refs\/pull\/\d+\/merge$/.test(ref)) return { kind: "pr" };
  const m = /^refs\/(heads|tags)\/(.+)$/.exec(ref);
  return m ? { kind: m[1] === "heads" ? "branch" : "tag", name: m[2]! } : null;
}

/** The run a concrete value of a naming claim stands for (`null` when it is not of that claim's shape). */
function runOfValue(claim: string, text: string): Run | null {
  if (claim === "sub") {
    const m = /^repo:([^/:]+)\/([^/:]+):(.+)$/.exec(text);
    const context = m ? parseContext(m[3]!) : null;
    return m && context ? { owner: m[1]!, repo: m[2]!, context, workflow: ANY_WORKFLOW, sub: text } : null;
  }
  if (claim === "repository") {
    const m = /^([^/]+)\/([^/]+)$/.exec(text);
    return m
      ? { owner: m[1]!, repo: m[2]!, context: { kind: "branch", name: "main" }, workflow: ANY_WORKFLOW }
      : null;
  }
  const m = /^([^/]+)\/([^/]+)\/\.github\/workflows\/([^@]+)@(.+)$/.exec(text);
  const context = m ? contextOfRef(m[4]!) : null;
  return m && context ? { owner: m[1]!, repo: m[2]!, context, workflow: m[3]! } : null;
}

// ---------------------------------------------------------------------------------------------
// Languages of the shapes GitHub mints, for deriving a concrete value a wildcard admits.

interface Shapes {
  /** An account or organisation name: letters, digits, `-` (and `_` for managed users), not `-` first. */
  owner: Lang;
  /** An owner or repository name. */
  name: Lang;
  /** `name@digits` (immutable segment). */
  immutable: Lang;
  /** `name` or `name@digits`. */
  segment: Lang;
  digits: Lang;
  /** A default-format `sub` context: `ref:refs/heads/B`, `ref:refs/tags/T`, `pull_request`, `environment:E`. */
  context: Lang;
  branchName: Lang;
  envName: Lang;
  /** `refs/heads/B`, `refs/tags/T`, `refs/pull/N/merge`. */
  ref: Lang;
  workflowFile: Lang;
}

let shapesCache: Shapes | undefined;

const CONTROLS = [...Array.from({ length: 0x20 }, (_, i) => i), 0x7f];
const NAME_CHARS = codePoints("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.");
const NAME_SET = charsOf(NAME_CHARS);
const SEGMENT_SET = charsOf([...NAME_CHARS, ...codePoints("@")]);
const ALNUM_SET = charsOf(codePoints("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"));
const OWNER_SET = charsOf([...ALNUM_SET.chars, ...codePoints("-_")]);
const DIGIT_SET = charsOf(codePoints("0123456789"));
const FILE_SET = charsExcept([...CONTROLS, ...codePoints("/@:")]);
/**
 * Characters of branch and tag names: git forbids these (`git check-ref-format`), and `@` is left out
 * so that a ref never swallows the `…/x.yml@` of a `job_workflow_ref` around it.
 */
const REF_SET = charsExcept([...CONTROLS, ...codePoints(" ~^:?*[\\@")]);
/** Environment names as they stand in `sub` (`:` is encoded as `%3A`). */
const ENV_SET = charsExcept([...CONTROLS, ...codePoints(":")]);

const lit = (s: string) => Lang.literal(s);
const reLit = (s: string): Regex => reSeq(...codePoints(s).map((cp) => reChars(charsOf([cp]))));

/**
 * The shapes GitHub mints, as languages. Branch and tag names are approximated by their characters
 * (the finer `check-ref-format` rules do not matter for picking an example), which keeps the
 * automata small.
 */
function shapes(): Shapes {
  if (!shapesCache) {
    const name = rePlus(reChars(NAME_SET));
    const digits = rePlus(reChars(DIGIT_SET));
    const refName = rePlus(reChars(REF_SET));
    const envName = rePlus(reChars(ENV_SET));
    const immutable = reSeq(name, reLit("@"), digits);
    shapesCache = {
      owner: Lang.fromRegex(reSeq(reChars(ALNUM_SET), reStar(reChars(OWNER_SET)))),
      name: Lang.fromRegex(name),
      immutable: Lang.fromRegex(immutable),
      segment: Lang.fromRegex(reAlt(name, immutable)),
      digits: Lang.fromRegex(digits),
      context: Lang.fromRegex(
        reAlt(
          reSeq(reLit("ref:refs/"), reAlt(reLit("heads"), reLit("tags")), reLit("/"), refName),
          reLit("pull_request"),
          reSeq(reLit("environment:"), envName),
        ),
      ),
      branchName: Lang.fromRegex(refName),
      envName: Lang.fromRegex(envName),
      ref: Lang.fromRegex(
        reAlt(
          reSeq(reLit("refs/"), reAlt(reLit("heads"), reLit("tags")), reLit("/"), refName),
          reSeq(reLit("refs/pull/"), digits, reLit("/merge")),
        ),
      ),
      workflowFile: Lang.fromRegex(rePlus(reChars(FILE_SET))),
    };
  }
  return shapesCache;
}

/**
 * One position of a rough pattern: one character of `set`, or (`star`) any number of them. Rough
 * patterns over-approximate languages; comparing two is cheap, and rules out most shapes a value
 * cannot meet before the (exact, slower) automaton intersection.
 */
interface Unit {
  set: CharSet;
  star: boolean;
}

const one = (set: CharSet): Unit => ({ set, star: false });
const many = (set: CharSet): Unit => ({ set, star: true });
const plus = (set: CharSet, rest: CharSet = set): Unit[] => [one(set), many(rest)];
const chars = (text: string): Unit[] => codePoints(text).map((cp) => one(charsOf([cp])));

function overlaps(a: CharSet, b: CharSet): boolean {
  if (a.negated && b.negated) return true;
  if (!a.negated && !b.negated) {
    for (const c of a.chars) if (b.chars.has(c)) return true;
    return false;
  }
  const [fin, co] = a.negated ? [b, a] : [a, b];
  for (const c of fin.chars) if (!co.chars.has(c)) return true;
  return false;
}

/** Whether two rough patterns may have a string in common (never false when they do). */
function mayMeet(a: readonly Unit[], b: readonly Unit[]): boolean {
  const w = b.length + 1;
  const seen = new Uint8Array((a.length + 1) * w);
  const stack = [0];
  seen[0] = 1;
  const push = (i: number, j: number) => {
    const q = i * w + j;
    if (!seen[q]) {
      seen[q] = 1;
      stack.push(q);
    }
  };
  while (stack.length > 0) {
    const q = stack.pop()!;
    const i = Math.floor(q / w);
    const j = q % w;
    if (i === a.length && j === b.length) return true;
    const x = a[i];
    const y = b[j];
    if (x?.star) push(i + 1, j);
    if (y?.star) push(i, j + 1);
    if (x && y && overlaps(x.set, y.set)) push(x.star ? i : i + 1, y.star ? j : j + 1);
  }
  return false;
}

/** A variable part of a shape: the value to prefer, and the language to fall back on. */
interface Slot {
  pref: string;
  lang: () => Lang;
  /** Cache key of `lang` (same key, same language). */
  key: string;
  /** A rough pattern of `lang`. */
  rough: Unit[];
  /** Slots of lower rank are relaxed first: the context before the repository before the owner. */
  rank: number;
}

type Piece = string | Slot;

const RANK = { context: 0, ref: 1, repo: 2, owner: 3 } as const;

const slot = (rank: keyof typeof RANK, pref: string, key: string, rough: Unit[], lang: () => Lang): Slot => ({
  pref,
  key,
  rough,
  lang,
  rank: RANK[rank],
});
const ctxSlot = (pref = MAIN) => slot("context", pref, "ctx", plus(ANY_CHAR), () => shapes().context);
const anySegment = (pref: string) =>
  slot("repo", pref, "segment", plus(NAME_SET, SEGMENT_SET), () => shapes().segment);
const fileSlot = () => slot("context", ANY_WORKFLOW, "file", plus(FILE_SET), () => shapes().workflowFile);
const refSlot = () => slot("ref", "refs/heads/main", "ref", plus(ANY_CHAR), () => shapes().ref);
const IMMUTABLE_ROUGH = [...plus(NAME_SET), ...chars("@"), ...plus(DIGIT_SET)];

const templateCache = new Map<string, Lang>();

function template(pieces: readonly Piece[], mask: number): Lang {
  let key = "";
  let i = 0;
  for (const p of pieces) {
    if (typeof p === "string") key += `L${JSON.stringify(p)}`;
    else key += mask & (1 << i++) ? `S${p.key}` : `L${JSON.stringify(p.pref)}`;
  }
  let t = templateCache.get(key);
  if (!t) {
    if (templateCache.size > 2_000) templateCache.clear();
    t = lit("");
    let text = "";
    let j = 0;
    for (const p of pieces) {
      if (typeof p === "string") text += p;
      else if (mask & (1 << j++)) {
        t = t.concat(lit(text)).concat(p.lang());
        text = "";
      } else text += p.pref;
    }
    t = t.concat(lit(text));
    templateCache.set(key, t);
  }
  return t;
}

// ---------------------------------------------------------------------------------------------
// Condition values.

/** A value of a positive string condition on a claim that identifies the run. */
interface PolicyValue {
  condition: PolicyCondition;
  /** The condition with this value only. */
  alone: PolicyCondition;
  value: LocatedString;
  claim: string;
  op: ParsedOperator;
  /** Glob tokens when the value is a `StringLike` pattern with at least one wildcard; null otherwise. */
  wildcard: GlobToken[] | null;
  /** The language of the value; null when it has policy variables (or is too complex). */
  lang: Lang | null | undefined;
  rough?: Unit[];
}

function positiveValues(s: PolicyStatement, issuer: string, version: string | null): PolicyValue[] {
  const out: PolicyValue[] = [];
  for (const c of s.conditions) {
    const kc = classifyKey(c.key, issuer);
    const op = parseOperator(c.operator);
    if (kc.kind !== "claim" || kc.support !== "supported" || !op || op.family !== "string" || op.negated)
      continue;
    if (!c.valuesReadable || !(IDENTITY_CLAIMS.has(kc.claim) || CONTEXT_CLAIMS.has(kc.claim))) continue;
    for (const v of c.values) {
      out.push({
        condition: c,
        alone: { ...c, values: [v] },
        value: v,
        claim: kc.claim,
        op,
        wildcard: wildcardTokens(op, v.value, version),
        lang: undefined,
      });
    }
  }
  return out;
}

/** Glob tokens of a `StringLike` value that holds a real wildcard (escapes resolved); else null. */
function wildcardTokens(op: ParsedOperator, raw: string, version: string | null): GlobToken[] | null {
  if (op.base !== "StringLike") return null;
  // The one reader of policy values (escapes and variables as the evaluator reads them).
  const tokens = valueTokens(op, raw, version);
  return tokens?.some((t) => t.kind !== "lit") ? tokens : null;
}

function roughOf(v: PolicyValue): Unit[] {
  if (!v.rough)
    v.rough = (v.wildcard ?? []).flatMap((t) =>
      t.kind === "lit" ? chars(t.text) : t.kind === "star" ? [many(ANY_CHAR)] : [one(ANY_CHAR)],
    );
  return v.rough;
}

function valueLang(v: PolicyValue): Lang | null {
  if (v.lang === undefined) {
    try {
      v.lang = v.wildcard ? Lang.fromGlob(v.wildcard) : null;
    } catch (e) {
      if (!(e instanceof LangTooComplexError)) throw e;
      v.lang = null;
    }
  }
  return v.lang;
}

// ---------------------------------------------------------------------------------------------

interface Judge {
  statement: PolicyStatement;
  version: string | null;
  issuer: string;
  denies: GithubStatement[];
}

/** True for keys no GitHub token carries (another issuer's prefix, a claim AWS does not expose). */
function alwaysAbsent(key: string, issuer: string): boolean {
  const kc = classifyKey(key, issuer);
  return kc.kind === "other-issuer" || (kc.kind === "claim" && kc.support === "unsupported");
}

/**
 * Whether the statement's conditions admit the probe. Conditions on identity and context claims are
 * evaluated (context claims only when the probe does not choose them); a condition on a key no token
 * carries is evaluated as absent; conditions on anything else (aud, actor, global keys) are assumed met.
 */
function admits(j: Judge, probe: Probe): boolean {
  for (const c of j.statement.conditions) {
    const kc = classifyKey(c.key, j.issuer);
    if (kc.kind === "global") continue;
    if (!alwaysAbsent(c.key, j.issuer)) {
      if (kc.kind !== "claim") continue;
      const relevant =
        IDENTITY_CLAIMS.has(kc.claim) ||
        (CONTEXT_CLAIMS.has(kc.claim) && !probe.attackerChosen.has(kc.claim));
      if (!relevant) continue;
    }
    if (traceCondition(c, j.version, probe.claims, j.issuer).outcome === false) return false;
  }
  return true;
}

/** Whether some Deny statement applies to the probe whatever the claims rolecall does not model are. */
function certainlyDenied(j: Judge, probe: Probe): boolean {
  return j.denies.some(({ statement: d, issuer }) => {
    if (d.malformed) return false;
    return d.conditions.every((c) => {
      const kc = classifyKey(c.key, issuer);
      if (!alwaysAbsent(c.key, issuer)) {
        if (kc.kind !== "claim") return false;
        const modelled = IDENTITY_CLAIMS.has(kc.claim) || CONTEXT_CLAIMS.has(kc.claim);
        if (!modelled || probe.attackerChosen.has(kc.claim)) return false;
      }
      return traceCondition(c, j.version, probe.claims, issuer).outcome === true;
    });
  });
}

function admitted(j: Judge, probe: Probe): boolean {
  return admits(j, probe) && !certainlyDenied(j, probe);
}

/** Whether this one value (not its whole condition) accepts the claim the probe carries. */
function valueAccepts(j: Judge, v: PolicyValue, probe: Probe): boolean {
  if (probe.claims[v.claim]?.kind !== "value") return false;
  return traceCondition(v.alone, j.version, probe.claims, j.issuer).outcome === true;
}

/** Whether the value accepts the exact claim text `text`. */
function valueHas(j: Judge, v: PolicyValue, text: string): boolean {
  const claims: ClaimSet = { [v.claim]: { kind: "value", value: text } };
  return traceCondition(v.alone, j.version, claims, j.issuer).outcome === true;
}

/**
 * Concrete values of the shape `pieces` that `v` admits, most readable first: every slot at its
 * preferred value, then slots relaxed to their languages (the last slots first), each time the
 * shortest value of (value ∩ shape).
 */
function* derive(j: Judge, v: PolicyValue, pieces: readonly Piece[]): Generator<string> {
  const ranks = pieces.filter((p): p is Slot => typeof p !== "string").map((p) => p.rank);
  const relaxed = (mask: number) => ranks.filter((_, i) => mask & (1 << i)).sort((x, y) => x - y);
  const masks = Array.from({ length: 1 << ranks.length }, (_, i) => i).sort((a, b) => {
    const [x, y] = [relaxed(a), relaxed(b)];
    if (x.length !== y.length) return x.length - y.length;
    const k = x.findIndex((r, i) => r !== y[i]);
    return k < 0 ? 0 : x[k]! - y[k]!;
  });
  const seen = new Set<string>();
  for (const mask of masks) {
    let example: string | null = null;
    if (mask === 0) {
      const text = pieces.map((p) => (typeof p === "string" ? p : p.pref)).join("");
      example = valueHas(j, v, text) ? text : null;
    } else {
      if (!v.wildcard) return;
      let i = 0;
      const rough = pieces.flatMap((p) =>
        typeof p === "string" ? chars(p) : mask & (1 << i++) ? p.rough : chars(p.pref),
      );
      if (!mayMeet(roughOf(v), rough)) continue;
      const lang = valueLang(v);
      if (!lang) return;
      try {
        example = lang.intersect(template(pieces, mask)).shortestExample();
      } catch (e) {
        if (!(e instanceof LangTooComplexError)) throw e;
      }
    }
    if (example !== null && !seen.has(example)) {
      seen.add(example);
      yield example;
    }
  }
}

/** The owner and repository a naming value is written for, read up to its first wildcard. */
interface Named {
  owner: string | null;
  repo: string | null;
}

const SEGMENT = /^[A-Za-z0-9._-]+(?:@\d+)?/;

function namedBy(v: PolicyValue): Named {
  const like = v.op.base === "StringLike";
  const wild = (ch: string | undefined) => like && (ch === "*" || ch === "?");
  let rest = v.value.value;
  if (v.claim === "sub") {
    if (!rest.startsWith("repo:")) return { owner: null, repo: null };
    rest = rest.slice("repo:".length);
  }
  const owner = SEGMENT.exec(rest)?.[0];
  if (!owner) return { owner: null, repo: null };
  const after = rest[owner.length];
  if (after !== "/")
    return wild(after) || (wild(rest[owner.length + 1]) && after === "@")
      ? { owner, repo: "" }
      : { owner: null, repo: null };
  rest = rest.slice(owner.length + 1);
  const repo = SEGMENT.exec(rest)?.[0] ?? "";
  const next = rest[repo.length];
  const end =
    v.claim === "sub"
      ? next === undefined || next === ":"
      : v.claim === "repository"
        ? next === undefined
        : next === "/";
  return { owner, repo: repo && (end || wild(next)) ? repo : "" };
}

/** A shape for a naming claim, from the owner, repository and (for `sub`) context pieces. */
function shapeOf(claim: string, owner: Piece, repo: Piece, context: Piece = ctxSlot()): Piece[] {
  if (claim === "sub") return ["repo:", owner, "/", repo, ":", context];
  if (claim === "repository") return [owner, "/", repo];
  return [owner, "/", repo, "/.github/workflows/", fileSlot(), "@", refSlot()];
}

const CONTEXT_PREFS = [
  MAIN,
  "pull_request",
  "ref:refs/heads/any-branch",
  "ref:refs/tags/any-tag",
  "environment:any-env",
];

/**
 * Runs of repositories of other owners that `v` admits, most readable first. `owners` are the owners
 * the statement names: an owner that starts with one of them is another matter (owner-prefix).
 */
function* foreignRuns(j: Judge, v: PolicyValue, owners: readonly string[]): Generator<Run> {
  const shapesToTry: Piece[][] = [];
  if (v.claim === "sub")
    for (const c of CONTEXT_PREFS) shapesToTry.push([`repo:${FOREIGN_OWNER}/${FOREIGN_REPO}:${c}`]);
  const otherOwner = slot(
    "owner",
    FOREIGN_OWNER,
    `foreign-owner:${owners.join("/")}`,
    plus(ALNUM_SET, OWNER_SET),
    () => owners.reduce((l, o) => l.difference(lit(o).concat(Lang.any())), shapes().owner),
  );
  shapesToTry.push(
    shapeOf(
      v.claim,
      otherOwner,
      slot("repo", FOREIGN_REPO, "name", plus(NAME_SET), () => shapes().name),
    ),
  );
  if (v.claim === "sub")
    shapesToTry.push(
      shapeOf(
        v.claim,
        FOREIGN_OWNER_IMMUTABLE,
        slot("repo", FOREIGN_REPO_IMMUTABLE, "imm", IMMUTABLE_ROUGH, () => shapes().immutable),
      ),
    );
  for (const pieces of shapesToTry) yield* runsOf(j, v, pieces);
}

function* runsOf(j: Judge, v: PolicyValue, pieces: readonly Piece[]): Generator<Run> {
  for (const text of derive(j, v, pieces)) {
    const run = runOfValue(v.claim, text);
    if (run) yield run;
  }
}

function firstAdmitted(
  j: Judge,
  runs: Iterable<Run>,
  repositoryId: string,
  attackerChosen: ReadonlySet<string>,
): Probe | null {
  let tried = 0;
  for (const run of runs) {
    const p = probeOf(run, repositoryId, attackerChosen);
    if (admitted(j, p)) return p;
    if (++tried >= 24) break;
  }
  return null;
}

/**
 * Over-breadth analysis of a trust policy (OIDC-SEMANTICS §8): for every Allow statement that trusts
 * GitHub, which repositories, branches and events it admits beyond the one it names. Probes are derived
 * from each positive subject value (a concrete run the value admits with another owner, a prefixed
 * owner, another repository of the owner, each context of the repository), checked against the whole
 * statement; a probe that a Deny statement certainly refuses does not count. Each offending value is
 * reported on its own, with an example run it admits.
 */
/** Breadth per policy text: the same trust policy is read again on every scan (bounded). */
const breadthCache = new Map<string, BreadthIssue[]>();

/** {@link analyzeBreadthUncached}, computed once per policy text. */
export function analyzeBreadth(policy: TrustPolicy): BreadthIssue[] {
  const key = `${policy.version ?? ""}\u0000${policy.text}`;
  let issues = breadthCache.get(key);
  if (!issues) {
    if (breadthCache.size > 500) breadthCache.clear();
    issues = analyzeBreadthUncached(policy);
    breadthCache.set(key, issues);
  }
  return issues;
}

function analyzeBreadthUncached(policy: TrustPolicy): BreadthIssue[] {
  const issues: BreadthIssue[] = [];
  const denies = githubStatements(policy, "Deny");
  for (const { statement, issuer } of githubStatements(policy)) {
    const j: Judge = {
      statement,
      version: policy.version,
      issuer,
      denies: denies.filter(
        (d) => d.issuer.toLowerCase() === issuer.toLowerCase() || d.statement.principal?.everyone === true,
      ),
    };
    issues.push(...analyzeStatement(j));
  }
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.statement.index}|${i.kind}|${i.values.map((v) => v.pointer).join(",")}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** True when a condition on a key no token carries can never hold: the statement never applies. */
function neverApplies(j: Judge): boolean {
  return j.statement.conditions.some(
    (c) => alwaysAbsent(c.key, j.issuer) && traceCondition(c, j.version, {}, j.issuer).outcome === false,
  );
}

/** What the statement's positive values name, shared by the steps of its analysis. */
interface Facts {
  values: PolicyValue[];
  /** Values of `sub`, `job_workflow_ref`, `repository`. */
  naming: PolicyValue[];
  /** Repositories the values name, by `owner/repo` (either may be `name@id`). */
  repos: Map<string, { owner: string; repo: string }>;
  /** Owners the values name (bare names, sorted). */
  owners: string[];
  /** The id of the repository the statement means, when it pins one (`repository_id`). */
  pinnedId: string;
}

function factsOf(j: Judge): Facts {
  const values = positiveValues(j.statement, j.issuer, j.version);
  const naming = values.filter((v) => NAMING_CLAIMS.has(v.claim));
  const repos = new Map<string, { owner: string; repo: string }>();
  const owners = new Set<string>();
  for (const v of naming) {
    const { owner, repo } = namedBy(v);
    if (owner) owners.add(bare(owner));
    if (owner && repo) repos.set(`${owner}/${repo}`, { owner, repo });
  }
  const pinned = values.find(
    (v) => v.claim === "repository_id" && !v.wildcard && /^\d+$/.test(v.value.value),
  );
  return { values, naming, repos, owners: [...owners].sort(), pinnedId: pinned?.value.value ?? "1" };
}

function analyzeStatement(j: Judge): BreadthIssue[] {
  const s = j.statement;
  if (neverApplies(j)) return [];
  const issues: BreadthIssue[] = [];
  // Every subject format (custom templates, `repo:o/r` alone, a repository id as the only identity).
  const formed = new Set<LocatedString>();
  for (const f of subjectFormIssues(s, j.issuer, j.version)) {
    formed.add(f.value);
    issues.push({
      kind: f.kind,
      statement: s,
      intended: f.intended,
      example: f.value.value,
      values: [f.value],
      detail: f.detail,
    });
  }
  const onlyId = repositoryOnlyIdentity(s, j.issuer);
  if (onlyId && !s.principal?.everyone)
    issues.push({
      kind: "repo-wide",
      statement: s,
      intended: `${onlyId.pointer.endsWith("repository_id") ? "repository_id " : ""}${onlyId.value}`,
      example: "repo:<that repository>:pull_request",
      values: [onlyId],
      detail:
        "every branch any writer pushes, every pull request and every environment (no `sub` or other condition restricts the run)",
    });
  const facts = factsOf(j);
  // Principal "*" admits every principal, but tokens of other issuers lack GitHub's keys: the
  // conditions decide (a pinned GitHub `sub` is not "any repository").
  if (s.principal?.everyone && !facts.values.some((v) => IDENTITY_CLAIMS.has(v.claim)))
    return [
      ...issues,
      anyRepository(
        s,
        [],
        'Principal "*" trusts every principal, and no condition restricts the GitHub identity',
      ),
    ];
  /** Values already reported for letting in other repositories: not blamed again for narrower issues. */
  const done = new Set<PolicyValue>();

  // 1. Other repositories, per wildcard value: of any owner, of owners named like this one, of this owner.
  for (const v of facts.naming) {
    if (!v.wildcard || formed.has(v.value)) continue; // a literal names exactly one repository
    const found = otherRepositories(j, v, facts);
    if (!found) continue;
    issues.push(found);
    if (found.kind !== "repo-prefix") done.add(v);
  }

  // No value to blame, yet repositories of other owners get in (no or only negated subject conditions).
  if (!issues.some((i) => i.kind === "any-repository")) {
    const unblamed = unblamedAnyRepository(j);
    if (unblamed) return [...issues, unblamed];
  }

  // 2. Runs of each named repository: every context, pull requests, writer-created branches and tags.
  const blameable = facts.values.filter((v) => !done.has(v));
  const reported = new Set<string>();
  for (const named of facts.repos.values()) {
    for (const issue of ownRepository(j, named, facts, blameable)) {
      const fresh = issue.values.filter((v) => !reported.has(`${issue.kind}|${v.pointer}`));
      for (const v of fresh) reported.add(`${issue.kind}|${v.pointer}`);
      if (issue.values.length === 0 || fresh.length > 0) issues.push({ ...issue, values: fresh });
    }
  }
  return issues;
}

function anyRepository(
  s: PolicyStatement,
  values: LocatedString[],
  detail: string,
  example?: string,
): BreadthIssue {
  return {
    kind: "any-repository",
    statement: s,
    intended: null,
    example: example ?? `repo:${FOREIGN_OWNER}/${FOREIGN_REPO}:${MAIN}`,
    values,
    detail,
  };
}

/** A name longer than `name` (owner or repository): `octo-org` → `octo-org-evil`, `octo-org@1001` → `octo-org@10019`. */
function longerSlot(rank: "owner" | "repo", name: string, suffix: string): Slot {
  const immutable = idOf(name) !== null;
  return slot(
    rank,
    immutable ? `${name}9` : `${name}${suffix}`,
    `${rank}+${name}`,
    [...chars(name), ...(immutable ? plus(DIGIT_SET) : plus(NAME_SET, SEGMENT_SET))],
    () =>
      immutable
        ? lit(name).concat(shapes().digits)
        : lit(name)
            .concat(shapes().name)
            .concat(lit("").union(lit("@").concat(shapes().digits))),
  );
}

/**
 * The first of: a repository of an unrelated owner, of an owner whose name starts with the one `v`
 * names, another repository of that owner, a repository whose name starts with the one `v` names,
 * that `v` admits and the statement lets in; null when there is none.
 */
function otherRepositories(j: Judge, v: PolicyValue, facts: Facts): BreadthIssue | null {
  const s = j.statement;
  const { owner, repo } = namedBy(v);
  const issue = (kind: BreadthIssue["kind"], intended: string, p: Probe, detail: string): BreadthIssue => ({
    kind,
    statement: s,
    intended,
    example: subOf(p.run),
    values: [v.value],
    detail,
  });
  const first = (runs: Iterable<Run>) => firstAdmitted(j, runs, FOREIGN_REPOSITORY_ID, CONTEXT_CLAIMS);
  if (!owner) {
    // A value that spells an owner (`repo:octo-org/…`, `repo:octo-org*`) admits no unrelated owner.
    const foreign = first(foreignRuns(j, v, facts.owners));
    return foreign
      ? anyRepository(
          s,
          [v.value],
          "the subject conditions admit repositories of any owner",
          subOf(foreign.run),
        )
      : null;
  }
  const repoPref = repo || [...facts.repos.values()].find((r) => r.owner === owner)?.repo || "x";
  const prefixed = first(
    runsOf(j, v, shapeOf(v.claim, longerSlot("owner", owner, "-evil"), anySegment(repoPref))),
  );
  if (prefixed)
    return issue(
      "owner-prefix",
      owner,
      prefixed,
      `the owner "${owner}" is not followed by "/" or "@", so other owners whose names start with it match`,
    );
  if (!repo) {
    const otherRepo =
      idOf(owner) !== null
        ? slot("repo", OTHER_REPO_IMMUTABLE, "imm", IMMUTABLE_ROUGH, () => shapes().immutable)
        : slot("repo", OTHER_REPO, "name", plus(NAME_SET), () => shapes().name);
    const org = first(runsOf(j, v, shapeOf(v.claim, owner, otherRepo)));
    return org ? issue("org-wide", owner, org, `any repository of ${owner}, on any trigger`) : null;
  }
  // A value that spells out the repository name before any wildcard admits only names that start
  // with it: other repositories of the owner are then only longer names.
  const sibling = first(runsOf(j, v, shapeOf(v.claim, owner, longerSlot("repo", repo, "-other"))));
  return sibling
    ? issue(
        "repo-prefix",
        `${owner}/${repo}`,
        sibling,
        `the repository name "${repo}" is not followed by ":", so other repositories of ${owner} whose names start with it match`,
      )
    : null;
}

/** Any-repository at the statement, when fixed runs of an unrelated owner get in. */
function unblamedAnyRepository(j: Judge): BreadthIssue | null {
  const runs = (["branch", "pr", "env"] as const).flatMap((kind) => {
    const context: RunContext =
      kind === "branch"
        ? { kind, name: "any-branch" }
        : kind === "env"
          ? { kind, name: "any-env" }
          : { kind };
    return [
      { owner: FOREIGN_OWNER, repo: OTHER_REPO, context, workflow: ANY_WORKFLOW },
      { owner: FOREIGN_OWNER_IMMUTABLE, repo: OTHER_REPO_IMMUTABLE, context, workflow: ANY_WORKFLOW },
    ];
  });
  if (!firstAdmitted(j, runs, FOREIGN_REPOSITORY_ID, CONTEXT_CLAIMS)) return null;
  const hasSubject = j.statement.conditions.some((c) => {
    const kc = classifyKey(c.key, j.issuer);
    return kc.kind === "claim" && IDENTITY_CLAIMS.has(kc.claim);
  });
  return anyRepository(
    j.statement,
    [],
    hasSubject
      ? "the subject conditions admit repositories of any owner"
      : "no condition restricts sub, job_workflow_ref, repository or repository_id",
  );
}

/**
 * Runs of one named repository the statement lets in: every context (repo-wide), pull requests, and
 * branches, tags and environments a writer creates. Blamed on the values that admit the run, the
 * narrowest first (a `refs/tags/*` ref condition rather than the `repo:o/r:*` next to it).
 */
function ownRepository(
  j: Judge,
  { owner, repo }: { owner: string; repo: string },
  facts: Facts,
  blameable: PolicyValue[],
): BreadthIssue[] {
  const s = j.statement;
  const seg = `${owner}/${repo}`;
  // A writer runs the workflow file the statement pins (if any) from a branch of their own.
  const workflow =
    facts.naming
      .filter((v) => v.claim === "job_workflow_ref")
      .map((v) => new RegExp(`^${escapeRe(seg)}/\\.github/workflows/([^*?@$]+)@`).exec(v.value.value)?.[1])
      .find((f): f is string => !!f) ?? ANY_WORKFLOW;
  const own = (context: RunContext) =>
    probeOf({ owner, repo, context, workflow }, idOf(repo) ?? facts.pinnedId, NONE);
  const branch = own({ kind: "branch", name: "any-branch" });
  const pr = own({ kind: "pr" });
  const env = own({ kind: "env", name: "any-env" });
  const accepting = (p: Probe) => blameable.filter((v) => valueAccepts(j, v, p));
  const everywhere = (v: PolicyValue) => [branch, pr, env].every((p) => valueAccepts(j, v, p));
  const narrowest = (vs: PolicyValue[]) => {
    const narrow = vs.filter((v) => !everywhere(v));
    return narrow.length > 0 ? narrow : preferSub(vs);
  };
  const issue = (
    kind: BreadthIssue["kind"],
    p: Probe,
    values: PolicyValue[],
    detail: string,
  ): BreadthIssue => ({
    kind,
    statement: s,
    intended: seg,
    example: subOf(p.run),
    values: values.map((v) => v.value),
    detail,
  });

  if ([branch, pr, env].every((p) => admitted(j, p))) {
    const [b, p, e] = [branch, pr, env].map(accepting) as [PolicyValue[], PolicyValue[], PolicyValue[]];
    // When a value already reported (e.g. `repo:octo-org/*`) is what lets them in, this is not news.
    if (b.length > 0 && p.length > 0 && e.length > 0) {
      const all = preferSub(b.filter((v) => p.includes(v) && e.includes(v)));
      return [
        issue(
          "repo-wide",
          branch,
          all,
          "every branch any writer pushes, every pull request and every environment",
        ),
      ];
    }
  }
  const out: BreadthIssue[] = [];
  if (admitted(j, pr)) {
    const blamed = narrowest(accepting(pr));
    if (blamed.length > 0)
      out.push(
        issue(
          "pull-request",
          pr,
          blamed,
          "code from any pull request runs with this role, and pull_request_target runs started from forks mint the same subject",
        ),
      );
  }
  for (const { context, why } of writerContexts(j, blameable, owner, repo)) {
    const probe = own(context);
    if (!admitted(j, probe)) continue;
    const blamed = narrowest(accepting(probe));
    if (blamed.length > 0) out.push(issue("ref-prefix", probe, blamed, why));
  }
  return out;
}

function preferSub(vs: PolicyValue[]): PolicyValue[] {
  const subs = vs.filter((v) => v.claim === "sub");
  return subs.length > 0 ? subs : vs;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

interface WriterContext {
  context: RunContext;
  why: string;
}

/**
 * Branches, tags and environments a writer of `owner/repo` can create that a wildcard admits: any
 * branch, any tag, and for each wildcard value on the context (`refs/heads/main*`, `environment:prod*`)
 * a name just past its literal prefix (`main-x`), or else the shortest such name the value admits.
 */
function writerContexts(j: Judge, values: PolicyValue[], owner: string, repo: string): WriterContext[] {
  const out: WriterContext[] = [
    { context: { kind: "branch", name: "any-branch" }, why: "any branch a writer pushes" },
    { context: { kind: "tag", name: "any-tag" }, why: "any tag a writer pushes" },
  ];
  const named = (context: RunContext): WriterContext =>
    context.kind === "env"
      ? {
          context,
          why: `environments named like ${context.name} match the wildcard, and a workflow that names a missing environment creates it`,
        }
      : {
          context,
          why: `${context.kind === "tag" ? "tags" : "branches"} a writer can create, such as ${refOf(context)}, match the wildcard`,
        };
  const sub = `repo:${owner}/${repo}:`;
  for (const v of values) {
    if (!v.wildcard || (v.claim !== "sub" && v.claim !== "ref" && v.claim !== "environment")) continue;
    const glob = v.wildcard
      .map((t) => (t.kind === "lit" ? t.text.replace(/[*?]/g, "\u0000") : t.kind === "star" ? "*" : "?"))
      .join("");
    const kinds: ("branch" | "tag" | "env")[] = [];
    const guesses: RunContext[] = [];
    if (v.claim === "environment") {
      kinds.push("env");
      const e = /^([^*?]*)[*?]/.exec(glob);
      if (e) guesses.push({ kind: "env", name: extendName(e[1]!) });
    } else {
      const m = /(?:^|:)(refs\/(heads|tags)\/)([^*?]*)[*?]/.exec(glob);
      if (m) {
        const kind = m[2] === "tags" ? "tag" : "branch";
        kinds.push(kind);
        guesses.push({ kind, name: extendName(m[3]!) });
      }
      const e = v.claim === "sub" ? /:environment:([^*?]*)[*?]/.exec(glob) : null;
      if (e) {
        kinds.push("env");
        guesses.push({ kind: "env", name: extendName(e[1]!) });
      }
    }
    for (const kind of kinds) {
      const guess = guesses.find((g) => g.kind === kind && !g.name.includes("\u0000"));
      const ok =
        guess &&
        valueAccepts(j, v, probeOf({ owner, repo, context: guess, workflow: ANY_WORKFLOW }, "1", NONE));
      const context = ok ? guess : shortestContext(v, kind, sub);
      if (context) out.push(named(context));
    }
  }
  return out;
}

/** The shortest name of `kind` the value admits, when it admits more than one; else null. */
function shortestContext(v: PolicyValue, kind: "branch" | "tag" | "env", sub: string): RunContext | null {
  const sh = shapes();
  const names = kind === "env" ? sh.envName : sh.branchName;
  const prefix =
    v.claim === "sub"
      ? `${sub}${kind === "env" ? "environment:" : kind === "tag" ? "ref:refs/tags/" : "ref:refs/heads/"}`
      : v.claim === "ref"
        ? kind === "tag"
          ? "refs/tags/"
          : "refs/heads/"
        : "";
  if (!mayMeet(roughOf(v), [...chars(prefix), ...plus(ANY_CHAR)])) return null;
  const lang = valueLang(v);
  if (!lang) return null;
  try {
    const admittedNames = lang.intersect(lit(prefix).concat(names)).quotient(prefix, "");
    const first = admittedNames.shortestExample();
    if (first === null || admittedNames.difference(lit(first)).isEmpty()) return null;
    return { kind, name: first };
  } catch (e) {
    if (!(e instanceof LangTooComplexError)) throw e;
    return null;
  }
}

/** A name a writer could create that a trailing wildcard after `prefix` admits: `main` → `main-x`. */
function extendName(prefix: string): string {
  return prefix === "" || /[-/._]$/.test(prefix) ? `${prefix}x` : `${prefix}-x`;
}
