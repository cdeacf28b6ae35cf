/*
 * A client that knows the API only by its OpenAPI document, as one written in another language
 * would: its types are generated from the document by openapi-typescript (rest-api-types.ts,
 * checked in, and generated again here from the document the server serves), and it calls the
 * server with openapi-fetch. Nothing about the API is typed by hand: a route, a parameter or a
 * field the document does not have would not compile.
 */
import { randomUUID } from "node:crypto";
import { readFile } from "node:fs/promises";
import { renderRestApiTypes } from "@seed/api/generated-documents";
import createClient from "openapi-fetch";
import { beforeAll, describe, expect, it } from "vitest";
import type { paths } from "./rest-api-types";
import { availableBackends, uniqueEmail, useDeployment } from "./support/test-server";

const adminEmail = uniqueEmail("rest-client-admin");
const adminPassword = "a long passphrase for the admin";
const password = "a long passphrase";

describe.each(availableBackends())("an OpenAPI client of the REST API on %s", (backend) => {
  const deployment = useDeployment(backend, {
    env: { ADMIN_EMAIL: adminEmail, ADMIN_PASSWORD: adminPassword, AUTH_RATE_LIMIT_MAX: "1000" },
  });

  /** A client of the REST API, signed in when given an access token. */
  const restClient = (accessToken?: string) =>
    createClient<paths>({
      baseUrl: `${deployment.server.baseUrl}/api`,
      headers: accessToken ? { authorization: `Bearer ${accessToken}` } : {},
    });

  /** Signs in with the password, and fails the test if a second step is asked for. */
  async function signIn(email: string, secret: string) {
    const { data, response } = await restClient().POST("/auth/login", { body: { email, password: secret } });
    expect(response.status).toBe(200);
    if (data?.status !== "signed-in") throw new Error(`expected to be signed in, got ${JSON.stringify(data)}`);
    return { ...data, client: restClient(data.accessToken) };
  }

  async function signUp(label: string) {
    const email = uniqueEmail(label);
    const { response } = await restClient().POST("/auth/register", { body: { email, password } });
    // The same answer whether or not the address was free: accepted, with nothing to point at.
    expect(response.status).toBe(202);
    expect(response.headers.get("location")).toBeNull();
    return { email, ...(await signIn(email, password)) };
  }

  let admin: Awaited<ReturnType<typeof signIn>>;

  beforeAll(async () => {
    admin = await signIn(adminEmail, adminPassword);
  });

  it("is typed by the very file that the served /openapi.json generates", async () => {
    const served = (await (await fetch(`${deployment.server.baseUrl}/openapi.json`)).json()) as object;
    const checkedIn = await readFile(new URL("./rest-api-types.ts", import.meta.url), "utf8");
    expect(await renderRestApiTypes(served)).toBe(checkedIn);
  });

  it("runs the shop: an admin adds a product, a shopper finds it, orders it and cancels the order", async () => {
    const sku = `OAS-${randomUUID().slice(0, 8)}`;
    const created = await admin.client.POST("/products", {
      body: {
        sku,
        name: "Walnut pepper mill",
        category: "kitchen",
        price: { amount: 4200, currency: "EUR" },
        stock: 5,
      },
    });
    expect(created.response.status).toBe(201);
    const product = created.data!;
    expect(created.response.headers.get("location")).toBe(`/api/products/${product.id}`);

    const shopper = await signUp("rest-client-shopper");
    const page = await shopper.client.GET("/products", {
      params: { query: { search: "walnut pepper", inStock: true, limit: 5, sort: "price_asc" } },
    });
    expect(page.data?.items.map((item) => item.sku)).toContain(sku);
    const shown = await shopper.client.GET("/products/{productId}", { params: { path: { productId: product.id } } });
    expect(shown.data).toMatchObject({ name: "Walnut pepper mill", stock: 5 });

    const placed = await shopper.client.POST("/orders", {
      body: { items: [{ productId: product.id, quantity: 2 }], idempotencyKey: `oas-${randomUUID()}` },
    });
    expect(placed.response.status).toBe(201);
    const order = placed.data!;
    // Answered once the stock is reserved; the payment follows as a job.
    expect(order).toMatchObject({ status: "pending", total: { amount: 8400, currency: "EUR" } });
    expect(placed.response.headers.get("location")).toBe(`/api/orders/${order.id}`);
    await expect
      .poll(async () => {
        const read = await shopper.client.GET("/orders/{orderId}", { params: { path: { orderId: order.id } } });
        return read.data?.status;
      })
      .toBe("paid");

    const mine = await shopper.client.GET("/orders", { params: { query: { limit: 10 } } });
    expect(mine.data?.items.map((item) => item.id)).toEqual([order.id]);

    const cancelled = await shopper.client.POST("/orders/{orderId}/cancel", {
      params: { path: { orderId: order.id } },
      body: {},
    });
    expect(cancelled.data?.status).toBe("cancelled");
    // Cancelled orders are restocked.
    const restocked = await shopper.client.GET("/products/{productId}", {
      params: { path: { productId: product.id } },
    });
    expect(restocked.data?.stock).toBe(5);

    // What a refusal looks like to this client: the documented error body, status and all.
    const again = await shopper.client.POST("/orders/{orderId}/cancel", {
      params: { path: { orderId: order.id } },
      body: {},
    });
    expect(again.response.status).toBe(409);
    expect(again.error).toMatchObject({ code: "CONFLICT", data: { httpStatus: 409 } });
    expect(again.error?.data.requestId).toBe(again.response.headers.get("x-request-id"));
  });

  it("lets a user see their sessions and end one, and an admin sign a user out everywhere", async () => {
    const user = await signUp("rest-client-user");
    const phone = await signIn(user.email, password);

    const sessions = await user.client.GET("/auth/sessions");
    expect(sessions.data?.map((session) => session.id).sort()).toEqual([user.sessionId, phone.sessionId].sort());

    const ended = await user.client.DELETE("/auth/sessions/{sessionId}", {
      params: { path: { sessionId: phone.sessionId } },
    });
    expect(ended.response.status).toBe(204);
    expect(ended.data).toBeUndefined();
    const refused = await phone.client.GET("/auth/me");
    expect(refused.response.status).toBe(401);
    expect(refused.error?.code).toBe("UNAUTHORIZED");
    expect((await user.client.GET("/auth/me")).data?.email).toBe(user.email);

    const found = await admin.client.GET("/admin/users", { params: { query: { search: user.email, limit: 5 } } });
    expect(found.data?.items.map((item) => item.id)).toEqual([user.user.id]);
    const promoted = await admin.client.PUT("/admin/users/{userId}/roles/{role}", {
      params: { path: { userId: user.user.id, role: "manager" } },
      body: {},
    });
    expect(promoted.data).toContain("manager");
    expect((await user.client.GET("/auth/me")).data?.permissions).toContain("order:read:any");

    const signedOut = await admin.client.DELETE("/admin/users/{userId}/sessions", {
      params: { path: { userId: user.user.id } },
    });
    expect(signedOut.response.status).toBe(204);
    expect((await user.client.GET("/auth/me")).response.status).toBe(401);
  });
});
