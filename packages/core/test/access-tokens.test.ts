import { createHmac, generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { SignJWT, UnsecuredJWT } from "jose";
import { describe, expect, it } from "vitest";
import { AppError } from "@seed/platform";
import { createAccessTokenService, sharedSecretKeys } from "../src";
import { tokenOptions } from "./support";

const service = createAccessTokenService(tokenOptions, sharedSecretKeys(tokenOptions.secret));
const userId = randomUUID();
const sessionId = randomUUID();

function claims(overrides: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return {
    iss: tokenOptions.issuer,
    aud: tokenOptions.audience,
    sub: userId,
    sid: sessionId,
    jti: randomUUID(),
    iat: now,
    nbf: now,
    exp: now + 300,
    ...overrides,
  };
}

const sign = (payload: Record<string, unknown>, secret: Uint8Array = tokenOptions.secret) =>
  new SignJWT(payload).setProtectedHeader({ alg: "HS256", typ: "JWT" }).sign(secret);

async function refusal(token: string): Promise<AppError> {
  const error = await service.verify(token).then(
    () => null,
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).code).toBe("UNAUTHENTICATED");
  return error as AppError;
}

describe("access tokens signed with a shared secret", () => {
  it("verify what they issue, with every claim the contract names", async () => {
    const issued = await service.issue(userId, sessionId);
    const verified = await service.verify(issued.token);
    expect(verified).toMatchObject({ userId, sessionId });
    expect(verified.expiresAt.getTime()).toBe(issued.expiresAt.getTime());
    const payload = JSON.parse(Buffer.from(issued.token.split(".")[1]!, "base64url").toString()) as Record<
      string,
      unknown
    >;
    expect(Object.keys(payload).sort()).toEqual(["aud", "exp", "iat", "iss", "jti", "nbf", "sid", "sub"]);
    expect(JSON.parse(Buffer.from(issued.token.split(".")[0]!, "base64url").toString())).toEqual({
      alg: "HS256",
      typ: "JWT",
    });
  });

  it("give every token its own id", async () => {
    const [a, b] = await Promise.all([service.issue(userId, sessionId), service.issue(userId, sessionId)]);
    expect((await service.verify(a.token)).tokenId).not.toBe((await service.verify(b.token)).tokenId);
  });

  describe("refuse a forged or stale token", () => {
    it("with alg none", async () => {
      await refusal(new UnsecuredJWT(claims()).encode());
    });

    it("signed with another key", async () => {
      await refusal(await sign(claims(), randomBytes(32)));
    });

    it("signed with another algorithm", async () => {
      const { privateKey } = generateKeyPairSync("ed25519");
      await refusal(await new SignJWT(claims()).setProtectedHeader({ alg: "EdDSA" }).sign(privateKey));
    });

    it("whose payload was changed after signing", async () => {
      const [header, , signature] = (await sign(claims())).split(".");
      const forged = Buffer.from(JSON.stringify(claims({ sub: randomUUID() }))).toString("base64url");
      await refusal(`${header}.${forged}.${signature}`);
    });

    it("that has expired, saying so", async () => {
      const past = Math.floor(Date.now() / 1000) - 600;
      const error = await refusal(await sign(claims({ iat: past, nbf: past, exp: past + 60 })));
      expect(error.message).toBe("Access token expired");
    });

    it("that is not valid yet", async () => {
      const future = Math.floor(Date.now() / 1000) + 600;
      await refusal(await sign(claims({ nbf: future })));
    });

    it("for another audience or issuer", async () => {
      await refusal(await sign(claims({ aud: "another-api" })));
      await refusal(await sign(claims({ iss: "someone-else" })));
    });

    it("without a session or with claims that are not ids", async () => {
      const { sid: _sid, ...withoutSession } = claims();
      await refusal(await sign(withoutSession));
      await refusal(await sign(claims({ sub: "'; drop table users; --" })));
    });

    it("that is not a JWT at all", async () => {
      await refusal("garbage");
      await refusal("");
      await refusal("a.b.c");
    });

    it("whose HMAC was made over the right bytes with the wrong secret", async () => {
      const header = Buffer.from(JSON.stringify({ alg: "HS256", typ: "JWT" })).toString("base64url");
      const payload = Buffer.from(JSON.stringify(claims())).toString("base64url");
      const mac = createHmac("sha256", "guess").update(`${header}.${payload}`).digest("base64url");
      await refusal(`${header}.${payload}.${mac}`);
    });
  });
});

describe("the memory of verified tokens", () => {
  /** A key source whose secret can be replaced, as a rotation does. */
  function replaceableSecret() {
    let keys = sharedSecretKeys(randomBytes(32));
    return {
      source: {
        algorithm: "HS256" as const,
        signingKey: () => keys.signingKey(),
        verificationKey: (header: never) => keys.verificationKey(header),
        jwks: () => keys.jwks(),
      },
      replace: () => (keys = sharedSecretKeys(randomBytes(32))),
    };
  }

  it("answers a token verified before with the same claims", async () => {
    const issued = await service.issue(userId, sessionId);
    const first = await service.verify(issued.token);
    expect(await service.verify(issued.token)).toEqual(first);
  });

  it("stops accepting a remembered token once the key that verified it is gone", async () => {
    const secret = replaceableSecret();
    const rotating = createAccessTokenService(tokenOptions, secret.source);
    const issued = await rotating.issue(userId, sessionId);
    await rotating.verify(issued.token);
    secret.replace();
    await expect(rotating.verify(issued.token)).rejects.toMatchObject({ code: "UNAUTHENTICATED" });
  });

  it("never takes a token that differs from a remembered one by a byte", async () => {
    const issued = await service.issue(userId, sessionId);
    await service.verify(issued.token);
    const [header, payload, signature] = issued.token.split(".");
    const forged = JSON.parse(Buffer.from(payload!, "base64url").toString());
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...forged, sub: randomUUID() })).toString("base64url")}.${signature}`;
    await refusal(tampered);
    // A different first character of the signature: all six of its bits are the signature's,
    // where the last character's low bits are padding a decoder may ignore.
    const altered = signature!.startsWith("A") ? `B${signature!.slice(1)}` : `A${signature!.slice(1)}`;
    await refusal(`${header}.${payload}.${altered}`);
  });

  it("does not serve a remembered token past its expiry", async () => {
    const shortLived = createAccessTokenService(
      { ...tokenOptions, ttlSeconds: 1 },
      sharedSecretKeys(tokenOptions.secret),
    );
    const issued = await shortLived.issue(userId, sessionId);
    await shortLived.verify(issued.token);
    // Past exp plus the clock tolerance, the full verification refuses it, as it did before.
    await new Promise((resolve) => setTimeout(resolve, issued.expiresAt.getTime() - Date.now() + 5_100));
    await expect(shortLived.verify(issued.token)).rejects.toMatchObject({ message: "Access token expired" });
  }, 10_000);
});
