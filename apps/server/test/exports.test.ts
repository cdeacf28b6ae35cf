import { randomUUID } from "node:crypto";
import type { Client } from "@seed/client";
import { beforeAll, describe, expect, it } from "vitest";
import { placeSettledOrder } from "./support/live";
import { codeOf } from "./support/refusal";
import { signedInClient } from "./support/session-events";
import { availableBackends, tokensOf, uniqueEmail, useDeployment } from "./support/test-server";

const admin = { email: "export-admin@example.com", password: "a long admin passphrase" };

describe.each(availableBackends())("CSV exports of orders on %s", (backend) => {
  const deployment = useDeployment(backend, {
    env: { ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password, AUTH_RATE_LIMIT_MAX: "1000" },
  });
  let adminClient: Client;

  beforeAll(async () => {
    const session = tokensOf(await deployment.server.client().api.auth.login.mutate(admin));
    adminClient = deployment.server.client({ getAccessToken: () => session.accessToken });
  });

  async function shopperWithOrder() {
    const product = await adminClient.api.products.create.mutate({
      sku: `sku-${randomUUID()}`,
      name: `Lamp ${randomUUID().slice(0, 8)}`,
      description: "Brass",
      category: "lighting",
      price: { amount: 1250, currency: "EUR" },
      stock: 10,
    });
    const { client } = await signedInClient(deployment.server, uniqueEmail("exporter"));
    const order = await placeSettledOrder(client, {
      items: [{ productId: product.id, quantity: 3 }],
      idempotencyKey: randomUUID(),
    });
    return { client, order };
  }

  it("makes the caller's orders into a CSV in the background, for the caller to download", async () => {
    const { client, order } = await shopperWithOrder();
    const { exportId } = await client.api.exports.generate.mutate();

    await expect.poll(async () => (await client.api.exports.get.query({ exportId })).status).toBe("done");
    const ready = await client.api.exports.get.query({ exportId });
    expect(ready.rows).toBe(1);
    const [header, line, end] = ready.csv!.split("\r\n");
    expect(header).toBe("order_id,placed_at,status,payment_status,items,total_amount,currency");
    expect(line).toBe([order.id, order.createdAt.toISOString(), order.status, "succeeded", 3, 3750, "EUR"].join(","));
    expect(end).toBe("");
  });

  it("hides an export from everyone but its owner and those who may read anyone's orders", async () => {
    const { client } = await shopperWithOrder();
    const { exportId } = await client.api.exports.generate.mutate();
    const { client: stranger } = await signedInClient(deployment.server, uniqueEmail("stranger"));
    expect(await codeOf(stranger.api.exports.get.query({ exportId }))).toBe("NOT_FOUND");
    expect(await codeOf(client.api.exports.get.query({ exportId: "no-such-export" }))).toBe("NOT_FOUND");
    expect(await codeOf(deployment.server.client().api.exports.generate.mutate())).toBe("UNAUTHORIZED");
    await expect.poll(async () => (await adminClient.api.exports.get.query({ exportId })).status).toBe("done");
  });

  it("allows five exports a minute per user", async () => {
    const { client } = await signedInClient(deployment.server, uniqueEmail("hoarder"));
    for (let i = 0; i < 5; i++) await client.api.exports.generate.mutate();
    expect(await codeOf(client.api.exports.generate.mutate())).toBe("TOO_MANY_REQUESTS");
  });
});
