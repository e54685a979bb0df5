import type { AnalyzedAssumption, ScanModel } from "../engine/analysis-types.js";
import type { Finding } from "../engine/scan-types.js";
import { suggestionFor, toIamPattern } from "../engine/suggest-policy.js";
import { classifyKey } from "../iam/condition-keys.js";
import { parseOperator } from "../iam/operators.js";
import { valueLanguage } from "../iam/value-language.js";
import { Lang, LangTooComplexError, tokenizeIamGlob } from "../lang/index.js";
import { anyBranch, anyTag } from "../oidc/run-context.js";
import { isOptionalContext, policyRelated } from "./context-rule.js";
import { defineRule } from "./define-rule.js";
import { docsUrl } from "./rule.js";
import { workflowFinding } from "./workflow-rule.js";

const id = "trust-wider-than-needed";

/**
 * The subject contexts (the part after `repo:<segment>:`) this repository's allowed runs of `role`
 * present, as a language, with the subjects as shown to people.
 */
function neededLanguage(model: ScanModel, role: string, seg: string): { lang: Lang; shown: string[] } {
  let lang = Lang.empty();
  const shown = new Set<string>();
  const prefix = `repo:${seg}:`;
  for (const a of model.assumptions) {
    if (a.role !== role) continue;
    for (const c of a.contexts) {
      if (c.decision !== "allow" || isOptionalContext(c)) continue;
      const v = c.candidates[0];
      const sub = v?.claims.sub;
      if (!v || !sub) continue;
      if (
        (sub.kind === "value" && sub.value.startsWith(prefix)) ||
        (sub.kind === "pattern" && sub.prefix.startsWith(prefix))
      ) {
        // Needed = what the suggested policy would admit: GitHub filter patterns become IAM globs,
        // which can be wider (an IAM `*` spans `/`); comparing with that keeps the rule from flagging
        // its own suggestion. A subject already added adds nothing (5,000 jobs were 5,000 unions).
        if (shown.has(v.sub)) continue;
        lang = lang.union(Lang.fromGlob(tokenizeIamGlob(toIamPattern(v.sub))).quotient(prefix, ""));
        shown.add(v.sub);
      }
    }
  }
  return { lang, shown: [...shown].sort() };
}

/** The Allow-statement `sub` values of the role's policy, with the language each admits for this repository. */
function subjectValues(a: AnalyzedAssumption, issuer: string, seg: string) {
  if (a.roleSource?.kind !== "found") return [];
  const version = a.roleSource.policy.version;
  const out: { value: string; line: number; column: number; pointer: string; admits: Lang }[] = [];
  // What Deny statements take away (their subject values; other conditions on them are ignored, so
  // this may take away too little, never too much).
  let denied = Lang.empty();
  for (const s of a.roleSource.policy.statements) {
    if (s.effect !== "Deny") continue;
    for (const c of s.conditions) {
      const kc = classifyKey(c.key, issuer);
      const op = parseOperator(c.operator);
      if (kc.kind !== "claim" || kc.claim !== "sub" || !op || op.negated || op.family !== "string") continue;
      if (s.conditions.length > 1) continue; // a Deny with more conditions may not apply: take nothing away
      for (const v of c.values) {
        // A value with a policy variable: unknown, so it takes nothing away.
        const l = valueLanguage(op, v.value, version);
        if (l) denied = denied.union(l.quotient(`repo:${seg}:`, ""));
      }
    }
  }
  for (const s of a.roleSource.policy.statements) {
    if (s.effect !== "Allow") continue;
    for (const c of s.conditions) {
      const kc = classifyKey(c.key, issuer);
      const op = parseOperator(c.operator);
      if (kc.kind !== "claim" || kc.claim !== "sub" || !op || op.negated || op.family !== "string") continue;
      for (const v of c.values) {
        // Escapes and policy variables read as the evaluator reads them; a value with a variable
        // has no fixed language and is not judged here.
        const l = valueLanguage(op, v.value, version);
        if (!l) continue;
        const admits = l.quotient(`repo:${seg}:`, "").difference(denied);
        out.push({
          value: v.value,
          line: v.span.start.line,
          column: v.span.start.column,
          pointer: v.pointer,
          admits,
        });
      }
    }
  }
  return out;
}

export const trustWiderThanNeeded = defineRule({
  meta: {
    id,
    severity: "medium",
    category: "over-broad",
    title: "The trust policy admits subjects none of the workflows use",
    explanation:
      "Least privilege for OIDC roles means trusting exactly the subjects the deploy jobs present. Every extra value or wildcard is a way in that no workflow needs: a branch anyone can push, pull requests, an environment without reviewers. rolecall compares, for this repository, what each subject value of the policy admits with the subjects its workflows' allowed runs present, and suggests a policy that admits exactly those.",
    fix: "Replace the role's subject condition with the suggested policy (JSON or Terraform), after checking no other repository relies on the removed values.",
    docs: docsUrl(id),
  },
  onAnalysis(model) {
    const out: Finding[] = [];
    const done = new Set<string>();
    const repo = model.repo.fullName;
    if (!repo) return out;
    const seg = model.repo.subPrefix ? model.repo.subPrefix.replace(/^repo:/, "") : repo;
    for (const a of model.assumptions) {
      if (!a.role || a.roleSource?.kind !== "found" || done.has(a.role) || !a.roleAt) continue;
      done.add(a.role);
      try {
        const needed = neededLanguage(model, a.role, seg);
        if (needed.shown.length === 0) continue;
        const extra = subjectValues(a, model.repo.issuer, seg)
          .map((v) => ({
            ...v,
            example: v.admits.intersect(validContexts()).difference(needed.lang).shortestExample(),
          }))
          .filter((v) => v.example !== null);
        if (extra.length === 0) continue;
        const audience = a.credentials.inputs.audience?.value ?? "sts.amazonaws.com";
        const f = workflowFinding(this.meta, a.roleAt, {
          message: `${a.role} trusts ${extra.map((v) => `\`${v.value}\` (e.g. \`repo:${seg}:${v.example}\`)`).join(", ")}, but this repository's workflows need only ${needed.shown.map((n) => `\`${n}\``).join(", ")}.`,
          job: a.job.id.value,
          role: a.role,
          related: extra.map((v) => policyRelated(a, v, `more than needed: \`${v.value}\``)),
        });
        const suggestion = suggestionFor(model, a.role, a.roleSource.policy, audience);
        if (suggestion) f.suggestedPolicy = suggestion;
        out.push(f);
      } catch (e) {
        if (!(e instanceof LangTooComplexError)) throw e;
      }
    }
    return out;
  },
});

let validContextsCache: Lang | undefined;
/** Every subject context GitHub can mint: `ref:` + a valid branch, tag or pull request merge ref, `pull_request`, `environment:NAME`. */
function validContexts(): Lang {
  if (!validContextsCache) {
    const pr = Lang.literal("refs/pull/")
      .concat(Lang.fromGithubFilter("[0-9]+"))
      .concat(Lang.literal("/merge"));
    const envName = Lang.any()
      .difference(Lang.literal(""))
      .difference(Lang.any().concat(Lang.literal(":")).concat(Lang.any()));
    validContextsCache = Lang.literal("ref:")
      .concat(anyBranch().union(anyTag()).union(pr))
      .union(Lang.literal("pull_request"))
      .union(Lang.literal("environment:").concat(envName));
  }
  return validContextsCache;
}
