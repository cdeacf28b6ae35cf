import type { AppRouter } from "@seed/api";
import {
  createTRPCClient,
  createWSClient,
  httpBatchLink,
  httpLink,
  splitLink,
  wsLink,
  type TRPCClient,
  type TRPCLink,
} from "@trpc/client";
import superjson from "superjson";
import { CREDENTIAL_PROCEDURES } from "./credential-procedures";
import { refreshLink } from "./refresh-link";

type MaybePromise<T> = T | Promise<T>;
type RequestInfoLike = Parameters<typeof fetch>[0];
type RequestInitLike = Parameters<typeof fetch>[1];

export interface ClientOptions {
  /** The HTTP endpoint of the API, e.g. `http://localhost:3000/trpc`. */
  url: string;
  /** The WebSocket endpoint, e.g. `ws://localhost:3000/trpc`; needed only for subscriptions. */
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

/** The client's links: batching, credential calls sent alone, refresh on UNAUTHORIZED, subscriptions. */
export function createLinks(options: ClientOptions): ClientLinks {
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
    condition: (op) => CREDENTIAL_PROCEDURES.has(op.path),
    true: httpLink<AppRouter>(httpOptions),
    false: httpBatchLink<AppRouter>({ ...httpOptions, maxItems: options.maxBatchSize ?? 20 }),
  });

  // Opened on the first subscription only; the token goes in the connection parameters, never the URL.
  const ws = options.wsUrl
    ? createWSClient({
        url: options.wsUrl,
        lazy: { enabled: true, closeMs: 0 },
        connectionParams: async () => {
          const token = await options.getAccessToken?.();
          return token ? { token } : {};
        },
        ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
      })
    : null;

  const links: TRPCLink<AppRouter>[] = [
    ...(options.refreshAccessToken ? [refreshLink<AppRouter>(options.refreshAccessToken)] : []),
    ws
      ? splitLink({
          condition: (op) => op.type === "subscription",
          true: wsLink<AppRouter>({ client: ws, transformer: superjson }),
          false: http,
        })
      : http,
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
