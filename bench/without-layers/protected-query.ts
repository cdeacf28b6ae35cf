import { createHash, timingSafeEqual } from "node:crypto";
import type { Config } from "@seed/config";
import type { Server } from "@seed/server";
import { jwtVerify } from "jose";
import type postgres from "postgres";

const API_KEY = /^seed_([a-z0-9]{16})_([A-Za-z0-9_-]+)$/;

/**
 * The limit for a protected query: a plain Fastify route that checks the bearer credential on
 * every request and answers auth.me's bytes for its caller. A token is verified with the same
 * library, keys and checks as the server; an API key's secret is hashed and compared in constant
 * time with the hash stored for its public id (read once per key, as a cache would). The bytes
 * are read once per caller from the server itself (as a batch: this route shadows the single
 * call's URL), so that what is measured is the credential check.
 */
export function answerProtectedQueryWithoutLayers(server: Server, config: Config, sql: postgres.Sql): void {
  const answers = new Map<string, Promise<Buffer>>();
  const keys = server.resources.tokenKeys;
  const storedHashes = new Map<string, Promise<Buffer>>();

  /** Who answers to an API key: the key itself, since its scopes narrow what auth.me lists. */
  async function keyCaller(key: string): Promise<string> {
    const [, publicId, secret] = API_KEY.exec(key)!;
    let stored = storedHashes.get(publicId!);
    if (!stored) {
      stored = sql`select secret_hash from api_keys where public_id = ${publicId!}`.then(([row]) =>
        Buffer.from(row!.secret_hash as string),
      );
      storedHashes.set(publicId!, stored);
    }
    const hash = await stored;
    const presented = Buffer.from(createHash("sha256").update(secret!).digest("base64url"));
    if (presented.length !== hash.length || !timingSafeEqual(presented, hash)) throw new Error("wrong key");
    return `key ${publicId}`;
  }
  server.app.get("/trpc/auth.me", async (req, reply) => {
    const credential = req.headers.authorization?.replace(/^Bearer /, "") ?? "";
    const caller = API_KEY.test(credential)
      ? await keyCaller(credential)
      : (
          await jwtVerify(credential, (header) => keys.verificationKey(header), {
            algorithms: [keys.algorithm],
            issuer: config.auth.issuer,
            audience: config.auth.audience,
            requiredClaims: ["sub", "jti", "exp", "nbf", "iat"],
          })
        ).payload.sub!;
    let answer = answers.get(caller);
    if (!answer) {
      answer = server.app
        .inject({
          url: `/trpc/auth.me,auth.me?batch=1&input=${encodeURIComponent("{}")}`,
          headers: { authorization: req.headers.authorization },
        })
        .then((response) => Buffer.from(JSON.stringify(response.json<unknown[]>()[0])));
      answers.set(caller, answer);
    }
    return reply
      .header("content-type", "application/json")
      .header("vary", "trpc-accept, accept")
      .send(await answer);
  });
}
