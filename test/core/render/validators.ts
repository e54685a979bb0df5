import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv, type ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";

const require = createRequire(import.meta.url);

/** The hand-written JSON Schema of `rolecall scan --format json`, as shipped in `schemas/`. */
export const scanResultSchema: Record<string, unknown> = JSON.parse(
  readFileSync(new URL("../../../schemas/scan-result.v1.schema.json", import.meta.url), "utf8"),
);

/** Ajv in strict mode: a typo in our own schema (an unknown keyword, a bad `$ref`) fails the compile. */
export function scanResultValidator(): ValidateFunction {
  const ajv = new Ajv2020({ strict: true, allErrors: true });
  return ajv.compile(scanResultSchema);
}

/**
 * The official SARIF 2.1.0 schema (OASIS, draft-07), as the `schemastore` package ships it. Its
 * `language` pattern has an unbalanced `]` that only a non-unicode RegExp accepts, hence
 * `unicodeRegExp: false`; strict mode is for our own schemas, not this one. Formats (`uri`,
 * `uri-reference`, ...) are checked, as GitHub does.
 */
export function sarifValidator(): ValidateFunction {
  const file = require.resolve("schemastore/schemas/json/sarif-2.1.0.json");
  const schema = JSON.parse(readFileSync(file, "utf8"));
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  addFormats.default(ajv);
  return ajv.compile(schema);
}

/** Ajv's errors as one readable string, for assertion messages. */
export function errorsOf(validate: ValidateFunction): string {
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}`).join("\n");
}
