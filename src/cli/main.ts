#!/usr/bin/env node
import { readFileSync } from "node:fs";
import { readRegularFile } from "../adapters/fs/roles-dir.js";
import { runCli } from "./run.js";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
  version: string;
};

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

const code = await runCli(
  process.argv.slice(2),
  {
    stdout: process.stdout,
    stderr: process.stderr,
    env: process.env,
    cwd: process.cwd(),
    readFile: (p) => readRegularFile(p),
    readStdin,
  },
  pkg.version,
);
process.exitCode = code;
