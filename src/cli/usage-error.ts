/** A mistake in how the command was called: exit code 2 with the message and a pointer to --help. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** Exit codes shared by every command (DESIGN §2.2). */
export const EXIT = {
  ok: 0,
  findings: 1,
  usage: 2,
  incomplete: 3,
} as const;
