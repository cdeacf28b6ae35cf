import { once } from "node:events";
import { createServer } from "node:net";

/**
 * A port on 127.0.0.1 that nothing listens on when asked: one to start a service of the test's
 * own on, or one that refuses connections, to stand for a store that is down.
 */
export async function unusedPort(): Promise<number> {
  const probe = createServer().listen(0, "127.0.0.1");
  await once(probe, "listening");
  const { port } = probe.address() as { port: number };
  probe.close();
  await once(probe, "close");
  return port;
}
