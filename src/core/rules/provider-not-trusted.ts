import type { AnalyzedContext, CandidateVerdict } from "../engine/analysis-types.js";
import { findingFingerprint } from "../engine/fingerprint.js";
import type { Finding } from "../engine/scan-types.js";
import { denyCauses, principalProblem } from "./cause-of-deny.js";
import { contextFinding, describeContext } from "./context-rule.js";
import { defineRule } from "./define-rule.js";
import { docsUrl } from "./rule.js";

const id = "provider-not-trusted";

/**
 * `provider-not-trusted`: no Allow statement trusts the token's OIDC provider as STS resolves it
 * (a provider in another account or partition, a bare host instead of a provider ARN, another
 * issuer). The subject does not matter then, so this is not `sub-not-trusted`.
 */
export const providerNotTrusted = defineRule({
  meta: {
    id,
    severity: "high",
    category: "will-fail",
    title: "No statement trusts the token's OIDC provider in the role's account",
    explanation:
      "STS looks up the OIDC provider for the token's issuer in the role's own account and partition, and only statements whose `Principal.Federated` names that provider's ARN can admit the token. A provider ARN in another account, a bare host such as `token.actions.githubusercontent.com` instead of the ARN, or a provider for another issuer means every run is denied, whatever its subject.",
    fix: "Set `Principal.Federated` to `arn:aws:iam::<role account>:oidc-provider/token.actions.githubusercontent.com` (the role's own account and partition); create the OIDC provider in that account if it does not exist.",
    docs: docsUrl(id),
  },
  onAnalysis(model) {
    const out: Finding[] = [];
    for (const a of model.assumptions) {
      const groups = new Map<string, { contexts: AnalyzedContext[]; candidate: CandidateVerdict }>();
      for (const c of a.contexts) {
        const cause = denyCauses(a, c, model.repo);
        if (!cause?.causes.has("principal")) continue;
        const key = principalProblem(cause.candidate) ?? "";
        const g = groups.get(key);
        if (g) g.contexts.push(c);
        else groups.set(key, { contexts: [c], candidate: cause.candidate });
      }
      for (const [detail, { contexts }] of groups) {
        const runs = contexts.map(describeContext).join("; ");
        const f = contextFinding(
          this.meta,
          model,
          a,
          contexts[0]!,
          `Job \`${a.job.id.value}\` will be denied whatever its subject (${runs}): ${detail}.`,
          [],
          this.meta.fix,
        );
        f.fingerprint = findingFingerprint({
          rule: id,
          file: a.file,
          route: a.roleNode?.route ?? a.job.route,
          role: a.role,
          discriminator: detail,
        });
        out.push(f);
      }
    }
    return out;
  },
});
