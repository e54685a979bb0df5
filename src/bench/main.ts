import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { benchPolicies } from "./policy-bench.js";
import { benchWorkflows } from "./workflow-bench.js";

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

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
const w = benchWorkflows(corpus);
const ratio = w.scanRepoMs / w.parseMs;
console.log("");
console.log("Workflow analysis (corpus workflows, DESIGN §8 target: analysis ≤ 2x yaml.parseDocument)");
console.log(
  `  files: ${w.files} in ${w.repos} repositories, ${fmt(w.bytes / 1024)} KB; ${w.rounds} timed rounds after a warm-up pass`,
);
console.log(
  `  floor, yaml.parseDocument alone: ${w.parseMs.toFixed(1)} ms per pass over all files (median round)`,
);
console.log(
  `  rolecall planScan + runScan, per repository: ${w.scanRepoMs.toFixed(1)} ms per pass (each file alone: ${w.scanFileMs.toFixed(1)} ms)`,
);
console.log(
  `  ratio: analysis costs ${ratio.toFixed(2)}x the parse (each file alone: ${(w.scanFileMs / w.parseMs).toFixed(2)}x) — target ≤ 2x ${ratio <= 2 ? "met" : "NOT met"}`,
);
console.log(`  ratio per round: ${w.roundRatios.map((r) => `${r.toFixed(2)}x`).join(", ")}`);
console.log(
  `  per file (each file alone, best of rounds): median ${w.medianRatio.toFixed(2)}x, p95 ${w.p95Ratio.toFixed(2)}x; highest:`,
);
for (const x of w.worst)
  console.log(
    `    ${x.ratio.toFixed(1)}x ${x.file} (${x.parseUs.toFixed(0)} µs → ${x.scanUs.toFixed(0)} µs)`,
  );
console.log(`  peak memory during the run: rss ${mb(w.peakRss)}, heapUsed ${mb(w.peakHeapUsed)}`);
