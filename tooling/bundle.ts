/**
 * Builds an app of this repository into JavaScript that plain `node` runs:
 * `tsx ../../tooling/bundle.ts src/main.ts [more entries] [--outdir dist]`, from the app's folder.
 *
 * The workspace packages (@seed/*) export TypeScript source, so they are compiled into the
 * output. npm packages stay imports, resolved at run time from the app's own node_modules as
 * installed: native modules, and packages that read their own files (PGlite's wasm and data
 * files, Swagger UI's assets), keep working untouched. That only holds for packages the app
 * declares, so the build refuses any other.
 */
import { cp, readFile, rm } from "node:fs/promises";
import { isBuiltin } from "node:module";
import { basename, dirname, join, relative, resolve } from "node:path";
import { parseArgs } from "node:util";
import { build, type Plugin } from "esbuild";

const WORKSPACE_SCOPE = "@seed/";

/** `new URL("../migrations", import.meta.url)`: a file or folder a module reads at run time. */
const RUNTIME_FILE_REFERENCE = /new URL\(\s*(["'])(\.\.?\/[^"']+)\1\s*,\s*import\.meta\.url\s*\)/g;

function packageNameOf(specifier: string): string {
  const parts = specifier.split("/");
  return specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]!;
}

/** npm packages stay external, provided the app declares them: they are looked up from dist/. */
function externalDependencies(appName: string, declared: Set<string>): Plugin {
  return {
    name: "external-dependencies",
    setup(esbuild) {
      const reported = new Set<string>();
      esbuild.onResolve({ filter: /^[^./]/ }, (args) => {
        if (args.path.startsWith(WORKSPACE_SCOPE)) return undefined;
        if (isBuiltin(args.path)) return { path: args.path, external: true };
        const name = packageNameOf(args.path);
        if (declared.has(name) || reported.has(name)) return { path: args.path, external: true };
        reported.add(name);
        return {
          errors: [
            {
              text: `"${name}" is imported by ${relative(process.cwd(), args.importer)} but is not a dependency of ${appName}, so the built app could not load it`,
            },
          ],
        };
      });
    },
  };
}

/**
 * Files that bundled modules find through `import.meta.url` are copied next to the output and the
 * reference pointed at the copy, since the module no longer sits where the relative path starts.
 */
function runtimeFilesBesideOutput(outDir: string): Plugin {
  const copied = new Map<string, string>();
  return {
    name: "runtime-files-beside-output",
    setup(esbuild) {
      esbuild.onLoad({ filter: /\.ts$/ }, async (args) => {
        if (args.path.includes("/node_modules/")) return undefined;
        const source = await readFile(args.path, "utf8");
        if (!source.includes("import.meta.url")) return undefined;
        const pending: Promise<void>[] = [];
        const contents = source.replace(RUNTIME_FILE_REFERENCE, (_match, quote: string, path: string) => {
          const from = resolve(dirname(args.path), path);
          const name = basename(from);
          const earlier = copied.get(name);
          if (earlier && earlier !== from)
            throw new Error(`two runtime files are named "${name}": ${earlier} and ${from}`);
          if (!earlier) {
            copied.set(name, from);
            pending.push(cp(from, join(outDir, name), { recursive: true }));
          }
          // Every output file sits in outDir itself, entries and shared chunks alike.
          return `new URL(${quote}./${name}${quote}, import.meta.url)`;
        });
        await Promise.all(pending);
        return { contents, loader: "ts" };
      });
    },
  };
}

const { positionals: entryPoints, values: options } = parseArgs({
  allowPositionals: true,
  // Elsewhere than dist/ (a test builds its own copy), but inside the app's folder, where its
  // node_modules are found.
  options: { outdir: { type: "string", default: "dist" } },
});
if (entryPoints.length === 0) throw new Error("usage: bundle.ts <entry.ts>... [--outdir dir] (from the app's folder)");
const manifest = JSON.parse(await readFile("package.json", "utf8")) as {
  name: string;
  dependencies?: Record<string, string>;
};
const outDir = resolve(options.outdir);

await rm(outDir, { recursive: true, force: true });
await build({
  entryPoints,
  outdir: outDir,
  bundle: true,
  platform: "node",
  format: "esm",
  target: "node20",
  // Modules loaded with `import()` (what a configuration turns off) become chunks of their own.
  splitting: true,
  sourcemap: true,
  logLevel: "warning",
  plugins: [
    externalDependencies(manifest.name, new Set(Object.keys(manifest.dependencies ?? {}))),
    runtimeFilesBesideOutput(outDir),
  ],
});
