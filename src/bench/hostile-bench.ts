import { performance } from "node:perf_hooks";
import { parseDocument } from "yaml";
import type { RoleSource } from "../core/engine/analysis-types.js";
import { planScan } from "../core/engine/plan.js";
import { parseTrustPolicy } from "../core/iam/index.js";
import { analyzeScan, report } from "../core/report/index.js";

/**
 * The "hostile inputs" family of `npm run bench` (issue 7 §7): inputs built to hit a super-linear
 * cost or an automaton blow-up, each scanned once (cold: the memos are keyed by content, and every
 * input here is new) and reported as a ratio to `yaml.parseDocument` of the same file, at n and 4n
 * where the input has a size, so a cliff (growth far above 4× for 4× the input) stays found.
 */
const ROLE = "arn:aws:iam::111122223333:role/deploy";
const PROVIDER = "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com";
const STEP = `      - uses: aws-actions/configure-aws-credentials@e3dd6a429d7300a6a4c196c26e071d42e0343502
        with:
          role-to-assume: ${ROLE}
          aws-region: eu-west-1
`;
const job = (extra = "") =>
  `jobs:\n  deploy:\n    runs-on: ubuntu-latest\n    permissions:\n      id-token: write\n${extra}    steps:\n${STEP}`;

function policy(subject: string, op = "StringLike"): string {
  return JSON.stringify({
    Version: "2012-10-17",
    Statement: [
      {
        Effect: "Allow",
        Principal: { Federated: PROVIDER },
        Action: "sts:AssumeRoleWithWebIdentity",
        Condition: {
          StringEquals: { "token.actions.githubusercontent.com:aud": "sts.amazonaws.com" },
          [op]: { "token.actions.githubusercontent.com:sub": op.startsWith("For") ? [subject] : subject },
        },
      },
    ],
  });
}
const REPO_WIDE = policy("repo:octo-org/octo-repo:*");

interface Case {
  name: string;
  /** Sizes to run (n and 4n), or one fixed input. */
  sizes: number[];
  workflow(n: number): string;
  policy?(n: number): string;
}

const CASES: Case[] = [
  {
    name: "literal of n characters in a branch filter",
    sizes: [2_000, 8_000],
    workflow: (n) => `on:\n  push:\n    branches: ['${"a".repeat(n)}*']\n${job()}`,
  },
  {
    name: "if: github.ref == '<n characters>'",
    sizes: [1_250, 5_000],
    workflow: (n) => `on: push\n${job(`    if: github.ref == 'refs/heads/${"a".repeat(n)}'\n`)}`,
  },
  {
    name: "n workflow env keys",
    sizes: [20_000, 80_000],
    workflow: (n) =>
      `on: push\nenv:\n${Array.from({ length: n }, (_, i) => `  K${i}: v\n`).join("")}${job()}`,
  },
  {
    name: "n credential steps in one job",
    sizes: [800, 3_200],
    workflow: (n) => `on: push\n${job()}${STEP.repeat(n - 1)}`,
  },
  {
    name: "n jobs",
    sizes: [1_250, 5_000],
    workflow: (n) =>
      `on: push\npermissions: {id-token: write}\njobs:\n${Array.from(
        { length: n },
        (_, i) =>
          `  j${i}:\n    runs-on: x\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with: {role-to-assume: '${ROLE}', aws-region: us-east-1}\n`,
      ).join("")}`,
  },
  {
    name: "branch filter **a + n×[a-z] (2^n states)",
    sizes: [8, 11],
    workflow: (n) => `on:\n  push:\n    branches: ['**a${"[a-z]".repeat(n)}']\n${job()}`,
  },
  {
    name: "branch filter **a + 14×[ab] (over the state cap)",
    sizes: [14],
    workflow: (n) => `on:\n  push:\n    branches: [main, '**a${"[ab]".repeat(n)}']\n${job()}`,
  },
  {
    name: "policy value refs/heads/*a + n×? (2^n states)",
    sizes: [8, 10],
    workflow: () => `on:\n  push:\n    branches: [main]\n${job()}`,
    policy: (n) => policy(`repo:octo-org/octo-repo:ref:refs/heads/*a${"?".repeat(n)}`),
  },
  {
    name: "ForAllValues policy value *a + 16×? (over the state cap)",
    sizes: [16],
    workflow: () => `on:\n  push:\n    branches: [main]\n${job()}`,
    policy: (n) => policy(`repo:octo-org/octo-repo:*a${"?".repeat(n)}`, "ForAllValues:StringLike"),
  },
];

export interface HostileRow {
  name: string;
  n: number;
  bytes: number;
  parseMs: number;
  scanMs: number;
  /** scanMs / parseMs. */
  ratio: number;
  /** scanMs at this n / scanMs at the previous n of the same case (null for the first). */
  growth: number | null;
  complete: boolean;
}

function scanOnce(text: string, policyText: string): { ms: number; complete: boolean } {
  const parsed = parseTrustPolicy(policyText);
  const source: RoleSource | undefined = parsed.policy
    ? { kind: "found", arn: ROLE, policy: parsed.policy, file: "roles/deploy.json", maxSessionDuration: 3600 }
    : undefined;
  const t0 = performance.now();
  const plan = planScan({
    files: [{ path: ".github/workflows/w.yml", text }],
    repo: {
      fullName: "octo-org/octo-repo",
      defaultBranch: "main",
      subPrefix: null,
      subTemplate: null,
      issuer: "token.actions.githubusercontent.com",
    },
    roleMap: null,
  });
  const result = report(
    analyzeScan(plan, (arn) => (arn === ROLE ? source : undefined)),
    { sources: new Map([[".github/workflows/w.yml", text]]) },
  );
  return { ms: performance.now() - t0, complete: result.complete };
}

function parseMs(text: string): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    parseDocument(text, { uniqueKeys: false }); // the library's duplicate check is quadratic
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

/** Runs every hostile case once per size. */
export function benchHostile(onRow: (row: HostileRow) => void = () => {}): HostileRow[] {
  // Warm the JIT on an ordinary input first.
  for (let i = 0; i < 3; i++) scanOnce(`on: push\n${job()}`.replace("deploy", `warm${i}`), REPO_WIDE);
  const rows: HostileRow[] = [];
  for (const c of CASES) {
    let previous: number | null = null;
    for (const n of c.sizes) {
      const text = c.workflow(n);
      const p = parseMs(text);
      const s = scanOnce(text, c.policy ? c.policy(n) : REPO_WIDE);
      const row: HostileRow = {
        name: c.name,
        n,
        bytes: Buffer.byteLength(text),
        parseMs: p,
        scanMs: s.ms,
        ratio: s.ms / p,
        growth: previous === null ? null : s.ms / previous,
        complete: s.complete,
      };
      rows.push(row);
      onRow(row);
      previous = s.ms;
    }
  }
  return rows;
}
