import { randomBytes, randomUUID } from "node:crypto";
import { TRPCError } from "@trpc/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { z } from "zod";
import { accessMatrix } from "../src/access-matrix";
import {
  createAccount,
  createApiKey,
  createWebhookEndpoint,
  createProduct,
  deleteProduct,
  grantPermission,
  login,
  type Permission,
  placeOrder,
  type RoleName,
  systemActor,
  transactionWithEvents,
} from "@seed/core";
import { createContext } from "../src/context";
import { procedureCatalog, proceduresByPath, type ProcedurePath } from "../src/procedure-catalog";
import type { AccessRule } from "../src/procedure-meta";
import { createCaller } from "../src/root";
import { authenticatorCode, enableMfa, mfaRequired } from "../../core/test/mfa-support";
import { softwareAuthenticator } from "../../core/test/passkey-authenticator";
import { addPasskey, passkeyAssertion } from "../../core/test/passkey-support";
import { createTestApi, permissionsFor, recordingLogger, tokensOf, testActor } from "./support";

interface Persona {
  name: string;
  roles: RoleName[];
  grants: Permission[];
  /** Signed in afresh for every call, since some procedures end the caller's own sessions. */
  email: string | null;
}

let api: Awaited<ReturnType<typeof createTestApi>>;
const personas: Persona[] = [];
let victimId: string;

const password = "a long passphrase";
const email = (label: string) => `${label}-${randomBytes(4).toString("hex")}@example.com`;

async function account(roles: RoleName[]): Promise<{ id: string; email: string }> {
  const address = email(roles.join("-"));
  const user = await transactionWithEvents(api.deps, (tx, emit) =>
    createAccount(tx, emit, systemActor, { email: address, password, roles }),
  );
  return { id: user.id, email: address };
}

const newProduct = () => ({
  sku: `sku-${randomUUID()}`,
  name: "Matrix lamp",
  description: "A lamp for testing who may do what",
  category: "lighting",
  price: { amount: 1999, currency: "EUR" },
  stock: 100,
});

function product() {
  return createProduct({ ...api.deps, log: recordingLogger() }, systemActor, newProduct());
}

/** An endpoint on a public name: no procedure here sends it anything. */
async function webhookEndpoint() {
  const input = { url: "https://hooks.example.com/seed", description: "", eventTypes: ["order.placed" as const] };
  return createWebhookEndpoint({ ...api.deps, log: recordingLogger() }, testActor, input);
}

/** A paid order of someone other than every persona. */
async function victimOrder() {
  const { id } = await product();
  return placeOrder(
    { ...api.deps, log: recordingLogger() },
    { ...testActor, userId: victimId },
    { items: [{ productId: id, quantity: 1 }], idempotencyKey: randomUUID() },
  );
}

async function signIn(address: string) {
  return tokensOf(await login(api.deps, { email: address, password }, testActor));
}

/**
 * Inputs that need a real object (an id that exists, a token, a second factor), made fresh per
 * call. Every other procedure is called with the empty input its schema accepts.
 */
const handWrittenInputs: Partial<Record<ProcedurePath, () => Promise<unknown>>> = {
  "auth.register": async () => ({ email: email("new"), password }),
  "auth.login": async () => ({ email: (await account(["customer"])).email, password }),
  // Their schema accepts no input (the token may come in a cookie), but the call needs a token.
  "auth.refresh": async () => ({ refreshToken: (await signIn((await account(["customer"])).email)).refreshToken }),
  "auth.logout": async () => ({ refreshToken: (await signIn((await account(["customer"])).email)).refreshToken }),
  "auth.sessions.revoke": async () => ({ sessionId: (await signIn((await account(["customer"])).email)).sessionId }),
  "auth.email.verify": async () => ({ token: "A".repeat(43) }),
  "auth.password.requestReset": async () => ({ email: email("forgetful") }),
  "auth.password.reset": async () => ({ token: "A".repeat(43), password: "a brand new passphrase" }),
  "auth.password.acceptInvitation": async () => ({ token: "A".repeat(43), password: "a brand new passphrase" }),
  // The personas have no confirmed authenticator, and this is no code: refused after the access check.
  "auth.mfa.confirm": async () => ({ code: "not-the-code" }),
  "auth.mfa.disable": async () => ({ password, code: "not-the-code" }),
  "auth.mfa.verify": async () => {
    const user = await account(["customer"]);
    const { secret } = await enableMfa(api.deps, user);
    const { challenge } = mfaRequired(await login(api.deps, { email: user.email, password }, testActor));
    return { challenge, code: authenticatorCode(secret, 1) };
  },
  // An answer from an authenticator that never saw the challenge: refused as bad input after the access check.
  "auth.passkeys.register": async () => ({
    response: softwareAuthenticator(api.deps.passkeyPolicy.origins[0]!).register({
      challenge: "never-issued",
      rp: {},
      user: { id: "bm8tb25l" },
    }),
  }),
  // No passkey has this id: refused as NOT_FOUND, after the access check.
  "auth.passkeys.get": async () => ({ passkeyId: randomUUID() }),
  "auth.passkeys.rename": async () => ({ passkeyId: randomUUID(), name: "Matrix key", version: 1 }),
  "auth.passkeys.delete": async () => ({ passkeyId: randomUUID() }),
  "auth.passkeys.signIn": async () => {
    const user = await account(["customer"]);
    const { authenticator } = await addPasskey(
      { ...api.deps, log: recordingLogger() },
      { ...user, sessionId: (await signIn(user.email)).sessionId },
    );
    return passkeyAssertion(api.deps, authenticator);
  },
  // No provider is configured here: the calls are refused as NOT_FOUND, after any access check.
  "auth.oidc.start": async () => ({ provider: "example" }),
  "auth.oidc.callback": async () => ({ provider: "example", code: "a-code", state: "a-state" }),
  "admin.users.get": async () => ({ userId: victimId }),
  "admin.users.revokeSessions": async () => ({ userId: victimId }),
  "admin.users.create": async () => ({ email: email("invited") }),
  // An account with a password: refused as CONFLICT, after the access check.
  "admin.users.resendInvitation": async () => ({ userId: (await account(["customer"])).id }),
  // Each on a fresh account, so that no persona, nor the victim, is shut out for the next call.
  "admin.users.disable": async () => ({ userId: (await account(["customer"])).id }),
  "admin.users.enable": async () => ({ userId: (await account(["customer"])).id }),
  "admin.users.delete": async () => ({ userId: (await account(["customer"])).id }),
  // Without an authenticator to remove: refused as CONFLICT, after the access check.
  "admin.users.resetMfa": async () => ({ userId: (await account(["customer"])).id }),
  "admin.roles.assign": async () => ({ userId: victimId, role: "customer" }),
  "admin.roles.remove": async () => ({ userId: (await account(["customer"])).id, role: "customer" }),
  "admin.permissions.grant": async () => ({ userId: victimId, permission: "order:create", reason: "matrix test" }),
  "admin.permissions.revoke": async () => ({ userId: victimId, permission: "order:create" }),
  // No dead letter has this id: allowed callers are told NOT_FOUND, after the access check.
  "admin.jobs.retry": async () => ({ id: "no-such-job" }),
  "users.updateProfile": async () => ({ displayName: "Matrix" }),
  "users.changeEmail": async () => ({ newEmail: email("moved"), password }),
  "users.confirmEmailChange": async () => ({ token: "A".repeat(43) }),
  // A wrong password: refused as bad input after the access check, so no persona loses its account.
  "users.deleteAccount": async () => ({ password: "not the password" }),
  "products.get": async () => ({ productId: (await product()).id }),
  "products.create": async () => ({ ...newProduct(), sku: email("sku").replace("@", ".") }),
  "products.update": async () => {
    const { id, version } = await product();
    return { productId: id, version, changes: { stock: 5 } };
  },
  "products.delete": async () => ({ productId: (await product()).id }),
  "products.restore": async () => {
    const { id } = await product();
    await deleteProduct(api.deps, systemActor, id);
    return { productId: id };
  },
  "orders.place": async () => ({
    items: [{ productId: (await product()).id, quantity: 1 }],
    idempotencyKey: randomUUID(),
  }),
  "orders.get": async () => ({ orderId: (await victimOrder()).id }),
  "orders.cancel": async () => ({ orderId: (await victimOrder()).id }),
  "orders.onStatusChange": async () => ({ orderId: (await victimOrder()).id }),
  "orders.setStatus": async () => ({ orderId: (await victimOrder()).id, status: "shipped" }),
  // Its payment just queued: refused as CONFLICT, after the access check.
  "orders.settlePayment": async () => ({ orderId: (await victimOrder()).id, reference: null, reason: "matrix" }),
  "exports.get": async () => ({ exportId: await api.deps.jobs.enqueue("exports.orders", { userId: victimId }) }),
  "apiKeys.create": async () => ({ name: "matrix", scopes: ["order:create"] }),
  "apiKeys.revoke": async () => {
    const victim = { id: victimId, permissions: permissionsFor(["customer"]) };
    const input = { name: "victim's", scopes: ["order:create" as const], expiresInDays: 1 };
    const created = await createApiKey({ ...api.deps, log: recordingLogger() }, victim, testActor, input);
    return { keyId: created.id };
  },
  "admin.webhooks.get": async () => ({ endpointId: (await webhookEndpoint()).id }),
  "admin.webhooks.create": async () => ({ url: "https://hooks.example.com/new", eventTypes: ["order.paid"] }),
  "admin.webhooks.update": async () => {
    const { id, version } = await webhookEndpoint();
    return { endpointId: id, version, changes: { description: "matrix" } };
  },
  "admin.webhooks.rotateSecret": async () => ({ endpointId: (await webhookEndpoint()).id }),
  "admin.webhooks.delete": async () => ({ endpointId: (await webhookEndpoint()).id }),
  "admin.webhooks.deliveries": async () => ({ endpointId: (await webhookEndpoint()).id }),
  // No delivery has this id: allowed callers are told NOT_FOUND, after the access check.
  "admin.webhooks.redeliver": async () => ({ deliveryId: randomUUID() }),
};

/** No input, or an empty object, when the procedure's input schemas accept it as it is. */
function emptyInputOf(path: ProcedurePath): { input: unknown } | null {
  const schemas = proceduresByPath[path]._def.inputs as z.ZodType[];
  for (const input of [undefined, {}]) {
    if (schemas.every((schema) => schema.safeParse(input).success)) return { input };
  }
  return null;
}

function sampleInputOf(path: ProcedurePath): (() => Promise<unknown>) | null {
  const handWritten = handWrittenInputs[path];
  if (handWritten) return handWritten;
  const empty = emptyInputOf(path);
  return empty ? async () => empty.input : null;
}

/** What the matrix promises, computed from the catalog alone. */
function expectedToBeAllowed(rule: AccessRule, persona: Persona): boolean {
  const held = permissionsFor(persona.roles, persona.grants);
  switch (rule.kind) {
    case "anyone":
      return true;
    case "signed-in":
      return persona.email !== null;
    case "permission":
      return persona.email !== null && rule.anyOf.some((permission) => held.has(permission));
    case "owner":
      // The sample resource always belongs to someone else.
      return persona.email !== null && held.has(rule.orPermission);
  }
}

/** The procedure's answer, reduced to "allowed" or the refusal code. */
async function outcomeOf(path: ProcedurePath, persona: Persona): Promise<string> {
  const log = recordingLogger();
  const accessToken = persona.email ? (await signIn(persona.email)).accessToken : null;
  // Each kind of procedure over the transport that serves it: subscriptions over a socket.
  const procedureType = proceduresByPath[path]._def.type;
  const transport = {
    transport: procedureType === "subscription" ? ("websocket" as const) : ("http" as const),
    headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
    cookies: { get: () => undefined, set: () => {}, clear: () => {} },
    ip: "203.0.113.9",
    requestId: randomUUID(),
    log,
  };
  const caller = createCaller(await createContext(api.deps, transport));
  const procedure = path.split(".").reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], caller);
  try {
    const result = await (procedure as (input: unknown) => Promise<unknown>)(await sampleInputOf(path)!());
    if (result && typeof result === "object" && Symbol.asyncIterator in result) {
      await (result as AsyncGenerator).return?.(undefined);
    }
    return "allowed";
  } catch (error) {
    // A crash, a failed output validation included, is no answer about access.
    if (!(error instanceof TRPCError) || error.code === "INTERNAL_SERVER_ERROR") throw error;
    const refusal = ["UNAUTHORIZED", "FORBIDDEN"].includes(error.code);
    const hidden = accessMatrix[path].kind === "owner" && error.code === "NOT_FOUND";
    return refusal || hidden ? error.code : "allowed";
  }
}

beforeAll(async () => {
  api = await createTestApi();
  victimId = (await account(["customer"])).id;
  for (const roles of [["customer"], ["manager"], ["admin"]] as RoleName[][]) {
    const user = await account(roles);
    personas.push({ name: roles[0]!, roles, grants: [], email: user.email });
  }
  const admin = (await api.deps.db.query.users.findFirst({
    where: (users, { like }) => like(users.email, "admin-%"),
  }))!;
  const temporary = await account(["customer"]);
  await grantPermission(
    api.deps,
    { ...admin, sessionId: randomUUID(), apiKey: null, roles: ["admin"], permissions: permissionsFor(["admin"]) },
    testActor,
    { userId: temporary.id, permission: "audit:read", expiresAt: new Date(Date.now() + 3_600_000), reason: "audit" },
  );
  personas.push({
    name: "customer with a temporary audit:read",
    roles: ["customer"],
    grants: ["audit:read"],
    email: temporary.email,
  });
  personas.unshift({ name: "anonymous", roles: [], grants: [], email: null });
});
afterAll(() => api?.database.destroy());

describe("the access matrix", () => {
  it("has a sample input for every procedure", () => {
    const withoutInput = procedureCatalog.filter(({ path }) => !sampleInputOf(path)).map(({ path }) => path);
    expect(
      withoutInput,
      "these procedures need a sample input in handWrittenInputs of packages/api/test/access-matrix.test.ts",
    ).toEqual([]);
  });

  const paths = procedureCatalog.map(({ path }) => path).filter((path) => sampleInputOf(path));
  it.each(paths)("is what %s enforces, for every kind of caller", async (path) => {
    for (const persona of personas) {
      const expected = expectedToBeAllowed(accessMatrix[path], persona);
      const outcome = await outcomeOf(path, persona);
      expect({ persona: persona.name, allowed: outcome === "allowed" }).toEqual({
        persona: persona.name,
        allowed: expected,
      });
      if (!expected) {
        const code =
          persona.email === null ? "UNAUTHORIZED" : accessMatrix[path].kind === "owner" ? "NOT_FOUND" : "FORBIDDEN";
        expect({ persona: persona.name, outcome }).toEqual({ persona: persona.name, outcome: code });
      }
    }
  });
});
