import { existsSync, readFileSync } from "node:fs";

const repositoryRoot = new URL("../../../../", import.meta.url);

/**
 * The TypeScript source that an app's build compiles into `entry` (`apps/<app>/dist/main.js`),
 * read from that app's `build` script; null when no build script compiles it.
 */
export function sourceOfBuiltEntry(entry: string): string | null {
  const built = /^(apps\/[^/]+)\/dist\/([^/]+)\.js$/.exec(entry);
  if (!built) return null;
  const [, appDir, name] = built;
  const manifest = new URL(`${appDir}/package.json`, repositoryRoot);
  if (!existsSync(manifest)) return null;
  const { scripts } = JSON.parse(readFileSync(manifest, "utf8")) as { scripts?: Record<string, string> };
  const source = `src/${name}.ts`;
  if (!scripts?.build?.split(" ").includes(source)) return null;
  return existsSync(new URL(`${appDir}/${source}`, repositoryRoot)) ? `${appDir}/${source}` : null;
}
