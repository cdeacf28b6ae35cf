/* global module */
/**
 * The import graph, checked by `pnpm lint`: no cycles (type-only imports count), and the layers
 * depend one way: client → (types only) api → core → platform, db, config.
 */
const src = (pkg) => `^packages/${pkg}/src/`;

module.exports = {
  forbidden: [
    {
      name: "only-declared-packages",
      comment:
        "An import that does not resolve names a package this one does not depend on (core importing @seed/api, say).",
      severity: "error",
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: "no-cycles",
      comment: "A cycle, even through type-only imports, is one tangle: break it by moving the shared part down.",
      severity: "error",
      from: {},
      to: { circular: true },
    },
    {
      name: "platform-below-the-domain",
      comment: "Adapters know nothing of the domain or of tRPC.",
      severity: "error",
      from: { path: src("platform") },
      to: { path: [src("core"), src("api"), src("client"), "^apps/"] },
    },
    {
      name: "core-below-the-api",
      comment: "Domain rules know nothing of tRPC, Fastify or the apps.",
      severity: "error",
      from: { path: src("core") },
      to: { path: [src("api"), src("client"), "^apps/"] },
    },
    {
      name: "api-below-the-apps",
      severity: "error",
      from: { path: src("api") },
      to: { path: [src("client"), "^apps/"] },
    },
    {
      name: "lower-packages-stay-low",
      comment: "The database and the configuration depend on nothing of ours but each other.",
      severity: "error",
      from: { path: [src("db"), src("config")] },
      to: { path: [src("platform"), src("core"), src("api"), src("client"), "^apps/"] },
    },
    {
      name: "client-takes-only-types-from-the-api",
      comment: "A frontend bundle must not pull the server's code in.",
      severity: "error",
      from: { path: src("client") },
      to: { path: [src("api"), src("core"), src("platform"), src("db")], dependencyTypesNot: ["type-only"] },
    },
    {
      name: "no-reaching-into-another-package",
      comment:
        "A package is used through what its package.json exports (index.ts, db's testing.ts, api's generated documents), never a file inside.",
      severity: "error",
      from: { path: "^(packages|apps)/([^/]+)/" },
      to: {
        path: "^packages/[^/]+/src/",
        pathNot: [
          "^packages/$2/src/",
          "^packages/[^/]+/src/index\\.ts$",
          "^packages/db/src/testing\\.ts$",
          "^packages/api/src/generated-documents/index\\.ts$",
        ],
      },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    exclude: { path: ["node_modules", "/dist/", "\\.turbo"] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: "tsconfig.base.json" },
    enhancedResolveOptions: { exportsFields: ["exports"], conditionNames: ["types", "import", "default"] },
  },
};
