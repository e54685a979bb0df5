/**
 * Maps role expressions rolecall cannot resolve from the workflow (`${{ secrets.DEPLOY_ROLE }}`,
 * `${{ vars.ROLE }}`) to ARNs, optionally per environment. The `roles` section of
 * `.github/rolecall.yml` and the file given with `--role-map` have this shape:
 *
 * ```yaml
 * roles:
 *   secrets.DEPLOY_ROLE: arn:aws:iam::111122223333:role/deploy
 *   vars.ROLE:
 *     production: arn:aws:iam::111122223333:role/prod-deploy
 *     staging: arn:aws:iam::444455556666:role/staging-deploy
 *     default: arn:aws:iam::444455556666:role/dev-deploy
 * ```
 * Keys are the expression with or without `${{ }}` (spacing does not matter).
 */
export type RoleMap = ReadonlyMap<string, string | ReadonlyMap<string, string>>;

/** Normalises an expression key: `${{ secrets.X }}` → `secrets.X`, whitespace inside `${{ }}` ignored. */
export function normalizeExpressionKey(s: string): string {
  return s
    .replace(/\$\{\{\s*([\s\S]*?)\s*\}\}/g, (_, inner: string) => `\${{${inner.replace(/\s+/g, "")}}}`)
    .replace(/^\$\{\{([\s\S]*)\}\}$/, "$1")
    .trim();
}

/** Builds a RoleMap from plain data (already validated to strings / string maps). */
export function roleMapFrom(data: Record<string, string | Record<string, string>>): RoleMap {
  const m = new Map<string, string | ReadonlyMap<string, string>>();
  for (const [k, v] of Object.entries(data)) {
    m.set(normalizeExpressionKey(k), typeof v === "string" ? v : new Map(Object.entries(v)));
  }
  return m;
}

/** The ARN the map gives for `expression` in `environment` (falling back to `default`), if any. */
export function lookupRole(
  map: RoleMap | null,
  expression: string,
  environment: string | null,
): string | null {
  if (!map) return null;
  const v = map.get(normalizeExpressionKey(expression));
  if (v === undefined) return null;
  if (typeof v === "string") return v;
  // GitHub environment names are case-insensitive.
  const env = environment?.toLowerCase();
  const match = env === undefined ? undefined : [...v].find(([k]) => k.toLowerCase() === env)?.[1];
  return match ?? v.get("default") ?? null;
}
