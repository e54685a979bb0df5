import { type JobEnvironment, readEnvironment } from "./environment.js";
import { type Matrix, readMatrix } from "./matrix.js";
import type { Entry, Node, Span } from "./node.js";
import { type Permissions, readPermissions } from "./permissions.js";
import type { ShapeReader, StringMap } from "./shape-reader.js";
import { readSteps, type Step } from "./step.js";
import { parseUsesReference, type UsesReference, usesRefNode } from "./uses-reference.js";
import type { YamlMap, YamlValue } from "./yaml-tree.js";

/** `runs-on:` as labels and/or a runner group. */
export interface RunsOn {
  labels: Node<string>[];
  group?: Node<string>;
  span: Span;
  route: string;
}

/** `secrets:` of a reusable-workflow call: `inherit`, or named secrets. */
export type CallSecrets =
  | { inherit: true; node: Node<string> }
  | { inherit: false; entries: Entry<string>[]; span: Span; route: string };

/** A job that calls a reusable workflow (`jobs.<id>.uses`). */
export interface ReusableWorkflowCall {
  uses: Node<string>;
  /** `local` for `./.github/workflows/x.yml`, `repository` for `owner/repo/path@ref`. */
  target: UsesReference;
  /** The `@ref` part of a remote call, with its own span. */
  ref?: Node<string>;
  with?: StringMap;
  secrets?: CallSecrets;
}

/** `strategy:` of a job. */
export interface Strategy {
  matrix?: Matrix;
  failFast?: Node<boolean | string>;
  maxParallel?: Node<number | string>;
  span: Span;
  route: string;
}

/** One job of a workflow. */
export interface Job {
  /** The job id (the key under `jobs:`). */
  id: Node<string>;
  span: Span;
  route: string;
  name?: Node<string>;
  runsOn?: RunsOn;
  /** The raw `if:` text (with or without `${{ }}`). */
  if?: Node<string>;
  environment?: JobEnvironment;
  timeoutMinutes?: Node<number | string>;
  strategy?: Strategy;
  needs: Node<string>[];
  env?: StringMap;
  permissions?: Permissions;
  /** Set when the job calls a reusable workflow instead of running steps. */
  call?: ReusableWorkflowCall;
  steps: Step[];
  outputs?: StringMap;
}

const JOB_ID = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** Reads one entry of `jobs:`; undefined (with a diagnostic) when it is not a mapping. */
export function readJob(reader: ShapeReader, id: Node<string>, value: YamlValue): Job | undefined {
  if (!JOB_ID.test(id.value)) {
    reader.invalid(
      id,
      `\`${id.value}\` is not a valid job id: start with a letter or \`_\`, then letters, digits, \`-\` or \`_\`.`,
    );
  }
  const map = reader.map(value, `The job \`${id.value}\``);
  if (!map) {
    if (value.kind === "scalar" && value.value === null)
      reader.invalid(value, `The job \`${id.value}\` is empty.`);
    return undefined;
  }
  const job: Job = { id, span: map.span, route: map.route, needs: [], steps: [] };
  const name = reader.string(reader.get(map, "name"), "`name`");
  if (name) {
    job.name = name;
    reader.checkExpressions(name);
  }
  const runsOn = readRunsOn(reader, reader.get(map, "runs-on"));
  if (runsOn) job.runsOn = runsOn;
  const cond = reader.string(reader.get(map, "if"), "`if`");
  if (cond) {
    job.if = cond;
    reader.checkExpressions(cond, { asCondition: true });
  }
  const environment = readEnvironment(reader, reader.get(map, "environment"));
  if (environment) job.environment = environment;
  const timeout = reader.numberOrExpression(reader.get(map, "timeout-minutes"), "`timeout-minutes`");
  if (timeout) job.timeoutMinutes = timeout;
  const strategy = readStrategy(reader, reader.get(map, "strategy"));
  if (strategy) job.strategy = strategy;
  job.needs = reader.stringList(reader.get(map, "needs"), "`needs`")?.value ?? [];
  const env = reader.stringMap(reader.get(map, "env"), "`env`");
  if (env) {
    job.env = env;
    for (const e of env.entries) reader.checkExpressions(e.value);
    reader.checkExpressions(env.expression);
  }
  const permissions = readPermissions(reader, reader.get(map, "permissions"));
  if (permissions) job.permissions = permissions;
  const outputs = reader.stringMap(reader.get(map, "outputs"), "`outputs`");
  if (outputs) job.outputs = outputs;
  const call = readCall(reader, map);
  if (call) job.call = call;
  const steps = reader.seq(reader.get(map, "steps"), "`steps`");
  if (steps) job.steps = readSteps(reader, steps);
  if (call && steps)
    reader.invalid(
      map,
      `The job \`${id.value}\` has both \`uses\` and \`steps\`; a job does one or the other.`,
    );
  if (!call && !runsOn)
    reader.invalid(
      id,
      `The job \`${id.value}\` needs \`runs-on\` (or \`uses\` to call a reusable workflow).`,
    );
  return job;
}

function readRunsOn(reader: ShapeReader, value: YamlValue | undefined): RunsOn | undefined {
  if (!value) return undefined;
  if (value.kind === "map") {
    const runsOn: RunsOn = {
      labels: reader.stringList(reader.get(value, "labels"), "`runs-on.labels`")?.value ?? [],
      span: value.span,
      route: value.route,
    };
    const group = reader.string(reader.get(value, "group"), "`runs-on.group`");
    if (group) runsOn.group = group;
    return runsOn;
  }
  const labels = reader.stringList(value, "`runs-on`");
  return labels ? { labels: labels.value, span: labels.span, route: labels.route } : undefined;
}

function readStrategy(reader: ShapeReader, value: YamlValue | undefined): Strategy | undefined {
  const map = reader.map(value, "`strategy`");
  if (!map) return undefined;
  const strategy: Strategy = { span: map.span, route: map.route };
  const matrix = readMatrix(reader, reader.get(map, "matrix"));
  if (matrix) strategy.matrix = matrix;
  const failFast = reader.booleanOrText(reader.get(map, "fail-fast"), "`fail-fast`");
  if (failFast) strategy.failFast = failFast;
  const maxParallel = reader.numberOrExpression(reader.get(map, "max-parallel"), "`max-parallel`");
  if (maxParallel) strategy.maxParallel = maxParallel;
  return strategy;
}

function readCall(reader: ShapeReader, map: YamlMap): ReusableWorkflowCall | undefined {
  const uses = reader.string(reader.get(map, "uses"), "`uses`");
  if (!uses) return undefined;
  const target = parseUsesReference(uses.value);
  if (target.kind === "invalid" || target.kind === "docker") {
    reader.invalid(
      uses,
      `\`uses: ${uses.value}\` is not a reusable workflow: use \`./.github/workflows/<file>.yml\` or \`owner/repo/.github/workflows/<file>.yml@ref\`.`,
    );
  }
  const call: ReusableWorkflowCall = { uses, target };
  const ref = usesRefNode(uses, target);
  if (ref) call.ref = ref;
  const withMap = reader.stringMap(reader.get(map, "with"), "`with`");
  if (withMap) {
    call.with = withMap;
    for (const e of withMap.entries) reader.checkExpressions(e.value);
  }
  const secrets = reader.get(map, "secrets");
  if (secrets?.kind === "scalar" && secrets.text === "inherit") {
    call.secrets = { inherit: true, node: { value: "inherit", span: secrets.span, route: secrets.route } };
  } else if (secrets) {
    const entries = reader.stringMap(secrets, "`secrets`");
    if (entries) {
      call.secrets = { inherit: false, entries: entries.entries, span: entries.span, route: entries.route };
      for (const e of entries.entries) reader.checkExpressions(e.value);
    }
  }
  return call;
}
