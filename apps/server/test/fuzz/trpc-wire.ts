import superjson from "superjson";
import type { TestServer } from "../support/test-server";

/**
 * The body a client would send. superjson refuses to serialize a `__proto__` key, so such an
 * input goes out as plain JSON: an attacker is not bound to the official client.
 */
export function serializeInput(input: unknown): string {
  try {
    return JSON.stringify(superjson.serialize(input));
  } catch {
    return JSON.stringify({ json: input });
  }
}

/** Sends one call the way a tRPC client does: queries as GET, the rest as POST. */
export async function sendTrpcCall(
  server: TestServer,
  call: { path: string; type: string },
  input: unknown,
  token: string | null,
): Promise<Response> {
  const serialized = serializeInput(input);
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return call.type === "mutation"
    ? fetch(`${server.trpcUrl}/${call.path}`, {
        method: "POST",
        headers: { ...headers, "content-type": "application/json" },
        body: serialized,
      })
    : fetch(`${server.trpcUrl}/${call.path}?input=${encodeURIComponent(serialized)}`, { headers });
}
