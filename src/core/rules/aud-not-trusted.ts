import { findingFingerprint } from "../engine/fingerprint.js";
import type { Finding } from "../engine/scan-types.js";
import { audienceProblem, denyCauses } from "./cause-of-deny.js";
import { contextFinding, describeContext, policyRelated, policyValues } from "./context-rule.js";
import { defineRule } from "./define-rule.js";
import { docsUrl } from "./rule.js";

const id = "aud-not-trusted";

export const audNotTrusted = defineRule({
  meta: {
    id,
    severity: "high",
    category: "will-fail",
    title: "The requested audience fails the policy's aud condition",
    explanation:
      "configure-aws-credentials requests a token for the audience in its `audience` input (`sts.amazonaws.com` by default). When the trust policy's `aud` condition names another audience (often `https://github.com/OWNER`, GitHub's default for other tools), every run is denied.",
    fix: "Make the two agree: set the policy's `token.actions.githubusercontent.com:aud` to `sts.amazonaws.com` (and list it in the OIDC provider's client IDs), or set `audience:` on the step to what the policy expects.",
    docs: docsUrl(id),
  },
  onAnalysis(model) {
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const a of model.assumptions) {
      for (const c of a.contexts) {
        const cause = denyCauses(a, c, model.repo);
        if (!cause?.causes.has("aud")) continue;
        // One finding per step and role: the audience is the same in every run.
        const key = `${a.file}|${a.job.id.value}|${a.role}`;
        if (seen.has(key)) continue;
        seen.add(key);
        const problem = audienceProblem(a, cause.candidate, model.repo.issuer);
        if (!problem) continue;
        const wanted = policyValues(a, "aud");
        const f = contextFinding(
          this.meta,
          model,
          a,
          c,
          `Job \`${a.job.id.value}\` requests audience \`${problem.requested}\`, but ${a.role} requires \`aud\` ${problem.wanted.map((w) => `\`${w}\``).join(" or ")}: every run is denied (first: ${describeContext(c)}).`,
          wanted.map((w) => policyRelated(a, w, `required audience \`${w.value}\``)),
          this.meta.fix,
        );
        // The audience is decided on the step, not by the run: point at `audience:` or the role.
        const audInput = a.credentials.inputs.audience;
        const at = audInput && a.roleAt ? { span: audInput.node.span, file: a.roleAt.file } : a.roleAt;
        if (at) {
          f.file = at.file;
          f.line = at.span.start.line;
          f.column = at.span.start.column;
          f.endLine = at.span.end.line;
          f.endColumn = at.span.end.column;
        }
        f.fingerprint = fingerprintOf(a.file, a.job.id.value, a.role);
        out.push(f);
      }
    }
    return out;
  },
});

function fingerprintOf(file: string, job: string, role: string | null): string {
  return findingFingerprint({ rule: id, file, route: `jobs.${job}`, role, discriminator: "aud" });
}
