import {
  classifyKey,
  GITHUB_ISSUER,
  intendedIssuer,
  isGheComHost,
  looksLikeGithubIssuer,
} from "../iam/condition-keys.js";
import { parseProviderArn } from "../iam/evaluate.js";
import { defineRule } from "./define-rule.js";
import { statementLabel } from "./policy-rule.js";
import type { PolicyFinding } from "./rule.js";
import { docsUrl } from "./rule.js";

const id = "issuer-mismatch";

export const issuerMismatch = defineRule({
  meta: {
    id,
    severity: "high",
    category: "will-fail",
    title: "The provider or condition keys name a different issuer",
    explanation:
      "STS matches the token's issuer exactly: `token.actions.githubusercontent.com` for github.com, `token.actions.githubusercontent.com/<enterprise>` when the enterprise includes its slug, `HOST/_services/token` on GitHub Enterprise Server. A provider ARN with `https://`, a trailing slash, a typo or the retired `vstoken` host never matches (`No OpenIDConnect provider found`), and condition keys under another issuer's prefix are absent from the request.",
    fix: "Use the issuer exactly as your tokens carry it, in the provider ARN (`arn:aws:iam::ACCOUNT:oidc-provider/token.actions.githubusercontent.com`) and in every condition key prefix.",
    docs: docsUrl(id),
  },
  onPolicy({ policy, expectedIssuer }) {
    const out: PolicyFinding[] = [];
    const push = (message: string, location: PolicyFinding["location"]) =>
      out.push({ rule: id, severity: this.meta.severity, message, location, fix: this.meta.fix });
    for (const s of policy.statements) {
      if (!s.principal) continue;
      // Keys are judged against the issuer the provider was meant to name (no scheme, no trailing
      // slash, the canonical host for a typo when the keys use it): the provider itself is the error.
      const prefixes = s.conditions.map((c) => c.key.slice(0, Math.max(0, c.key.lastIndexOf(":"))));
      const issuers: string[] = [];
      for (const f of s.principal.federated) {
        const prov = parseProviderArn(f.value);
        const hostPath = prov?.hostPath ?? f.value;
        if (!looksLikeGithubIssuer(hostPath)) continue;
        if (!prov) continue;
        issuers.push(intendedIssuer(hostPath, prefixes));
        const problem = issuerProblem(hostPath);
        if (problem) {
          push(`The provider \`${f.value}\` in ${statementLabel(s)} ${problem}.`, {
            pointer: f.pointer,
            span: f.span,
          });
        } else if (expectedIssuer && hostPath !== expectedIssuer) {
          push(
            `The provider \`${f.value}\` in ${statementLabel(s)} names issuer \`${hostPath}\`, but the tokens come from \`${expectedIssuer}\`.`,
            {
              pointer: f.pointer,
              span: f.span,
            },
          );
        }
      }
      if (issuers.length === 0) continue;
      const keyed = issuers.find((i) => prefixes.some((p) => p.toLowerCase() === i.toLowerCase()));
      for (const c of s.conditions) {
        const kc = classifyKey(c.key, keyed ?? issuers[0]!);
        if (kc.kind !== "other-issuer" || !kc.looksLikeGithub) continue;
        if (issuers.some((i) => i.toLowerCase() === kc.prefix.toLowerCase())) continue;
        push(
          `The condition key \`${c.key}\` in ${statementLabel(s)} names issuer \`${kc.prefix}\`, but the statement trusts \`${issuers.join("`, `")}\`; STS sees this key as absent.`,
          { pointer: c.pointer, span: c.keySpan },
        );
      }
    }
    return out;
  },
});

/** What is wrong with a GitHub-looking issuer host/path, or null when it is well-formed. */
export function issuerProblem(hostPath: string): string | null {
  if (/^https?:\/\//i.test(hostPath))
    return "includes the URL scheme; IAM provider ARNs name the host and path only";
  if (hostPath.endsWith("/")) return "ends with a slash; the token issuer has none";
  const host = hostPath.split("/")[0]!.toLowerCase();
  if (isGheComHost(host)) {
    // GHE.com data residency: `token.actions.<subdomain>.ghe.com`, optionally `/<slug>`.
    const path = hostPath.slice(host.length);
    return path && !/^\/[A-Za-z0-9][A-Za-z0-9-]*$/.test(path)
      ? `has the path \`${path}\`; only a slug (\`/<slug>\`) may follow the host`
      : null;
  }
  if (host === "vstoken.actions.githubusercontent.com")
    return "names the retired issuer vstoken.actions.githubusercontent.com; tokens come from token.actions.githubusercontent.com";
  if (
    host !== GITHUB_ISSUER &&
    host.includes("actions.githubusercontent") === false &&
    hostPath.includes("/_services/token")
  )
    return null; // GitHub Enterprise Server
  if (host !== GITHUB_ISSUER) return `names host \`${host}\`, which is not \`${GITHUB_ISSUER}\` (a typo?)`;
  const path = hostPath.slice(host.length);
  if (path && !/^\/[A-Za-z0-9][A-Za-z0-9-]*$/.test(path))
    return `has the path \`${path}\`; only an enterprise slug (\`/<enterprise>\`) may follow the host`;
  return null;
}
