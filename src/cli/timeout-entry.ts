// The worker that runs `rolecall scan --timeout`: the whole command, its output captured.
import { readFile } from "node:fs/promises";
import { serveTask } from "../worker/serve.js";
import { runScanCommand } from "./scan.js";
import type { CliScanInput, CliScanOutput } from "./timeout.js";

serveTask(async (input: CliScanInput): Promise<CliScanOutput> => {
  let stdout = "";
  let stderr = "";
  const code = await runScanCommand(
    input.argv,
    {
      stdout: { write: (s: string) => (stdout += s), isTTY: input.isTTY },
      stderr: { write: (s: string) => (stderr += s) },
      env: input.env,
      cwd: input.cwd,
      readFile: (p) => readFile(p, "utf8"),
      readStdin: async () => "",
    },
    input.version,
  );
  return { code, stdout, stderr };
});
