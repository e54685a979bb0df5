import { resolve } from "node:path";
import { parseArgs } from "node:util";
import { readErrorText, readRoleDocuments } from "../adapters/fs/roles-dir.js";
import {
  type ClaimValue,
  evaluatePattern,
  evaluateTrustPolicy,
  GITHUB_ISSUER,
  type PolicyDiagnostic,
  patternClaims,
  type TrustPolicy,
} from "../core/iam/index.js";
import { LangTooComplexError } from "../core/lang/index.js";
import {
  type ExplainReport,
  explainDecision,
  renderExplainJson,
  renderExplainText,
} from "../core/render/explain.js";
import { safeText } from "../core/render/scan-text.js";
import { colorStyle, plainStyle } from "../core/render/style.js";
import { checkPolicy } from "../core/report/check-policy.js";
import { nearest, parseCliArgs } from "./args.js";
import {
  claimsOfRun,
  consistencyWarnings,
  DEFAULT_AUDIENCE,
  fullRef,
  keyTypoWarnings,
  type RunDescription,
  subjectFormatWarnings,
} from "./explain-claims.js";
import { type CliIo, useColor } from "./io.js";
import { EXIT, UsageError } from "./usage-error.js";
import { branchNameProblem, parseIssuer, SUB_TEMPLATE_KEYS } from "./values.js";

export const EXPLAIN_HELP = `Usage: rolecall explain --policy FILE [--claim KEY=VALUE ...] [options]
       rolecall explain --policy FILE --event EVENT [--ref REF] [--environment NAME] --repo OWNER/NAME [...]

Evaluates one claim set against one IAM trust policy, exactly as STS would for
sts:AssumeRoleWithWebIdentity, and prints the decision with a statement-by-statement,
condition-by-condition trace, plus what the policy admits beyond what it should.

The token:
  --claim KEY=VALUE    a claim of the token, by bare name: sub, aud, environment, ref,
                       job_workflow_ref, repository, repository_id, actor, ... (repeatable).
                       A claim not given is absent, except aud: it defaults to
                       ${DEFAULT_AUDIENCE}, what configure-aws-credentials asks for.
  --claim KEY~=PATTERN a claim that ranges over every value of a GitHub branch/tag filter
                       pattern (release/**, v[0-9]*): says whether all, some or none are
                       admitted, with an example each way. Several pattern claims must share the
                       pattern: --claim 'sub~=repo:o/r:ref:refs/heads/release/**'
                       --claim 'ref~=refs/heads/release/**'

Or describe the run, and rolecall derives the claims GitHub mints (as scan does); --claim
values given as well override the derived ones:
  --event EVENT        push, pull_request, workflow_dispatch, release, schedule, ...
  --ref REF            refs/heads/main, refs/tags/v1, refs/pull/7/merge (a bare name is a branch)
  --environment NAME   the job's environment
  --repo OWNER/NAME    the repository; --repo-id ID for repository_id
  --sub-prefix P       immutable subjects (repo:owner@ID/name@ID)
  --sub-template KEYS  custom subject template, e.g. repo,context,job_workflow_ref
  --workflow-file PATH the workflow file (for job_workflow_ref), e.g. .github/workflows/deploy.yml
  --workflow NAME      the workflow's name: (the workflow claim)

Policy and output:
  --policy FILE        the trust policy: plain JSON, the URL-encoded AssumeRolePolicyDocument
                       string IAM returns, the output of 'aws iam get-role', or a file of several
                       roles (a JSON array, 'aws iam list-roles' output; pick one with
                       --role-arn) ('-' reads stdin)
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
  run: RunDescription | null;
}

function parseExplainArgs(argv: string[]): ExplainOptions | "help" {
  const spec = {
    policy: { type: "string" },
    claim: { type: "string", multiple: true },
    issuer: { type: "string" },
    "role-arn": { type: "string" },
    format: { type: "string" },
    event: { type: "string" },
    ref: { type: "string" },
    environment: { type: "string" },
    repo: { type: "string" },
    "repo-id": { type: "string" },
    "sub-prefix": { type: "string" },
    "sub-template": { type: "string" },
    "workflow-file": { type: "string" },
    workflow: { type: "string" },
    help: { type: "boolean", short: "h" },
  } as const;
  const parsed = parseCliArgs(argv, spec, () =>
    parseArgs({ args: argv, options: spec, allowPositionals: false, strict: true }),
  );
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
  const roleArnGiven = v["role-arn"];
  if (roleArnGiven !== undefined && !/^arn:[a-z-]+:iam::\d{12}:role\/.+$/.test(roleArnGiven))
    throw new UsageError(
      `--role-arn must be a role ARN (arn:aws:iam::123456789012:role/NAME), not ${roleArnGiven}`,
    );
  let issuer: string = GITHUB_ISSUER;
  if (v.issuer !== undefined) {
    const r = parseIssuer(v.issuer);
    if ("problem" in r) throw new UsageError(r.problem);
    issuer = r.issuer;
  }
  const runFlags = [
    "event",
    "ref",
    "environment",
    "repo",
    "repo-id",
    "sub-prefix",
    "sub-template",
    "workflow-file",
    "workflow",
  ] as const;
  let run: RunDescription | null = null;
  if (runFlags.some((f) => v[f] !== undefined)) {
    if (v.event === undefined)
      throw new UsageError(
        `--${runFlags.find((f) => v[f] !== undefined)} describes a run: give --event too (push, pull_request, ...)`,
      );
    if (!/^[a-z_]+$/.test(v.event))
      throw new UsageError(`--event must be an event name such as push, not ${v.event}`);
    if (v.repo !== undefined && !/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(v.repo))
      throw new UsageError(`--repo must be OWNER/NAME, not ${v.repo}`);
    if (v.repo === undefined && v["sub-prefix"] === undefined && !("sub" in claims) && !("sub" in patterns))
      throw new UsageError("--event: give --repo OWNER/NAME too, so the subject can be derived");
    if (v["repo-id"] !== undefined && !/^\d+$/.test(v["repo-id"]))
      throw new UsageError(`--repo-id must be a number, not ${v["repo-id"]}`);
    if (v["sub-prefix"] !== undefined && !/^repo:[^/:]+\/[^/:]+$/.test(v["sub-prefix"]))
      throw new UsageError(
        `--sub-prefix must look like repo:owner@OWNER_ID/name@REPO_ID, not ${v["sub-prefix"]}`,
      );
    if (v.environment === "") throw new UsageError("--environment is empty");
    let ref: string | null = null;
    if (v.ref !== undefined) {
      ref = fullRef(v.ref);
      const name = ref.replace(/^refs\/(heads|tags)\//, "");
      const problem = /^refs\/pull\/\d+\/(merge|head)$/.test(ref) ? null : branchNameProblem(name);
      if (problem) throw new UsageError(`--ref ${v.ref}: ${problem}`);
    }
    const template =
      v["sub-template"]
        ?.split(",")
        .map((x) => x.trim())
        .filter(Boolean) ?? null;
    for (const k of template ?? []) {
      if ((SUB_TEMPLATE_KEYS as readonly string[]).includes(k) || /^repo_property_[A-Za-z0-9_]+$/.test(k))
        continue;
      const near = nearest(k, SUB_TEMPLATE_KEYS);
      throw new UsageError(
        `--sub-template: ${JSON.stringify(k)} is not a claim GitHub can put in the subject${near ? `; did you mean ${near}?` : ""}`,
      );
    }
    run = {
      event: v.event,
      ref,
      environment: v.environment ?? null,
      repo: {
        fullName: v.repo ?? null,
        defaultBranch: "main",
        subPrefix: v["sub-prefix"] ?? null,
        subTemplate: template && template.length > 0 ? template : null,
        issuer,
        repositoryId: v["repo-id"] ?? null,
      },
      workflowFile: v["workflow-file"] ?? null,
      workflowName: v.workflow ?? null,
    };
  }
  return { policy: v.policy, claims, patterns, issuer, roleArn: v["role-arn"] ?? null, format, run };
}

/** Reads the policy: one role of a file of several (chosen by --role-arn), with positions in the file. */
function choosePolicy(
  file: string,
  text: string,
  roleArn: string | null,
): { policy: TrustPolicy; diagnostics: PolicyDiagnostic[] } | { errors: string[] } {
  const content = readRoleDocuments(file === "<stdin>" ? "stdin.json" : file, text);
  if (content.problem)
    return {
      errors: [
        `${file}:${content.problem.line}:${content.problem.column}: error: ${content.problem.message}`,
      ],
    };
  let docs = content.documents;
  if (docs.length > 1) {
    if (roleArn === null) {
      const arns = docs.map((d) => d.arn ?? `(a bare policy at line ${d.at.line})`);
      return {
        errors: [
          `${file}: holds ${docs.length} roles; choose one with --role-arn: ${arns.slice(0, 10).join(", ")}${arns.length > 10 ? `, and ${arns.length - 10} more` : ""}`,
        ],
      };
    }
    docs = docs.filter((d) => d.arn === roleArn);
    if (docs.length === 0) return { errors: [`${file}: none of its roles is ${roleArn}`] };
    if (docs.length > 1) return { errors: [`${file}: holds ${roleArn} ${docs.length} times; keep one`] };
  }
  const doc = docs[0]!;
  if (!doc.policy)
    return {
      errors: doc.diagnostics.map(
        (d) => `${file}:${d.span.start.line}:${d.span.start.column}: error: ${d.message}`,
      ),
    };
  return { policy: doc.policy, diagnostics: doc.diagnostics };
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
    io.stderr.write(`rolecall: cannot read policy ${safeText(file)}: ${readErrorText(e)}\n`);
    return EXIT.usage;
  }
  const chosen = choosePolicy(file, text, opts.roleArn);
  if ("errors" in chosen) {
    for (const line of chosen.errors) io.stderr.write(`${safeText(line)}\n`);
    io.stderr.write("rolecall: the policy could not be read; nothing was evaluated.\n");
    return EXIT.usage;
  }
  const { policy, diagnostics } = chosen;
  const notes: string[] = [];
  const claims: Record<string, ClaimValue> = {};
  if (opts.run) {
    const derived = claimsOfRun(opts.run);
    if ("noToken" in derived) {
      io.stderr.write(`rolecall: GitHub mints no OIDC token for this run: ${safeText(derived.noToken)}\n`);
      return EXIT.findings;
    }
    Object.assign(claims, derived.claims);
    notes.push(...derived.notes);
    const overridden = Object.keys(opts.claims).filter((k) => k in derived.claims);
    if (overridden.length > 0) notes.push(`--claim overrides the derived ${overridden.join(", ")}`);
  }
  for (const [k, val] of Object.entries(opts.claims)) claims[k] = { kind: "value", value: val };
  if (!("aud" in claims) && !("aud" in opts.patterns)) {
    claims.aud = { kind: "value", value: DEFAULT_AUDIENCE };
    if (!opts.run)
      notes.push(
        `aud not given: using ${DEFAULT_AUDIENCE}, the audience aws-actions/configure-aws-credentials asks for by default (its audience: input); give --claim aud=VALUE for another`,
      );
  }
  const warnings = [
    ...consistencyWarnings(claims),
    ...subjectFormatWarnings(policy, opts.issuer, claims.sub),
    ...keyTypoWarnings(policy, opts.issuer),
  ];
  let pattern: ExplainReport["pattern"] = null;
  const roleArn = opts.roleArn ?? policy.role.arn;
  if (Object.keys(opts.patterns).length > 0) {
    for (const k of Object.keys(opts.patterns)) delete claims[k];
    // A pattern whose language is too large to build exactly: indeterminate with the reason, never "internal error".
    const indeterminate = (why: string): number => {
      const reason = `${why}; try a shorter or simpler pattern, or a concrete --claim KEY=VALUE`;
      if (opts.format === "json")
        io.stdout.write(
          `${JSON.stringify({ version: 1, decision: "indeterminate", reasons: [reason] }, null, 2)}\n`,
        );
      else io.stdout.write(`Decision: INDETERMINATE\n  ${safeText(reason)}\n`);
      return EXIT.incomplete;
    };
    const pc = patternClaims(opts.patterns);
    if (!pc.ok) {
      if (pc.tooComplex) return indeterminate(pc.message);
      throw new UsageError(pc.message);
    }
    Object.assign(claims, pc.claims);
    try {
      const result = evaluatePattern(policy, { claims, issuer: opts.issuer, roleArn, variable: pc.variable });
      pattern = { description: pc.variable.description, result };
    } catch (e) {
      if (!(e instanceof LangTooComplexError)) throw e;
      const shortest = Object.values(opts.patterns).sort((a, b) => a.length - b.length)[0] ?? "";
      return indeterminate(
        `the pattern ${shorten(shortest)} is too complex for rolecall to analyse exactly (${e.message})`,
      );
    }
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
    notes,
    warnings,
  };
  if (opts.format === "json") io.stdout.write(`${JSON.stringify(renderExplainJson(report), null, 2)}\n`);
  else io.stdout.write(renderExplainText(report, useColor(io) ? colorStyle : plainStyle));
  const decision = explainDecision(report);
  return decision === "allow" ? EXIT.ok : decision === "deny" ? EXIT.findings : EXIT.incomplete;
}

/** A long value cut for a message. */
function shorten(s: string, max = 80): string {
  return s.length <= max ? s : `${s.slice(0, max)}… (${s.length} characters)`;
}
