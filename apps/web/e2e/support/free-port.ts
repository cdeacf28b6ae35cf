import { createServer } from "node:net";

/**
 * A port free on this machine now, for a server that must know its own address before it
 * starts (its passkeys are bound to the origin the browser sees).
 */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once("error", reject);
    probe.listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
}
