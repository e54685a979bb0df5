import { existsSync } from "node:fs";
import { benchApp } from "./app-bench.js";
import { corpusDir } from "./corpus-dir.js";
import { benchHostile } from "./hostile-bench.js";
import { benchPolicies } from "./policy-bench.js";
import { benchWorkerHop } from "./worker-bench.js";
import { benchWorkflows } from "./workflow-bench.js";

// npm run bench: speed ratios measured in one run over the corpus in test/corpus.
const corpus = corpusDir(import.meta.url);
if (!existsSync(`${corpus}manifest.json`)) {
  console.error(
    `rolecall bench: the corpus is not at ${corpus} (the bench runs from a checkout of the repository, which has test/corpus)`,
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
  `  rolecall planScan + analyzeScan + report, per repository: ${w.scanRepoMs.toFixed(1)} ms per pass (each file alone: ${w.scanFileMs.toFixed(1)} ms)`,
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

const h = await benchWorkerHop(corpus);
console.log("");
console.log("The App's analysis in a worker thread (src/worker: the thread hop per scan, next to the scan)");
console.log(
  `  ${h.repos} corpus repositories × ${h.rounds} rounds, one warm worker reused (started in ${h.startMs.toFixed(0)} ms)`,
);
console.log(
  `  scan on the calling thread: p50 ${h.inThread.p50.toFixed(2)} ms, p95 ${h.inThread.p95.toFixed(2)} ms; in the worker, round trip: p50 ${h.roundTrip.p50.toFixed(2)} ms, p95 ${h.roundTrip.p95.toFixed(2)} ms (the task itself: p50 ${h.inWorker.p50.toFixed(2)} ms, p95 ${h.inWorker.p95.toFixed(2)} ms)`,
);
console.log(
  `  the hop (structured clone of inputs and result + messages): p50 ${h.hop.p50.toFixed(2)} ms, p95 ${h.hop.p95.toFixed(2)} ms, max ${h.hop.max.toFixed(2)} ms — ${(100 * h.hopShare).toFixed(0)}% of the scans' own time in sum`,
);
console.log(
  `  the App's whole path (up to 3 rounds: roles, branch protection, result; each re-plans): p50 ${h.appPath.p50.toFixed(2)} ms, p95 ${h.appPath.p95.toFixed(2)} ms`,
);
console.log("");
console.log(
  "Hostile inputs (issue 7 §7): one cold scan each, as a ratio to yaml.parseDocument of the same file",
);
benchHostile((r) =>
  console.log(
    `  ${r.name}, n = ${r.n} (${fmt(r.bytes / 1024)} KB): parse ${r.parseMs.toFixed(1)} ms, scan ${r.scanMs.toFixed(0)} ms = ${r.ratio.toFixed(0)}x${r.growth === null ? "" : `; ${r.growth.toFixed(1)}x the previous size`}${r.complete ? "" : " (incomplete)"}${r.scanMs > 1_000 ? " — over 1 s" : ""}`,
  ),
);

// The App end to end: imports nock and @octokit/webhooks-examples (devDependencies), so `npm run bench`
// needs the dev dependencies (the build needs them already).
const a = await benchApp();
const ms = (n: number) => `${n.toFixed(1)} ms`;
const per = (n: number) => (Number.isInteger(n) ? String(n) : n.toFixed(2));
console.log("");
console.log(
  "GitHub App end to end (real Probot + rolecallApp; GitHub and IAM faked by nock in process, answering at once)",
);
console.log(
  `  latency, ${a.latency.n} sequential pull_request.opened deliveries (failing PR), webhook → completed check run and review:`,
);
console.log(
  `  p50 ${ms(a.latency.p50)}, p95 ${ms(a.latency.p95)}, max ${ms(a.latency.max)}, mean ${ms(a.latency.mean)}; errors: ${a.latency.errors}, warnings or unmatched requests: ${a.latency.incidents}; first (cold: JWT, token, IAM) delivery ${ms(a.latency.coldMs)}`,
);
const lat = a.latency;
console.log(
  lat.floorP50 === null || lat.floorP95 === null
    ? "  floor: could not be measured (see problems)"
    : `  floor, the same requests and bodies through Probot's Octokit and nock without rolecall: p50 ${ms(lat.floorP50)}, p95 ${ms(lat.floorP95)} (${lat.floorN} rounds)`,
);
const above =
  lat.floorP50 === null ? "" : `; rolecall about ${ms(Math.max(0, lat.p50 - lat.floorP50))} of the p50`;
console.log(
  `  target: rolecall's own work < 150 ms p95 — ${lat.p95 < 150 && lat.errors === 0 && lat.incidents === 0 ? "met" : "NOT met"} (${ms(lat.p95)} with the emulated upstreams included${above})`,
);
const b = a.burst;
console.log(
  `  burst, ${b.n} concurrent deliveries: errors ${b.errors} (rejected ${b.rejected}, warnings or unmatched requests ${b.incidents}), check runs completed ${b.completed}/${b.n}, total ${ms(b.totalMs)} — ${b.errors === 0 && b.incidents === 0 ? "no error" : "ERRORS"}`,
);
console.log(
  `  memory: before rss ${mb(b.baseRss)}, heapUsed ${mb(b.baseHeapUsed)}; peak during the burst rss ${mb(b.peakRss)}, heapUsed ${mb(b.peakHeapUsed)} (${b.samples} samples: every 10 ms and at each request); ${b.heapAfterGc === null ? "heap after GC: not measured (global.gc unavailable; run node --expose-gc dist/bench/main.js)" : `heapUsed after a forced GC ${mb(b.heapAfterGc)}`}`,
);
console.log(
  `  GitHub requests per scan (DESIGN: ≤ 6 reads for a PR touching up to 20 workflows; IAM calls = distinct roles not in cache; installation token: ${a.tokenRequests} request in the whole run, cached by Probot)`,
);
for (const r of a.requests) {
  const spaced = r.writes + r.graphql;
  const design =
    r.designWrites === null
      ? ""
      : ` (DESIGN: ${r.designWrites}, ${r.writes <= r.designWrites ? "met" : "NOT met"})`;
  console.log(
    `    ${r.name}: ${per(r.reads)} reads (${per(r.graphql)} GraphQL) — ≤ 6 ${r.reads <= 6 ? "met" : "NOT met"}; ${per(r.writes)} writes${design}; ${r.scans} scans: ${r.conclusions}`,
  );
  console.log(
    `      IAM GetRole: ${r.iamCalls} over ${r.iamScans} scans (distinct roles: ${r.roles}); with Octokit throttling on (production), ${per(spaced)} writes + GraphQL queries spaced ≥ 1 s → ≥ ${per(Math.max(0, spaced - 1))} s per scan`,
  );
}
const first = a.requests[0];
if (first)
  console.log(
    `    per scan, ${first.name}: ${first.routes.map(([k, v]) => (v === 1 ? k : `${k} ×${per(v)}`)).join(", ")}`,
  );
if (a.problems.length > 0) {
  console.log(`  problems (${a.problems.length}, first 5):`);
  for (const p of a.problems.slice(0, 5)) console.log(`    ${p}`);
}

// The same App on the Octokit `npm start` builds (throttling and retry on): what an author waits for.
const prod = await benchApp({ production: true, latencyN: 3, burstN: 10, floorN: 0 });
console.log("");
console.log(
  "GitHub App with Octokit's production throttling and retry (RolecallOctokit, as npm start runs it)",
);
console.log(
  `  ${prod.latency.n} sequential failing PRs, webhook → completed check run and review: p50 ${(prod.latency.p50 / 1000).toFixed(2)} s, max ${(prod.latency.max / 1000).toFixed(2)} s (writes and GraphQL requests are spaced 1 s, reviews 3 s); errors ${prod.latency.errors}`,
);
console.log(
  `  burst, ${prod.burst.n} failing PRs at once in one installation: all completed after ${(prod.burst.totalMs / 1000).toFixed(1)} s (${prod.burst.completed}/${prod.burst.n}); errors ${prod.burst.errors}`,
);
if (prod.problems.length > 0) {
  console.log(`  problems (${prod.problems.length}, first 5):`);
  for (const p of prod.problems.slice(0, 5)) console.log(`    ${p}`);
}
