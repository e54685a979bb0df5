import type { Node } from "./node.js";
import { type ShapeReader, stringNode } from "./shape-reader.js";
import type { YamlMap, YamlValue } from "./yaml-tree.js";

/** An input of `workflow_dispatch` or `workflow_call`. */
export interface WorkflowInput {
  /** The input name (the mapping key). */
  name: Node<string>;
  /** `string`, `boolean`, `number`, `choice` or `environment`, as written. */
  type?: Node<string>;
  default?: Node<string | number | boolean>;
  /** Choices of a `choice` input. */
  options?: Node<Node<string>[]>;
  /** `true`/`false`, or the text when it is not a boolean. */
  required?: Node<boolean | string>;
  description?: Node<string>;
}

/** A declared secret or output of `workflow_call`. */
export interface WorkflowCallDeclaration {
  name: Node<string>;
  required?: Node<boolean | string>;
  /** The `value:` expression of an output. */
  value?: Node<string>;
}

/** One `schedule` entry. */
export interface Schedule {
  cron: Node<string>;
  timezone?: Node<string>;
}

/** One event of `on:` with its filters, each filter a positioned list of patterns. */
export interface Trigger {
  /** Event name, e.g. `push`, `pull_request_target`, `workflow_call`. */
  event: string;
  /** Where the event is named (mapping key, list item, or the `on:` scalar). */
  name: Node<string>;
  branches?: Node<Node<string>[]>;
  branchesIgnore?: Node<Node<string>[]>;
  tags?: Node<Node<string>[]>;
  tagsIgnore?: Node<Node<string>[]>;
  paths?: Node<Node<string>[]>;
  pathsIgnore?: Node<Node<string>[]>;
  /** Activity types (`types:`), e.g. `[opened, synchronize]`. */
  types?: Node<Node<string>[]>;
  /** `workflow_run.workflows`. */
  workflows?: Node<Node<string>[]>;
  /** `schedule` crons. */
  schedules?: Schedule[];
  /** `workflow_dispatch.inputs` or `workflow_call.inputs`. */
  inputs?: WorkflowInput[];
  /** `workflow_call.secrets`. */
  secrets?: WorkflowCallDeclaration[];
  /** `workflow_call.outputs`. */
  outputs?: WorkflowCallDeclaration[];
}

/** Events GitHub accepts under `on:` (workflow schema v1.0). */
export const KNOWN_EVENTS: ReadonlySet<string> = new Set([
  "branch_protection_rule",
  "check_run",
  "check_suite",
  "create",
  "delete",
  "deployment",
  "deployment_status",
  "discussion",
  "discussion_comment",
  "fork",
  "gollum",
  "image_version",
  "issue_comment",
  "issues",
  "label",
  "merge_group",
  "milestone",
  "page_build",
  "project",
  "project_card",
  "project_column",
  "public",
  "pull_request",
  "pull_request_comment",
  "pull_request_review",
  "pull_request_review_comment",
  "pull_request_target",
  "push",
  "registry_package",
  "release",
  "repository_dispatch",
  "schedule",
  "status",
  "watch",
  "workflow_call",
  "workflow_dispatch",
  "workflow_run",
]);

const FILTERS = [
  ["branches", "branches"],
  ["branches-ignore", "branchesIgnore"],
  ["tags", "tags"],
  ["tags-ignore", "tagsIgnore"],
  ["paths", "paths"],
  ["paths-ignore", "pathsIgnore"],
  ["types", "types"],
  ["workflows", "workflows"],
] as const;

/** Reads the value of `on:` in any of its shapes (string, list of strings, mapping). */
export function readTriggers(reader: ShapeReader, on: YamlValue): Trigger[] {
  if (on.kind === "scalar") {
    if (on.value === null) {
      reader.invalid(on, "`on:` is empty; name at least one event, e.g. `on: push`.");
      return [];
    }
    return [named(reader, stringNode(on))];
  }
  if (on.kind === "seq") {
    const triggers: Trigger[] = [];
    for (const item of on.items) {
      const name = reader.string(item, "Each event of `on:`");
      if (name) triggers.push(named(reader, name));
    }
    return triggers;
  }
  const triggers: Trigger[] = [];
  for (const pair of on.pairs) {
    const trigger = named(reader, pair.key);
    readTriggerConfig(reader, trigger, pair.value);
    triggers.push(trigger);
  }
  return triggers;
}

function named(reader: ShapeReader, name: Node<string>): Trigger {
  const event = name.value.trim();
  if (!KNOWN_EVENTS.has(event)) {
    reader.invalid(name, `\`${event}\` is not an event GitHub Actions knows; check the spelling.`);
  }
  return { event, name };
}

function readTriggerConfig(reader: ShapeReader, trigger: Trigger, value: YamlValue): void {
  const what = `\`on.${trigger.event}\``;
  if (trigger.event === "schedule") {
    const list = reader.seq(value, what);
    if (!list) return;
    trigger.schedules = [];
    for (const item of list.items) {
      const entry = reader.map(item, `Each entry of ${what}`);
      const cron = reader.string(reader.get(entry, "cron"), "`cron`");
      if (!cron) {
        if (entry) reader.invalid(entry, `Each entry of ${what} needs a \`cron\` pattern.`);
        continue;
      }
      const schedule: Schedule = { cron };
      const timezone = reader.string(reader.get(entry, "timezone"), "`timezone`");
      if (timezone) schedule.timezone = timezone;
      trigger.schedules.push(schedule);
    }
    return;
  }
  const config = reader.map(value, what);
  if (!config) return;
  for (const [key, field] of FILTERS) {
    const list = reader.stringList(reader.get(config, key), `${what}.${key}`);
    if (list) trigger[field] = list;
  }
  if (trigger.event === "workflow_dispatch" || trigger.event === "workflow_call") {
    const inputs = reader.map(reader.get(config, "inputs"), `${what}.inputs`);
    if (inputs) trigger.inputs = inputs.pairs.map((p) => readInput(reader, p.key, p.value));
  }
  if (trigger.event === "workflow_call") {
    trigger.secrets = readDeclarations(reader, reader.get(config, "secrets"), `${what}.secrets`);
    trigger.outputs = readDeclarations(reader, reader.get(config, "outputs"), `${what}.outputs`);
  }
}

function readInput(reader: ShapeReader, name: Node<string>, value: YamlValue): WorkflowInput {
  const input: WorkflowInput = { name };
  const def = reader.map(value, `The input \`${name.value}\``);
  if (!def) return input;
  const type = reader.string(reader.get(def, "type"), "`type`");
  if (type) input.type = type;
  const dflt = reader.get(def, "default");
  if (dflt?.kind === "scalar" && dflt.value !== null) {
    input.default = { ...stringNode(dflt), value: dflt.value };
  } else if (dflt && dflt.kind !== "scalar") {
    reader.invalid(dflt, `The default of input \`${name.value}\` must be a string, number or boolean.`);
  }
  const options = reader.stringList(reader.get(def, "options"), "`options`");
  if (options) input.options = options;
  const required = reader.booleanOrText(reader.get(def, "required"), "`required`");
  if (required) input.required = required;
  const description = reader.string(reader.get(def, "description"), "`description`");
  if (description) input.description = description;
  return input;
}

function readDeclarations(
  reader: ShapeReader,
  value: YamlValue | undefined,
  what: string,
): WorkflowCallDeclaration[] | undefined {
  const map = reader.map(value, what);
  if (!map) return undefined;
  return map.pairs.map((pair) => {
    const declaration: WorkflowCallDeclaration = { name: pair.key };
    const def: YamlMap | undefined = reader.map(pair.value, `\`${pair.key.value}\` in ${what}`);
    const required = reader.booleanOrText(reader.get(def, "required"), "`required`");
    if (required) declaration.required = required;
    const v = reader.string(reader.get(def, "value"), "`value`");
    if (v) declaration.value = v;
    return declaration;
  });
}
