import type { z } from "zod";
import type { Permission } from "@seed/core";
import { t } from "./init";
import { anyPermission } from "./middlewares/any-permission";
import { ownership, type OwnershipRule } from "./middlewares/ownership";
import { served } from "./middlewares/served";
import { sessionOnly } from "./middlewares/session-only";
import { signedIn } from "./middlewares/signed-in";

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

/*
 * The base procedures. Each declares in its meta the access rule its middleware enforces, in the
 * same expression, so that the rule enforced and the rule declared (access-matrix.ts) cannot
 * differ.
 */

/** Procedures anyone may call. */
export const publicProcedure = t.procedure.use(served).meta({ access: { kind: "anyone" } });

/** Procedures for signed-in users; `ctx.user` is non-null inside. */
export const protectedProcedure = publicProcedure.use(signedIn).meta({ access: { kind: "signed-in" } });

/**
 * Procedures only a person signed in may call: an API key is refused, and `ctx.user.sessionId`
 * is the session they signed in with.
 */
export const sessionProcedure = protectedProcedure.use(sessionOnly).meta({ requiresSession: true });

/** Procedures for users holding any of `permissions`. */
export function requirePermission(...permissions: [Permission, ...Permission[]]) {
  return protectedProcedure
    .use(anyPermission(permissions))
    .meta({ access: { kind: "permission", anyOf: permissions } });
}

/**
 * Procedures on one resource of one owner: its owner may call them, and so may a holder of
 * `anyPermission` (see middlewares/ownership.ts). The loaded resource is `ctx.resource`.
 */
export function requireOwnership<TInput extends z.ZodType, TResource extends { ownerId: string }>(
  options: OwnershipRule<z.output<TInput>, TResource> & { input: TInput },
) {
  return protectedProcedure
    .input(options.input)
    .use(ownership(options))
    .meta({ access: { kind: "owner", orPermission: options.anyPermission } });
}
