import { randomBytes } from "node:crypto";
import { createClient, type Client, type ClientOptions, type RouterOutputs } from "@seed/client";
import { loadConfig } from "@seed/config";
import { createTestDatabase, type TestDatabase } from "@seed/db/testing";
import { EventSource } from "eventsource";
import { afterAll, beforeAll } from "vitest";
import { WebSocket } from "ws";
import { createServer, type Server, type ServerOptions } from "../../src";

/** The two ways the server runs: everything embedded, or on shared Postgres and Redis. */
export type Backend = "embedded" | "postgres+redis";

export function availableBackends(): Backend[] {
  return process.env.DATABASE_URL && process.env.REDIS_URL ? ["embedded", "postgres+redis"] : ["embedded"];
}

export interface TestServer {
  server: Server;
  baseUrl: string;
  trpcUrl: string;
  wsUrl: string;
  /** A typed client of this server; closed with the server. */
  client(options?: Partial<ClientOptions>): Client;
  /** A typed client that subscribes over server-sent events instead of a WebSocket. */
  sseClient(options?: Partial<ClientOptions>): Client;
  stop(): Promise<void>;
}

export interface Deployment {
  backend: Backend;
  database: TestDatabase;
  /** What every instance starts with: a console command run with it works on this deployment. */
  env: Record<string, string>;
  /** Starts one more instance on this deployment's database (and Redis, when there is one). */
  start(
    env?: Record<string, string>,
    options?: Pick<ServerOptions, "spanExporter" | "payments" | "webSocketHandler" | "logStream" | "webhookLookup">,
  ): Promise<TestServer>;
  /** Stops every instance it started, then drops the database. */
  destroy(): Promise<void>;
}

/**
 * An isolated deployment for one test file: its own database and its own Redis key prefix, so
 * files run in parallel; any number of server instances on it, each on a free port.
 */
export async function createDeployment(backend: Backend, baseEnv: Record<string, string> = {}): Promise<Deployment> {
  const database = await createTestDatabase(backend === "embedded" ? "pglite" : "postgres");
  const shared: Record<string, string> = {
    NODE_ENV: "test",
    HOST: "127.0.0.1",
    PORT: "0",
    LOG_LEVEL: process.env.LOG_LEVEL ?? "silent",
    JWT_SECRET: randomBytes(32).toString("base64url"),
    ...(backend === "postgres+redis"
      ? {
          DATABASE_URL: database.url!,
          REDIS_URL: process.env.REDIS_URL!,
          REDIS_KEY_PREFIX: `seed-test:${randomBytes(4).toString("hex")}:`,
        }
      : {}),
    ...baseEnv,
  };
  const running = new Set<TestServer>();

  return {
    backend,
    database,
    env: shared,
    async start(env = {}, options = {}) {
      const config = loadConfig({ ...shared, ...env });
      // The embedded database lives in this process, so every instance shares the test's.
      const server = await createServer(config, {
        ...options,
        ...(backend === "embedded" ? { database: database.connection } : {}),
      });
      const address = new URL(await server.start());
      const baseUrl = `http://127.0.0.1:${address.port}`;
      const clients: Client[] = [];
      const instance: TestServer = {
        server,
        baseUrl,
        trpcUrl: `${baseUrl}/trpc`,
        wsUrl: `ws://127.0.0.1:${address.port}/trpc`,
        client(options = {}) {
          const client = createClient({
            url: instance.trpcUrl,
            wsUrl: instance.wsUrl,
            WebSocket: WebSocket as unknown as typeof globalThis.WebSocket,
            ...options,
          });
          clients.push(client);
          return client;
        },
        sseClient(options = {}) {
          const client = createClient({
            url: instance.trpcUrl,
            EventSource: EventSource as unknown as typeof globalThis.EventSource,
            ...options,
          });
          clients.push(client);
          return client;
        },
        async stop() {
          if (!running.delete(instance)) return;
          await Promise.all(clients.map((client) => client.close()));
          await server.stop();
        },
      };
      running.add(instance);
      return instance;
    },
    async destroy() {
      await Promise.all([...running].map((instance) => instance.stop()));
      await database.destroy();
    },
  };
}

type Environment = Record<string, string>;

export interface DeploymentSetup<Name extends string> {
  /** The instances started before the first test, in this order; each is a field of the handle. */
  instances?: readonly Name[];
  /**
   * What every instance starts with; a function when it depends on what hooks registered before
   * this call start (they run first, and their `afterAll` runs after this deployment is gone).
   */
  env?: Environment | (() => Environment | Promise<Environment>);
}

/**
 * The deployment of the enclosing `describe`: made, with its instances started, before the first
 * test, and destroyed after the last. The handle is filled in by then, so read it only in hooks
 * and tests, never while the suite is being collected.
 */
export function useDeployment<Name extends string = "server">(
  backend: Backend,
  { instances = ["server" as Name], env = {} }: DeploymentSetup<Name> = {},
): Deployment & Record<Name, TestServer> {
  const handle = {} as Deployment & Record<Name, TestServer>;
  beforeAll(async () => {
    Object.assign(handle, await createDeployment(backend, typeof env === "function" ? await env() : env));
    for (const name of instances) Object.assign(handle, { [name]: await handle.start() });
  });
  afterAll(() => handle.destroy?.());
  return handle;
}

/** Posts a raw tRPC call, for what the typed client cannot send. */
export async function rawCall(
  trpcUrl: string,
  path: string,
  body: string | undefined,
  headers: Record<string, string> = {},
): Promise<{ status: number; body: { error?: { json: { message: string; data: Record<string, unknown> } } } }> {
  const response = await fetch(`${trpcUrl}/${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body }),
  });
  return { status: response.status, body: (await response.json()) as never };
}

/** The id of the account at `email`, read from the database: registering does not tell it. */
export async function accountIdOf(deployment: Pick<Deployment, "database">, email: string): Promise<string> {
  const account = await deployment.database.connection.db.query.users.findFirst({
    where: (users, { sql }) => sql`lower(${users.email}) = lower(${email})`,
    columns: { id: true },
  });
  if (!account) throw new Error(`no account at ${email}`);
  return account.id;
}

/** For tests that must name a server's port before it starts (a redirect URI), in apps without the database package. */
export { unusedPort } from "@seed/db/testing";

/** A unique email per call, so tests on one database never collide. */
export const uniqueEmail = (label: string) => `${label}-${randomBytes(4).toString("hex")}@example.com`;

type LoginResult = RouterOutputs["auth"]["login"];

/** The tokens of a sign-in that asked for no second factor; fails the test when one was asked for. */
export function tokensOf(result: LoginResult): Extract<LoginResult, { status: "signed-in" }> {
  if (result.status !== "signed-in") throw new Error(`expected to be signed in, but the sign-in is ${result.status}`);
  return result;
}

/**
 * A `fetch` that behaves like one browser: it keeps the cookies it is given, whichever instance
 * set them (as behind one load balancer), and says its requests come from the API's own origin.
 */
export function browserFetch(): typeof fetch {
  const cookies = new Map<string, string>();
  return async (input, init) => {
    const headers = new Headers(init?.headers);
    headers.set("origin", new URL(input instanceof Request ? input.url : input.toString()).origin);
    if (cookies.size > 0) headers.set("cookie", [...cookies].map(([name, value]) => `${name}=${value}`).join("; "));
    const response = await fetch(input, { ...init, headers });
    for (const header of response.headers.getSetCookie()) {
      const [pair = ""] = header.split(";");
      const name = pair.slice(0, pair.indexOf("="));
      const value = pair.slice(pair.indexOf("=") + 1);
      if (value === "" || /max-age=0/i.test(header)) cookies.delete(name);
      else cookies.set(name, value);
    }
    return response;
  };
}
