/**
 * Checks outgoing GitHub request bodies against GitHub's published OpenAPI description.
 *
 * The schemas are extracted once (by `test/fixtures/openapi/extract.mjs`, never run by the tests) from
 * `@octokit/openapi@23.0.2`, so the 385 MB package is not needed here. Each fixture holds one operation's
 * `application/json` request body schema with every `$ref` inlined.
 *
 * Note that GitHub's schemas do not set `additionalProperties: false`: by default a misspelt field passes.
 * Pass `{ unknownProperties: "reject" }` to also reject fields the description does not list.
 */
import { AssertionError } from "node:assert";
import { readdirSync, readFileSync } from "node:fs";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";

type Schema = Record<string, unknown>;

export interface OperationFixture {
  operationId: string;
  method: string;
  path: string;
  source: string;
  validationIdenticalIn: string[];
  requestBody: Schema;
}

export interface ValidateOptions {
  /** "allow" (default) follows GitHub's description; "reject" adds `additionalProperties: false` to every object. */
  unknownProperties?: "allow" | "reject";
}

export interface ValidationResult {
  ok: boolean;
  /** One line per schema error (`/output/annotations/0/annotation_level must be equal to one of ...`); "" if ok. */
  errors: string;
}

const FIXTURES = new URL("../fixtures/openapi/", import.meta.url);

let fixtures: Map<string, OperationFixture> | undefined;

/** Every extracted operation, by operationId (loaded once). */
export function operations(): ReadonlyMap<string, OperationFixture> {
  if (!fixtures) {
    fixtures = new Map();
    for (const file of readdirSync(FIXTURES).filter((f) => f.endsWith(".json"))) {
      const fixture = JSON.parse(readFileSync(new URL(file, FIXTURES), "utf8")) as OperationFixture;
      fixtures.set(fixture.operationId, fixture);
    }
  }
  return fixtures;
}

function fixtureFor(operationId: string): OperationFixture {
  const fixture = operations().get(operationId);
  if (!fixture) {
    const known = [...operations().keys()].sort().join(", ");
    throw new Error(`no OpenAPI fixture for operation "${operationId}" (have: ${known})`);
  }
  return fixture;
}

/** Adds `additionalProperties: false` to every object schema with `properties` that does not decide it. */
function closeObjects(node: unknown, inProperties = false): unknown {
  if (Array.isArray(node)) return node.map((x) => closeObjects(x));
  if (!node || typeof node !== "object") return node;
  const out: Schema = {};
  for (const [k, v] of Object.entries(node)) out[k] = closeObjects(v, !inProperties && k === "properties");
  if (!inProperties && "properties" in out && !("additionalProperties" in out))
    out.additionalProperties = false;
  return out;
}

let ajv: Ajv | undefined;
const compiled = new Map<string, ValidateFunction>();

function validatorFor(operationId: string, options: ValidateOptions): ValidateFunction {
  const mode = options.unknownProperties ?? "allow";
  const key = `${operationId} ${mode}`;
  let validate = compiled.get(key);
  if (!validate) {
    const schema = fixtureFor(operationId).requestBody;
    if (!ajv) {
      // Vendor schema (OpenAPI 3.0 flavour: `deprecated`, `x-github`, ...): not strict. Formats are checked.
      ajv = new Ajv({ strict: false, allErrors: true });
      addFormats.default(ajv);
    }
    validate = ajv.compile(mode === "reject" ? (closeObjects(schema) as Schema) : schema);
    compiled.set(key, validate);
  }
  return validate;
}

function formatError(error: ErrorObject): string {
  const where = error.instancePath || "/";
  const params = error.params as Record<string, unknown>;
  let detail = "";
  if (Array.isArray(params.allowedValues))
    detail = `: ${params.allowedValues.map((v) => JSON.stringify(v)).join(", ")}`;
  else if (typeof params.additionalProperty === "string") detail = `: "${params.additionalProperty}"`;
  return `${where} ${error.message ?? error.keyword}${detail}`;
}

/** Validates `body` against the request body schema of `operationId` (e.g. "checks/create"). */
export function validateRequestBody(
  operationId: string,
  body: unknown,
  options: ValidateOptions = {},
): ValidationResult {
  const validate = validatorFor(operationId, options);
  if (validate(body)) return { ok: true, errors: "" };
  return { ok: false, errors: (validate.errors ?? []).map(formatError).join("\n") };
}

function templatePattern(template: string): RegExp {
  const escaped = template
    .split(/\{[^}]+\}/)
    .map((part) => part.replace(/[.*+?^$()|[\]\\]/g, "\\$&"))
    .join("[^/]+");
  return new RegExp(`^${escaped}$`);
}

/**
 * The operationId whose method and path template match a concrete request, e.g.
 * `operationFor("PATCH", "/repos/o/r/check-runs/123")` is "checks/update". Accepts a full URL, ignores the
 * query string and a GHES `/api/v3` prefix. Only extracted operations are known; null otherwise.
 */
export function operationFor(method: string, path: string): string | null {
  let pathname = path;
  if (/^https?:\/\//i.test(pathname)) pathname = new URL(pathname).pathname;
  pathname = pathname.replace(/[?#].*$/, "").replace(/^\/api\/v3(?=\/)/, "");
  if (pathname.length > 1) pathname = pathname.replace(/\/+$/, "");
  let best: { operationId: string; literals: number } | null = null;
  for (const fixture of operations().values()) {
    if (fixture.method.toUpperCase() !== method.toUpperCase()) continue;
    if (!templatePattern(fixture.path).test(pathname)) continue;
    // Prefer the most specific template (more literal segments) should two ever match.
    const literals = fixture.path.split("/").filter((s) => s && !s.startsWith("{")).length;
    if (!best || literals > best.literals) best = { operationId: fixture.operationId, literals };
  }
  return best?.operationId ?? null;
}

export interface BodyMatcherOptions extends ValidateOptions {
  /** What to do with the assertion error of the first invalid body; by default it is thrown on the next tick. */
  onInvalid?: (error: AssertionError) => void;
}

export interface BodyMatcher {
  (body: unknown): boolean;
  /** Every invalid body seen, with its schema errors. */
  readonly failures: { body: unknown; errors: string }[];
}

/**
 * A nock body matcher: `.post("/repos/o/r/check-runs", expectValidBody("checks/create"))`.
 *
 * A valid body matches. An invalid body does not match (so the request fails at once with nock's
 * "No match for request" instead of getting the mocked reply), is recorded in `failures`, and an
 * `AssertionError` listing the schema errors is thrown (once per matcher) on the next tick: nock runs
 * matchers inside its own request routing, where an exception thrown synchronously would leave the request
 * hanging until the test times out. Vitest reports the thrown error as an unhandled error of the running
 * test and fails the run, even when the code under test swallows the request's failure.
 */
export function expectValidBody(operationId: string, options: BodyMatcherOptions = {}): BodyMatcher {
  fixtureFor(operationId); // unknown operation: fail when the mock is set up, not when it is hit
  const failures: { body: unknown; errors: string }[] = [];
  let thrown = false;
  const matcher = (body: unknown): boolean => {
    const result = validateRequestBody(operationId, body, options);
    if (result.ok) return true;
    failures.push({ body, errors: result.errors });
    if (!thrown) {
      thrown = true;
      const error = new AssertionError({
        message: `request body for ${operationId} does not match GitHub's OpenAPI schema:\n${result.errors}\nbody: ${JSON.stringify(body)}`,
        actual: body,
        expected: `a valid ${operationId} request body`,
        operator: "validateRequestBody",
      });
      if (options.onInvalid) options.onInvalid(error);
      else
        process.nextTick(() => {
          throw error;
        });
    }
    return false;
  };
  return Object.assign(matcher, { failures });
}
