import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import fastifyStatic from "@fastify/static";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";

/** Built file names carry a content hash, so they never change and may be cached for good. */
const IMMUTABLE = "public, max-age=31536000, immutable";

/**
 * Serves the built web app, when there is one: its files as they are, and index.html for any
 * other page the browser asks for, so that the app's own routes survive a reload. Requests that
 * do not want HTML get what the API answers for what it does not serve.
 */
export async function webApp(
  app: FastifyInstance,
  directory: string,
  unrouted: (req: FastifyRequest, reply: FastifyReply) => unknown,
): Promise<void> {
  const root = resolve(directory);
  if (!existsSync(join(root, "index.html"))) {
    app.log.info({ directory: root }, "no built web app: serving the API only");
    app.setNotFoundHandler(unrouted);
    return;
  }

  await app.register(fastifyStatic, {
    root,
    wildcard: false,
    index: false,
    setHeaders: (res, path) => {
      res.header("cache-control", path.includes("/assets/") ? IMMUTABLE : "no-cache");
    },
  });

  app.setNotFoundHandler((req, reply) => {
    const wantsPage = req.method === "GET" && (req.headers.accept ?? "").includes("text/html");
    if (!wantsPage) return unrouted(req, reply);
    return reply.header("cache-control", "no-cache").sendFile("index.html");
  });
}
