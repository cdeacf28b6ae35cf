import { randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError } from "@seed/platform";
import {
  createCallerFactory,
  protectedProcedure,
  publicProcedure,
  requireOwnership,
  requirePermission,
  router,
} from "../src/trpc";
import type { Principal, RoleName } from "@seed/core";
import type { ProcedureMeta } from "../src/procedure-meta";
import { createTestApi, permissionsFor } from "./support";

const userWith = (role: RoleName): Principal => ({
  id: randomUUID(),
  email: `${role}@example.com`,
  createdAt: new Date(),
  sessionId: randomUUID(),
  apiKey: null,
  roles: [role],
  permissions: permissionsFor([role]),
});

const documents = new Map<string, { ownerId: string; title: string }>();

/** A router made only of the builders, so each rule is tested apart from any real procedure. */
const probe = router({
  open: publicProcedure.query(() => "open"),
  signedIn: protectedProcedure.query(({ ctx }) => ctx.user.email),
  createsProducts: requirePermission("product:create").query(() => "created"),
  readsAnyOrder: requirePermission("order:read:any", "audit:read").query(() => "read"),
  document: requireOwnership({
    input: z.object({ id: z.string() }),
    load: async (_ctx, input) => documents.get(input.id) ?? null,
    anyPermission: "order:read:any",
    notFound: "No such document",
  }).query(({ ctx }) => ctx.resource.title),
  echo: publicProcedure.input(z.object({ count: z.number().int().min(1) })).query(({ input }) => input.count),
  conflict: publicProcedure.mutation(() => {
    throw new AppError("CONFLICT", "Already taken");
  }),
  crash: publicProcedure.query(() => {
    throw new Error("connection to 10.0.0.5:5432 refused; password=hunter2");
  }),
});
const createProbeCaller = createCallerFactory(probe);

let api: Awaited<ReturnType<typeof createTestApi>>;
beforeAll(async () => {
  api = await createTestApi();
});
afterAll(() => api?.database.destroy());

async function codeOf(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(TRPCError);
  return (error as TRPCError).code;
}

describe("procedure builders", () => {
  it("let anyone call a public procedure", async () => {
    await expect(createProbeCaller(api.contextFor(null)).open()).resolves.toBe("open");
  });

  it("refuse an anonymous caller with UNAUTHORIZED and log a security event", async () => {
    const ctx = api.contextFor(null);
    expect(await codeOf(createProbeCaller(ctx).signedIn())).toBe("UNAUTHORIZED");
    expect(ctx.log.lines).toContainEqual(
      expect.objectContaining({
        level: "warn",
        fields: expect.objectContaining({
          securityEvent: "access_denied",
          reason: "unauthenticated",
          path: "signedIn",
        }),
      }),
    );
  });

  it("give a protected procedure the signed-in user", async () => {
    await expect(createProbeCaller(api.contextFor(userWith("customer"))).signedIn()).resolves.toBe(
      "customer@example.com",
    );
  });

  it.each([
    ["createsProducts", "manager", "ok"],
    ["createsProducts", "customer", "FORBIDDEN"],
    ["readsAnyOrder", "admin", "ok"],
    ["readsAnyOrder", "manager", "ok"],
    ["readsAnyOrder", "customer", "FORBIDDEN"],
  ] as const)("answer %s called by a %s with %s", async (procedure, role, expected) => {
    const ctx = api.contextFor(userWith(role));
    const call = createProbeCaller(ctx)[procedure]();
    if (expected === "ok") {
      await expect(call).resolves.toBeTypeOf("string");
    } else {
      expect(await codeOf(call)).toBe(expected);
      expect(ctx.log.lines).toContainEqual(
        expect.objectContaining({
          fields: expect.objectContaining({ securityEvent: "access_denied", path: procedure }),
        }),
      );
    }
  });

  it("declare in their meta the access rule they enforce", () => {
    const accessOf = (name: keyof typeof probe._def.procedures) =>
      (probe._def.procedures[name]._def.meta as ProcedureMeta).access;
    expect(accessOf("open")).toEqual({ kind: "anyone" });
    expect(accessOf("signedIn")).toEqual({ kind: "signed-in" });
    expect(accessOf("readsAnyOrder")).toEqual({ kind: "permission", anyOf: ["order:read:any", "audit:read"] });
    expect(accessOf("document")).toEqual({ kind: "owner", orPermission: "order:read:any" });
  });

  describe("ownership", () => {
    const owner = userWith("customer");
    beforeAll(() => {
      documents.set("doc-1", { ownerId: owner.id, title: "Owner's document" });
    });

    it("lets the owner in and hands the loaded resource to the resolver", async () => {
      await expect(createProbeCaller(api.contextFor(owner)).document({ id: "doc-1" })).resolves.toBe(
        "Owner's document",
      );
    });

    it("lets a holder of the :any permission in", async () => {
      await expect(createProbeCaller(api.contextFor(userWith("manager"))).document({ id: "doc-1" })).resolves.toBe(
        "Owner's document",
      );
    });

    it("tells anyone else that the resource does not exist, exactly as for a missing one", async () => {
      const stranger = createProbeCaller(api.contextFor(userWith("customer")));
      const foreign = await stranger.document({ id: "doc-1" }).catch((error: unknown) => error);
      const missing = await stranger.document({ id: "doc-404" }).catch((error: unknown) => error);
      expect(foreign).toMatchObject({ code: "NOT_FOUND", message: "No such document" });
      expect(missing).toMatchObject({ code: "NOT_FOUND", message: "No such document" });
    });
  });

  it("refuse anonymous callers of permission procedures as UNAUTHORIZED, not FORBIDDEN", async () => {
    const caller = createProbeCaller(api.contextFor(null));
    expect(await codeOf(caller.createsProducts())).toBe("UNAUTHORIZED");
  });

  it("refuse invalid input with BAD_REQUEST", async () => {
    const caller = createProbeCaller(api.contextFor(null));
    expect(await codeOf(caller.echo({ count: 0 }))).toBe("BAD_REQUEST");
    expect(await codeOf(caller.echo({ count: "1" } as never))).toBe("BAD_REQUEST");
  });

  it("turn a service's error into its tRPC code and message", async () => {
    const error = await createProbeCaller(api.contextFor(null))
      .conflict()
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: "CONFLICT", message: "Already taken" });
  });

  it("report an unexpected error as INTERNAL_SERVER_ERROR", async () => {
    expect(await codeOf(createProbeCaller(api.contextFor(null)).crash())).toBe("INTERNAL_SERVER_ERROR");
  });
});
