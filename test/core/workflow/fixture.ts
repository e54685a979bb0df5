import { readFileSync } from "node:fs";
import { type ParseWorkflowResult, parseWorkflow, type Workflow } from "../../../src/core/workflow/index.js";

const FIXTURES = new URL("../../fixtures/workflows/", import.meta.url);

/** The bytes of `test/fixtures/workflows/<name>`. */
export function fixtureBytes(name: string): Uint8Array {
  return readFileSync(new URL(name, FIXTURES));
}

/** The text of `test/fixtures/workflows/<name>`. */
export function fixtureText(name: string): string {
  return readFileSync(new URL(name, FIXTURES), "utf8");
}

/** Parses a fixture workflow. */
export function parseFixture(name: string): ParseWorkflowResult {
  return parseWorkflow(fixtureBytes(name), `.github/workflows/${name}`);
}

/** Parses a fixture workflow that must have a model. */
export function workflowOf(name: string): Workflow {
  const { workflow } = parseFixture(name);
  if (!workflow) throw new Error(`fixture ${name} has no workflow`);
  return workflow;
}

/** `line:column` of a span start, for compact assertions. */
export function at(span: { start: { line: number; column: number } }): string {
  return `${span.start.line}:${span.start.column}`;
}
