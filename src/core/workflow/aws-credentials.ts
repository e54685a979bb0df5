import { configureAwsCredentialsRelease } from "./aws-credentials-releases.js";
import { containsExpression } from "./expression.js";
import type { Job } from "./job.js";
import type { Entry, Node } from "./node.js";
import type { StringMap } from "./shape-reader.js";
import type { Step } from "./step.js";
import type { RefKind } from "./uses-reference.js";

/**
 * Inputs of aws-actions/configure-aws-credentials (`action.yml` at v6.2.3, commit bcd4089).
 * `with:` keys are matched case-insensitively, as GitHub does.
 */
export const AWS_CREDENTIALS_INPUTS = [
  "aws-region",
  "aws-profile",
  "overwrite-aws-profile",
  "role-to-assume",
  "aws-access-key-id",
  "aws-secret-access-key",
  "aws-session-token",
  "web-identity-token-file",
  "role-chaining",
  "audience",
  "http-proxy",
  "no-proxy",
  "mask-aws-account-id",
  "role-duration-seconds",
  "role-external-id",
  "role-session-name",
  "role-skip-session-tagging",
  "transitive-tag-keys",
  "inline-session-policy",
  "managed-session-policies",
  "output-credentials",
  "output-env-credentials",
  "unset-current-credentials",
  "disable-retry",
  "retry-max-attempts",
  "special-characters-workaround",
  "use-existing-credentials",
  "allowed-account-ids",
  "force-skip-oidc",
  "action-timeout-s",
  "custom-tags",
  "sts-endpoint",
] as const;

/** A configure-aws-credentials input name. */
export type AwsCredentialsInputName = (typeof AWS_CREDENTIALS_INPUTS)[number];

/**
 * Environment variables the action reads as inputs when the input itself is empty
 * (`translateEnvVariables` in `src/helpers.ts`, v6.2.3; the variable `X_Y` feeds input `x-y`).
 * `AWS_ACCESS_KEY_ID` and friends are not among them: the SDK reads those, not the action's inputs.
 */
export const AWS_CREDENTIALS_ENV_INPUTS: readonly string[] = [
  "AWS_REGION",
  "ROLE_TO_ASSUME",
  "WEB_IDENTITY_TOKEN_FILE",
  "ROLE_CHAINING",
  "AUDIENCE",
  "HTTP_PROXY",
  "MASK_AWS_ACCOUNT_ID",
  "ROLE_DURATION_SECONDS",
  "ROLE_EXTERNAL_ID",
  "ROLE_SESSION_NAME",
  "ROLE_SKIP_SESSION_TAGGING",
  "TRANSITIVE_TAG_KEYS",
  "INLINE_SESSION_POLICY",
  "MANAGED_SESSION_POLICIES",
  "OUTPUT_CREDENTIALS",
  "UNSET_CURRENT_CREDENTIALS",
  "DISABLE_RETRY",
  "RETRY_MAX_ATTEMPTS",
  "SPECIAL_CHARACTERS_WORKAROUND",
  "USE_EXISTING_CREDENTIALS",
  "NO_PROXY",
  "OVERWRITE_AWS_PROFILE",
];

/** Inputs whose `action.yml` default the runner sets before the action starts, so an env var never applies. */
const INPUT_DEFAULTS: Partial<Record<AwsCredentialsInputName, string>> = { audience: "sts.amazonaws.com" };

/** Where a resolved input's value comes from. */
export type AwsInputSource = "with" | "step-env" | "job-env" | "workflow-env";

/** One configure-aws-credentials input with the text it comes from. */
export interface ResolvedAwsInput {
  name: AwsCredentialsInputName;
  /** The value as the action receives it (before expression evaluation). */
  value: string;
  /** The value's position. */
  node: Node<string>;
  /** The key that set it: the `with:` key, or the environment variable's key. */
  key: Node<string>;
  source: AwsInputSource;
  /** The environment variable, for env sources. */
  envName?: string;
  /** True when the value contains `${{ }}`, so it is only known at run time. */
  isExpression: boolean;
}

/**
 * How a version of the action treats environment-variable inputs:
 * `input-wins` (v4.2.1 and later: the env var fills an empty input), `env-wins` (v4.2.0 only: the
 * env var overrides the input), `unsupported` (before v4.2.0), `unknown` (a branch, or a SHA that is
 * not a known release; resolved as `input-wins`).
 */
export type EnvInputBehaviour = "input-wins" | "env-wins" | "unsupported" | "unknown";

/** The resolved view of one configure-aws-credentials step. */
export interface AwsCredentials {
  step: Step;
  job?: Job;
  /** The action reference: `uses` as written and its `@ref` for pinning checks. */
  action: {
    uses: Node<string>;
    owner: string;
    repo: string;
    path?: string;
    ref: Node<string>;
    refKind: RefKind;
    major?: number;
    /** The release a SHA pin points at (e.g. `v4.0.2`), when it is a known release commit. */
    release?: string;
  };
  /** Resolved inputs by name: `with:` first, then env-var inputs from step, job, workflow `env`. */
  inputs: Partial<Record<AwsCredentialsInputName, ResolvedAwsInput>>;
  envInputs: EnvInputBehaviour;
  /** `with:` keys that are not inputs of the action (typos such as `role-to-asume`). */
  unknownInputs: Entry<string>[];
  /** Env-var inputs that are set but do not apply, with the reason. */
  ignored: { input: ResolvedAwsInput; reason: string }[];
  /** `env:` blocks written as one expression: they may set env-var inputs rolecall cannot see. */
  opaqueEnv: Node<string>[];
}

/** Anything with a workflow-level `env:` (a workflow). */
export interface HasEnv {
  env?: StringMap;
}

/** True when the step uses aws-actions/configure-aws-credentials at any ref (owner/repo case-insensitive). */
export function isAwsCredentialsStep(step: Step): boolean {
  const target = step.uses?.target;
  return (
    target?.kind === "repository" &&
    target.owner.toLowerCase() === "aws-actions" &&
    target.repo.toLowerCase() === "configure-aws-credentials"
  );
}

/**
 * The resolved configure-aws-credentials view of a step, or undefined when the step does not use
 * the action. `job` and `workflow` supply the `env:` blocks that env-var inputs fall back to. For a
 * step of a composite action, omit them, or pass the calling job and workflow: their `env:` reaches
 * the composite's steps at run time too.
 */
export function awsCredentials(step: Step, job?: Job, workflow?: HasEnv): AwsCredentials | undefined {
  if (!isAwsCredentialsStep(step) || !step.uses || step.uses.target.kind !== "repository") return undefined;
  const target = step.uses.target;
  const action: AwsCredentials["action"] = {
    uses: step.uses.node,
    owner: target.owner,
    repo: target.repo,
    ref: step.uses.ref ?? { value: target.ref, span: step.uses.node.span, route: step.uses.node.route },
    refKind: target.refKind,
  };
  if (target.path !== undefined) action.path = target.path;
  if (target.major !== undefined) action.major = target.major;
  const release = target.refKind === "sha" ? configureAwsCredentialsRelease(target.ref) : undefined;
  if (release) {
    action.release = release;
    action.major = Number(/^v(\d+)/.exec(release)![1]);
  }
  const envInputs = envInputBehaviour(release ?? target.ref, release ? "version" : target.refKind);
  const view: AwsCredentials = {
    step,
    action,
    inputs: {},
    envInputs,
    unknownInputs: [],
    ignored: [],
    opaqueEnv: [],
  };
  if (job) view.job = job;

  const known = new Set<string>(AWS_CREDENTIALS_INPUTS);
  for (const entry of step.with?.entries ?? []) {
    const name = entry.key.value.toLowerCase();
    if (!known.has(name)) {
      view.unknownInputs.push(entry);
      continue;
    }
    const inputName = name as AwsCredentialsInputName;
    if (view.inputs[inputName]) continue; // GitHub rejects case-variant duplicates; keep the first
    view.inputs[inputName] = resolved(inputName, entry, "with");
  }

  const blocks: [StringMap | undefined, AwsInputSource][] = [
    [step.env, "step-env"],
    [job?.env, "job-env"],
    [workflow?.env, "workflow-env"],
  ];
  for (const [block] of blocks) if (block?.expression) view.opaqueEnv.push(block.expression);
  for (const envName of AWS_CREDENTIALS_ENV_INPUTS) {
    const inputName = envName.toLowerCase().replace(/_/g, "-") as AwsCredentialsInputName;
    const found = findEnv(blocks, envName);
    if (!found) continue;
    const candidate = resolved(inputName, found.entry, found.source, envName);
    if (candidate.value === "") continue; // the action ignores empty variables
    const current = view.inputs[inputName];
    const inputSet = current !== undefined && current.value !== "";
    if (envInputs === "unsupported") {
      view.ignored.push({
        input: candidate,
        reason: `configure-aws-credentials ${target.ref} does not read inputs from environment variables (added in v4.2.0)`,
      });
    } else if (envInputs === "env-wins") {
      if (current)
        view.ignored.push({ input: current, reason: `v4.2.0 lets \`${envName}\` override the input` });
      view.inputs[inputName] = candidate;
    } else if (inputSet) {
      view.ignored.push({
        input: candidate,
        reason: `the \`${inputName}\` input is set, and takes precedence`,
      });
    } else if (INPUT_DEFAULTS[inputName] !== undefined) {
      view.ignored.push({
        input: candidate,
        reason: `the runner sets the \`${inputName}\` input to its default \`${INPUT_DEFAULTS[inputName]}\` first, so \`${envName}\` is never read`,
      });
    } else {
      view.inputs[inputName] = candidate;
    }
  }
  return view;
}

function resolved(
  name: AwsCredentialsInputName,
  entry: Entry<string>,
  source: AwsInputSource,
  envName?: string,
): ResolvedAwsInput {
  const input: ResolvedAwsInput = {
    name,
    value: entry.value.value,
    node: entry.value,
    key: entry.key,
    source,
    isExpression: containsExpression(entry.value.value),
  };
  if (envName) input.envName = envName;
  return input;
}

/** The innermost definition of `name` (environment variable names are case-sensitive on Linux runners). */
function findEnv(
  blocks: [StringMap | undefined, AwsInputSource][],
  name: string,
): { entry: Entry<string>; source: AwsInputSource } | undefined {
  for (const [block, source] of blocks) {
    const entry = block ? indexOf(block).get(name) : undefined;
    if (entry) return { entry, source };
  }
  return undefined;
}

/** Each `env:` block's entries by name (first one kept), built once: lookups stay O(1) however large the block. */
const envIndexes = new WeakMap<StringMap, Map<string, Entry<string>>>();
function indexOf(block: StringMap): Map<string, Entry<string>> {
  let index = envIndexes.get(block);
  if (!index) {
    index = new Map();
    for (const e of block.entries) if (!index.has(e.key.value)) index.set(e.key.value, e);
    envIndexes.set(block, index);
  }
  return index;
}

function envInputBehaviour(ref: string, refKind: RefKind): EnvInputBehaviour {
  if (refKind !== "version") return ref === "main" ? "input-wins" : "unknown";
  const m = /^v?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(ref);
  if (!m) return "unknown";
  const major = Number(m[1]);
  const minor = m[2] === undefined ? undefined : Number(m[2]);
  const patch = m[3] === undefined ? undefined : Number(m[3]);
  if (major < 4) return "unsupported";
  if (major > 4 || minor === undefined) return "input-wins"; // `v4` floats to the newest v4 release
  if (minor < 2) return "unsupported";
  return minor === 2 && patch === 0 ? "env-wins" : "input-wins";
}

/** Every configure-aws-credentials step of a workflow, resolved, in job and step order. */
export function awsCredentialsSteps(workflow: HasEnv & { jobs: Job[] }): AwsCredentials[] {
  const out: AwsCredentials[] = [];
  for (const job of workflow.jobs) {
    for (const step of job.steps) {
      const view = awsCredentials(step, job, workflow);
      if (view) out.push(view);
    }
  }
  return out;
}

/** Which authentication path the action takes, apart from token availability (OIDC-SEMANTICS §4.2). */
export type AwsCredentialsPathKind =
  /** `role-to-assume` with none of the inputs below: AssumeRoleWithWebIdentity if `id-token: write`. */
  | "oidc"
  /** `aws-access-key-id` is set: key-based AssumeRole (or plain keys without a role). */
  | "access-keys"
  /** `web-identity-token-file` is set: the file, not the GitHub token. */
  | "web-identity-token-file"
  /** `role-chaining: true`: ambient credentials and sts:AssumeRole. */
  | "role-chaining"
  /** `force-skip-oidc: true` without keys or a token file: the action fails. */
  | "force-skip-oidc"
  /** No `role-to-assume`: no role is assumed. */
  | "no-role";

/** The outcome of {@link awsCredentialsPath}. */
export interface AwsCredentialsPath {
  path: AwsCredentialsPathKind;
  /** The input that decides the path, when one does. */
  decidedBy?: ResolvedAwsInput;
  /** Inputs that could change the path but are expressions, so the path is not certain. */
  uncertain: ResolvedAwsInput[];
}

/** Decides the action's authentication path from its resolved inputs, mirroring `src/index.ts`. */
export function awsCredentialsPath(view: AwsCredentials): AwsCredentialsPath {
  const uncertain: ResolvedAwsInput[] = [];
  const present = (name: AwsCredentialsInputName): ResolvedAwsInput | undefined => {
    const input = view.inputs[name];
    if (!input || input.value === "") return undefined;
    if (input.isExpression) uncertain.push(input);
    return input;
  };
  const flag = (name: AwsCredentialsInputName): ResolvedAwsInput | undefined => {
    const input = view.inputs[name];
    if (!input) return undefined;
    if (input.isExpression) {
      uncertain.push(input);
      return undefined;
    }
    return ["true", "True", "TRUE"].includes(input.value.trim()) ? input : undefined;
  };
  const role = present("role-to-assume");
  const keys = present("aws-access-key-id");
  const file = present("web-identity-token-file");
  const chaining = flag("role-chaining");
  const skip = flag("force-skip-oidc");
  const decide = (path: AwsCredentialsPathKind, decidedBy?: ResolvedAwsInput): AwsCredentialsPath =>
    decidedBy ? { path, decidedBy, uncertain } : { path, uncertain };
  if (keys) return decide("access-keys", keys);
  if (file) return decide("web-identity-token-file", file);
  if (!role) return decide("no-role");
  if (skip) return decide("force-skip-oidc", skip);
  if (chaining) return decide("role-chaining", chaining);
  return decide("oidc", role);
}
