import type { AnyProcedure } from "@trpc/server";
import type { Permission, RoleName } from "./authorization";
import type { AppRouter } from "./root";

/** Who may call a procedure. The procedure builders enforce it; this file says it for people. */
export type AccessRule =
  | { kind: "anyone" }
  | { kind: "signed-in" }
  | { kind: "role"; anyOf: RoleName[] }
  | { kind: "permission"; anyOf: Permission[] }
  | { kind: "all-permissions"; allOf: Permission[] }
  | { kind: "owner"; orPermission: Permission };

const anyone: AccessRule = { kind: "anyone" };
const signedIn: AccessRule = { kind: "signed-in" };
const permission = (...anyOf: Permission[]): AccessRule => ({ kind: "permission", anyOf });
const ownerOr = (orPermission: Permission): AccessRule => ({ kind: "owner", orPermission });

type PathsOf<TRecord, TPrefix extends string = ""> = {
  [K in keyof TRecord & string]: TRecord[K] extends AnyProcedure
    ? `${TPrefix}${K}`
    : PathsOf<TRecord[K], `${TPrefix}${K}.`>;
}[keyof TRecord & string];

/** Every procedure of the API by its full name, e.g. `admin.users.list`. */
export type ProcedurePath = PathsOf<AppRouter["_def"]["record"]>;

/**
 * The access rule of every procedure, in one place. A procedure missing here fails the type
 * check; the access-matrix test calls each one as every kind of user and compares.
 */
export const accessMatrix = {
  "health.check": anyone,

  "auth.register": anyone,
  "auth.login": anyone,
  "auth.refresh": anyone,
  "auth.logout": anyone,
  "auth.me": signedIn,
  "auth.onSessionEvent": signedIn,
  "auth.sessions.list": signedIn,
  "auth.sessions.revoke": ownerOr("session:revoke:any"),
  "auth.sessions.revokeAll": signedIn,
  "auth.email.sendVerification": signedIn,
  "auth.email.verify": anyone,
  "auth.password.requestReset": anyone,
  "auth.password.reset": anyone,
  "auth.mfa.status": signedIn,
  "auth.mfa.enroll": signedIn,
  "auth.mfa.confirm": signedIn,
  "auth.mfa.disable": signedIn,
  "auth.mfa.verify": anyone,
  "auth.oidc.providers": anyone,
  "auth.oidc.start": anyone,
  "auth.oidc.callback": anyone,

  "products.onChange": anyone,
  "notifications.onMine": signedIn,

  "admin.users.list": permission("user:read:any"),
  "admin.users.get": permission("user:read:any"),
  "admin.users.revokeSessions": permission("session:revoke:any"),
  "admin.roles.list": permission("role:assign", "user:read:any"),
  "admin.roles.assign": permission("role:assign"),
  "admin.roles.remove": permission("role:assign"),
  "admin.permissions.list": permission("permission:grant", "user:read:any"),
  "admin.permissions.grant": permission("permission:grant"),
  "admin.permissions.revoke": permission("permission:grant"),
  "admin.audit.list": permission("audit:read"),
  "admin.securityEvents.list": permission("security_event:read"),
  "admin.jobs.counts": permission("job:manage"),
  "admin.jobs.deadLetters": permission("job:manage"),
  "admin.jobs.retry": permission("job:manage"),

  "users.me": signedIn,
  "users.updateProfile": signedIn,
  "users.changeEmail": signedIn,
  "users.confirmEmailChange": anyone,
  "users.deleteAccount": signedIn,

  "products.list": anyone,
  "products.get": anyone,
  "products.create": permission("product:create"),
  "products.update": permission("product:update"),
  "products.delete": permission("product:delete"),
  "products.restore": permission("product:restore"),

  "orders.place": permission("order:create"),
  "orders.get": ownerOr("order:read:any"),
  "orders.list": signedIn,
  "orders.cancel": ownerOr("order:update:any"),
  "orders.onStatusChange": ownerOr("order:read:any"),
  "orders.setStatus": permission("order:update:any"),

  "exports.generate": signedIn,
  "exports.get": ownerOr("order:read:any"),
} satisfies Record<ProcedurePath, AccessRule>;
