import { mkdtemp } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "vite";

const WEB_ROOT = fileURLToPath(new URL("../..", import.meta.url));

/** Builds the app as production serves it, into a directory of its own so that runs never collide. */
export async function buildWebApp(): Promise<string> {
  const outDir = await mkdtemp(join(tmpdir(), "seed-web-"));
  await build({ root: WEB_ROOT, logLevel: "silent", build: { outDir, emptyOutDir: true } });
  return outDir;
}
