const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/**
 * The route of mapping key `key` under `parent`: `parent.key`, or `parent["odd key"]` when the key
 * is not a plain identifier. The root route is the empty string.
 */
export function routeKey(parent: string, key: string): string {
  if (PLAIN_KEY.test(key)) return parent === "" ? key : `${parent}.${key}`;
  return `${parent}[${JSON.stringify(key)}]`;
}

/** The route of sequence item `index` under `parent`: `parent[index]`. */
export function routeIndex(parent: string, index: number): string {
  return `${parent}[${index}]`;
}
