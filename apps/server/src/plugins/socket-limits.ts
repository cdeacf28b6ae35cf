import type { WebSocket } from "@fastify/websocket";

/** A larger message closes the socket (1009): subscriptions need only small ones. */
export const WEBSOCKET_MAX_PAYLOAD_BYTES = 1024 * 1024;

/** Live subscriptions one socket may hold; each holds server memory and an event channel. */
export const MAX_SUBSCRIPTIONS_PER_SOCKET = 64;

/** 1008: policy violation. */
const POLICY_VIOLATION = 1008;

type SubscriptionMessage = { id?: unknown; method?: unknown; result?: { type?: unknown }; error?: unknown };

function messagesIn(data: unknown): SubscriptionMessage[] {
  try {
    const parsed = JSON.parse(String(data)) as unknown;
    return (Array.isArray(parsed) ? parsed : [parsed]).filter(
      (message): message is SubscriptionMessage => typeof message === "object" && message !== null,
    );
  } catch {
    // tRPC answers malformed messages itself.
    return [];
  }
}

/**
 * Counts the subscriptions a socket holds and closes a socket that asks for more than the cap.
 * A subscription counts from the message that asks for it until the server says it stopped or
 * failed: a client's own stop message frees nothing, since a stop sent before the subscription
 * started would otherwise free a place the subscription then takes. Attach before tRPC's handler.
 */
export function capSubscriptions(socket: WebSocket): void {
  const live = new Set<unknown>();
  socket.on("message", (data) => {
    for (const message of messagesIn(data)) if (message.method === "subscription") live.add(message.id);
    if (live.size > MAX_SUBSCRIPTIONS_PER_SOCKET) {
      socket.close(POLICY_VIOLATION, `At most ${MAX_SUBSCRIPTIONS_PER_SOCKET} subscriptions per connection`);
    }
  });
  const send = socket.send.bind(socket);
  socket.send = ((data: unknown, ...rest: unknown[]) => {
    if (typeof data === "string" && (data.includes('"stopped"') || data.includes('"error"'))) {
      for (const message of messagesIn(data)) {
        if (message.result?.type === "stopped" || message.error !== undefined) live.delete(message.id);
      }
    }
    return (send as (...args: unknown[]) => void)(data, ...rest);
  }) as typeof socket.send;
}
