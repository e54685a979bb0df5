/**
 * The value of one claim in the token being evaluated.
 * - `value`: a concrete string;
 * - `absent`: the token has no such claim (e.g. `environment` for a job without one);
 * - `unknown`: the token has it but rolecall cannot know its value statically (e.g. `actor`);
 * - `pattern`: `prefix + X + suffix` where `X` ranges over the language of variable `variable`
 *   (e.g. every branch matching `release/**`).
 */
export type ClaimValue =
  | { kind: "value"; value: string }
  | { kind: "absent" }
  | { kind: "unknown"; reason: string }
  | { kind: "pattern"; variable: string; prefix: string; suffix: string };

/** Claims by bare name (`sub`, `aud`, `environment`, …). A claim not listed is absent. */
export type ClaimSet = Readonly<Record<string, ClaimValue>>;

export function claimOf(claims: ClaimSet, name: string): ClaimValue {
  return claims[name] ?? { kind: "absent" };
}

/** A short human-readable rendering of a claim value. */
export function describeClaim(c: ClaimValue, variables?: Readonly<Record<string, string>>): string {
  switch (c.kind) {
    case "value":
      return c.value;
    case "absent":
      return "(absent)";
    case "unknown":
      return `(unknown: ${c.reason})`;
    case "pattern":
      return `${c.prefix}${variables?.[c.variable] ?? `{${c.variable}}`}${c.suffix}`;
  }
}
