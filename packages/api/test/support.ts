import type { Principal } from "@seed/core";
import type { DatabaseDriver } from "@seed/db";
import { createContextInner, type Context } from "../src/context";
import { createTestDomain, recordingLogger } from "../../core/test/support";

export * from "../../core/test/support";

/** The domain's test dependencies, and the context a procedure gets when `user` calls it. */
export async function createTestApi(driver?: DatabaseDriver) {
  const domain = await createTestDomain(driver);
  return {
    ...domain,
    contextFor(user: Principal | null): Context & { log: ReturnType<typeof recordingLogger> } {
      const log = recordingLogger();
      return { ...createContextInner(domain.deps, { user, log }), log };
    },
  };
}
