import { procedureCatalog, type ProcedurePath } from "./procedure-catalog";
import type { AccessRule } from "./procedure-meta";

/**
 * The access rule of every procedure, read from the router: each procedure's builder declares in
 * its meta the rule it enforces (trpc.ts). The access-matrix test calls each one as every kind
 * of user and compares.
 */
export const accessMatrix = Object.fromEntries(
  procedureCatalog.map((procedure) => [procedure.path, procedure.access]),
) as Record<ProcedurePath, AccessRule>;

/** The rule in a few words, as the inventory and the docs show it. */
export function describeAccess(rule: AccessRule): string {
  switch (rule.kind) {
    case "anyone":
    case "signed-in":
      return rule.kind;
    case "permission":
      return `permission ${rule.anyOf.join(" or ")}`;
    case "owner":
      return `owner or ${rule.orPermission}`;
  }
}
