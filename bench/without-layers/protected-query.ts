import type { Config } from "@seed/config";
import type { Server } from "@seed/server";
import { jwtVerify } from "jose";

/**
 * The limit for a protected query: a plain Fastify route that verifies the bearer token with the
 * same library, the same keys and the same checks as the server, on every request, and answers
 * auth.me's bytes for its subject. The bytes are read once per subject from the server itself (as
 * a batch: this route shadows the single call's URL), so that what is measured is the token check.
 */
export function answerProtectedQueryWithoutLayers(server: Server, config: Config): void {
  const answers = new Map<string, Promise<Buffer>>();
  const keys = server.resources.tokenKeys;
  server.app.get("/trpc/auth.me", async (req, reply) => {
    const token = req.headers.authorization?.replace(/^Bearer /, "") ?? "";
    const { payload } = await jwtVerify(token, (header) => keys.verificationKey(header), {
      algorithms: [keys.algorithm],
      issuer: config.auth.issuer,
      audience: config.auth.audience,
      requiredClaims: ["sub", "jti", "exp", "nbf", "iat"],
    });
    const subject = payload.sub!;
    let answer = answers.get(subject);
    if (!answer) {
      answer = server.app
        .inject({
          url: `/trpc/auth.me,auth.me?batch=1&input=${encodeURIComponent("{}")}`,
          headers: { authorization: req.headers.authorization },
        })
        .then((response) => Buffer.from(JSON.stringify(response.json<unknown[]>()[0])));
      answers.set(subject, answer);
    }
    return reply
      .header("content-type", "application/json")
      .header("vary", "trpc-accept, accept")
      .send(await answer);
  });
}
