import { safeText } from "../core/render/scan-text.js";
import { runExplain } from "./explain.js";
import type { CliIo } from "./io.js";
import { runScanCommand } from "./scan.js";
import { EXIT, UsageError } from "./usage-error.js";

export const MAIN_HELP = `rolecall: checks that GitHub Actions jobs which assume AWS IAM roles through OIDC will be let in
by the roles' trust policies, and that the trust is no broader than the workflows need.

Usage: rolecall <command> [options]

Commands:
  scan      check every job of a checkout that assumes an AWS role against the role's trust policy
            (rolecall scan --help)
  explain   evaluate one claim set against one trust policy, with a full trace
            (rolecall explain --help)

Options:
  -h, --help     this help
  --version      print the version
`;

/** Runs the CLI with `argv` (without node and script); returns the exit code. Never throws. */
export async function runCli(argv: string[], io: CliIo, version: string): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case undefined:
      case "-h":
      case "--help":
      case "help":
        io.stdout.write(MAIN_HELP);
        return command === undefined ? EXIT.usage : EXIT.ok;
      case "--version":
        io.stdout.write(`${version}\n`);
        return EXIT.ok;
      case "explain":
        return await runExplain(rest, io);
      case "scan":
        return await runScanCommand(rest, io, version);
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      io.stderr.write(
        `rolecall: ${safeText(e.message)}\nRun 'rolecall ${command === "explain" || command === "scan" ? `${command} ` : ""}--help' for usage.\n`,
      );
      return EXIT.usage;
    }
    io.stderr.write(
      `rolecall: internal error: ${safeText((e as Error).message)}\nThis is a bug in rolecall; please report it with the command you ran.\n`,
    );
    return EXIT.incomplete;
  }
}
