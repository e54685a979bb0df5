import type { Finding } from "../findings/finding.js";

/** One cause, one finding (placeholder: identity until causes are typed). */
export function groupByCause(findings: Finding[]): Finding[] {
  return findings;
}
