import { WebSocket } from "ws";
import {
  createClient as createPortableClient,
  createLinks as createPortableLinks,
  type Client,
  type ClientLinks,
  type ClientOptions,
} from "./create-client";

export * from "./index";

/** Node.js 20 has no WebSocket of its own: the `ws` package's stands in unless another is given. */
const withNodeWebSocket = (options: ClientOptions): ClientOptions => ({
  WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
  ...options,
});

export function createLinks(options: ClientOptions): ClientLinks {
  return createPortableLinks(withNodeWebSocket(options));
}

export function createClient(options: ClientOptions): Client {
  return createPortableClient(withNodeWebSocket(options));
}
