// biome-ignore-all lint/suspicious/noTemplateCurlyInString: `${{ }}` is literal GitHub expression syntax here.
import { describe, expect, it } from "vitest";
import { conditionSource, findJob, findTrigger, stepInput } from "../../../src/core/workflow/index.js";
import { at, parseFixture, workflowOf } from "./fixture.js";

describe("parseWorkflow on a realistic deploy workflow", () => {
  const { workflow, diagnostics } = parseFixture("deploy.yml");
  const wf = workflow!;

  it("parses without diagnostics", () => {
    expect(diagnostics).toEqual([]);
    expect(wf.file).toBe(".github/workflows/deploy.yml");
  });

  it("keeps the name and run-name with spans and routes", () => {
    expect(wf.name).toMatchObject({ value: "Deploy", route: "name" });
    expect(at(wf.name!.span)).toBe("1:7");
    expect(wf.name!.span.end).toEqual({ line: 1, column: 13, offset: 12 });
    expect(wf.runName?.value).toBe("Deploy ${{ github.ref_name }} by @${{ github.actor }}");
    expect(wf.on?.route).toBe("on");
    expect(at(wf.on!.span)).toBe("4:1");
  });

  it("reads every trigger with positioned filters", () => {
    expect(wf.triggers.map((t) => t.event)).toEqual([
      "push",
      "pull_request",
      "workflow_dispatch",
      "schedule",
    ]);
    const push = findTrigger(wf, "push")!;
    expect(at(push.name.span)).toBe("5:3");
    expect(push.name.route).toBe("on.push");
    expect(push.branches!.value.map((b) => b.value)).toEqual(["main", "release/**"]);
    expect(push.branches!.route).toBe("on.push.branches");
    expect(push.branches!.value[1]).toMatchObject({ route: "on.push.branches[1]" });
    expect(at(push.branches!.value[1]!.span)).toBe("6:22");
    expect(push.tags!.value[0]).toMatchObject({ value: "v*", route: "on.push.tags[0]" });
    expect(at(push.tags!.value[0]!.span)).toBe("8:9");
    expect(push.pathsIgnore!.value.map((p) => p.value)).toEqual(["docs/**"]);
    expect(push.paths).toBeUndefined();

    const pr = findTrigger(wf, "pull_request")!;
    expect(pr.types!.value.map((t) => t.value)).toEqual(["opened", "synchronize"]);
    expect(pr.branchesIgnore!.value[0]).toMatchObject({
      value: "gh-pages",
      route: "on.pull_request.branches-ignore[0]",
    });

    const dispatch = findTrigger(wf, "workflow_dispatch")!;
    const [env, dry] = dispatch.inputs!;
    expect(env!.name).toMatchObject({
      value: "environment",
      route: "on.workflow_dispatch.inputs.environment",
    });
    expect(env!.type?.value).toBe("choice");
    expect(env!.options!.value.map((o) => o.value)).toEqual(["staging", "production"]);
    expect(env!.default).toMatchObject({
      value: "staging",
      route: "on.workflow_dispatch.inputs.environment.default",
    });
    expect(at(env!.default!.span)).toBe("19:18");
    expect(env!.required?.value).toBe(true);
    expect(dry!.default?.value).toBe(false);

    const schedule = findTrigger(wf, "schedule")!;
    expect(schedule.schedules).toHaveLength(1);
    expect(schedule.schedules![0]!.cron).toMatchObject({ value: "30 5 * * 1", route: "on.schedule[0].cron" });
    expect(at(schedule.schedules![0]!.cron.span)).toBe("25:13");
    expect(schedule.schedules![0]!.timezone?.value).toBe("Europe/Paris");
  });

  it("reads workflow permissions and env", () => {
    expect(wf.permissions?.form).toBe("map");
    expect(wf.permissions?.scopes.map((s) => `${s.key.value}:${s.value.value}`)).toEqual(["contents:read"]);
    expect(wf.env?.entries.map((e) => [e.key.value, e.value.value])).toEqual([
      ["AWS_REGION", "eu-west-1"],
      ["ROLE_DURATION_SECONDS", "1800"],
    ]);
    expect(wf.env!.entries[1]!.value.route).toBe("env.ROLE_DURATION_SECONDS");
  });

  it("reads job fields", () => {
    expect(wf.jobs.map((j) => j.id.value)).toEqual(["test", "deploy", "release"]);
    const deploy = findJob(wf, "deploy")!;
    expect(deploy.route).toBe("jobs.deploy");
    expect(at(deploy.id.span)).toBe("42:3");
    expect(deploy.name?.value).toBe("Deploy to ${{ inputs.environment || 'staging' }}");
    expect(deploy.needs.map((n) => n.value)).toEqual(["test"]);
    expect(deploy.if).toMatchObject({
      value: "github.event_name != 'pull_request' && startsWith(github.ref, 'refs/heads/')",
      route: "jobs.deploy.if",
    });
    expect(at(deploy.if!.span)).toBe("45:9");
    expect(conditionSource(deploy.if!.value)).toBe(deploy.if!.value);
    expect(deploy.runsOn?.labels.map((l) => l.value)).toEqual(["self-hosted", "linux"]);
    expect(deploy.timeoutMinutes).toMatchObject({ value: 90, route: "jobs.deploy.timeout-minutes" });
    expect(deploy.env?.entries[0]?.key.value).toBe("ROLE_SESSION_NAME");

    const release = findJob(wf, "release")!;
    expect(conditionSource(release.if!.value)).toBe(" startsWith(github.ref, 'refs/tags/v') ");
  });

  it("reads environments in both forms, flagging expressions", () => {
    const deploy = findJob(wf, "deploy")!;
    expect(deploy.environment).toMatchObject({
      form: "mapping",
      nameIsExpression: true,
      route: "jobs.deploy.environment",
      name: { value: "${{ inputs.environment || 'staging' }}", route: "jobs.deploy.environment.name" },
      url: { value: "https://${{ vars.HOST }}" },
    });
    expect(at(deploy.environment!.name.span)).toBe("49:13");
    const release = findJob(wf, "release")!;
    expect(release.environment).toMatchObject({
      form: "string",
      nameIsExpression: false,
      name: { value: "production" },
    });
    expect(at(release.environment!.span)).toBe("73:18");
    expect(findJob(wf, "test")!.environment).toBeUndefined();
  });

  it("reads steps with parsed uses, with, env and run", () => {
    const steps = findJob(wf, "deploy")!.steps;
    expect(steps.map((s) => s.kind)).toEqual(["uses", "uses", "run"]);
    const creds = steps[1]!;
    expect(creds.route).toBe("jobs.deploy.steps[1]");
    expect(creds.id?.value).toBe("creds");
    expect(creds.name?.value).toBe("Configure AWS credentials");
    expect(creds.uses?.target).toMatchObject({
      kind: "repository",
      owner: "aws-actions",
      repo: "configure-aws-credentials",
      ref: "v4",
      refKind: "version",
      major: 4,
    });
    expect(creds.uses?.ref).toMatchObject({ value: "v4", route: "jobs.deploy.steps[1].uses" });
    expect(at(creds.uses!.ref!.span)).toBe("60:53");
    expect(creds.uses!.ref!.span.end.column).toBe(55);
    const role = stepInput(creds, "role-to-assume")!;
    expect(role.value).toMatchObject({
      value: "arn:aws:iam::123456789012:role/deploy",
      route: "jobs.deploy.steps[1].with.role-to-assume",
    });
    expect(at(role.key.span)).toBe("62:11");
    expect(at(role.value.span)).toBe("62:27");
    expect(stepInput(creds, "audience")?.key.value).toBe("Audience");
    expect(creds.env?.entries[0]?.value.route).toBe("jobs.deploy.steps[1].env.AUDIENCE");
    expect(steps[2]!.run?.value).toBe("aws sts get-caller-identity");

    const pinned = findJob(wf, "test")!.steps[0]!;
    expect(pinned.uses?.target).toMatchObject({
      kind: "repository",
      owner: "actions",
      repo: "checkout",
      refKind: "sha",
    });
  });

  it("reads the static matrix", () => {
    const matrix = findJob(wf, "release")!.strategy!.matrix!;
    expect(matrix.route).toBe("jobs.release.strategy.matrix");
    expect(matrix.dimensions.map((d) => d.name.value)).toEqual(["region"]);
    expect(matrix.dimensions[0]!.values!.map((v) => v.value)).toEqual(["us-east-1", "eu-west-1"]);
    expect(matrix.include?.[0]?.entries.map((e) => e.key.value)).toEqual(["region", "role"]);
    expect(matrix.include?.[0]?.route).toBe("jobs.release.strategy.matrix.include[0]");
  });
});

describe("trigger shapes", () => {
  it("reads `on:` as a list", () => {
    const wf = workflowOf("triggers-shapes.yml");
    expect(wf.triggers.map((t) => [t.event, t.name.route, at(t.name.span)])).toEqual([
      ["push", "on[0]", "1:6"],
      ["pull_request_target", "on[1]", "1:12"],
    ]);
  });

  it("reads `on:` as a string", () => {
    const wf = workflowOf("triggers-string.yml");
    expect(wf.triggers.map((t) => [t.event, t.name.route])).toEqual([["workflow_dispatch", "on"]]);
    expect(wf.triggers[0]!.inputs).toBeUndefined();
  });

  it("keeps `on` when a YAML 1.1 document reads it as `true`, and accepts a string filter", () => {
    const { workflow, diagnostics } = parseFixture("triggers-yaml11.yml");
    expect(diagnostics).toEqual([]);
    const push = findTrigger(workflow!, "push")!;
    expect(push.branches!.value.map((b) => [b.value, b.route])).toEqual([["main", "on.push.branches"]]);
    expect(at(push.branches!.value[0]!.span)).toBe("5:15");
  });

  it("reads workflow_call inputs, secrets and outputs", () => {
    const wf = workflowOf("reusable-called.yml");
    const call = findTrigger(wf, "workflow_call")!;
    expect(
      call.inputs!.map((i) => [i.name.value, i.type?.value, i.default?.value, i.required?.value]),
    ).toEqual([
      ["environment", "string", undefined, true],
      ["role-arn", "string", "arn:aws:iam::123456789012:role/default", undefined],
    ]);
    expect(call.secrets!.map((s) => [s.name.value, s.required?.value])).toEqual([["DEPLOY_KEY", false]]);
    expect(call.outputs!.map((o) => [o.name.value, o.value?.value])).toEqual([
      ["url", "${{ jobs.deploy.outputs.url }}"],
    ]);
    expect(call.outputs![0]!.name.route).toBe("on.workflow_call.outputs.url");
  });
});

describe("reusable workflow calls", () => {
  const wf = workflowOf("reusable-caller.yml");

  it("reads a local call with secrets: inherit", () => {
    const local = findJob(wf, "local")!;
    expect(local.call?.target).toEqual({ kind: "local", path: "./.github/workflows/reusable-called.yml" });
    expect(local.call?.with?.entries.map((e) => [e.key.value, e.value.value])).toEqual([
      ["environment", "production"],
    ]);
    expect(local.call?.secrets).toMatchObject({ inherit: true, node: { route: "jobs.local.secrets" } });
    expect(local.permissions?.scopes.map((s) => s.key.value)).toEqual(["id-token", "contents"]);
    expect(local.steps).toEqual([]);
  });

  it("reads a remote call with its ref and named secrets", () => {
    const remote = findJob(wf, "remote")!;
    expect(remote.call?.target).toMatchObject({
      kind: "repository",
      owner: "octo-org",
      repo: "shared",
      path: ".github/workflows/deploy.yml",
      ref: "v2",
    });
    expect(remote.call?.ref?.value).toBe("v2");
    expect(at(remote.call!.ref!.span)).toBe("16:56");
    expect(remote.call?.secrets).toMatchObject({ inherit: false, route: "jobs.remote.secrets" });
    if (remote.call?.secrets?.inherit === false) {
      expect(remote.call.secrets.entries[0]!.value.value).toBe("${{ secrets.DEPLOY_KEY }}");
    }
  });

  it("reads a self-repository `$/` call", () => {
    expect(findJob(wf, "self")!.call?.target).toEqual({
      kind: "self",
      path: ".github/workflows/reusable-called.yml",
    });
  });
});

describe("parallel steps", () => {
  it("flattens `parallel:` groups and reads wait, wait-all, cancel and background", () => {
    const { workflow, diagnostics } = parseFixture("parallel-steps.yml");
    expect(diagnostics).toEqual([]);
    const steps = workflow!.jobs[0]!.steps;
    expect(steps.map((s) => [s.index, s.kind, s.route])).toEqual([
      [0, "uses", "jobs.build.steps[0]"],
      [1, "run", "jobs.build.steps[1].parallel[0]"],
      [2, "uses", "jobs.build.steps[1].parallel[1]"],
      [3, "run", "jobs.build.steps[2]"],
      [4, "wait", "jobs.build.steps[3]"],
      [5, "wait-all", "jobs.build.steps[4]"],
      [6, "cancel", "jobs.build.steps[5]"],
    ]);
    expect(steps[2]!.parallel?.route).toBe("jobs.build.steps[1]");
    expect(steps[0]!.parallel).toBeUndefined();
    expect(steps[3]!.background?.value).toBe(true);
    expect(steps[4]!.wait?.value.map((w) => w.value)).toEqual(["server"]);
    expect(steps[6]!.cancel?.value).toBe("server");
  });
});
