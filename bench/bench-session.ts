import { randomBytes } from "node:crypto";
import { createClient } from "@seed/client";
import type { BenchSession } from "./scenarios";

/**
 * Signs up and signs in the one user of a run, and gives them an API key, through the API as any
 * client would.
 */
export async function signInBenchUser(baseUrl: string): Promise<BenchSession> {
  let accessToken: string | null = null;
  const { api, close } = createClient({ url: `${baseUrl}/trpc`, getAccessToken: () => accessToken });
  try {
    const credentials = { email: "bench@example.com", password: randomBytes(18).toString("base64url") };
    await api.auth.register.mutate(credentials);
    const signIn = await api.auth.login.mutate(credentials);
    if (signIn.status !== "signed-in") throw new Error("The bench user was asked for a second factor");
    accessToken = signIn.accessToken;
    const { key } = await api.apiKeys.create.mutate({ name: "bench", scopes: ["order:create"], expiresInDays: 1 });
    return { accessToken, apiKey: key };
  } finally {
    await close();
  }
}
