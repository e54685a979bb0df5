import type { Entry, Node, Span } from "./node.js";
import type { ShapeReader, StringMap } from "./shape-reader.js";
import { parseUsesReference, type UsesReference, usesRefNode } from "./uses-reference.js";
import type { YamlMap, YamlSeq } from "./yaml-tree.js";

/** A step's `uses:` with what it points at. */
export interface StepUses {
  /** The raw `uses:` value. */
  node: Node<string>;
  target: UsesReference;
  /** The `@ref` part with its own span (repository actions only), for pinning checks. */
  ref?: Node<string>;
}

/** What a step does: run a script, use an action, or (parallel steps) wait for or cancel background steps. */
export type StepKind = "run" | "uses" | "wait" | "wait-all" | "cancel" | "unknown";

/** One step of a job (or of a composite action). */
export interface Step {
  /** Position among the job's steps in document order, from 0 (steps inside `parallel:` groups included). */
  index: number;
  kind: StepKind;
  span: Span;
  route: string;
  /** The enclosing `parallel:` group, when the step is one of its members (runs concurrently). */
  parallel?: { span: Span; route: string };
  /** `background: true` (or an expression): the step runs concurrently with the following ones. */
  background?: Node<boolean | string>;
  /** Step ids a `wait:` step waits for. */
  wait?: Node<Node<string>[]>;
  /** Step id a `cancel:` step cancels. */
  cancel?: Node<string>;
  id?: Node<string>;
  name?: Node<string>;
  /** The raw `if:` text (with or without `${{ }}`). */
  if?: Node<string>;
  uses?: StepUses;
  with?: StringMap;
  env?: StringMap;
  run?: Node<string>;
  shell?: Node<string>;
  workingDirectory?: Node<string>;
  continueOnError?: Node<boolean | string>;
  timeoutMinutes?: Node<number | string>;
}

/**
 * Reads a `steps:` list. Members of `parallel:` groups are flattened into the list in document
 * order, each marked with its group; items that are not steps become diagnostics.
 */
export function readSteps(reader: ShapeReader, list: YamlSeq): Step[] {
  const steps: Step[] = [];
  const visit = (seq: YamlSeq, group: { span: Span; route: string } | undefined): void => {
    for (const item of seq.items) {
      const map = reader.map(item, "A step");
      if (!map) {
        if (item.kind === "scalar" && item.value === null)
          reader.invalid(item, "A step is empty; it was ignored.");
        continue;
      }
      const parallel = reader.get(map, "parallel");
      if (parallel) {
        const members = reader.seq(parallel, "`parallel`");
        if (members) visit(members, { span: map.span, route: map.route });
        continue;
      }
      steps.push(readStep(reader, map, steps.length, group));
    }
  };
  visit(list, undefined);
  return steps;
}

function readStep(
  reader: ShapeReader,
  map: YamlMap,
  index: number,
  group: { span: Span; route: string } | undefined,
): Step {
  const step: Step = { index, kind: "unknown", span: map.span, route: map.route };
  if (group) step.parallel = group;
  const id = reader.string(reader.get(map, "id"), "`id`");
  if (id) step.id = id;
  const name = reader.string(reader.get(map, "name"), "`name`");
  if (name) {
    step.name = name;
    reader.checkExpressions(name);
  }
  const cond = reader.string(reader.get(map, "if"), "`if`");
  if (cond) {
    step.if = cond;
    reader.checkExpressions(cond, { asCondition: true });
  }
  const uses = reader.string(reader.get(map, "uses"), "`uses`");
  if (uses) {
    const target = parseUsesReference(uses.value);
    if (target.kind === "invalid")
      reader.invalid(uses, `\`uses: ${uses.value}\` is not valid: ${target.reason}.`);
    step.uses = { node: uses, target };
    const ref = usesRefNode(uses, target);
    if (ref) step.uses.ref = ref;
  }
  const withMap = reader.stringMap(reader.get(map, "with"), "`with`");
  if (withMap) {
    step.with = withMap;
    for (const e of withMap.entries) reader.checkExpressions(e.value);
  }
  const env = reader.stringMap(reader.get(map, "env"), "`env`");
  if (env) {
    step.env = env;
    for (const e of env.entries) reader.checkExpressions(e.value);
    reader.checkExpressions(env.expression);
  }
  const run = reader.string(reader.get(map, "run"), "`run`");
  if (run) {
    step.run = run;
    reader.checkExpressions(run);
  }
  const shell = reader.string(reader.get(map, "shell"), "`shell`");
  if (shell) step.shell = shell;
  const wd = reader.string(reader.get(map, "working-directory"), "`working-directory`");
  if (wd) step.workingDirectory = wd;
  const coe = reader.booleanOrText(reader.get(map, "continue-on-error"), "`continue-on-error`");
  if (coe) step.continueOnError = coe;
  const timeout = reader.numberOrExpression(reader.get(map, "timeout-minutes"), "`timeout-minutes`");
  if (timeout) step.timeoutMinutes = timeout;
  const background = reader.booleanOrText(reader.get(map, "background"), "`background`");
  if (background) step.background = background;
  const wait = reader.stringList(reader.get(map, "wait"), "`wait`");
  if (wait) step.wait = wait;
  const cancel = reader.string(reader.get(map, "cancel"), "`cancel`");
  if (cancel) step.cancel = cancel;
  const hasWaitAll = map.pairs.some((p) => p.key.value === "wait-all");
  const kinds: StepKind[] = [];
  if (step.run) kinds.push("run");
  if (step.uses) kinds.push("uses");
  if (wait) kinds.push("wait");
  if (hasWaitAll) kinds.push("wait-all");
  if (cancel) kinds.push("cancel");
  if (kinds.length === 0) {
    reader.invalid(
      map,
      "A step needs `uses` or `run` (or `wait`, `wait-all`, `cancel`, `parallel`); this one has none.",
    );
  } else if (kinds.length > 1) {
    reader.invalid(map, `A step does one thing; this one has ${kinds.map((k) => `\`${k}\``).join(" and ")}.`);
  }
  step.kind = kinds[0] ?? "unknown";
  return step;
}

/** The `with:` entry of a step whose name matches `name` case-insensitively (as GitHub does). */
export function stepInput(step: Step, name: string): Entry<string> | undefined {
  const wanted = name.toLowerCase();
  return step.with?.entries.find((e) => e.key.value.toLowerCase() === wanted);
}
