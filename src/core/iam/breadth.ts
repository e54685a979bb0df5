import type { ClaimSet } from "./claims.js";
import { classifyKey, GITHUB_ISSUER, looksLikeGithubIssuer } from "./condition-keys.js";
import { parseProviderArn, traceCondition } from "./evaluate.js";
import { parseOperator } from "./operators.js";
import type { LocatedString, PolicyStatement, TrustPolicy } from "./policy-model.js";

/** One way a statement admits more than it should, with the policy values that cause it. */
export interface BreadthIssue {
  kind:
    | "any-repository"
    | "owner-prefix"
    | "org-wide"
    | "repo-prefix"
    | "repo-wide"
    | "pull-request"
    | "ref-prefix";
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

interface Probe {
  claims: ClaimSet;
  /** Claims whose conditions an attacker satisfies at will: skipped. */
  attackerChosen: Set<string>;
}

function subOf(repoSeg: string, context: string) {
  return `repo:${repoSeg}:${context}`;
}

function probeFor(
  owner: string,
  repo: string,
  context: "branch" | "pr" | "env" | "tag",
  name?: string,
): Probe {
  const bareOwner = owner.split("@")[0]!;
  const bareRepo = repo.split("@")[0]!;
  const ref =
    context === "pr"
      ? "refs/pull/1/merge"
      : context === "tag"
        ? `refs/tags/${name ?? "any-tag"}`
        : `refs/heads/${context === "branch" ? (name ?? "any-branch") : "main"}`;
  const ctx =
    context === "pr" ? "pull_request" : context === "env" ? `environment:${name ?? "any-env"}` : `ref:${ref}`;
  const claims: Record<string, ClaimSet[string]> = {
    sub: { kind: "value", value: subOf(`${owner}/${repo}`, ctx) },
    repository: { kind: "value", value: `${bareOwner}/${bareRepo}` },
    repository_id: { kind: "value", value: "987654321" },
    job_workflow_ref: {
      kind: "value",
      value: `${bareOwner}/${bareRepo}/.github/workflows/any-workflow.yml@${ref}`,
    },
    ref: { kind: "value", value: ref },
  };
  if (context === "env") claims.environment = { kind: "value", value: name ?? "any-env" };
  return { claims, attackerChosen: new Set() };
}

/** The statements that can apply to GitHub tokens: Principal "*" or a GitHub-looking federated provider. */
export function githubStatements(policy: TrustPolicy): { statement: PolicyStatement; issuer: string }[] {
  const out: { statement: PolicyStatement; issuer: string }[] = [];
  for (const s of policy.statements) {
    if (s.effect !== "Allow" || !s.principal) continue;
    const fed = s.principal.federated
      .map((f) => parseProviderArn(f.value)?.hostPath)
      .find((h): h is string => !!h && looksLikeGithubIssuer(h));
    if (fed) out.push({ statement: s, issuer: fed });
    else if (s.principal.everyone) out.push({ statement: s, issuer: GITHUB_ISSUER });
  }
  return out;
}

/**
 * Whether the statement's identity conditions admit the probe, ignoring conditions on claims that are
 * not about identity (aud, actor, …) and on claims the attacker chooses. Returns the values that matched.
 */
function admits(
  s: PolicyStatement,
  version: string | null,
  issuer: string,
  probe: Probe,
): { admitted: boolean; values: LocatedString[] } {
  const values: LocatedString[] = [];
  for (const c of s.conditions) {
    const kc = classifyKey(c.key, issuer);
    if (kc.kind !== "claim") continue;
    const relevant =
      IDENTITY_CLAIMS.has(kc.claim) || (CONTEXT_CLAIMS.has(kc.claim) && !probe.attackerChosen.has(kc.claim));
    if (!relevant) continue;
    const t = traceCondition(c, version, probe.claims, issuer);
    if (t.outcome === false) return { admitted: false, values: [] };
    const op = parseOperator(c.operator);
    if (t.decidingValue !== null && op && !op.negated && IDENTITY_CLAIMS.has(kc.claim)) {
      const hit = c.values.find((v) => v.value === t.decidingValue);
      if (hit) values.push(hit);
    }
  }
  return { admitted: true, values };
}

/** Literal `owner/repo` pairs the statement's subject values name (legacy or immutable segments). */
function intendedRepos(s: PolicyStatement, issuer: string): { owner: string; repo: string }[] {
  const seen = new Map<string, { owner: string; repo: string }>();
  for (const c of s.conditions) {
    const kc = classifyKey(c.key, issuer);
    if (kc.kind !== "claim") continue;
    for (const v of c.values) {
      const m =
        kc.claim === "sub"
          ? /^repo:([^/:*?$]+)\/([^/:*?$]+)(?=[:*?]|$)/.exec(v.value)
          : kc.claim === "repository" || kc.claim === "job_workflow_ref"
            ? /^([^/:*?$]+)\/([^/:*?$@]+)/.exec(v.value)
            : null;
      if (m) seen.set(`${m[1]}/${m[2]}`, { owner: m[1]!, repo: m[2]! });
      else if (kc.claim === "sub") {
        const o = /^repo:([^/:*?$]+)\/?[*?]/.exec(v.value);
        if (o) seen.set(`${o[1]}/`, { owner: o[1]!, repo: "" });
      }
    }
  }
  return [...seen.values()];
}

/**
 * Over-breadth analysis of a trust policy (OIDC-SEMANTICS §8): for every Allow statement that trusts
 * GitHub, which repositories, branches and events it admits beyond the one it names. Deny statements
 * are not subtracted (an issue may be narrowed by a Deny; the evaluator accounts for that per context).
 */
export function analyzeBreadth(policy: TrustPolicy): BreadthIssue[] {
  const issues: BreadthIssue[] = [];
  for (const { statement: s, issuer } of githubStatements(policy)) {
    const v = policy.version;
    const foreign = (["branch", "pr", "env"] as const).flatMap((ctx) => [
      probeFor("someone-else", "another-repo", ctx),
      probeFor("someone-else@424242", "another-repo@434343", ctx),
    ]);
    const attacker = (p: Probe): Probe => ({ ...p, attackerChosen: new Set(CONTEXT_CLAIMS) });
    const anyHit = foreign.map((p) => admits(s, v, issuer, attacker(p))).find((r) => r.admitted);
    if (s.principal?.everyone || anyHit) {
      const hasSubject = s.conditions.some((c) => {
        const kc = classifyKey(c.key, issuer);
        return kc.kind === "claim" && IDENTITY_CLAIMS.has(kc.claim);
      });
      issues.push({
        kind: "any-repository",
        statement: s,
        intended: null,
        example: subOf("someone-else/any-repo", "ref:refs/heads/main"),
        values: anyHit?.values ?? [],
        detail: s.principal?.everyone
          ? 'Principal "*" trusts every principal'
          : hasSubject
            ? "the subject conditions admit repositories of any owner"
            : "no condition restricts sub, job_workflow_ref, repository or repository_id",
      });
      continue;
    }
    for (const { owner, repo } of intendedRepos(s, issuer)) {
      const immutable = owner.includes("@");
      const prefixOwner = immutable ? `${owner}9` : `${owner}-evil`;
      const ownerHit = (["branch", "pr"] as const)
        .map((ctx) => admits(s, v, issuer, attacker(probeFor(prefixOwner, repo || "x", ctx))))
        .find((r) => r.admitted);
      if (ownerHit) {
        issues.push({
          kind: "owner-prefix",
          statement: s,
          intended: owner,
          example: subOf(`${prefixOwner}/${repo || "x"}`, "ref:refs/heads/main"),
          values: ownerHit.values,
          detail: `the owner "${owner}" is not followed by "/" or "@", so other owners whose names start with it match`,
        });
        continue;
      }
      const otherRepo = immutable ? "another-repo@434343" : "another-repo";
      const orgHit = (["branch", "pr", "env"] as const)
        .map((ctx) => admits(s, v, issuer, attacker(probeFor(owner, otherRepo, ctx))))
        .find((r) => r.admitted);
      if (orgHit || !repo) {
        issues.push({
          kind: "org-wide",
          statement: s,
          intended: owner,
          example: subOf(`${owner}/${otherRepo}`, "ref:refs/heads/main"),
          values: orgHit?.values ?? [],
          detail: `any repository of ${owner}, on any trigger`,
        });
        continue;
      }
      const prefixRepo = immutable ? `${repo}9` : `${repo}-other`;
      const repoPrefixHit = admits(s, v, issuer, attacker(probeFor(owner, prefixRepo, "branch")));
      if (repoPrefixHit.admitted) {
        issues.push({
          kind: "repo-prefix",
          statement: s,
          intended: `${owner}/${repo}`,
          example: subOf(`${owner}/${prefixRepo}`, "ref:refs/heads/main"),
          values: repoPrefixHit.values,
          detail: `the repository name "${repo}" is not followed by ":", so other repositories of ${owner} whose names start with it match`,
        });
      }
      const seg = `${owner}/${repo}`;
      const branch = admits(s, v, issuer, probeFor(owner, repo, "branch"));
      const pr = admits(s, v, issuer, probeFor(owner, repo, "pr"));
      const env = admits(s, v, issuer, probeFor(owner, repo, "env"));
      if (branch.admitted && pr.admitted && env.admitted) {
        issues.push({
          kind: "repo-wide",
          statement: s,
          intended: seg,
          example: subOf(seg, "ref:refs/heads/any-branch"),
          values: branch.values,
          detail: "every branch any writer pushes, every pull request and every environment",
        });
        continue;
      }
      if (pr.admitted) {
        issues.push({
          kind: "pull-request",
          statement: s,
          intended: seg,
          example: subOf(seg, "pull_request"),
          values: pr.values,
          detail:
            "code from any pull request runs with this role, and pull_request_target runs started from forks mint the same subject",
        });
      }
      const refHit = prefixProbes(s, issuer)
        .map((p) => ({ p, r: admits(s, v, issuer, probeFor(owner, repo, p.context, p.name)) }))
        .find((x) => x.r.admitted);
      if (refHit) {
        issues.push({
          kind: "ref-prefix",
          statement: s,
          intended: seg,
          example:
            refHit.p.context === "env"
              ? subOf(seg, `environment:${refHit.p.name}`)
              : subOf(seg, `ref:${refHit.p.ref}`),
          values: refHit.r.values,
          detail: refHit.p.why,
        });
      }
    }
  }
  // Several intended repositories of one statement can lead to the same issue: report it once.
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.statement.index}|${i.kind}|${i.values.map((v) => v.pointer).join(",")}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

interface PrefixProbe {
  context: "branch" | "tag" | "env";
  name: string;
  ref: string;
  why: string;
}

/** Branch, tag and environment names a writer could create that a wildcard would admit. */
function prefixProbes(s: PolicyStatement, issuer: string): PrefixProbe[] {
  const probes: PrefixProbe[] = [
    {
      context: "branch",
      name: "any-branch",
      ref: "refs/heads/any-branch",
      why: "any branch a writer pushes",
    },
    { context: "tag", name: "any-tag", ref: "refs/tags/any-tag", why: "any tag a writer pushes" },
  ];
  for (const c of s.conditions) {
    const kc = classifyKey(c.key, issuer);
    if (kc.kind !== "claim" || (kc.claim !== "sub" && kc.claim !== "ref" && kc.claim !== "environment"))
      continue;
    for (const v of c.values) {
      const m = /(?:^|:)(refs\/(?:heads|tags)\/)([^*?]*)[*?]/.exec(v.value);
      if (m) {
        const isTag = m[1] === "refs/tags/";
        const name = extendName(m[2]!);
        probes.push({
          context: isTag ? "tag" : "branch",
          name,
          ref: `${m[1]}${name}`,
          why: `${isTag ? "tags" : "branches"} a writer can create, such as ${m[1]}${name}, match the wildcard`,
        });
      }
      const e =
        kc.claim === "environment"
          ? /^([^*?]*)[*?]/.exec(v.value)
          : /:environment:([^*?]*)[*?]/.exec(v.value);
      if (e) {
        probes.push({
          context: "env",
          name: extendName(e[1]!),
          ref: "",
          why: `environments named like ${extendName(e[1]!)} match the wildcard, and a workflow that names a missing environment creates it`,
        });
      }
    }
  }
  return probes;
}

/** A name a writer could create that a trailing wildcard after `prefix` admits: `main` → `main-x`. */
function extendName(prefix: string): string {
  return prefix === "" || /[-/._]$/.test(prefix) ? `${prefix}x` : `${prefix}-x`;
}
