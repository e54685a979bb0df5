import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { type ClaimSet, evaluateTrustPolicy, parseTrustPolicy, type TrustPolicy } from "../core/iam/index.js";

export interface PolicyBenchResult {
  policies: number;
  claimSets: number;
  evaluationsPerSecond: number;
  baselinePerSecond: number;
  /** How many times slower a full evaluation is than the bare regex test of the same values. */
  ratio: number;
}

interface Case {
  policy: TrustPolicy;
  claims: ClaimSet;
  /** The same comparisons as plain regexes: every sub/aud value of the policy against the claim. */
  regexes: { re: RegExp; claim: string }[];
}

const globToRegex = (glob: string) =>
  new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "s",
  );

function casesFor(policy: TrustPolicy): Case[] {
  const subs = new Set<string>();
  const auds = new Set<string>();
  for (const s of policy.statements)
    for (const c of s.conditions) {
      const key = c.key.toLowerCase();
      for (const v of c.values) {
        if (key.endsWith(":sub")) subs.add(v.value);
        if (key.endsWith(":aud")) auds.add(v.value);
      }
    }
  const aud = [...auds][0] ?? "sts.amazonaws.com";
  const concrete = [...subs].map((v) => v.replace(/\*/g, "x").replace(/\?/g, "y"));
  concrete.push("repo:someone-else/any-repo:pull_request");
  return concrete.map((sub) => ({
    policy,
    claims: { sub: { kind: "value", value: sub }, aud: { kind: "value", value: aud } },
    regexes: [
      ...[...subs].map((v) => ({ re: globToRegex(v), claim: sub })),
      ...[...auds].map((v) => ({ re: globToRegex(v), claim: aud })),
    ],
  }));
}

function timeLoop(ms: number, body: () => void): number {
  let n = 0;
  const start = process.hrtime.bigint();
  const limit = BigInt(ms) * 1_000_000n;
  let elapsed = 0n;
  while (elapsed < limit) {
    body();
    n++;
    elapsed = process.hrtime.bigint() - start;
  }
  return n / (Number(elapsed) / 1e9);
}

/** Evaluations per second of every corpus policy against claim sets built from its own values. */
export function benchPolicies(corpusDir: string, ms = 2000): PolicyBenchResult {
  const cases: Case[] = [];
  let policies = 0;
  for (const f of readdirSync(corpusDir).sort()) {
    if (!f.endsWith(".json")) continue;
    const { policy } = parseTrustPolicy(readFileSync(join(corpusDir, f), "utf8"));
    if (!policy) continue;
    policies++;
    cases.push(...casesFor(policy));
  }
  let sink = 0;
  const evalRate =
    timeLoop(ms, () => {
      for (const c of cases)
        if (evaluateTrustPolicy(c.policy, { claims: c.claims }).decision === "allow") sink++;
    }) * cases.length;
  const baseRate =
    timeLoop(ms, () => {
      for (const c of cases) for (const r of c.regexes) if (r.re.test(r.claim)) sink++;
    }) * cases.length;
  if (sink < 0) console.log(sink);
  return {
    policies,
    claimSets: cases.length,
    evaluationsPerSecond: evalRate,
    baselinePerSecond: baseRate,
    ratio: baseRate / evalRate,
  };
}
