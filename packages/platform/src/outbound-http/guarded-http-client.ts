import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { isIP, type LookupFunction } from "node:net";
import type * as Undici from "undici";
import {
  OutboundRequestFailed,
  type OutboundHttpClient,
  type OutboundHttpSettings,
  type OutboundResponse,
} from "./outbound-http";
import { isPublicAddress } from "./public-address";
import { undiciLibrary } from "./undici-library";

const REFUSED_ADDRESS = "the address is private, loopback or link-local";
/** The code of the lookup error that refuses every address of a name, told apart from DNS failures. */
const REFUSED_CODE = "ERR_INSIDE_ADDRESS_REFUSED";

/**
 * The lookup every connection makes: it resolves all the addresses of a name and keeps only the
 * public ones, so the socket can only ever be opened to one of those.
 */
function publicOnlyLookup(resolve: LookupFunction): LookupFunction {
  return (hostname, options, callback) => {
    resolve(hostname, { ...options, all: true }, (error, resolved) => {
      if (error) return callback(error, "", 0);
      const addresses = (resolved as unknown as LookupAddress[]).filter(({ address }) => isPublicAddress(address));
      const [first] = addresses;
      if (!first) {
        return callback(Object.assign(new Error(REFUSED_ADDRESS), { code: REFUSED_CODE }), "", 0);
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      callback(null, first.address, first.family);
    });
  };
}

/** The client of `OutboundHttpClient`, on undici, with the address check in its connection lookup. */
export function createGuardedHttpClient(settings: OutboundHttpSettings): OutboundHttpClient {
  const resolve = settings.lookup ?? (dnsLookup as LookupFunction);
  // Made with the first request, as the library is loaded only then.
  let connecting: Promise<{ agent: Undici.Agent; request: typeof Undici.request }> | undefined;
  const client = () =>
    (connecting ??= undiciLibrary().then(
      ({ Agent, request }) => ({
        agent: new Agent({
          connect: { lookup: settings.allowPrivateNetworks ? resolve : publicOnlyLookup(resolve) },
        }),
        request,
      }),
      (error: unknown) => {
        // A failed load is tried again by the next request, not remembered until a restart.
        connecting = undefined;
        throw error;
      },
    ));

  async function readBody(body: AsyncIterable<Buffer>): Promise<string> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      if (size > settings.maxResponseBytes) {
        throw new OutboundRequestFailed(`the answer was larger than ${settings.maxResponseBytes} bytes`);
      }
      if (size - chunk.length < settings.responsePreviewBytes) chunks.push(chunk);
    }
    return Buffer.concat(chunks).subarray(0, settings.responsePreviewBytes).toString("utf8");
  }

  return {
    async post({ url, headers, body }): Promise<OutboundResponse> {
      const target = new URL(url);
      // A literal address is connected to without a lookup, so it is checked here.
      const literal = target.hostname.replace(/^\[|\]$/g, "");
      if (!settings.allowPrivateNetworks && isIP(literal) !== 0 && !isPublicAddress(literal)) {
        throw new OutboundRequestFailed(`Refused: ${REFUSED_ADDRESS}`);
      }
      const { agent, request } = await client();
      const signal = AbortSignal.timeout(settings.timeoutMs);
      try {
        const response = await request(target, {
          method: "POST",
          headers: { "content-type": "application/json", ...headers },
          body,
          dispatcher: agent,
          signal,
        });
        try {
          return { status: response.statusCode, body: await readBody(response.body) };
        } finally {
          response.body.destroy();
        }
      } catch (error) {
        throw failureOf(error, signal, settings.timeoutMs);
      }
    },
    close: async () => {
      if (connecting) await (await connecting).agent.close();
    },
  };
}

function failureOf(error: unknown, signal: AbortSignal, timeoutMs: number): OutboundRequestFailed {
  if (error instanceof OutboundRequestFailed) return error;
  if (signal.aborted) return new OutboundRequestFailed(`no complete answer within ${timeoutMs} ms`);
  const code = (error as { code?: string }).code;
  const cause = (error as { cause?: { code?: string } }).cause?.code;
  if (code === REFUSED_CODE || cause === REFUSED_CODE) return new OutboundRequestFailed(`Refused: ${REFUSED_ADDRESS}`);
  const name = error instanceof Error ? error.name : "unknown";
  return new OutboundRequestFailed(`connection failed (${code ?? cause ?? name})`);
}
