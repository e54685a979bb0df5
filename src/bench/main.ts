import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { benchPolicies } from "./policy-bench.js";

// npm run bench: speed ratios measured in one run over the shared corpus.
const corpus = fileURLToPath(new URL("../../../shared/corpus/", import.meta.url));
if (!existsSync(corpus)) {
  console.error(
    `rolecall bench: the corpus is not at ${corpus} (it sits beside the repository as ../shared/corpus)`,
  );
  process.exit(2);
}
const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const p = benchPolicies(`${corpus}policies`);
console.log("Trust-policy evaluation (corpus policies, claim sets built from each policy's own values)");
console.log(`  policies: ${p.policies}, claim sets: ${p.claimSets}`);
console.log(`  rolecall evaluateTrustPolicy: ${fmt(p.evaluationsPerSecond)} evaluations/s (full trace)`);
console.log(`  baseline, plain RegExp.test of the same values: ${fmt(p.baselinePerSecond)} claim sets/s`);
console.log(`  ratio: evaluation costs ${p.ratio.toFixed(1)}x the bare regex test`);
