import compress from "@fastify/compress";
import { SECRET_OUTPUT_PROCEDURES } from "@seed/api";
import type { FastifyInstance, FastifyReply, FastifyRequest } from "fastify";
import { proceduresOf } from "./credential-procedures";

/** Below this many bytes, compressing saves less than the work and the headers cost. */
export const COMPRESSION_THRESHOLD_BYTES = 1024;

/** The most compressed at once, in the event loop; the plugin's default depends on the machine's cores. */
export const IN_ONE_GO_BYTES = 16 * 1024;

/**
 * Text compresses well; images and fonts come compressed already. Server-sent events never:
 * zlib would hold each event back until its buffer fills.
 */
const COMPRESSIBLE =
  /^(?:text\/(?!event-stream)|application\/(?:[\w.-]+\+)?(?:json|javascript|xml)\b|image\/svg\+xml)/i;

/**
 * Compresses answers for clients that accept it, Brotli first, then gzip, as their
 * `Accept-Encoding` and its q-values allow: JSON from tRPC and REST, the web app's files. Left as
 * they are: anything under the threshold; streams of unknown length (server-sent events, tRPC's
 * streamed batches), which must reach the client as they are made; and answers that hold a secret
 * (tokens, an authenticator's key, recovery codes), which compressed beside text an attacker can
 * put in the same answer would give their bytes away through its length (BREACH). WebSockets
 * negotiate no compression of their own (`permessage-deflate` is off).
 *
 * Registered before the routes, whose answers it then sees; requests are never decompressed.
 */
export async function responseCompression(app: FastifyInstance): Promise<void> {
  await app.register(compress, {
    encodings: ["br", "gzip"],
    threshold: COMPRESSION_THRESHOLD_BYTES,
    customTypes: COMPRESSIBLE,
    // Larger answers are compressed as a stream, in zlib's threads, rather than on the event loop.
    syncThreshold: IN_ONE_GO_BYTES,
    globalDecompression: false,
  });
  // An instance's own hooks run before those of its routes, where the compression runs.
  app.addHook("onSend", (req, reply, payload, done) => {
    if (answersWithSecrets(req) || !knownToReachThreshold(reply, payload)) leaveUncompressed(req);
    done();
  });
}

function answersWithSecrets(req: FastifyRequest): boolean {
  return proceduresOf(req).some((procedure) => SECRET_OUTPUT_PROCEDURES.has(procedure));
}

/**
 * A body sent whole is measured by the compression itself; a stream counts only with a length
 * (a file), since one without is sent as it is produced.
 */
function knownToReachThreshold(reply: FastifyReply, payload: unknown): boolean {
  if (typeof payload === "string" || Buffer.isBuffer(payload) || payload === null || payload === undefined) return true;
  return Number(reply.getHeader("content-length") ?? 0) >= COMPRESSION_THRESHOLD_BYTES;
}

/** The compression's own switch for one request, read when the answer is sent. */
function leaveUncompressed(req: FastifyRequest): void {
  req.headers["x-no-compression"] = "1";
}
