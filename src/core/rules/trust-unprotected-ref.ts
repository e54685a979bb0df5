import type { ScanModel } from "../engine/analysis-types.js";
import type { Finding } from "../engine/scan-types.js";
import { contextLocation, describeContext, isOptionalContext } from "./context-rule.js";
import { defineRule } from "./define-rule.js";
import { docsUrl, type RuleMeta } from "./rule.js";
import { workflowFinding } from "./workflow-rule.js";

const id = "trust-unprotected-ref";

/** What the GitHub API says about protection: null when it could not be read. */
export interface ProtectionFacts {
  branch(name: string): boolean | null;
  environment(name: string): boolean | null;
  /** Environments the repository configuration declares protected (`environments.protected`), lower-cased. */
  declaredProtected: ReadonlySet<string>;
}

export const trustUnprotectedRefMeta: RuleMeta = {
  id,
  severity: "medium",
  category: "over-broad",
  title: "The trusted branch or environment is not protected",
  explanation:
    "A trust policy that pins `ref:refs/heads/main` or `environment:production` is only as strong as what guards that branch or environment. Without branch protection, anyone with write access can push to the branch; an environment without required reviewers, a wait timer or deployment branch rules can be used by any workflow run on any branch.",
  fix: "Protect the branch (required reviews, no force pushes), or give the environment required reviewers and a deployment branch policy limited to protected branches.",
  docs: docsUrl(id),
};

/** Needs the GitHub API (`protection` facts): the App provides them, the CLI lists the rule as skipped. */
export const trustUnprotectedRef = defineRule({
  meta: trustUnprotectedRefMeta,
  needs: ["protection"],
  onAnalysis(model, facts) {
    return checkUnprotectedRefs(model, facts.protection);
  },
});

/** What the App must read for {@link trustUnprotectedRef}: plain data. */
export interface ProtectionNeeds {
  /** Branches (without `refs/heads/`) a role admits a run of, outside an environment. */
  branches: string[];
  /** True when a role admits a run in an environment (its protection rules are needed). */
  environments: boolean;
}

/** The protection facts {@link trustUnprotectedRef} reads for this analysis. */
export function protectionNeeds(model: ScanModel): ProtectionNeeds {
  const branches = new Set<string>();
  let environments = false;
  for (const a of model.assumptions)
    for (const c of a.contexts) {
      if (c.decision !== "allow") continue;
      if (c.environment) environments = true;
      else if (c.trigger.ref.kind === "value" && c.trigger.ref.value.startsWith("refs/heads/"))
        branches.add(c.trigger.ref.value.slice("refs/heads/".length));
    }
  return { branches: [...branches], environments };
}

/**
 * Needs the GitHub API (the App): for every run a role admits, whether the branch or environment
 * its subject names is protected. Unknown protection (no permission to read it) is not a finding;
 * the caller reports the missing permission.
 */
export function checkUnprotectedRefs(model: ScanModel, facts: ProtectionFacts): Finding[] {
  const out: Finding[] = [];
  const seen = new Set<string>();
  for (const a of model.assumptions) {
    for (const c of a.contexts) {
      if (c.decision !== "allow" || isOptionalContext(c) || c.trigger.fork) continue;
      let what: string | null = null;
      if (c.environment) {
        // Environment names are case-insensitive: declared names are compared lower-cased.
        if (
          facts.declaredProtected.has(c.environment.toLowerCase()) ||
          facts.environment(c.environment) !== false
        )
          continue;
        what = `environment \`${c.environment}\` has no required reviewers, wait timer or deployment branch policy`;
      } else if (c.trigger.ref.kind === "value" && c.trigger.ref.value.startsWith("refs/heads/")) {
        const branch = c.trigger.ref.value.slice("refs/heads/".length);
        if (facts.branch(branch) !== false) continue;
        what = `branch \`${branch}\` is not protected`;
      }
      if (!what) continue;
      const key = `${a.role}|${what}`;
      if (seen.has(key)) continue;
      seen.add(key);
      out.push(
        workflowFinding(trustUnprotectedRefMeta, contextLocation(a, c), {
          message: `${a.role} admits job \`${a.job.id.value}\` (${describeContext(c)}), but the ${what}: anyone with write access can mint this subject.`,
          job: a.job.id.value,
          role: a.role,
          discriminator: what,
        }),
      );
    }
  }
  return out;
}
