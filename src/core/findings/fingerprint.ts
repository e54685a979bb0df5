/** FNV-1a 64-bit of a string, as 16 hex digits: stable, pure, fast; not a security hash. */
export function fnv1a64(s: string): string {
  let h = 0xcbf29ce484222325n;
  const prime = 0x100000001b3n;
  const mask = 0xffffffffffffffffn;
  for (let i = 0; i < s.length; i++) {
    h ^= BigInt(s.charCodeAt(i));
    h = (h * prime) & mask;
  }
  return h.toString(16).padStart(16, "0");
}

/**
 * A finding's fingerprint: stable across re-scans and unrelated edits (no line numbers), distinct
 * for distinct findings. `route` is the YAML route of the primary location
 * (`jobs.deploy.steps[2].with.role-to-assume`); `discriminator` separates findings at one place
 * (the run context, the policy value).
 */
export function findingFingerprint(parts: {
  rule: string;
  file: string;
  route: string;
  role?: string | null;
  discriminator?: string;
}): string {
  return fnv1a64(
    [parts.rule, parts.file, parts.route, parts.role ?? "", parts.discriminator ?? ""].join("\u0000"),
  );
}
