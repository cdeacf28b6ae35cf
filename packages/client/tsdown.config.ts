import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { defineConfig } from "tsdown";
import { clientRouterDeclaration } from "../../tooling/client-router-declaration";

const API_ENTRY = fileURLToPath(new URL("../api/src/index.ts", import.meta.url));

/**
 * The client imports only types from `@seed/api`. In the build they come from a declaration of the
 * router made for clients, which names nothing of the server (tooling/client-router-declaration.ts),
 * so the published `.d.ts` is whole without any workspace package.
 */
const declarationDir = mkdtempSync(join(tmpdir(), "seed-client-router-"));
const routerDeclaration = join(declarationDir, "app-router.d.ts");
writeFileSync(routerDeclaration, clientRouterDeclaration(API_ENTRY));

export default defineConfig({
  entry: { index: "src/index.ts", node: "src/node.ts" },
  format: "esm",
  platform: "neutral",
  dts: { resolver: "tsc", compilerOptions: { paths: { "@seed/api": [routerDeclaration] } } },
  hooks: { "build:done": () => rmSync(declarationDir, { recursive: true, force: true }) },
});
