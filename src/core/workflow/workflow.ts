import { type Job, readJob } from "./job.js";
import type { Node, Span } from "./node.js";
import { parsePositioned } from "./parse-positioned.js";
import { type Permissions, readPermissions } from "./permissions.js";
import type { ShapeReader, StringMap } from "./shape-reader.js";
import { readTriggers, type Trigger } from "./trigger.js";
import type { WorkflowDiagnostic } from "./workflow-diagnostic.js";
import type { YamlMap, YamlValue } from "./yaml-tree.js";

/** A parsed workflow file: every value positioned (span + route). */
export interface Workflow {
  /** The path the workflow was read from, as given to {@link parseWorkflow}. */
  file: string;
  span: Span;
  name?: Node<string>;
  runName?: Node<string>;
  /** The `on` key, when present. */
  on?: Node<string>;
  triggers: Trigger[];
  permissions?: Permissions;
  env?: StringMap;
  jobs: Job[];
}

/** Options of {@link parseWorkflow} and {@link parseActionManifest}. */
export interface ParseOptions {
  /** Files larger than this many bytes are not parsed (`too-large`); default 1 MiB. */
  maxBytes?: number;
  /** Most values YAML alias expansion may produce (default 50 000). */
  aliasBudget?: number;
}

/** The outcome of {@link parseWorkflow}: a model of the valid parts (or null) and located problems. */
export interface ParseWorkflowResult {
  workflow: Workflow | null;
  diagnostics: WorkflowDiagnostic[];
}

const TOP_LEVEL_KEYS = new Set([
  "on",
  "name",
  "description",
  "run-name",
  "defaults",
  "env",
  "permissions",
  "concurrency",
  "jobs",
]);

/**
 * Parses a workflow file into the positioned model. Pure: takes the file's bytes or text and its
 * path. Never throws on user input: size, encoding, YAML and shape problems become diagnostics, and
 * the valid parts are still modelled where sensible (`workflow` is null only when nothing is).
 */
export function parseWorkflow(
  text: string | Uint8Array,
  file: string,
  options: ParseOptions = {},
): ParseWorkflowResult {
  const { model, diagnostics } = parsePositioned(text, file, options, readWorkflow);
  return { workflow: model, diagnostics };
}

function readWorkflow(reader: ShapeReader, root: YamlValue | null, file: string): Workflow | null {
  if (root === null || (root.kind === "scalar" && root.value === null)) {
    const at = { line: 1, column: 1, offset: 0 };
    reader.invalid(
      { span: { start: at, end: at }, route: "" },
      "The file is empty; a workflow needs `on:` and `jobs:`.",
    );
    return null;
  }
  if (root.kind !== "map") {
    reader.invalid(root, "A workflow must be a mapping with `on:` and `jobs:` at the top level.");
    return null;
  }
  const workflow: Workflow = { file, span: root.span, triggers: [], jobs: [] };
  for (const pair of root.pairs) {
    if (!TOP_LEVEL_KEYS.has(pair.key.value)) {
      reader.invalid(pair.key, `\`${pair.key.value}\` is not a workflow key; GitHub rejects the workflow.`);
    }
  }
  const name = reader.string(reader.get(root, "name"), "`name`");
  if (name) workflow.name = name;
  const runName = reader.string(reader.get(root, "run-name"), "`run-name`");
  if (runName) {
    workflow.runName = runName;
    reader.checkExpressions(runName);
  }
  const onPair = root.pairs.find((p) => p.key.value === "on");
  if (onPair) {
    workflow.on = onPair.key;
    workflow.triggers = readTriggers(reader, onPair.value);
  } else {
    reader.invalid(root, "The workflow has no `on:`, so it never runs; add the events that trigger it.");
  }
  const permissions = readPermissions(reader, reader.get(root, "permissions"));
  if (permissions) workflow.permissions = permissions;
  const env = reader.stringMap(reader.get(root, "env"), "`env`");
  if (env) {
    workflow.env = env;
    for (const e of env.entries) reader.checkExpressions(e.value);
  }
  workflow.jobs = readJobs(reader, root);
  return workflow;
}

function readJobs(reader: ShapeReader, root: YamlMap): Job[] {
  const value = reader.get(root, "jobs");
  if (!value) {
    reader.invalid(root, "The workflow has no `jobs:`; add at least one job.");
    return [];
  }
  const jobs = reader.map(value, "`jobs`");
  if (!jobs) {
    if (value.kind === "scalar" && value.value === null)
      reader.invalid(value, "`jobs:` is empty; add at least one job.");
    return [];
  }
  const out: Job[] = [];
  for (const pair of jobs.pairs) {
    const job = readJob(reader, pair.key, pair.value);
    if (job) out.push(job);
  }
  return out;
}

/** The job with id `id`. */
export function findJob(workflow: Workflow, id: string): Job | undefined {
  return workflow.jobs.find((j) => j.id.value === id);
}

/** The trigger for event `event` (e.g. `push`), if the workflow has one. */
export function findTrigger(workflow: Workflow, event: string): Trigger | undefined {
  return workflow.triggers.find((t) => t.event === event);
}
