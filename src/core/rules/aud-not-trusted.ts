import type { Finding } from "../engine/scan-types.js";
import { denyCause } from "./cause-of-deny.js";
import {
  type ContextRule,
  contextFinding,
  describeContext,
  policyRelated,
  policyValues,
} from "./context-rule.js";
import { docsUrl } from "./rule.js";

const id = "aud-not-trusted";

export const audNotTrusted: ContextRule = {
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
  checkModel(model) {
    const out: Finding[] = [];
    const seen = new Set<string>();
    for (const a of model.assumptions) {
      for (const c of a.contexts) {
        const cause = denyCause(a, c, model.repo);
        if (cause?.cause !== "aud") continue;
        const key = `${a.file}|${a.job.id.value}|${a.role}`;
        if (seen.has(key)) continue; // one finding per step: the audience is the same in every run
        seen.add(key);
        const aud = cause.candidate.claims.aud;
        const requested = aud?.kind === "value" ? aud.value : "?";
        const wanted = policyValues(a, "aud");
        const f = contextFinding(
          this.meta,
          model,
          a,
          c,
          `Job \`${a.job.id.value}\` requests audience \`${requested}\`, but ${a.role} requires \`aud\` ${wanted.map((w) => `\`${w.value}\``).join(" or ")}: every run is denied (first: ${describeContext(c)}).`,
          wanted.map((w) => policyRelated(a, w, `required audience \`${w.value}\``)),
          this.meta.fix,
        );
        const audInput = a.credentials.inputs.audience;
        if (audInput) {
          f.line = audInput.node.span.start.line;
          f.column = audInput.node.span.start.column;
          f.endLine = audInput.node.span.end.line;
          f.endColumn = audInput.node.span.end.column;
        }
        out.push(f);
      }
    }
    return out;
  },
};
