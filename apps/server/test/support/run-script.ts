import { spawn } from "node:child_process";
import { once } from "node:events";

const repositoryRoot = new URL("../../../../", import.meta.url);

/** Where apps/cli/test/cli-build.setup.ts leaves the CLI it builds for the whole run. */
export const BUILT_CLI_ENV = "SEED_TEST_BUILT_CLI";

export interface ScriptResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a TypeScript entry point of the repository as its own process, as `pnpm` scripts do. */
export function runScript(
  script: string,
  args: string[],
  env: Record<string, string>,
  input?: string,
): Promise<ScriptResult> {
  return runNode(["--import", "tsx", script, ...args], env, input);
}

/**
 * Runs a command of the CLI as production runs it (`node apps/cli/dist/main.js`, as the image's
 * migrate job does), from the build made once for the run: it starts in a third of the time that
 * `pnpm cli`, tsx on the sources, takes to load the workspace.
 */
export function runCli(args: string[], env: Record<string, string>, input?: string): Promise<ScriptResult> {
  const entry = process.env[BUILT_CLI_ENV];
  if (!entry) throw new Error(`${BUILT_CLI_ENV} is not set: the CLI is built by vitest's global setup`);
  return runNode([entry, ...args], env, input);
}

async function runNode(args: string[], env: Record<string, string>, input?: string): Promise<ScriptResult> {
  const child = spawn(process.execPath, args, {
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
