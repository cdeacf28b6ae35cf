import { createHash } from "node:crypto";
import type { Config } from "@seed/config";
import type { Server } from "@seed/server";
import { jwtVerify } from "jose";
import type postgres from "postgres";

interface ReservedProduct {
  id: string;
  name: string;
  price_amount: number;
  currency: string;
}

interface OrderRequest {
  json: { items: { productId: string; quantity: number }[]; idempotencyKey: string };
}

/**
 * The limit for placing an order: a plain Fastify route that verifies the token as the server
 * does and runs, in one transaction through postgres.js, what an order needs before its answer:
 * reserve each product's stock with a conditional UPDATE, write the order, its items, its
 * audit row and its webhook event (the outbox row that makes the webhook as sure as the order). It answers the order as tRPC would (the bytes compare with ids and times masked).
 */
export function answerPlaceOrderWithoutLayers(server: Server, config: Config, sql: postgres.Sql): void {
  const keys = server.resources.tokenKeys;
  server.app.post("/trpc/orders.place", async (req, reply) => {
    const token = req.headers.authorization?.replace(/^Bearer /, "") ?? "";
    const { payload } = await jwtVerify(token, (header) => keys.verificationKey(header), {
      algorithms: [keys.algorithm],
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      requiredClaims: ["sub", "jti", "exp", "nbf", "iat"],
    });
    const userId = payload.sub!;
    const { items, idempotencyKey } = (req.body as OrderRequest).json;
    const sorted = [...items].sort((a, b) => a.productId.localeCompare(b.productId));
    const fingerprint = createHash("sha256")
      .update(sorted.map((item) => `${item.productId}:${item.quantity}`).join(","))
      .digest("base64url");
    const order = await sql.begin(async (tx) => {
      const reserved: (ReservedProduct & { quantity: number })[] = [];
      for (const item of sorted) {
        const [product] = await tx<
          ReservedProduct[]
        >`update products set stock = stock - ${item.quantity}, version = version + 1
          where id = ${item.productId} and deleted_at is null and stock >= ${item.quantity}
          returning id, name, price_amount, currency`;
        reserved.push({ ...product!, quantity: item.quantity });
      }
      const currency = reserved[0]!.currency as string;
      const total = reserved.reduce((sum, product) => sum + (product.price_amount as number) * product.quantity, 0);
      const [row] = await tx`insert into orders (user_id, total_amount, currency, idempotency_key, request_fingerprint)
        values (${userId}, ${total}, ${currency}, ${idempotencyKey}, ${fingerprint})
        returning id, status, payment_status, created_at, updated_at`;
      await tx`insert into order_items ${tx(
        reserved.map((product) => ({
          order_id: row!.id as string,
          product_id: product.id as string,
          quantity: product.quantity,
          unit_price_amount: product.price_amount as number,
        })),
      )}`;
      await tx`insert into audit_log (actor_id, action, resource, resource_id, after, ip, user_agent, request_id)
        values (${userId}, 'order.place', 'order', ${row!.id as string},
          ${tx.json({ items, total: { amount: total, currency } })}, ${req.ip}, ${req.headers["user-agent"] ?? null}, ${req.id})`;
      const view = {
        id: row!.id as string,
        userId,
        status: row!.status as string,
        paymentStatus: row!.payment_status as string,
        total: { amount: total, currency },
        items: reserved
          .map((product) => ({
            productId: product.id as string,
            name: product.name as string,
            quantity: product.quantity,
            unitPrice: { amount: product.price_amount as number, currency },
          }))
          .sort((a, b) => (a.productId < b.productId ? -1 : a.productId > b.productId ? 1 : 0)),
        createdAt: row!.created_at as Date,
        updatedAt: row!.updated_at as Date,
      };
      await tx`insert into webhook_events (type, data) values ('order.placed', ${tx.json(view)})`;
      return view;
    });
    const body = JSON.stringify({
      result: {
        data: { json: order, meta: { values: { createdAt: ["Date"], updatedAt: ["Date"] }, v: 1 } },
      },
    });
    return reply
      .header("content-type", "application/json")
      .header("vary", "trpc-accept, accept")
      .send(Buffer.from(body));
  });
}
