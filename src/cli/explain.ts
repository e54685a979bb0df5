import { resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  type ClaimValue,
  evaluatePattern,
  evaluateTrustPolicy,
  GITHUB_ISSUER,
  parseTrustPolicy,
  patternClaims,
} from "../core/iam/index.js";
import {
  type ExplainReport,
  explainDecision,
  renderExplainJson,
  renderExplainText,
} from "../core/render/explain.js";
import { colorStyle, plainStyle } from "../core/render/style.js";
import { checkPolicy } from "../core/report/check-policy.js";
import { type CliIo, useColor } from "./io.js";
import { EXIT, UsageError } from "./usage-error.js";

export const EXPLAIN_HELP = `Usage: rolecall explain --policy FILE [--claim KEY=VALUE ...] [options]

Evaluates one claim set against one IAM trust policy, exactly as STS would for
sts:AssumeRoleWithWebIdentity, and prints the decision with a statement-by-statement,
condition-by-condition trace, plus what the policy admits beyond what it should.

Options:
  --policy FILE        the trust policy: plain JSON, the URL-encoded AssumeRolePolicyDocument
                       string IAM returns, or the output of 'aws iam get-role' ('-' reads stdin)
  --claim KEY=VALUE    a claim of the token, by bare name: sub, aud, environment, ref,
                       job_workflow_ref, repository, repository_id, actor, ... (repeatable).
                       A claim not given is absent.
  --claim KEY~=PATTERN a claim that ranges over every value of a GitHub branch/tag filter
                       pattern (release/**, v[0-9]*): says whether all, some or none are
                       admitted, with an example each way. Several pattern claims must share the
                       pattern: --claim 'sub~=repo:o/r:ref:refs/heads/release/**'
                       --claim 'ref~=refs/heads/release/**'
  --issuer HOST[/PATH] the token issuer (default ${GITHUB_ISSUER});
                       an enterprise slug: ${GITHUB_ISSUER}/SLUG; GHES: HOST/_services/token
  --role-arn ARN       the role the policy belongs to (checks the provider's account);
                       taken from get-role output when present
  --format text|json   output format (default text)
  -h, --help           this help

Exit codes: 0 allowed, 1 denied (for a pattern: not every value admitted),
            3 indeterminate, 2 usage error or unreadable policy.
`;

interface ExplainOptions {
  policy: string;
  claims: Record<string, string>;
  patterns: Record<string, string>;
  issuer: string;
  roleArn: string | null;
  format: "text" | "json";
}

function parseExplainArgs(argv: string[]): ExplainOptions | "help" {
  let parsed: ReturnType<typeof parseArgs<{ options: typeof spec }>>;
  const spec = {
    policy: { type: "string" },
    claim: { type: "string", multiple: true },
    issuer: { type: "string" },
    "role-arn": { type: "string" },
    format: { type: "string" },
    help: { type: "boolean", short: "h" },
  } as const;
  try {
    parsed = parseArgs({ args: argv, options: spec, allowPositionals: false, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  if (v.help) return "help";
  if (!v.policy) throw new UsageError("--policy FILE is required");
  const format = v.format ?? "text";
  if (format !== "text" && format !== "json")
    throw new UsageError(`--format must be text or json, not ${format}`);
  const claims: Record<string, string> = {};
  const patterns: Record<string, string> = {};
  for (const raw of v.claim ?? []) {
    const m = /^([^=~]+?)(~?=)([\s\S]*)$/.exec(raw);
    if (!m) throw new UsageError(`--claim ${raw}: expected KEY=VALUE or KEY~=PATTERN`);
    // Accept a full condition key (token.actions.githubusercontent.com:sub) as well as the bare name.
    const key = m[1]!.slice(m[1]!.lastIndexOf(":") + 1).trim();
    if (!/^[A-Za-z0-9_]+$/.test(key)) throw new UsageError(`--claim ${raw}: "${key}" is not a claim name`);
    if (key in claims || key in patterns) throw new UsageError(`--claim ${key} is given twice`);
    if (m[2] === "~=") patterns[key] = m[3]!;
    else claims[key] = m[3]!;
  }
  const issuer = (v.issuer ?? GITHUB_ISSUER).replace(/^https:\/\//, "").replace(/\/$/, "");
  return { policy: v.policy, claims, patterns, issuer, roleArn: v["role-arn"] ?? null, format };
}

/** `rolecall explain`: returns the exit code. */
export async function runExplain(argv: string[], io: CliIo): Promise<number> {
  const opts = parseExplainArgs(argv);
  if (opts === "help") {
    io.stdout.write(EXPLAIN_HELP);
    return EXIT.ok;
  }
  let text: string;
  const file = opts.policy === "-" ? "<stdin>" : opts.policy;
  try {
    text = opts.policy === "-" ? await io.readStdin() : await io.readFile(resolve(io.cwd, opts.policy));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    io.stderr.write(
      `rolecall: cannot read policy ${file}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (e as Error).message}\n`,
    );
    return EXIT.usage;
  }
  const { policy, diagnostics } = parseTrustPolicy(text);
  if (!policy) {
    for (const d of diagnostics) {
      io.stderr.write(`${file}:${d.span.start.line}:${d.span.start.column}: error: ${d.message}\n`);
    }
    io.stderr.write("rolecall: the policy could not be read; nothing was evaluated.\n");
    return EXIT.usage;
  }
  const claims: Record<string, ClaimValue> = {};
  for (const [k, val] of Object.entries(opts.claims)) claims[k] = { kind: "value", value: val };
  let pattern: ExplainReport["pattern"] = null;
  const roleArn = opts.roleArn ?? policy.role.arn;
  if (Object.keys(opts.patterns).length > 0) {
    const pc = patternClaims(opts.patterns);
    if (!pc.ok) throw new UsageError(pc.message);
    Object.assign(claims, pc.claims);
    const result = evaluatePattern(policy, { claims, issuer: opts.issuer, roleArn, variable: pc.variable });
    pattern = { description: pc.variable.description, result };
  }
  const evaluation = evaluateTrustPolicy(policy, { claims, issuer: opts.issuer, roleArn });
  const findings = checkPolicy(policy, { expectedIssuer: opts.issuer });
  const report: ExplainReport = {
    file,
    policy,
    issuer: opts.issuer,
    roleArn,
    claims,
    pattern,
    evaluation,
    findings,
    diagnostics,
  };
  if (opts.format === "json") io.stdout.write(`${JSON.stringify(renderExplainJson(report), null, 2)}\n`);
  else io.stdout.write(renderExplainText(report, useColor(io) ? colorStyle : plainStyle));
  const decision = explainDecision(report);
  return decision === "allow" ? EXIT.ok : decision === "deny" ? EXIT.findings : EXIT.incomplete;
}
