import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["{apps,packages}/*/test/**/*.test.ts", "apps/web/e2e/**/*.test.ts"],
    globalSetup: ["./packages/db/test/pglite-snapshot.setup.ts", "./apps/cli/test/cli-build.setup.ts"],
    env: { LOG_LEVEL: "silent" },
    // Test files wait on servers, databases and child processes more than they compute: on two
    // cores the default would run one file at a time.
    maxWorkers: Math.max(2, availableParallelism()),
    testTimeout: 30_000,
    hookTimeout: 60_000,
    typecheck: {
      enabled: true,
      include: ["packages/client/test/**/*.test-d.ts"],
      tsconfig: "./packages/client/tsconfig.json",
    },
  },
});
