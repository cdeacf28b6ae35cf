/*
 * API10:2023 Unsafe consumption of APIs. The one outside API the server consumes is the
 * identity provider. The attacker controls an account there, or the provider itself, and sends
 * claims that are not what they should be. Each answer is validated before it is used: a claim
 * that fails is refused as a failed sign-in, creates nothing, and never reaches a query as is.
 */
import { users } from "@seed/db";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { signInAtProvider, startIdentityProvider, type TestIdentityProvider } from "../support/identity-provider";
import { refusalOf } from "../support/refusal";
import { browserFetch, useDeployment } from "../support/test-server";
import { coveredElsewhere } from "./attacker";

const REDIRECT_URI = "http://127.0.0.1:5173/signed-in";
const PROVIDER = "local";

describe("API10 unsafe consumption", () => {
  coveredElsewhere([
    {
      file: "apps/server/test/oidc-login.test.ts",
      tests: [
        "refuses an ID token whose nonce is not the attempt's",
        "refuses the code of another attempt: its PKCE verifier does not match",
        "refuses a state it never issued",
        "refuses an unverified email that would take over an existing account, and changes nothing",
        "answers BAD_GATEWAY, without internals, when the provider cannot be reached",
      ],
    },
  ]);

  describe("claims the provider vouches for", () => {
    let provider: TestIdentityProvider;
    beforeAll(async () => {
      provider = await startIdentityProvider(REDIRECT_URI);
    });
    afterAll(() => provider?.stop());
    const deployment = useDeployment("embedded", {
      env: () => ({
        OIDC_PROVIDERS: JSON.stringify([
          { name: PROVIDER, issuer: provider.issuer, clientId: provider.clientId, clientSecret: provider.clientSecret },
        ]),
        OIDC_REDIRECT_URI: REDIRECT_URI,
        AUTH_RATE_LIMIT_MAX: "1000",
      }),
    });

    it.each([
      ["not an email", "not an email"],
      ["an email too long to store", `${"a".repeat(300)}@example.com`],
      ["markup", "<script>alert(1)</script>@example.com"],
      ["SQL", "x'); drop table users; --@example.com"],
      ["a NUL byte", "victim@example.com\u0000.evil.example"],
    ])("an email claim that is %s is refused, and no account is made", async (_label, email) => {
      const client = deployment.server.client({ fetch: browserFetch() });
      const subject = provider.addAccount({ email, emailVerified: true });
      const { authorizationUrl } = await client.api.auth.oidc.start.mutate({ provider: PROVIDER });
      const returned = await signInAtProvider(authorizationUrl, subject, REDIRECT_URI);
      const refusal = await refusalOf(
        client.api.auth.oidc.callback.mutate({
          provider: PROVIDER,
          code: returned.get("code")!,
          state: returned.get("state")!,
          ...(returned.has("iss") ? { iss: returned.get("iss")! } : {}),
        }),
      );
      expect(refusal.code).toBe("UNAUTHORIZED");
      expect(await deployment.database.connection.db.select({ email: users.email }).from(users)).toEqual([]);
    });
  });
});
