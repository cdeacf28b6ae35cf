import type { AppRouter } from "@seed/api";
import {
  createTRPCClient,
  createWSClient,
  httpBatchLink,
  httpLink,
  httpSubscriptionLink,
  splitLink,
  wsLink,
  type TRPCClient,
  type TRPCLink,
} from "@trpc/client";
import superjson from "superjson";
import { SENT_ALONE } from "./sent-alone";
import { expiresWithin } from "./token-expiry";
import { refreshLink, sharedRefresh } from "./refresh-link";

type MaybePromise<T> = T | Promise<T>;
type RequestInfoLike = Parameters<typeof fetch>[0];
type RequestInitLike = Parameters<typeof fetch>[1];

export interface ClientOptions {
  /** The HTTP endpoint of the API, e.g. `http://localhost:3000/trpc`. */
  url: string;
  /**
   * The WebSocket endpoint, e.g. `ws://localhost:3000/trpc`, for subscriptions. Without it,
   * subscriptions travel as server-sent events over HTTP (for clients that cannot open sockets).
   */
  wsUrl?: string;
  /** The current access token, read before every call and every (re)connection. */
  getAccessToken?: () => MaybePromise<string | null | undefined>;
  /**
   * Called once when a call is refused as UNAUTHORIZED; resolves with a new access token (the
   * call is then replayed) or null (the error reaches the caller).
   */
  refreshAccessToken?: () => Promise<string | null>;
  /** Sends cookies cross-origin, for browser apps that keep the refresh token in its cookie. */
  credentials?: "include" | "same-origin" | "omit";
  /** At most this many calls per HTTP request; keep it at or below the server's MAX_BATCH_SIZE. */
  maxBatchSize?: number;
  /** A WebSocket implementation where the platform has none (Node.js 20: the `ws` package). */
  WebSocket?: typeof WebSocket;
  /**
   * An EventSource implementation where the platform has none (Node.js 20: the `eventsource`
   * package, which takes a `fetch` option and so carries the token in a header).
   */
  EventSource?: typeof EventSource;
  fetch?: typeof fetch;
}

export interface ClientLinks {
  /** The link chain of the typed client, for integrations that build their own (TanStack Query). */
  links: TRPCLink<AppRouter>[];
  /** Closes the WebSocket, if one was opened. */
  close(): Promise<void>;
}

export interface Client {
  /** The typed procedures of the API: `api.auth.login.mutate(...)`, `api.auth.me.query()`, ... */
  api: TRPCClient<AppRouter>;
  /** Closes the WebSocket, if one was opened. */
  close(): Promise<void>;
}

/** A socket is reopened with a token that outlives the first moments of the connection. */
const TOKEN_REFRESH_MARGIN_MS = 5_000;

/** The client's links: batching, credential calls sent alone, refresh on UNAUTHORIZED, subscriptions. */
export function createLinks(options: ClientOptions): ClientLinks {
  const refresh = options.refreshAccessToken ? sharedRefresh(options.refreshAccessToken) : null;
  const authorization = async (): Promise<Record<string, string>> => {
    const token = await options.getAccessToken?.();
    return token ? { authorization: `Bearer ${token}` } : {};
  };

  const httpOptions = {
    url: options.url,
    transformer: superjson,
    headers: authorization,
    fetch: (url: RequestInfoLike, init?: RequestInitLike) =>
      (options.fetch ?? fetch)(url, { ...init, ...(options.credentials ? { credentials: options.credentials } : {}) }),
  };
  const http = splitLink<AppRouter>({
    condition: (op) => SENT_ALONE.has(op.path),
    true: httpLink<AppRouter>(httpOptions),
    false: httpBatchLink<AppRouter>({ ...httpOptions, maxItems: options.maxBatchSize ?? 20 }),
  });

  // Opened on the first subscription only, and reopened with backoff when it drops (the server
  // closes it when its token expires); the token is read afresh for every opening, refreshed
  // first when it is about to expire, and goes in the connection parameters, never the URL.
  const ws = options.wsUrl
    ? createWSClient({
        url: options.wsUrl,
        lazy: { enabled: true, closeMs: 0 },
        connectionParams: async () => {
          let token = await options.getAccessToken?.();
          if (token && refresh && expiresWithin(token, TOKEN_REFRESH_MARGIN_MS)) token = (await refresh()) ?? token;
          return token ? { token } : {};
        },
        ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
      })
    : null;

  // Server-sent events carry the token in a header (or the browser's cookie), never the URL.
  const subscriptions = ws
    ? wsLink<AppRouter>({ client: ws, transformer: superjson })
    : httpSubscriptionLink<AppRouter, typeof EventSource>({
        url: options.url,
        transformer: superjson,
        ...(options.EventSource ? { EventSource: options.EventSource } : {}),
        eventSourceOptions: async () => {
          const token = await authorization();
          const fetchWithToken: typeof fetch = (url, init) => {
            const headers = new Headers(init?.headers);
            for (const [name, value] of Object.entries(token)) headers.set(name, value);
            return (options.fetch ?? fetch)(url, { ...init, headers });
          };
          return {
            withCredentials: options.credentials === "include",
            fetch: fetchWithToken,
          } as EventSourceInit;
        },
      });

  const links: TRPCLink<AppRouter>[] = [
    ...(refresh ? [refreshLink<AppRouter>(refresh)] : []),
    splitLink({ condition: (op) => op.type === "subscription", true: subscriptions, false: http }),
  ];

  return {
    links,
    close: async () => {
      await ws?.close();
    },
  };
}

export function createClient(options: ClientOptions): Client {
  const { links, close } = createLinks(options);
  return { api: createTRPCClient<AppRouter>({ links }), close };
}
