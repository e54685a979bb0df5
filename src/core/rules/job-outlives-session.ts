import type { Finding } from "../engine/scan-types.js";
import { awsCredentials } from "../workflow/index.js";
import { defineRule } from "./define-rule.js";
import { docsUrl } from "./rule.js";
import { assumingPath, roleDurationSeconds } from "./session-duration-exceeds-max.js";
import { nodeAt, workflowFinding } from "./workflow-rule.js";

const id = "job-outlives-session";

/** `job-outlives-session`: an explicit `timeout-minutes` longer than the AWS session. */
export const jobOutlivesSession = defineRule({
  meta: {
    id,
    severity: "medium",
    category: "will-fail",
    title: "The job may run longer than its AWS session",
    explanation:
      "The credentials configure-aws-credentials exports last `role-duration-seconds` (3600 by default) and are not refreshed: AWS calls made after that fail with `ExpiredToken: The security token included in the request is expired`. rolecall compares the session with an explicit `timeout-minutes` only. Every job without one may run for 360 minutes, which would flag nearly every job; an explicit timeout says how long the job is expected to take. It fires only when steps follow the credentials step, and takes the longest session when the job assumes roles more than once.",
    fix: "Raise `role-duration-seconds` to cover the job (up to the role's `MaxSessionDuration`, at most 43200; 3600 with `role-chaining`), lower `timeout-minutes`, or assume the role again before the long-running steps.",
    docs: docsUrl(id),
  },
  onWorkflow({ file, workflow }) {
    const out: Finding[] = [];
    for (const job of workflow.jobs) {
      const timeout = job.timeoutMinutes;
      if (typeof timeout?.value !== "number") continue;
      let longest: { seconds: number; role: string; explicit: boolean } | undefined;
      let unknown = false;
      let lastIndex = -1;
      for (const step of job.steps) {
        const view = awsCredentials(step, job, workflow);
        if (!view || !assumingPath(view)) continue;
        const input = view.inputs["role-duration-seconds"];
        const seconds = roleDurationSeconds(input);
        if (seconds === undefined) {
          unknown = true;
          break;
        }
        lastIndex = step.index;
        if (!longest || seconds > longest.seconds)
          longest = { seconds, role: view.inputs["role-to-assume"]!.value, explicit: input !== undefined };
      }
      if (unknown || !longest || lastIndex >= job.steps.length - 1) continue;
      if (timeout.value * 60 <= longest.seconds) continue;
      const notes: string[] = [];
      if (longest.seconds % 60 === 0) notes.push(`${longest.seconds / 60} minutes`);
      if (!longest.explicit) notes.push("the action's default");
      const session = `${longest.seconds} seconds${notes.length > 0 ? ` (${notes.join(", ")})` : ""}`;
      out.push(
        workflowFinding(this.meta, nodeAt(file, timeout), {
          message: `Job \`${job.id.value}\` has \`timeout-minutes: ${timeout.value}\`, but its session for \`${longest.role}\` lasts ${session}, so AWS calls after that fail with \`ExpiredToken: The security token included in the request is expired\`.`,
          job: job.id.value,
          role: longest.role,
        }),
      );
    }
    return out;
  },
});
