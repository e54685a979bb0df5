/** The process edges a command may touch, injected so commands can be run in tests. */
export interface CliIo {
  stdout: { write(s: string): unknown; isTTY?: boolean };
  stderr: { write(s: string): unknown };
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
  readFile(path: string): Promise<string>;
  readStdin(): Promise<string>;
  /** The clock (epoch ms); Date.now when absent. The core reads none: the scan passes it in. */
  now?: () => number;
}

/** Colour on a terminal unless NO_COLOR is set; FORCE_COLOR turns it on anywhere. */
export function useColor(io: CliIo): boolean {
  if (io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== "") return false;
  if (io.env.FORCE_COLOR !== undefined && io.env.FORCE_COLOR !== "0") return true;
  return io.stdout.isTTY === true;
}
