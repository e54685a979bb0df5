import { decodeWorkflowText } from "./decode-text.js";
import { ShapeReader } from "./shape-reader.js";
import { internalError, sortDiagnostics, type WorkflowDiagnostic } from "./workflow-diagnostic.js";
import { parseYamlTree, type YamlValue } from "./yaml-tree.js";

/** Size and alias limits shared by every YAML file rolecall models. */
export interface PositionedParseOptions {
  maxBytes?: number;
  aliasBudget?: number;
}

/**
 * The common path of `parseWorkflow` and `parseActionManifest`: decode (size, UTF-8), walk the YAML
 * tree (aliases within budget), read the model with `read`, and collect every problem as a sorted,
 * located diagnostic. Never throws on user input.
 */
export function parsePositioned<T>(
  text: string | Uint8Array,
  file: string,
  options: PositionedParseOptions,
  read: (reader: ShapeReader, root: YamlValue | null, file: string) => T | null,
): { model: T | null; diagnostics: WorkflowDiagnostic[] } {
  const decoded = decodeWorkflowText(text, file, options.maxBytes);
  if (!decoded.ok) return { model: null, diagnostics: [decoded.diagnostic] };
  try {
    const tree = parseYamlTree(
      decoded.text,
      file,
      options.aliasBudget ? { aliasBudget: options.aliasBudget } : {},
    );
    const reader = new ShapeReader(file);
    const model = read(reader, tree.root, file);
    return { model, diagnostics: sortDiagnostics([...tree.diagnostics, ...reader.diagnostics]) };
  } catch (error) {
    return { model: null, diagnostics: [internalError(file, error)] };
  }
}
