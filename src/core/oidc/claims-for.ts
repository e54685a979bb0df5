import type { ClaimSet, ClaimValue } from "../iam/claims.js";
import type { PatternRequest } from "../iam/evaluate-pattern.js";
import { Lang } from "../lang/index.js";
import type { RefSpec, TriggerContext } from "./run-context.js";

/** What rolecall knows of the repository whose runs mint the tokens. */
export interface RepoFacts {
  /** `owner/name`, or null when unknown (subjects are then unknown). */
  fullName: string | null;
  defaultBranch: string;
  /** Immutable subject prefix (`repo:owner@ID/name@ID`), from `sub_claim_prefix` or `--sub-prefix`. */
  subPrefix: string | null;
  /** Custom subject template keys (`include_claim_keys`), or null for the default format. */
  subTemplate: string[] | null;
  /** Token issuer host/path. */
  issuer: string;
  /** The numeric repository id (`repository_id` claim), when known. */
  repositoryId?: string | null;
  /** Environment names as GitHub stores them (the App reads them), to spot case-only differences. */
  environments?: string[] | null;
}

/** The environment a job runs in for one run. */
export type EnvSpec = { kind: "none" } | { kind: "value"; name: string } | { kind: "unknown"; text: string };

/** One run of one job: the trigger context plus what the job adds. */
export interface JobRun {
  trigger: TriggerContext;
  environment: EnvSpec;
  /** Repository-relative path of the workflow file that defines the job (for `job_workflow_ref`). */
  jobWorkflowFile: string;
  /** `name:` of the top-level (caller) workflow, or its path when it has none. */
  workflowName: string;
  audience: string;
}

/** One candidate claim set (several when sources disagree on the subject, OIDC-SEMANTICS [UNC]). */
export interface ClaimCandidate {
  claims: ClaimSet;
  /** The subject as shown to people (a pattern written with its filter). */
  sub: string;
  /** Why this candidate exists, when it is one of several. */
  note: string | null;
}

export interface RunClaims {
  candidates: ClaimCandidate[];
  /** The variable pattern claims range over, if any. */
  variable: PatternRequest["variable"] | null;
  /** Set when GitHub will not mint a token for this run at all. */
  noToken: string | null;
}

/** `:` in environment names and template values is written `%3A`; `%` itself is not escaped (§2.3). */
export function encodeSubValue(s: string): string {
  return s.replaceAll(":", "%3A");
}

type Piece = { text: string } | { variable: true };

/** A claim built from pieces around at most one variable occurrence. */
function assemble(pieces: Piece[], variable: string | null): ClaimValue {
  const vars = pieces.filter((p) => "variable" in p).length;
  if (vars === 0) return { kind: "value", value: pieces.map((p) => ("text" in p ? p.text : "")).join("") };
  if (vars > 1 || variable === null)
    return { kind: "unknown", reason: "the value depends on the ref more than once" };
  const i = pieces.findIndex((p) => "variable" in p);
  const text = (ps: Piece[]) => ps.map((p) => ("text" in p ? p.text : "")).join("");
  return { kind: "pattern", variable, prefix: text(pieces.slice(0, i)), suffix: text(pieces.slice(i + 1)) };
}

function display(pieces: Piece[], description: string): string {
  return pieces.map((p) => ("text" in p ? p.text : description)).join("");
}

const ANY_ENV_NAME = Lang.any()
  .difference(Lang.literal(""))
  .difference(Lang.any().concat(Lang.literal(":")).concat(Lang.any()));

/**
 * The claim sets GitHub mints for one run of a job (OIDC-SEMANTICS §2.3, §3, §7): `sub` in the
 * default, immutable or custom-template format, `aud`, `ref`, `environment`, `repository`,
 * `job_workflow_ref`, `workflow`, with `actor` and ids unknown. A ref that is a set of refs becomes a
 * pattern claim; an environment only known at run time becomes a pattern over its name.
 */
export function claimsForRun(run: JobRun, repo: RepoFacts): RunClaims {
  const t = run.trigger;
  if (t.noToken) return { candidates: [], variable: null, noToken: t.noToken };
  if (repo.subTemplate?.some((k) => k.toLowerCase() === "environment") && run.environment.kind === "none") {
    return {
      candidates: [],
      variable: null,
      noToken:
        "the repository's subject template includes `environment`, and GitHub refuses a token to jobs without one",
    };
  }
  let variable: RunClaims["variable"] = null;
  let refPieces: Piece[];
  const ref: RefSpec = t.ref;
  if (ref.kind === "value") refPieces = [{ text: ref.value }];
  else if (ref.kind === "pattern" && run.environment.kind !== "unknown") {
    variable = { name: "ref", domain: ref.domain, description: ref.description };
    refPieces = [{ variable: true }];
  } else refPieces = [];
  const refKnown = ref.kind === "value" || variable !== null;
  let envPieces: Piece[] | null = null;
  if (run.environment.kind === "value") envPieces = [{ text: encodeSubValue(run.environment.name) }];
  else if (run.environment.kind === "unknown") {
    variable = { name: "environment", domain: ANY_ENV_NAME, description: `<${run.environment.text}>` };
    envPieces = [{ variable: true }];
  }

  // Context candidates (§7 contextCandidates).
  type Ctx = { pieces: Piece[] | null; note: string | null };
  let contexts: Ctx[];
  if (envPieces) contexts = [{ pieces: [{ text: "environment:" }, ...envPieces], note: null }];
  else if (t.event === "pull_request") contexts = [{ pieces: [{ text: "pull_request" }], note: null }];
  else if (t.event === "pull_request_target")
    contexts = [
      {
        pieces: [{ text: "pull_request" }],
        note: "observed: pull_request_target mints the pull_request subject (GitHub docs are silent)",
      },
      {
        pieces: refKnown ? [{ text: "ref:" }, ...refPieces] : null,
        note: "fallback if GitHub used the ref subject (not observed)",
      },
    ];
  else if (t.event === "pull_request_review" || t.event === "pull_request_review_comment")
    contexts = [
      {
        pieces: [{ text: "pull_request" }],
        note: "if GitHub treats the event as a pull request event (unverified)",
      },
      {
        pieces: refKnown ? [{ text: "ref:" }, ...refPieces] : null,
        note: "if GitHub uses the merge ref (unverified)",
      },
    ];
  else contexts = [{ pieces: refKnown ? [{ text: "ref:" }, ...refPieces] : null, note: null }];

  // A reusable workflow run by a caller in another repository mints that repository's subject.
  const callerElsewhere = t.event === "workflow_call" && t.ref.kind === "unknown";
  const repoSeg = callerElsewhere
    ? null
    : repo.subPrefix
      ? repo.subPrefix.replace(/^repo:/, "")
      : repo.fullName;
  const owner = repo.fullName?.split("/")[0] ?? null;
  const jwrPieces: Piece[] | null =
    repo.fullName && refKnown ? [{ text: `${repo.fullName}/${run.jobWorkflowFile}@` }, ...refPieces] : null;

  const description = variable?.description ?? "";
  const candidates: ClaimCandidate[] = contexts.map((ctx) => {
    const base: Record<string, ClaimValue> = {
      aud: { kind: "value", value: run.audience },
      ref:
        ref.kind === "value"
          ? { kind: "value", value: ref.value }
          : variable?.name === "ref"
            ? { kind: "pattern", variable: "ref", prefix: "", suffix: "" }
            : { kind: "unknown", reason: ref.kind === "unknown" ? ref.reason : "the ref is one of many" },
      repository: repo.fullName
        ? { kind: "value", value: repo.fullName }
        : { kind: "unknown", reason: "the repository is not known" },
      repository_id: repo.repositoryId
        ? { kind: "value", value: repo.repositoryId }
        : repoIdOf(repo.subPrefix),
      job_workflow_ref: jwrPieces
        ? assemble(jwrPieces, variable?.name ?? null)
        : { kind: "unknown", reason: "the ref or repository is not known" },
      workflow: { kind: "value", value: run.workflowName },
      actor: { kind: "unknown", reason: "the actor is whoever starts the run" },
      actor_id: { kind: "unknown", reason: "the actor is whoever starts the run" },
      enterprise_id: {
        kind: "unknown",
        reason: "rolecall does not know whether the repository belongs to an enterprise",
      },
    };
    if (run.environment.kind === "value") base.environment = { kind: "value", value: run.environment.name };
    else if (run.environment.kind === "unknown")
      base.environment = {
        kind: "unknown",
        reason: `the environment is computed at run time (${run.environment.text})`,
      };
    let sub: ClaimValue;
    let shown: string;
    if (!repoSeg) {
      sub = callerElsewhere
        ? { kind: "unknown", reason: "the subject names the calling repository, which is not in this scan" }
        : { kind: "unknown", reason: "the repository is not known (pass --repo owner/name)" };
      shown = callerElsewhere ? "repo:<caller>:…" : "(unknown repository)";
    } else if (!ctx.pieces) {
      sub = { kind: "unknown", reason: ref.kind === "unknown" ? ref.reason : "the ref is not known" };
      shown = `repo:${repoSeg}:(unknown)`;
    } else if (!repo.subTemplate) {
      const pieces: Piece[] = [{ text: `repo:${repoSeg}:` }, ...ctx.pieces];
      sub = assemble(pieces, variable?.name ?? null);
      shown = display(pieces, description);
    } else {
      const pieces: Piece[] = [];
      let unknown: string | null = null;
      repo.subTemplate.forEach((key, i) => {
        if (i > 0) pieces.push({ text: ":" });
        const k = key.toLowerCase();
        if (k === "repo") pieces.push({ text: `repo:${repoSeg}` });
        else if (k === "context") pieces.push(...ctx.pieces!);
        else {
          const v =
            k === "repository_owner" ? ({ kind: "value", value: owner ?? "" } as ClaimValue) : base[k];
          if (!v || v.kind === "absent") {
            unknown ??= `the subject template uses \`${key}\`, which rolecall cannot derive`;
          } else if (v.kind === "unknown") {
            unknown ??= `the subject template uses \`${key}\`: ${v.reason}`;
          } else if (v.kind === "value") {
            pieces.push({ text: `${key}:${encodeSubValue(v.value)}` });
          } else {
            pieces.push(
              { text: `${key}:${encodeSubValue(v.prefix)}` },
              { variable: true },
              { text: encodeSubValue(v.suffix) },
            );
          }
        }
      });
      sub = unknown ? { kind: "unknown", reason: unknown } : assemble(pieces, variable?.name ?? null);
      shown = unknown ? `(custom template: ${repo.subTemplate.join(",")})` : display(pieces, description);
    }
    base.sub = sub;
    return { claims: base, sub: shown, note: ctx.note };
  });
  return { candidates, variable, noToken: null };
}

function repoIdOf(prefix: string | null): ClaimValue {
  const m = prefix ? /\/[^@/]+@(\d+)$/.exec(prefix) : null;
  return m ? { kind: "value", value: m[1]! } : { kind: "unknown", reason: "the repository id is not known" };
}
