import { rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { buildOfItsOwn } from "../../server/test/support/app-build";
import { BUILT_CLI_ENV } from "../../server/test/support/run-script";

/** Builds the CLI once for every test file that runs its commands (`runCli`). */
export default async function setup(): Promise<() => Promise<void>> {
  const outDir = await buildOfItsOwn(fileURLToPath(new URL("..", import.meta.url)), "cli-test-build");
  process.env[BUILT_CLI_ENV] = join(outDir, "main.js");
  return () => rm(outDir, { recursive: true, force: true });
}
