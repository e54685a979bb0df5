import { type AwsCredentials, awsCredentials } from "./aws-credentials.js";
import type { Node, Span } from "./node.js";
import { parsePositioned } from "./parse-positioned.js";
import type { ShapeReader } from "./shape-reader.js";
import { readSteps, type Step } from "./step.js";
import type { WorkflowCallDeclaration } from "./trigger.js";
import type { ParseOptions } from "./workflow.js";
import type { WorkflowDiagnostic } from "./workflow-diagnostic.js";
import type { YamlValue } from "./yaml-tree.js";

/** An input of an action (`inputs.<name>` in `action.yml`). */
export interface ActionInput {
  name: Node<string>;
  default?: Node<string>;
  required?: Node<boolean | string>;
  description?: Node<string>;
}

/** The `runs:` section of an action. */
export interface ActionRuns {
  /** `composite`, `node20`, `docker`, … */
  using: Node<string>;
  /** Steps of a composite action. */
  steps: Step[];
  /** Entry point of a JavaScript action, or image of a Docker action. */
  main?: Node<string>;
  image?: Node<string>;
  span: Span;
  route: string;
}

/** A parsed `action.yml` / `action.yaml`. */
export interface ActionManifest {
  file: string;
  span: Span;
  name?: Node<string>;
  description?: Node<string>;
  inputs: ActionInput[];
  outputs: WorkflowCallDeclaration[];
  runs?: ActionRuns;
  /** True when `runs.using` is `composite`. */
  isComposite: boolean;
}

/** The outcome of {@link parseActionManifest}. */
export interface ParseActionResult {
  action: ActionManifest | null;
  diagnostics: WorkflowDiagnostic[];
}

/**
 * Parses an action manifest (`action.yml`), in particular a composite action's `runs.steps` and
 * `inputs`. Same guarantees as `parseWorkflow`: pure, positioned, never throws on user input.
 */
export function parseActionManifest(
  text: string | Uint8Array,
  file: string,
  options: ParseOptions = {},
): ParseActionResult {
  const { model, diagnostics } = parsePositioned(text, file, options, readAction);
  return { action: model, diagnostics };
}

function readAction(reader: ShapeReader, root: YamlValue | null, file: string): ActionManifest | null {
  if (root === null || root.kind !== "map") {
    const at = { line: 1, column: 1, offset: 0 };
    reader.invalid(
      root ?? { span: { start: at, end: at }, route: "" },
      "An action manifest must be a mapping with `runs:`.",
    );
    return null;
  }
  const action: ActionManifest = { file, span: root.span, inputs: [], outputs: [], isComposite: false };
  const name = reader.string(reader.get(root, "name"), "`name`");
  if (name) action.name = name;
  const description = reader.string(reader.get(root, "description"), "`description`");
  if (description) action.description = description;
  const inputs = reader.map(reader.get(root, "inputs"), "`inputs`");
  for (const pair of inputs?.pairs ?? []) {
    const input: ActionInput = { name: pair.key };
    const def = reader.map(pair.value, `The input \`${pair.key.value}\``);
    const dflt = reader.string(reader.get(def, "default"), "`default`");
    if (dflt) {
      input.default = dflt;
      reader.checkExpressions(dflt);
    }
    const required = reader.booleanOrText(reader.get(def, "required"), "`required`");
    if (required) input.required = required;
    const desc = reader.string(reader.get(def, "description"), "`description`");
    if (desc) input.description = desc;
    action.inputs.push(input);
  }
  const outputs = reader.map(reader.get(root, "outputs"), "`outputs`");
  for (const pair of outputs?.pairs ?? []) {
    const declaration: WorkflowCallDeclaration = { name: pair.key };
    const value = reader.string(
      reader.get(reader.map(pair.value, `The output \`${pair.key.value}\``), "value"),
      "`value`",
    );
    if (value) declaration.value = value;
    action.outputs.push(declaration);
  }
  const runsValue = reader.get(root, "runs");
  const runs = reader.map(runsValue, "`runs`");
  if (!runs) {
    if (!runsValue) reader.invalid(root, "The action has no `runs:`; GitHub cannot run it.");
    return action;
  }
  const using = reader.string(reader.get(runs, "using"), "`runs.using`");
  if (!using) {
    reader.invalid(runs, "`runs` needs `using` (e.g. `composite`).");
    return action;
  }
  action.runs = { using, steps: [], span: runs.span, route: runs.route };
  action.isComposite = using.value.trim() === "composite";
  const main = reader.string(reader.get(runs, "main"), "`runs.main`");
  if (main) action.runs.main = main;
  const image = reader.string(reader.get(runs, "image"), "`runs.image`");
  if (image) action.runs.image = image;
  const steps = reader.seq(reader.get(runs, "steps"), "`runs.steps`");
  if (action.isComposite && !steps) reader.invalid(runs, "A composite action needs `runs.steps`.");
  if (steps) action.runs.steps = readSteps(reader, steps);
  return action;
}

/** The configure-aws-credentials steps of a composite action, resolved (env from step `env:` only). */
export function actionAwsCredentialsSteps(action: ActionManifest): AwsCredentials[] {
  const out: AwsCredentials[] = [];
  for (const step of action.runs?.steps ?? []) {
    const view = awsCredentials(step);
    if (view) out.push(view);
  }
  return out;
}
