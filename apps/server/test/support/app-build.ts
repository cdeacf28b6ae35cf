import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

/**
 * Builds an app (`pnpm run build`) into a folder of its own inside the app's, so that its
 * node_modules resolve and dist/ is left to whoever runs from it meanwhile. Resolves with that
 * folder, for the caller to remove; a build that fails leaves nothing.
 */
export async function buildOfItsOwn(appDir: string, name: string): Promise<string> {
  const cacheDir = join(appDir, "node_modules", ".cache");
  await mkdir(cacheDir, { recursive: true });
  const outDir = await mkdtemp(join(cacheDir, `${name}-`));
  try {
    await promisify(execFile)("pnpm", ["run", "build", "--outdir", outDir], { cwd: appDir });
    return outDir;
  } catch (error) {
    await rm(outDir, { recursive: true, force: true });
    throw error;
  }
}
