/**
 * The App's logger, built as Probot's own `getLog` builds it (pino; `LOG_FORMAT=pretty` or `json`,
 * `LOG_LEVEL`, `LOG_LEVEL_IN_STRING`, `LOG_MESSAGE_KEY`, `SENTRY_DSN`, with the same defaults), so
 * the lines look as they did under Probot's `run()`. Probot does not export it; `pino` and
 * `@probot/pino` are Probot's own dependencies, at the versions Probot pins.
 */
import { getTransformStream } from "@probot/pino";
import { type Logger, pino } from "pino";

const LEVELS = new Set(["trace", "debug", "info", "warn", "error", "fatal", "silent"]);

export async function createLogger(env: Readonly<Record<string, string | undefined>>): Promise<Logger> {
  const logFormat =
    env.LOG_FORMAT && env.LOG_FORMAT !== ""
      ? env.LOG_FORMAT === "pretty"
        ? "pretty"
        : "json"
      : env.NODE_ENV === "production"
        ? "json"
        : "pretty";
  const level = env.LOG_LEVEL && LEVELS.has(env.LOG_LEVEL) ? env.LOG_LEVEL : "info";
  const transform = await getTransformStream({
    logFormat,
    logLevelInString: env.LOG_LEVEL_IN_STRING === "true",
    sentryDsn: env.SENTRY_DSN || undefined,
  });
  transform.pipe(pino.destination(1) as unknown as NodeJS.WritableStream);
  return pino({ level, name: "probot", messageKey: env.LOG_MESSAGE_KEY || "msg" }, transform);
}
