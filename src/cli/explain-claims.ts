import type { ClaimValue } from "../core/iam/claims.js";
import { classifyKey, SUPPORTED_CLAIM_KEYS } from "../core/iam/condition-keys.js";
import type { TrustPolicy } from "../core/iam/policy-model.js";
import { claimsForRun, type RepoFacts } from "../core/oidc/claims-for.js";
import { nearest } from "./args.js";
import { SUB_TEMPLATE_KEYS } from "./values.js";

/** The audience aws-actions/configure-aws-credentials asks GitHub for when `audience:` is not set. */
export const DEFAULT_AUDIENCE = "sts.amazonaws.com";

/** A run described by its parts, for `explain` to derive the claims GitHub would mint. */
export interface RunDescription {
  event: string;
  /** A full ref (`refs/heads/main`, `refs/tags/v1`, `refs/pull/7/merge`), or null when not given. */
  ref: string | null;
  environment: string | null;
  repo: RepoFacts;
  /** Repository-relative path of the workflow file that defines the job, when given. */
  workflowFile: string | null;
  workflowName: string | null;
}

/** A bare branch name becomes `refs/heads/NAME`; full refs stay. */
export function fullRef(ref: string): string {
  return ref.startsWith("refs/") ? ref : `refs/heads/${ref}`;
}

/**
 * The claims GitHub mints for the described run, from the core's claim builder (the one `scan`
 * uses): the first candidate, with notes on the others (events whose subject sources disagree on),
 * or why GitHub mints no token at all.
 */
export function claimsOfRun(
  run: RunDescription,
): { claims: Record<string, ClaimValue>; notes: string[] } | { noToken: string } {
  const ref = run.ref;
  const derived = claimsForRun(
    {
      trigger: {
        event: run.event,
        at: null,
        ref: ref
          ? { kind: "value", value: ref }
          : { kind: "unknown", reason: "the ref was not given (--ref)" },
        fork: false,
        noToken: null,
        baseRef: null,
        headRef: null,
        label: run.event,
      },
      environment: run.environment !== null ? { kind: "value", name: run.environment } : { kind: "none" },
      jobWorkflowFile: run.workflowFile ?? "",
      workflowName: run.workflowName ?? "",
      audience: DEFAULT_AUDIENCE,
    },
    run.repo,
  );
  if (derived.noToken !== null) return { noToken: derived.noToken };
  const first = derived.candidates[0];
  if (!first) return { noToken: "GitHub mints no token for this run" };
  const claims: Record<string, ClaimValue> = { ...first.claims };
  if (run.workflowFile === null)
    claims.job_workflow_ref = {
      kind: "unknown",
      reason: "the workflow file was not given (--workflow-file)",
    };
  if (run.workflowName === null)
    claims.workflow = { kind: "unknown", reason: "the workflow name was not given (--workflow)" };
  const notes: string[] = [];
  if (first.note) notes.push(`the subject is ${first.sub}: ${first.note}`);
  for (const other of derived.candidates.slice(1))
    notes.push(
      `also possible: ${other.sub}${other.note ? ` (${other.note})` : ""}; rerun with --claim sub=... to check it`,
    );
  return { claims, notes };
}

const DEFAULT_SUB = /^repo:([^:]+):(ref:(.*)|environment:(.*)|pull_request)$/;

/**
 * Why the given claims cannot all come from one GitHub token, as warnings: a default-format `sub`
 * that contradicts the `environment`, `ref` or `repository` claim next to it (with an environment,
 * GitHub's default subject is `…:environment:NAME`, never `…:ref:…`), and claim names GitHub's
 * token does not carry (with the nearest one).
 */
export function consistencyWarnings(claims: Readonly<Record<string, ClaimValue>>): string[] {
  const out: string[] = [];
  const value = (k: string) => {
    const c = claims[k];
    return c?.kind === "value" ? c.value : null;
  };
  for (const name of Object.keys(claims)) {
    if (SUPPORTED_CLAIM_KEYS.has(name)) continue;
    if ((SUB_TEMPLATE_KEYS as readonly string[]).includes(name) && name !== "repo" && name !== "context") {
      out.push(
        `--claim ${name}: GitHub's token has this claim, but AWS exposes no \`${name}\` condition key for it; a condition on it sees it as absent, whatever the token holds`,
      );
      continue;
    }
    const near = nearest(name, [...SUPPORTED_CLAIM_KEYS]);
    if (near && near !== name)
      out.push(
        `--claim ${name}: AWS exposes no \`${name}\` condition key for GitHub tokens; did you mean \`${near}\`?`,
      );
  }
  const sub = value("sub");
  const m = sub !== null ? DEFAULT_SUB.exec(sub) : null;
  if (!m) return out;
  const [, repo, , subRef, subEnv] = m;
  const env = claims.environment;
  const ref = value("ref");
  if (subRef !== undefined && env && env.kind !== "absent")
    out.push(
      `this claim set cannot come from one token: the sub names a ref (${subRef}) but an environment claim is given; with an environment, GitHub's default subject is repo:${repo}:environment:${env.kind === "value" ? env.value : "NAME"}`,
    );
  if (subEnv !== undefined) {
    if (!env || env.kind === "absent")
      out.push(
        `this claim set cannot come from one token: the sub names environment ${subEnv} but no environment claim is given; add --claim environment=${subEnv}`,
      );
    else if (env.kind === "value" && env.value.replaceAll(":", "%3A") !== subEnv)
      out.push(
        `this claim set cannot come from one token: the sub names environment ${subEnv} but the environment claim is ${env.value}`,
      );
  }
  if (subRef !== undefined && ref !== null && ref !== subRef)
    out.push(
      `this claim set cannot come from one token: the sub names ref ${subRef} but the ref claim is ${ref}`,
    );
  const repository = value("repository");
  if (
    repository !== null &&
    repo !== undefined &&
    !repo.includes("@") &&
    repo.toLowerCase() !== repository.toLowerCase()
  )
    out.push(
      `this claim set cannot come from one token: the sub names repository ${repo} but the repository claim is ${repository}`,
    );
  return out;
}

/**
 * Condition keys of the policy that name no claim AWS exposes but are one typo away from one
 * (`…:sbu`): "did you mean `…:sub`?" — IAM treats the mistyped key as absent.
 */
export function keyTypoWarnings(policy: TrustPolicy, issuer: string): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  for (const s of policy.statements) {
    for (const c of s.conditions) {
      if (seen.has(c.key)) continue;
      seen.add(c.key);
      const k = classifyKey(c.key, issuer);
      if (k.kind === "claim" && k.support === "unsupported") {
        const near = nearest(k.claim, [...SUPPORTED_CLAIM_KEYS]);
        if (near && near !== k.claim) {
          const fixed = `${c.key.slice(0, c.key.lastIndexOf(":") + 1)}${near}`;
          out.push(
            `statement ${s.index}${policy.decoded ? "" : `, line ${c.keySpan.start.line}`}: the condition key \`${c.key}\` names no claim AWS exposes for GitHub tokens, so IAM sees it as absent; did you mean \`${fixed}\`?`,
          );
        }
      }
    }
  }
  return out;
}

const IMMUTABLE_SUB = /^repo:[^/:@]+@\d+\/[^/:@]+@\d+(:|$)/;
const NAMED_SUB = /^repo:[^/:@*?]+\/[^/:@]+(:|$)/;

/**
 * When the token's `sub` and every `sub` value of the policy are in different subject formats
 * (immutable `repo:owner@ID/name@ID:…` against the name form): they never match, whatever the rest.
 */
export function subjectFormatWarnings(
  policy: TrustPolicy,
  issuer: string,
  sub: ClaimValue | undefined,
): string[] {
  if (sub?.kind !== "value") return [];
  const tokenImmutable = IMMUTABLE_SUB.test(sub.value);
  if (!tokenImmutable && !NAMED_SUB.test(sub.value)) return [];
  const values: string[] = [];
  for (const st of policy.statements)
    for (const c of st.conditions) {
      const k = classifyKey(c.key, issuer);
      if (k.kind === "claim" && k.claim === "sub" && !/Not/.test(c.operator))
        values.push(...c.values.map((v) => v.value));
    }
  const immutable = values.filter((v) => IMMUTABLE_SUB.test(v));
  const named = values.filter((v) => NAMED_SUB.test(v));
  if (tokenImmutable && named.length > 0 && immutable.length === 0)
    return [
      `the sub is an immutable subject (repo:OWNER@ID/NAME@ID:…), but the policy trusts only the name form (e.g. ${named[0]}); the two never match. Check which form the repository mints: gh api repos/OWNER/REPO/actions/oidc/customization/sub (sub_claim_prefix)`,
    ];
  if (!tokenImmutable && immutable.length > 0 && named.length === 0)
    return [
      `the policy trusts immutable subjects (e.g. ${immutable[0]}), but this sub is in the name form; the two never match. A repository that mints immutable subjects presents repo:OWNER@ID/NAME@ID:… (check: gh api repos/OWNER/REPO/actions/oidc/customization/sub); with a run description, pass --sub-prefix`,
    ];
  return [];
}
