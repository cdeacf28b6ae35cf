/*
 * API2:2023 Broken authentication. Most of the attacker's attempts on sign-in, tokens and
 * sessions are written where the mechanism is built; they are named here so that the map is
 * complete, and the forgeries that need no other setup are tried here.
 */
import { passkeys } from "@seed/db";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { softwareAuthenticator } from "../../../../packages/core/test/passkey-authenticator";
import { refusalOf } from "../support/refusal";
import { rawCall } from "../support/test-server";
import { coveredElsewhere, target, type Account, type Target } from "./attacker";

const base64url = (value: object) => Buffer.from(JSON.stringify(value)).toString("base64url");

describe("API2 broken authentication", () => {
  coveredElsewhere([
    {
      file: "apps/server/test/brute-force.test.ts",
      tests: [
        "locks the account out after five wrong passwords, even against the right one",
        "gives thirty guesses fired at once no more tries than five in a row",
        "does not let a stranger's failures lock the owner out from elsewhere",
      ],
    },
    { file: "apps/server/test/rate-limit.test.ts", tests: ["stops password guessing after the credential budget"] },
    {
      file: "apps/server/test/token-transport.test.ts",
      tests: ["refuses a socket whose URL carries a token", "is refused from a foreign origin or referer"],
    },
    { file: "apps/server/test/auth-flow.test.ts", tests: ["the same words as an unknown email"] },
    {
      file: "apps/server/test/mfa.test.ts",
      tests: [
        "lets only a recent sign-in set up an authenticator",
        "gives thirty codes guessed at once with a stolen password no more tries than five in a row",
      ],
    },
    {
      file: "apps/server/test/oidc-login.test.ts",
      tests: ["refuses a callback replayed with the same code and state"],
    },
    { file: "apps/server/test/transport-security.test.ts", tests: ["refuses to batch a sign-in with other calls"] },
    {
      file: "apps/server/test/api-keys.test.ts",
      tests: [
        "refuses the right id with a wrong secret, and still serves the right one",
        "never accepts a key from the URL, nor from anywhere but the Authorization header",
        "refuses a revoked key on the next request, on this instance and on the other",
      ],
    },
    {
      file: "apps/server/test/passkeys.test.ts",
      tests: [
        "refuses an answer replayed, and a challenge answered after it expired",
        "refuses answers made for another site, whether by its origin or its relying party",
        "refuses a passkey that did not verify its user, at registration and at sign-in",
        "refuses a signature counter that went back, as a cloned key's, and records a security event",
        "refuses an API key every passkey management call",
        "lets only a recent sign-in add or delete a passkey",
      ],
    },
    {
      file: "packages/core/test/passkeys.test.ts",
      tests: [
        "uses a challenge once, even when two answers race",
        "refuses to complete someone else's second step with one's own passkey",
      ],
    },
    { file: "packages/core/test/auth-service.test.ts", tests: [] },
    { file: "packages/core/test/access-tokens.test.ts", tests: [] },
  ]);

  describe("forged access tokens", () => {
    let app: Target;
    let victim: Account;

    beforeAll(async () => {
      app = await target();
      victim = await app.customer("victim");
    });
    afterAll(() => app?.deployment.destroy());

    /** The victim's own claims, re-signed the ways a forger can without the key. */
    function forgeries(): [string, string][] {
      const [header, payload] = victim.accessToken.split(".") as [string, string];
      const claims = JSON.parse(Buffer.from(payload, "base64url").toString()) as Record<string, unknown>;
      const promoted = base64url({ ...claims, roles: ["admin"], permissions: ["user:read:any"] });
      return [
        ["alg none", `${base64url({ alg: "none", typ: "JWT" })}.${payload}.`],
        ["claims changed under the old signature", `${header}.${promoted}.${victim.accessToken.split(".")[2]}`],
        ["signature stripped", `${header}.${payload}.`],
        ["HS256 keyed with the public JWKS", `${base64url({ alg: "HS256", typ: "JWT" })}.${payload}.AAAA`],
      ];
    }

    it("refuses every forgery with UNAUTHORIZED, while the genuine token works", async () => {
      for (const [label, token] of forgeries()) {
        const { status, body } = await rawCall(app.server.trpcUrl, "auth.me", undefined, {
          authorization: `Bearer ${token}`,
        });
        expect({ label, status, code: body.error?.json.data.code }).toEqual({
          label,
          status: 401,
          code: "UNAUTHORIZED",
        });
      }
      expect((await victim.client.api.auth.me.query()).id).toBe(victim.userId);
    });

    it("refuses the access token of a session that was signed out, at once", async () => {
      const session = await app.signIn(victim.email);
      await session.client.api.auth.logout.mutate({ refreshToken: session.refreshToken });
      const { status } = await rawCall(app.server.trpcUrl, "auth.me", undefined, {
        authorization: `Bearer ${session.accessToken}`,
      });
      expect(status).toBe(401);
    });
  });

  describe("forged passkey answers", () => {
    let app: Target;
    let victim: Account;
    const origin = "https://shop.example.com";

    beforeAll(async () => {
      app = await target({ APP_URL: origin });
      victim = await app.customer("passkey-victim");
    });
    afterAll(() => app?.deployment.destroy());

    it("refuses an answer signed with the attacker's own key under the victim's credential id", async () => {
      const genuine = softwareAuthenticator(origin);
      const options = await victim.client.api.auth.passkeys.registrationOptions.mutate();
      const passkey = await victim.client.api.auth.passkeys.register.mutate({ response: genuine.register(options) });

      // The attacker learnt the victim's credential id (it is no secret) and has a key of their own.
      const forger = softwareAuthenticator(origin);
      forger.register(options);
      const anonymous = app.server.client().api.auth.passkeys;
      const challenge = await anonymous.signInOptions.mutate();
      const forged = forger.assert(challenge, { signCount: 1_000 });
      const answer = { ...forged, id: genuine.credentialId, rawId: genuine.credentialId };
      expect(await refusalOf(anonymous.signIn.mutate({ response: answer }))).toEqual({
        code: "UNAUTHORIZED",
        message: "The passkey could not be verified",
      });

      // Nothing of the victim's passkey moved: a forged count cannot push the genuine one out.
      const [stored] = await app.deployment.database.connection.db
        .select()
        .from(passkeys)
        .where(eq(passkeys.id, passkey.id));
      expect({ signCount: stored!.signCount, lastUsedAt: stored!.lastUsedAt }).toEqual({
        signCount: 1,
        lastUsedAt: null,
      });
      const signedIn = await anonymous.signIn.mutate({
        response: genuine.assert(await anonymous.signInOptions.mutate()),
      });
      expect(signedIn.user.id).toBe(victim.userId);
    });
  });
});
