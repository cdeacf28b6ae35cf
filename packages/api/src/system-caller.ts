import { randomUUID } from "node:crypto";
import type { Permission, Principal } from "@seed/core";
import type { Logger } from "@seed/platform";
import { createContextInner } from "./context";
import type { ApiDependencies } from "./dependencies";
import { createCaller } from "./root";

/** Another app of the project (the CLI, a worker) as the routers know it. */
export interface SystemPrincipal {
  /** Written on every audit row of what it does: "cli", "worker". */
  name: string;
  /** Exactly what it may do; nothing else is open to it. */
  permissions: readonly Permission[];
}

const SYSTEM_PRINCIPAL_NAME = /^[a-z][a-z0-9-]{1,31}$/;

/**
 * Calls the routers inside the process as a named system principal, so that another app goes
 * through the same access rules, validation and audit as a call over HTTP. Procedures on the
 * caller's own account are refused to it: it has none (its id is the nil UUID).
 */
export function createSystemCaller(deps: ApiDependencies, principal: SystemPrincipal, log: Logger) {
  if (!SYSTEM_PRINCIPAL_NAME.test(principal.name)) {
    throw new Error(`A system principal's name is lowercase letters, digits and dashes: ${principal.name}`);
  }
  const user: Principal = {
    id: "00000000-0000-0000-0000-000000000000",
    email: `${principal.name}@system.invalid`,
    createdAt: new Date(0),
    sessionId: null,
    apiKey: null,
    roles: [],
    permissions: new Set(principal.permissions),
    system: principal.name,
  };
  return createCaller(createContextInner(deps, { user, log, requestId: `${principal.name}-${randomUUID()}` }));
}
