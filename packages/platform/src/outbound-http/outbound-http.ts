import type { LookupFunction } from "node:net";

/** One POST to a URL someone else chose (a webhook endpoint). */
export interface OutboundRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** What the receiver answered: any status (redirects are not followed), and its body, cut short. */
export interface OutboundResponse {
  status: number;
  /** At most `responsePreviewBytes` of the body, as text. */
  body: string;
}

/**
 * Why a request got no answer: the address was refused, it took too long, the answer was too
 * large, or the connection failed. The message is safe to show to whoever registered the URL.
 */
export class OutboundRequestFailed extends Error {
  override name = "OutboundRequestFailed";
}

export interface OutboundHttpSettings {
  /** The whole request, from connecting to the last byte of the answer, may take this long. */
  timeoutMs: number;
  /** A larger answer is cut off and the request counts as failed. */
  maxResponseBytes: number;
  /** How much of the answer's body is kept, for showing in a delivery log. */
  responsePreviewBytes: number;
  /** Lets requests reach private, loopback and link-local addresses: for development only. */
  allowPrivateNetworks: boolean;
  /** Resolves host names; `dns.lookup` unless a test puts its own. Its answers are checked all the same. */
  lookup?: LookupFunction;
}

/**
 * Sends requests to URLs that outsiders choose, without letting them reach inside: every
 * address is checked when the connection is made, on the address actually connected to, so a
 * name that resolves differently later (DNS rebinding) cannot get around the check.
 */
export interface OutboundHttpClient {
  post(request: OutboundRequest): Promise<OutboundResponse>;
  close(): Promise<void>;
}
