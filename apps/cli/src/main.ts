import { createInterface } from "node:readline";
import { Writable } from "node:stream";
import { loadEnvFileIfPresent } from "@seed/config";
import { runCli } from "./cli";

/** Reads one line without echoing it on a terminal; from a pipe, its first line. */
async function readSecret(prompt: string): Promise<string> {
  const silent = process.stdin.isTTY;
  if (silent) process.stdout.write(prompt);
  const muted = new Writable({ write: (_chunk, _encoding, done) => done() });
  const reader = createInterface({ input: process.stdin, output: silent ? muted : undefined, terminal: silent });
  try {
    for await (const line of reader) return line;
    return "";
  } finally {
    reader.close();
    if (silent) process.stdout.write("\n");
  }
}

loadEnvFileIfPresent();
process.exitCode = await runCli(process.argv.slice(2), {
  env: process.env,
  out: process.stdout,
  err: process.stderr,
  readSecret,
});
