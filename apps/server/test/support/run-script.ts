import { spawn } from "node:child_process";
import { once } from "node:events";

const repositoryRoot = new URL("../../../../", import.meta.url);

export interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a TypeScript entry point of the repository as its own process, as `pnpm` scripts do. */
export async function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
  input?: string,
): Promise<ScriptResult> {
  const child = spawn(process.execPath, ["--import", "tsx", script, ...args], {
    cwd: repositoryRoot,
    env: { PATH: process.env.PATH ?? "", ...env },
    stdio: [input === undefined ? "ignore" : "pipe", "pipe", "pipe"],
  });
  if (input !== undefined) child.stdin!.end(input);
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, "exit")) as [number | null];
  return { code, stdout, stderr };
}
