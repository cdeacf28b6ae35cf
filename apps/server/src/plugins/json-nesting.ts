/*
 * A cap on how deeply the JSON of a call may nest, checked on the raw text before anything
 * parses it. Parsers and validators that recurse (superjson's metadata walk, the REST adapter,
 * error formatting) overflow the stack on input a few thousand levels deep, which fits easily in
 * a body limit; no input of the API nests more than a handful of levels.
 */
import { Transform } from "node:stream";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { RequestGuard } from "./request-guard";

/** Far above what any input of the API needs (a batched call with an order in it nests 6 deep). */
export const MAX_JSON_DEPTH = 32;

export const TOO_DEEP_MESSAGE = `JSON nests deeper than ${MAX_JSON_DEPTH} levels`;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Follows the nesting of JSON text fed to it piece by piece, without recursion and without
 * parsing: brackets count unless they are inside a string. It works on UTF-8 bytes, where the
 * bytes of a multi-byte character never look like a bracket or a quote, so a chunk may end
 * anywhere. Malformed JSON is left for the parser to refuse.
 */
export class JsonNestingGauge {
  private depth = 0;
  private inString = false;
  private escaped = false;

  /** Reads the next chunk; false once the nesting has gone past the cap. */
  feed(chunk: Uint8Array): boolean {
    for (const byte of chunk) {
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (byte === BACKSLASH) this.escaped = true;
        else if (byte === QUOTE) this.inString = false;
      } else if (byte === QUOTE) {
        this.inString = true;
      } else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) {
        if (++this.depth > MAX_JSON_DEPTH) return false;
      } else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        this.depth -= 1;
      }
    }
    return true;
  }
}

/** Whether JSON text, whole (a socket message, a query parameter), nests past the cap. */
export function nestsTooDeep(json: string): boolean {
  return !new JsonNestingGauge().feed(Buffer.from(json, "utf8"));
}

function isJson(req: FastifyRequest): boolean {
  const type = req.headers["content-type"]?.split(";")[0]?.trim().toLowerCase() ?? "";
  return type === "application/json" || type.endsWith("+json");
}

/**
 * A `preParsing` hook: the body streams through a gauge on its way to the parser, which never
 * sees it when it nests too deep. The error answers the request as a 400.
 */
export async function limitBodyNesting(
  req: FastifyRequest,
  _reply: FastifyReply,
  payload: NodeJS.ReadableStream,
): Promise<NodeJS.ReadableStream> {
  if (!isJson(req)) return payload;
  const gauge = new JsonNestingGauge();
  return payload.pipe(
    new Transform({
      transform(chunk: Buffer, _encoding, done) {
        if (gauge.feed(chunk)) done(null, chunk);
        else done(Object.assign(new Error(TOO_DEEP_MESSAGE), { statusCode: 400 }));
      },
    }),
  );
}

/** The same cap on the JSON of a tRPC query, which comes in the `input` parameter of a GET. */
export const limitQueryInputNesting: RequestGuard = (req) => {
  const input = (req.query as Record<string, unknown> | undefined)?.["input"];
  const inputs = Array.isArray(input) ? input : [input];
  return inputs.some((value) => typeof value === "string" && nestsTooDeep(value))
    ? { status: 400, message: TOO_DEEP_MESSAGE }
    : undefined;
};
