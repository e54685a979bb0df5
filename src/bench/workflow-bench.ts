import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseDocument } from "yaml";
import type { RoleSource } from "../core/engine/analysis-types.js";
import type { RoleLookup } from "../core/engine/analyze.js";
import { planScan, type ScanFile, type ScanPlan } from "../core/engine/plan.js";
import type { ScanResult } from "../core/engine/scan-types.js";
import { parseRoleArn } from "../core/iam/arn.js";
import { GITHUB_ISSUER, parseTrustPolicy } from "../core/iam/index.js";
import { analyzeScan, report } from "../core/report/index.js";

/** One workflow (or composite action) file of the corpus, at its real repository path. */
export interface CorpusFile {
  /** File name inside `corpus/workflows/`. */
  corpusFile: string;
  /** Repository-relative path (from the manifest). */
  path: string;
  bytes: Uint8Array;
  /** The bytes as UTF-8 text (for the `yaml` floor, and the inline-ignore sources). */
  text: string;
}

/** The corpus files of one source repository: scanned together, so local callees resolve. */
export interface CorpusRepo {
  fullName: string;
  files: CorpusFile[];
}

interface PolicyEntry {
  repo: string;
  file: string;
  text: string;
  /** Accounts the manifest says were substituted into the provider ARN (`Principal`) as examples. */
  exampleAccounts: string[];
  /** Accounts of the provider ARNs the policy names. */
  providerAccounts: string[];
  parsed: Map<string, (RoleSource & { kind: "found" }) | null>;
}

export interface Corpus {
  repos: CorpusRepo[];
  /** How many trust policies the corpus holds, and how many parsed. */
  policies: number;
  policiesParsed: number;
  /**
   * Roles of the corpus as seen from `repo`: a policy whose role name equals the ARN's (ignoring
   * case, `_` read as `-`), preferring the same repository, then a provider in the role's account,
   * then the same owner. Parsed once per policy and account, then cached (so not in the timings).
   */
  roles(repo: string): RoleLookup;
}

interface ManifestEntry {
  kind: string;
  file: string;
  repo: string;
  path: string;
  role_name?: string | null;
  substitutions?: { example?: string; where?: string }[];
}

/** The role name of an ARN: the last segment after `:role/` (paths allowed). */
export function roleNameOf(arn: string): string | null {
  const p = parseRoleArn(arn);
  return p.ok ? p.roleName : null;
}

/**
 * IAM role names are unique regardless of case, and the corpus file names spell `_` as `-`: both
 * sides are compared lower-cased with `_` read as `-`.
 */
const normalName = (name: string) => name.toLowerCase().replaceAll("_", "-");

const accountOf = (arn: string) => {
  const p = parseRoleArn(arn);
  return p.ok ? p.accountId : null;
};

/**
 * Reads the shared corpus: workflows grouped by source repository (in name order, files in path
 * order), and the trust policies keyed by role name: the `<role-name>` of the file name
 * `<owner>__<repo>__<role-name>.json`, and the manifest's `role_name` when it is a plain name.
 */
export function loadCorpus(corpusDir: string): Corpus {
  const manifest = JSON.parse(readFileSync(join(corpusDir, "manifest.json"), "utf8")) as ManifestEntry[];
  const byRepo = new Map<string, CorpusFile[]>();
  const byName = new Map<string, PolicyEntry[]>();
  let policies = 0;
  let policiesParsed = 0;
  for (const e of manifest) {
    if (e.kind === "workflow") {
      const bytes = readFileSync(join(corpusDir, e.file));
      const files = byRepo.get(e.repo) ?? [];
      files.push({
        corpusFile: e.file.replace(/^workflows\//, ""),
        path: e.path,
        bytes: new Uint8Array(bytes),
        text: bytes.toString("utf8"),
      });
      byRepo.set(e.repo, files);
    } else if (e.kind === "policy") {
      policies++;
      const base = e.file.replace(/^policies\//, "").replace(/\.json$/, "");
      const prefix = `${e.repo.replace("/", "__")}__`;
      const names = new Set([normalName(base.startsWith(prefix) ? base.slice(prefix.length) : base)]);
      const declared = /^\/?(?:[\w+=,.@-]+\/)*([\w+=,.@-]+)$/.exec(e.role_name ?? "")?.[1];
      if (declared) names.add(normalName(declared));
      const text = readFileSync(join(corpusDir, e.file), "utf8");
      const parsed = parseTrustPolicy(text).policy;
      if (!parsed) continue;
      policiesParsed++;
      const exampleAccounts = (e.substitutions ?? [])
        .filter((s) => /Principal/.test(s.where ?? ""))
        .flatMap((s) => (s.example ?? "").match(/\b\d{12}\b/g) ?? []);
      const providerAccounts = [...text.matchAll(/:iam::(\d{12}):oidc-provider\//g)].map((m) => m[1]!);
      const entry: PolicyEntry = {
        repo: e.repo,
        file: e.file,
        text,
        exampleAccounts,
        providerAccounts,
        parsed: new Map(),
      };
      for (const n of names) byName.set(n, [...(byName.get(n) ?? []), entry]);
    }
  }
  for (const list of byName.values()) list.sort((a, b) => (a.file < b.file ? -1 : 1));
  const repos = [...byRepo]
    .map(([fullName, files]) => ({
      fullName,
      files: files.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    }))
    .sort((a, b) => (a.fullName < b.fullName ? -1 : 1));
  return {
    repos,
    policies,
    policiesParsed,
    roles(repo) {
      const owner = repo.split("/")[0];
      return (arn) => {
        const name = roleNameOf(arn);
        const list = name ? byName.get(normalName(name)) : undefined;
        if (!list) return undefined;
        const account = accountOf(arn);
        // Same repository first, then a policy whose provider is in the role's account, then same owner.
        const rank = (p: PolicyEntry) =>
          (p.repo === repo ? 4 : 0) +
          (account && p.providerAccounts.includes(account) ? 2 : 0) +
          (p.repo.split("/")[0] === owner ? 1 : 0);
        const hit = list.reduce((best, p) => (rank(p) > rank(best) ? p : best));
        // An example account substituted into the provider ARN stands for the role's own account.
        const key = account ?? "";
        if (!hit.parsed.has(key)) {
          let text = hit.text;
          if (account)
            for (const ex of hit.exampleAccounts)
              text = text.replaceAll(`:iam::${ex}:oidc-provider/`, `:iam::${account}:oidc-provider/`);
          const { policy } = parseTrustPolicy(text);
          hit.parsed.set(
            key,
            policy
              ? {
                  kind: "found",
                  arn,
                  policy,
                  file: hit.file,
                  maxSessionDuration: policy.role.maxSessionDuration,
                }
              : null,
          );
        }
        const found = hit.parsed.get(key);
        return found ? { ...found, arn } : undefined;
      };
    },
  };
}

/** The repository facts the corpus scans use: the source repository, branch `main`, github.com. */
export function corpusRepoFacts(fullName: string) {
  return {
    fullName,
    defaultBranch: "main",
    subPrefix: null,
    subTemplate: null,
    issuer: GITHUB_ISSUER,
    repositoryId: null,
  };
}

/** rolecall's whole pure pipeline on some files of one repository: plan, analysis, rules, result. */
export function scanFiles(
  fullName: string,
  files: readonly CorpusFile[],
  roles: RoleLookup,
  input: "bytes" | "text" = "bytes",
): { plan: ScanPlan; result: ScanResult } {
  const scanFiles: ScanFile[] = files.map((f) => ({
    path: f.path,
    text: input === "bytes" ? f.bytes : f.text,
  }));
  const plan = planScan({ files: scanFiles, repo: corpusRepoFacts(fullName), roleMap: null });
  const sources = new Map(files.map((f) => [f.path, f.text]));
  const result = report(analyzeScan(plan, roles), { sources });
  return { plan, result };
}

export interface WorkflowBenchResult {
  files: number;
  repos: number;
  bytes: number;
  rounds: number;
  /** Each round's ratio of summed repository scans to summed parses (the spread shows stability). */
  roundRatios: number[];
  /** Milliseconds for all files, `yaml.parseDocument` alone (the median round's sum). */
  parseMs: number;
  /** Milliseconds for all files scanned per repository (the same round's sum). */
  scanRepoMs: number;
  /** Milliseconds for every file scanned alone (the same round's sum). */
  scanFileMs: number;
  /** Per-file ratio (scan alone / parseDocument), median and p95. */
  medianRatio: number;
  p95Ratio: number;
  /** The files with the highest per-file ratio. */
  worst: { file: string; ratio: number; parseUs: number; scanUs: number }[];
  peakRss: number;
  peakHeapUsed: number;
}

const now = () => process.hrtime.bigint();

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/**
 * Times `yaml.parseDocument` (the floor, DESIGN §8) against rolecall's full analysis of the same
 * corpus files, interleaved per repository in rounds. Samples RSS and heap between repositories.
 */
export function benchWorkflows(
  corpusDir: string,
  opts: { ms?: number; minRounds?: number; warmupRounds?: number } = {},
) {
  const corpus = loadCorpus(corpusDir);
  const all = corpus.repos.flatMap((r) => r.files.map((f) => ({ repo: r.fullName, file: f })));
  const rolesOf = new Map(corpus.repos.map((r) => [r.fullName, corpus.roles(r.fullName)]));
  let peakRss = 0;
  let peakHeapUsed = 0;
  const sample = () => {
    const m = process.memoryUsage();
    if (m.rss > peakRss) peakRss = m.rss;
    if (m.heapUsed > peakHeapUsed) peakHeapUsed = m.heapUsed;
  };
  let sink = 0;
  const parseOne = (text: string) => {
    const doc = parseDocument(text);
    sink += doc.errors.length;
  };
  const scanOne = (repo: string, f: CorpusFile) => {
    const { result } = scanFiles(repo, [f], rolesOf.get(repo)!, "text");
    sink += result.findings.length;
  };
  // One pass over the corpus takes seconds: a single warm-up pass is enough for the JIT.
  const warmup = opts.warmupRounds ?? 1;
  for (let i = 0; i < warmup; i++) {
    for (const { repo, file } of all) {
      parseOne(file.text);
      scanOne(repo, file);
    }
    for (const r of corpus.repos) scanFiles(r.fullName, r.files, rolesOf.get(r.fullName)!, "text");
    sample();
  }
  // Each round walks the repositories; for each: parse each file, scan each file alone, then scan
  // the repository as a unit. Interleaving at this grain lets drift (and the neighbours' load on a
  // shared machine) hit floor and analysis alike. Totals are each round's sums, the median round
  // reported; per-file ratios use each file's best round.
  const parseBest = all.map(() => Number.POSITIVE_INFINITY);
  const scanBest = all.map(() => Number.POSITIVE_INFINITY);
  let rounds = 0;
  const roundRatios: number[] = [];
  const roundSums: { parse: number; repo: number; file: number }[] = [];
  const budget = BigInt(opts.ms ?? 0) * 1_000_000n;
  const minRounds = opts.minRounds ?? 3;
  const start = now();
  while (rounds < minRounds || now() - start < budget) {
    let roundParse = 0;
    let roundRepo = 0;
    let roundFile = 0;
    let i = 0;
    corpus.repos.forEach((r, k) => {
      for (const file of r.files) {
        const t0 = now();
        parseOne(file.text);
        const t1 = now();
        scanOne(r.fullName, file);
        const t2 = now();
        roundParse += Number(t1 - t0);
        roundFile += Number(t2 - t1);
        parseBest[i] = Math.min(parseBest[i]!, Number(t1 - t0));
        scanBest[i] = Math.min(scanBest[i]!, Number(t2 - t1));
        i++;
      }
      const t3 = now();
      const { result } = scanFiles(r.fullName, r.files, rolesOf.get(r.fullName)!, "text");
      const t = Number(now() - t3);
      sink += result.assumptions.length;
      roundRepo += t;
      if (k % 8 === 0) sample();
    });
    roundRatios.push(roundRepo / roundParse);
    roundSums.push({ parse: roundParse / 1e6, repo: roundRepo / 1e6, file: roundFile / 1e6 });
    sample();
    rounds++;
  }
  if (sink < 0) console.log(sink);
  const ratios = all.map((_, i) => scanBest[i]! / parseBest[i]!);
  const sorted = [...ratios].sort((a, b) => a - b);
  const worst = all
    .map(({ file }, i) => ({
      file: file.corpusFile,
      ratio: ratios[i]!,
      parseUs: parseBest[i]! / 1e3,
      scanUs: scanBest[i]! / 1e3,
    }))
    .sort((a, b) => b.ratio - a.ratio)
    .slice(0, 3);
  const median = roundSums
    .map((r, k) => ({ ...r, ratio: roundRatios[k]! }))
    .sort((x, y) => x.ratio - y.ratio)[Math.floor((roundSums.length - 1) / 2)]!;
  return {
    files: all.length,
    repos: corpus.repos.length,
    bytes: all.reduce((n, { file }) => n + file.bytes.byteLength, 0),
    rounds,
    roundRatios,
    parseMs: median.parse,
    scanRepoMs: median.repo,
    scanFileMs: median.file,
    medianRatio: quantile(sorted, 0.5),
    p95Ratio: quantile(sorted, 0.95),
    worst,
    peakRss,
    peakHeapUsed,
  } satisfies WorkflowBenchResult;
}
