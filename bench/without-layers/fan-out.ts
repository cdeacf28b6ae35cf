import type { Redis } from "ioredis";
import superjson from "superjson";
import type { WebSocket } from "ws";
import type { WSConnectionHandlerFactory } from "../../apps/server/src/plugins/trpc-ws-fast-path";

/**
 * The limit for fan-out: what a hand-written service does to hand one event to every socket
 * that subscribed to it. One Redis pub/sub subscription to the channel the event bus announces
 * on (`<prefix>events:<channel>`, each message `<event id> <superjson text>`); per event, the
 * tail of tRPC's data frame made once; per socket, its subscription's id in front and one `ws`
 * send. It answers a subscription with tRPC's `started` and each event with tRPC's data frame,
 * byte for byte (the bench compares them before measuring), and keeps nothing else: no access
 * check, no resume, no queue bound, no limits, no metrics.
 */
export function fanOutWithoutLayers(subscriber: Redis): WSConnectionHandlerFactory {
  const heads = new Map<WebSocket, string>();
  subscriber.on("message", (_channel: string, message: string) => {
    const space = message.indexOf(" ");
    const id = message.slice(0, space);
    const tracked = superjson.serialize({ id, data: superjson.parse(message.slice(space + 1)) });
    const tail = `${JSON.stringify(tracked)},"id":${JSON.stringify(id)}}}`;
    for (const [socket, head] of heads) socket.send(head + tail);
  });
  return () => (socket) => {
    socket.on("message", (raw: Buffer) => {
      const text = raw.toString();
      if (text === "PING") return socket.send("PONG");
      const { id } = JSON.parse(text) as { id: number | string };
      heads.set(socket, `{"id":${JSON.stringify(id)},"result":{"type":"data","data":`);
      socket.send(JSON.stringify({ id, result: { type: "started" } }));
    });
    socket.on("close", () => heads.delete(socket));
  };
}
