import { syncAuthorizationCatalog } from "../access/authorization-catalog";
import type { AdminPromotionDeps } from "./admin-accounts";
import { ensureFirstAdmin, type FirstAdminOutcome } from "./first-admin";

/**
 * What a database needs before the API can serve from it, after migrations: the catalog of
 * roles and permissions, and an administrator. Idempotent; run by the server on every start
 * and by `pnpm db:seed`.
 */
export async function bootstrap(
  deps: AdminPromotionDeps,
  firstAdmin: { email: string; password: string } | null,
): Promise<FirstAdminOutcome> {
  await syncAuthorizationCatalog(deps.db);
  return ensureFirstAdmin(deps, firstAdmin);
}
