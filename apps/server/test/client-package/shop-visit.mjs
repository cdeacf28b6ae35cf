/*
 * What a client's author writes: plain Node.js with the published @seed/client, nothing else.
 * Where the API is and whose account to use come in SEED_VISIT (JSON); what the program saw goes
 * to stdout as one JSON line.
 */
import { randomUUID } from "node:crypto";
import process from "node:process";
import { createClient } from "@seed/client";

const { url, wsUrl, email, password, productId } = JSON.parse(process.env.SEED_VISIT);

let accessToken = null;
const client = createClient({ url, wsUrl, getAccessToken: () => accessToken });

/** The first status change of an order of the user's, heard over the WebSocket. */
function firstOrderEvent() {
  let started;
  const ready = new Promise((resolve) => (started = resolve));
  const event = new Promise((resolve, reject) => {
    const subscription = client.api.notifications.onMine.subscribe(undefined, {
      onStarted: started,
      onData: ({ data }) => {
        if (data.type !== "order.status_changed") return;
        subscription.unsubscribe();
        resolve(data);
      },
      onError: reject,
    });
  });
  return { ready, event };
}

try {
  const session = await client.api.auth.login.mutate({ email, password });
  accessToken = session.accessToken;
  // Sent together, in one batched request.
  const [me, product] = await Promise.all([client.api.auth.me.query(), client.api.products.get.query({ productId })]);

  const orders = firstOrderEvent();
  await orders.ready;
  const order = await client.api.orders.place.mutate({
    items: [{ productId, quantity: 2 }],
    idempotencyKey: randomUUID(),
  });
  const event = await orders.event;

  process.stdout.write(
    `${JSON.stringify({
      signedInAs: me.email,
      accountCreatedAt: me.createdAt instanceof Date ? "a Date" : typeof me.createdAt,
      product: product.name,
      order: { id: order.id, total: order.total },
      event: { type: event.type, orderId: event.orderId, at: event.at instanceof Date ? "a Date" : typeof event.at },
    })}\n`,
  );
} finally {
  await client.close();
}
