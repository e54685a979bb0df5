// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${{ }}` is literal GitHub expression syntax here.
import { describe, expect, it } from "vitest";
import {
  actionAwsCredentialsSteps,
  awsCredentials,
  awsCredentialsPath,
  awsCredentialsSteps,
  findJob,
  isAwsCredentialsStep,
  parseActionManifest,
  parseWorkflow,
  type Workflow,
} from "../../../src/core/workflow/index.js";
import { at, fixtureBytes, workflowOf } from "./fixture.js";

function wf(text: string): Workflow {
  const { workflow, diagnostics } = parseWorkflow(text, "a.yml");
  expect(diagnostics).toEqual([]);
  return workflow!;
}

/** A one-step workflow using configure-aws-credentials@`ref` with the given `with:` and env blocks. */
function oneStep(
  ref: string,
  withBlock: string,
  extra: { stepEnv?: string; jobEnv?: string; wfEnv?: string } = {},
) {
  const w = wf(
    [
      "on: push",
      extra.wfEnv ? `env:\n${extra.wfEnv}` : "",
      "jobs:",
      "  j:",
      "    runs-on: x",
      extra.jobEnv ? `    env:\n${extra.jobEnv}` : "",
      "    steps:",
      `      - uses: aws-actions/configure-aws-credentials@${ref}`,
      withBlock ? `        with:\n${withBlock}` : "",
      extra.stepEnv ? `        env:\n${extra.stepEnv}` : "",
    ]
      .filter((l) => l !== "")
      .join("\n"),
  );
  return awsCredentialsSteps(w)[0]!;
}

describe("isAwsCredentialsStep", () => {
  it("matches the action at any ref, case-insensitively, with a trailing path; not forks", () => {
    const w = wf(
      [
        "on: push",
        "jobs:",
        "  j:",
        "    runs-on: x",
        "    steps:",
        "      - uses: AWS-Actions/Configure-AWS-Credentials@0123456789abcdef0123456789abcdef01234567",
        "      - uses: aws-actions/configure-aws-credentials/sub@main",
        "      - uses: my-org/configure-aws-credentials@v4",
        "      - uses: ./configure-aws-credentials",
        "      - run: echo",
      ].join("\n"),
    );
    expect(w.jobs[0]!.steps.map(isAwsCredentialsStep)).toEqual([true, true, false, false, false]);
  });
});

describe("awsCredentials on the deploy fixture", () => {
  const workflow = workflowOf("deploy.yml");
  const views = awsCredentialsSteps(workflow);

  it("finds one step per job that uses the action", () => {
    expect(views.map((v) => [v.job?.id.value, v.step.route])).toEqual([
      ["deploy", "jobs.deploy.steps[1]"],
      ["release", "jobs.release.steps[0]"],
    ]);
  });

  it("resolves `with:` inputs case-insensitively with their positions", () => {
    const [deploy] = views;
    expect(deploy!.inputs["role-to-assume"]).toMatchObject({
      value: "arn:aws:iam::123456789012:role/deploy",
      source: "with",
      isExpression: false,
      node: { route: "jobs.deploy.steps[1].with.role-to-assume" },
      key: { value: "role-to-assume" },
    });
    expect(at(deploy!.inputs["role-to-assume"]!.node.span)).toBe("62:27");
    expect(deploy!.inputs.audience).toMatchObject({
      value: "sts.amazonaws.com",
      source: "with",
      key: { value: "Audience" },
    });
  });

  it("falls back to env-var inputs from step, job and workflow env, recording the source", () => {
    const [deploy] = views;
    expect(deploy!.envInputs).toBe("input-wins");
    expect(deploy!.inputs["aws-region"]).toMatchObject({
      value: "eu-west-1",
      source: "workflow-env",
      envName: "AWS_REGION",
      node: { route: "env.AWS_REGION" },
      key: { route: "env.AWS_REGION" },
    });
    expect(at(deploy!.inputs["aws-region"]!.key.span)).toBe("32:3");
    expect(deploy!.inputs["role-duration-seconds"]).toMatchObject({ value: "1800", source: "workflow-env" });
    expect(deploy!.inputs["role-session-name"]).toMatchObject({
      value: "deploy-session",
      source: "job-env",
      envName: "ROLE_SESSION_NAME",
      node: { route: "jobs.deploy.env.ROLE_SESSION_NAME" },
    });
    expect(deploy!.ignored.map((i) => [i.input.envName, i.input.source, i.reason])).toEqual([
      ["AUDIENCE", "step-env", "the `audience` input is set, and takes precedence"],
    ]);
  });

  it("exposes the action ref and its span for pinning checks", () => {
    const [deploy, release] = views;
    expect(deploy!.action).toMatchObject({
      owner: "aws-actions",
      repo: "configure-aws-credentials",
      refKind: "version",
      major: 4,
    });
    expect(deploy!.action.ref).toMatchObject({ value: "v4", route: "jobs.deploy.steps[1].uses" });
    expect(at(deploy!.action.ref.span)).toBe("60:53");
    expect(release!.action.refKind).toBe("sha");
    expect(release!.action.ref.value).toBe("e3dd6a429d7300a6a4c196c26e071d42e0343502");
    expect(at(release!.action.ref.span)).toBe("82:53");
    // A SHA pin is resolved to its release when it is one: e3dd6a4 is v4.0.2, before env-var inputs.
    expect(release!.action).toMatchObject({ release: "v4.0.2", major: 4 });
    expect(release!.envInputs).toBe("unsupported");
  });

  it("keeps expression inputs raw and flags them", () => {
    const [, release] = views;
    expect(release!.inputs["role-to-assume"]).toMatchObject({
      value: "${{ matrix.role || secrets.RELEASE_ROLE }}",
      isExpression: true,
      source: "with",
    });
    expect(release!.ignored.map((i) => i.input.envName)).toEqual(["AWS_REGION", "ROLE_DURATION_SECONDS"]);
    expect(release!.inputs["role-duration-seconds"]).toBeUndefined();
  });

  it("answers for a single step too, and nothing for other steps", () => {
    const deploy = findJob(workflow, "deploy")!;
    expect(awsCredentials(deploy.steps[0]!, deploy, workflow)).toBeUndefined();
    expect(awsCredentials(deploy.steps[1]!, deploy, workflow)?.inputs["role-to-assume"]?.source).toBe("with");
    // Without job and workflow, only the step's own env counts.
    expect(awsCredentials(deploy.steps[1]!)?.inputs["aws-region"]).toBeUndefined();
  });
});

describe("env-var inputs by action version", () => {
  const env = { jobEnv: "      ROLE_TO_ASSUME: arn:aws:iam::1:role/env\n      AWS_REGION: us-east-1" };

  it("uses env vars when the input is absent or empty (v4.2.1 and later, floating majors)", () => {
    for (const ref of ["v4", "v4.2.1", "v5.1.0", "v6", "main"]) {
      const view = oneStep(ref, "", env);
      expect([ref, view.envInputs, view.inputs["role-to-assume"]?.source]).toEqual([
        ref,
        "input-wins",
        "job-env",
      ]);
    }
    const empty = oneStep("v6", "          role-to-assume: ''", env);
    expect(empty.inputs["role-to-assume"]).toMatchObject({
      source: "job-env",
      value: "arn:aws:iam::1:role/env",
    });
    expect(empty.ignored).toEqual([]);
  });

  it("lets the env var override the input in v4.2.0 only", () => {
    const view = oneStep("v4.2.0", "          role-to-assume: arn:aws:iam::1:role/with", env);
    expect(view.envInputs).toBe("env-wins");
    expect(view.inputs["role-to-assume"]).toMatchObject({
      source: "job-env",
      value: "arn:aws:iam::1:role/env",
    });
    expect(view.ignored.map((i) => [i.input.source, i.reason])).toEqual([
      ["with", "v4.2.0 lets `ROLE_TO_ASSUME` override the input"],
    ]);
  });

  it("resolves SHA pins through the release table, and treats other SHAs as unknown", () => {
    const v623 = oneStep("e6de054238d6b7531b4efff3b6587d9aade6a06c", "", env);
    expect([v623.action.release, v623.action.major, v623.envInputs]).toEqual(["v6.2.3", 6, "input-wins"]);
    expect(v623.inputs["role-to-assume"]?.source).toBe("job-env");
    const v420 = oneStep("F24D7193D98BAEBAEACC7E2227925DD47CC267F5", "", env);
    expect([v420.action.release, v420.envInputs]).toEqual(["v4.2.0", "env-wins"]);
    const other = oneStep("0123456789abcdef0123456789abcdef01234567", "", env);
    expect([other.action.release, other.envInputs]).toEqual([undefined, "unknown"]);
    expect(other.inputs["role-to-assume"]?.source).toBe("job-env");
  });

  it("ignores env vars before v4.2.0", () => {
    for (const ref of ["v1", "v2", "v3.0.1", "v4.0.2", "v4.1.0"]) {
      const view = oneStep(ref, "", env);
      expect(view.envInputs).toBe("unsupported");
      expect(view.inputs["role-to-assume"]).toBeUndefined();
      expect(view.ignored.map((i) => i.input.envName)).toEqual(["AWS_REGION", "ROLE_TO_ASSUME"]);
    }
  });

  it("never applies AUDIENCE (the runner sets the input default first)", () => {
    const view = oneStep("v6", "          role-to-assume: arn:aws:iam::1:role/r", {
      stepEnv: "          AUDIENCE: other",
    });
    expect(view.inputs.audience).toBeUndefined();
    expect(view.ignored[0]?.reason).toMatch(/default `sts.amazonaws.com` first/);
  });

  it("takes the innermost env definition and matches variable names case-sensitively", () => {
    const view = oneStep("v6", "", {
      stepEnv: "          ROLE_TO_ASSUME: step",
      jobEnv: "      ROLE_TO_ASSUME: job\n      role_session_name: lower",
      wfEnv: "  ROLE_TO_ASSUME: workflow",
    });
    expect(view.inputs["role-to-assume"]).toMatchObject({ value: "step", source: "step-env" });
    expect(view.inputs["role-session-name"]).toBeUndefined();
  });

  it("records env blocks written as one expression", () => {
    const w = wf(
      "on: push\njobs:\n  j:\n    runs-on: x\n    env: ${{ fromJSON(vars.ENV) }}\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v6\n",
    );
    expect(awsCredentialsSteps(w)[0]!.opaqueEnv.map((n) => n.route)).toEqual(["jobs.j.env"]);
  });

  it("lists `with:` keys that are not inputs of the action", () => {
    const view = oneStep(
      "v6",
      "          role-to-asume: arn:aws:iam::1:role/r\n          aws-region: us-east-1",
    );
    expect(view.unknownInputs.map((e) => [e.key.value, e.key.route])).toEqual([
      ["role-to-asume", "jobs.j.steps[0].with.role-to-asume"],
    ]);
    expect(view.inputs["role-to-assume"]).toBeUndefined();
  });
});

describe("awsCredentialsPath", () => {
  const role = "          role-to-assume: arn:aws:iam::1:role/r\n";
  it("decides the authentication path like the action does", () => {
    expect(awsCredentialsPath(oneStep("v6", role))).toMatchObject({
      path: "oidc",
      decidedBy: { name: "role-to-assume" },
    });
    expect(
      awsCredentialsPath(oneStep("v6", `${role}          aws-access-key-id: \${{ secrets.KEY }}`)),
    ).toMatchObject({
      path: "access-keys",
    });
    expect(awsCredentialsPath(oneStep("v6", `${role}          web-identity-token-file: /tmp/t`)).path).toBe(
      "web-identity-token-file",
    );
    expect(awsCredentialsPath(oneStep("v6", `${role}          role-chaining: true`)).path).toBe(
      "role-chaining",
    );
    expect(awsCredentialsPath(oneStep("v6", `${role}          force-skip-oidc: TRUE`)).path).toBe(
      "force-skip-oidc",
    );
    expect(awsCredentialsPath(oneStep("v6", `${role}          role-chaining: false`)).path).toBe("oidc");
    expect(awsCredentialsPath(oneStep("v6", "          aws-region: us-east-1")).path).toBe("no-role");
    expect(
      awsCredentialsPath(
        oneStep("v6", "", {
          jobEnv: "      ROLE_TO_ASSUME: arn:aws:iam::1:role/r\n      ROLE_CHAINING: true",
        }),
      ).path,
    ).toBe("role-chaining");
  });

  it("lists inputs that are expressions and could change the path", () => {
    const view = oneStep("v6", `${role}          role-chaining: \${{ inputs.chain }}`);
    const path = awsCredentialsPath(view);
    expect(path.path).toBe("oidc");
    expect(path.uncertain.map((i) => i.name)).toEqual(["role-chaining"]);
  });
});

describe("composite actions", () => {
  it("parses action.yml and resolves its credentials step", () => {
    const { action, diagnostics } = parseActionManifest(
      fixtureBytes("composite/action.yml"),
      ".github/actions/aws/action.yml",
    );
    expect(diagnostics).toEqual([]);
    expect(action).toMatchObject({
      isComposite: true,
      name: { value: "Configure AWS" },
      runs: { using: { value: "composite" }, route: "runs" },
    });
    expect(action!.inputs.map((i) => [i.name.value, i.required?.value, i.default?.value])).toEqual([
      ["role", true, undefined],
      ["region", undefined, "us-east-1"],
    ]);
    expect(action!.outputs[0]?.value?.value).toBe("${{ steps.creds.outputs.aws-account-id }}");
    expect(action!.runs!.steps.map((s) => [s.route, s.kind])).toEqual([
      ["runs.steps[0]", "uses"],
      ["runs.steps[1]", "run"],
    ]);
    const [view] = actionAwsCredentialsSteps(action!);
    expect(view!.job).toBeUndefined();
    expect(view!.envInputs).toBe("env-wins");
    expect(view!.inputs["role-to-assume"]).toMatchObject({
      value: "arn:aws:iam::123456789012:role/env-wins",
      source: "step-env",
      node: { route: "runs.steps[0].env.ROLE_TO_ASSUME" },
    });
    expect(view!.inputs["aws-region"]).toMatchObject({ value: "${{ inputs.region }}", isExpression: true });
    expect(at(view!.inputs["aws-region"]!.node.span)).toBe("20:21");
  });

  it("reads non-composite actions and reports broken manifests", () => {
    const js = parseActionManifest("name: x\nruns:\n  using: node20\n  main: dist/index.js\n", "action.yml");
    expect(js.action).toMatchObject({
      isComposite: false,
      runs: { main: { value: "dist/index.js" }, steps: [] },
    });
    const noRuns = parseActionManifest("name: x\n", "action.yml");
    expect(noRuns.diagnostics.map((d) => d.code)).toEqual(["invalid-shape"]);
    const noSteps = parseActionManifest("runs:\n  using: composite\n", "action.yml");
    expect(noSteps.diagnostics.map((d) => [d.code, d.route])).toEqual([["invalid-shape", "runs"]]);
    expect(parseActionManifest("- a\n", "action.yml").action).toBeNull();
  });
});
