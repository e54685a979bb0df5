import { containsExpression } from "./expression.js";
import type { Node, Span } from "./node.js";
import { type ShapeReader, stringNode } from "./shape-reader.js";
import type { YamlValue } from "./yaml-tree.js";

/** A job's `environment:`, written as a name or as `{ name, url }`. */
export interface JobEnvironment {
  /** The environment name as written (raw text, possibly with `${{ }}`). */
  name: Node<string>;
  /** True when the name contains a `${{ }}` expression, so it is only known at run time. */
  nameIsExpression: boolean;
  url?: Node<string>;
  /** `deployment: false` skips the deployment record (the environment still applies to the token). */
  deployment?: Node<boolean | string>;
  form: "string" | "mapping";
  span: Span;
  route: string;
}

/** Reads `jobs.<id>.environment`. */
export function readEnvironment(
  reader: ShapeReader,
  value: YamlValue | undefined,
): JobEnvironment | undefined {
  if (!value) return undefined;
  if (value.kind === "scalar") {
    if (value.value === null) return undefined;
    const name = stringNode(value);
    reader.checkExpressions(name);
    return {
      name,
      nameIsExpression: containsExpression(name.value),
      form: "string",
      span: value.span,
      route: value.route,
    };
  }
  const map = reader.map(value, "`environment`");
  if (!map) return undefined;
  const name = reader.string(reader.get(map, "name"), "`environment.name`");
  if (!name) {
    reader.invalid(map, "`environment` needs a `name`; the environment was ignored.");
    return undefined;
  }
  reader.checkExpressions(name);
  const env: JobEnvironment = {
    name,
    nameIsExpression: containsExpression(name.value),
    form: "mapping",
    span: map.span,
    route: map.route,
  };
  const url = reader.string(reader.get(map, "url"), "`environment.url`");
  if (url) env.url = url;
  const deployment = reader.booleanOrText(reader.get(map, "deployment"), "`environment.deployment`");
  if (deployment) env.deployment = deployment;
  return env;
}
