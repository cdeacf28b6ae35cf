import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { BUILT_CLI_ENV } from "../../server/test/support/run-script";

const CLI_DIR = fileURLToPath(new URL("..", import.meta.url));

/**
 * Builds the CLI once for every test file that runs its commands (`runCli`), into a folder of its
 * own inside the app's, so that its node_modules resolve and dist/ is left alone.
 */
export default async function setup(): Promise<() => Promise<void>> {
  const cacheDir = join(CLI_DIR, "node_modules", ".cache");
  await mkdir(cacheDir, { recursive: true });
  const outDir = await mkdtemp(join(cacheDir, "cli-test-build-"));
  await promisify(execFile)("pnpm", ["run", "build", "--outdir", outDir], { cwd: CLI_DIR });
  process.env[BUILT_CLI_ENV] = join(outDir, "main.js");
  return () => rm(outDir, { recursive: true, force: true });
}
