/*
 * The other doors to the same procedures: the REST face, the WebSocket and server-sent events,
 * fed what a hostile client sends (text Postgres cannot store, numbers and dates past every
 * range, JSON nested thousands deep, huge arrays) as an anonymous caller and as an admin. Each
 * call is answered without a server error, a refused call changes nothing in the database, and
 * the server is still ready afterwards.
 *
 * CI runs a fixed seed and a few runs per route. For a long local run:
 *   FUZZ_RUNS=200 FUZZ_SEED=$RANDOM pnpm vitest run apps/server/test/fuzz/transports
 */
import { isDeepStrictEqual } from "node:util";
import { once } from "node:events";
import { appRouter } from "@seed/api";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { databaseFingerprint } from "../support/database-fingerprint";
import { expectNoInternals } from "../support/leaks";
import { availableBackends, tokensOf, uniqueEmail, useDeployment } from "../support/test-server";
import { procedureInputs, type ProcedureEntry } from "./procedures";
import { serializeInput } from "./trpc-wire";
import { deeplyNestedJson, hostileJsonText, hostileValue, nearMissInputOf, unstorableText } from "./zod-arbitraries";

const RUNS = Number(process.env.FUZZ_RUNS ?? 5);
const SEED = Number(process.env.FUZZ_SEED ?? 515_151);
const LONG_RUN_TIMEOUT_MS = 60 * 60 * 1000;
/** Under the server's default socket message cap: a bigger frame closes the socket (tested in api4). */
const WS_FRAME_BYTES = 60_000;
/** Well under Node's 16 KiB of request headers, once percent-encoded. */
const URL_INPUT_CHARACTERS = 4_000;

const adminEmail = uniqueEmail("fuzz-transports-admin");
const password = "a long passphrase for fuzzing";

/** Answers to input refused before any procedure could act on it. */
const REFUSED_AS_INVALID = new Set([400, 405, 413, 414, 415, 422, 431]);

/** What goes on the wire: a value for the client to encode, or raw JSON text as an attacker writes it. */
type Payload = { value: unknown } | { text: string };

/** The names of an object input's fields, where deep nesting is slipped in. */
function fieldNamesOf(procedure: ProcedureEntry): string[] {
  type Node = { shape?: Record<string, unknown>; _zod: { def: { innerType?: Node } } };
  const input = procedure.input as Node | null;
  const object = input?._zod.def.innerType ?? input;
  return Object.keys(object?.shape ?? { value: null });
}

/**
 * The kinds of hostile payload, each a property of its own: drawn from one `oneof`, the rarer
 * kinds would hardly ever be sent in a short run.
 */
const payloadKindsOf = (procedure: ProcedureEntry): [string, fc.Arbitrary<Payload>][] => [
  [
    "values one step off",
    (procedure.input ? nearMissInputOf(procedure.input) : hostileValue).map((value) => ({ value })),
  ],
  ["hostile JSON text", hostileJsonText.map((text) => ({ text }))],
  [
    "a field nested thousands deep",
    fc
      .tuple(fc.constantFrom(...fieldNamesOf(procedure)), deeplyNestedJson)
      .map(([field, nested]) => ({ text: `{"${field}":${nested}}` })),
  ],
];

/** Whether the procedure's own schema refuses what the payload carries (or it is not JSON at all). */
function isRefusedBy(procedure: ProcedureEntry, payload: Payload): boolean {
  try {
    const value: unknown = "text" in payload ? JSON.parse(payload.text) : payload.value;
    return procedure.input !== null && !procedure.input.safeParse(value).success;
  } catch {
    return true;
  }
}

/** Percent-encodes any text, lone surrogates included (as the bytes of their CESU-8 form). */
function percentEncoded(text: string): string {
  return [...text]
    .map((character) => {
      const code = character.charCodeAt(0);
      if (code >= 0xd800 && code <= 0xdfff && character.length === 1) {
        return [0xe0 | (code >> 12), 0x80 | ((code >> 6) & 0x3f), 0x80 | (code & 0x3f)]
          .map((byte) => `%${byte.toString(16).toUpperCase()}`)
          .join("");
      }
      return encodeURIComponent(character);
    })
    .join("");
}

/** A query parameter's text: strings as they are, anything else as JSON. */
function queryText(value: unknown): string {
  if (typeof value === "string") return value;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function jsonText(payload: Payload): string {
  if ("text" in payload) return payload.text;
  try {
    return JSON.stringify(payload.value) ?? "null";
  } catch {
    return "null";
  }
}

/** The REST request for a payload: path parameters and the query from its fields, or a JSON body. */
function restRequest(baseUrl: string, route: { method: string; path: string }, payload: Payload) {
  const fields =
    "value" in payload && payload.value !== null && typeof payload.value === "object"
      ? (payload.value as Record<string, unknown>)
      : {};
  const used = new Set<string>();
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    used.add(name);
    return percentEncoded(queryText(fields[name] ?? "x"));
  });
  if (route.method === "GET" || route.method === "DELETE") {
    const query = Object.entries(fields)
      .filter(([name]) => !used.has(name))
      .map(([name, value]) => `${percentEncoded(name)}=${percentEncoded(queryText(value))}`)
      .join("&");
    return { url: `${baseUrl}/api${path}?${query}`, method: route.method, headers: {} as Record<string, string> };
  }
  // The body repeats the path's fields with the values drawn: one the path's text does not read
  // back as (a number, a lone surrogate) is refused as contradicting the path, which fuzzes that
  // check; one it does goes on to the procedure's schema.
  return {
    url: `${baseUrl}/api${path}`,
    method: route.method,
    headers: { "content-type": "application/json" },
    body: jsonText(payload),
  };
}

describe.each(availableBackends())("fuzzing REST, WebSocket and SSE on %s", (backend) => {
  const deployment = useDeployment(backend, {
    env: {
      ADMIN_EMAIL: adminEmail,
      ADMIN_PASSWORD: password,
      RATE_LIMIT_MAX: "1000000",
      AUTH_RATE_LIMIT_MAX: "10000",
      ORDER_RATE_LIMIT_MAX: "1000000",
      // The sealer, and the webhook dispatcher's sweep, write on their own schedules; here that
      // would look like a refused call's write.
      AUDIT_SEAL_CRON: "0 0 1 1 *",
      WEBHOOK_DISPATCH_CRON: "0 0 1 1 *",
    },
  });
  let adminToken: string;

  /**
   * What is known of the database between calls, so that a call waits for it to settle only when
   * it may not have: `quiet` while every call since the last wait was refused (such a call starts
   * no background work), and `unchanged`, the fingerprint the last call left, when it
   * was refused and wrote nothing. Both are forgotten when anything else writes.
   */
  let quiet = false;
  let unchanged: Record<string, string> | undefined;

  /**
   * Signs the admin in afresh. Fuzzed as the admin, the REST routes that end the caller's own
   * sessions (DELETE /auth/sessions) end the admin's, and a call with an ended session's token is
   * recorded as a security event: the checks below would see the database change.
   */
  async function signInAdmin(): Promise<void> {
    quiet = false;
    unchanged = undefined;
    const session = tokensOf(await deployment.server.client().api.auth.login.mutate({ email: adminEmail, password }));
    adminToken = session.accessToken;
  }

  beforeAll(signInAdmin);

  /**
   * Sends one request and checks its answer: no server error, no internals, and when it is
   * refused as invalid (by status, or by an error event in a stream), a database exactly as it
   * was. (A refused sign-in is recorded as a security event, by design.)
   */
  async function expectSafeAnswer(send: () => Promise<{ status: number; text: string }>): Promise<void> {
    const db = deployment.database.connection.db;
    const before = unchanged ?? (quiet ? await databaseFingerprint(db) : await settledFingerprint(db));
    unchanged = undefined;
    quiet = false;
    const { status, text } = await send();
    expect(status, text.slice(0, 500)).toBeLessThan(500);
    expect(text).not.toMatch(/INTERNAL_SERVER_ERROR/);
    const refused = REFUSED_AS_INVALID.has(status) || text.includes("serialized-error");
    // A refusal of any kind (401, 403, 404, 409 too) writes, if at all, before it answers.
    quiet = refused || status >= 400;
    if (refused) {
      expectNoInternals(text);
      const after = await databaseFingerprint(db);
      expect(after).toEqual(before);
      unchanged = after;
    }
  }

  /**
   * The fingerprint once background work started by earlier calls (a placed order's payment job)
   * has stopped writing: two readings in a row agree.
   */
  async function settledFingerprint(db: Parameters<typeof databaseFingerprint>[0]) {
    let previous = await databaseFingerprint(db);
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 25));
      const current = await databaseFingerprint(db);
      if (isDeepStrictEqual(current, previous)) return current;
      previous = current;
    }
  }

  const procedures = procedureInputs(appRouter);
  const restRoutes = procedures.filter((procedure) => procedure.rest !== null);
  const subscriptions = procedures.filter((procedure) => procedure.type === "subscription");

  describe.each(
    restRoutes.map((procedure) => ({ ...procedure, route: `${procedure.rest!.method} ${procedure.rest!.path}` })),
  )("REST $route", (procedure) => {
    const cases = payloadKindsOf(procedure).flatMap(([kind, payloads]) =>
      (["anonymous", "admin"] as const).map((persona) => ({ kind, payloads, persona })),
    );
    it.each(cases)(
      "answers $persona sending $kind without a server error, changing nothing when it refuses",
      async ({ payloads, persona }) => {
        await fc.assert(
          fc.asyncProperty(payloads, async (payload) => {
            const { url, headers, ...init } = restRequest(deployment.server.baseUrl, procedure.rest!, payload);
            const authorization: Record<string, string> =
              persona === "admin" ? { authorization: `Bearer ${adminToken}` } : {};
            await expectSafeAnswer(async () => {
              const response = await fetch(url, { ...init, headers: { ...headers, ...authorization } });
              return { status: response.status, text: await response.text() };
            });
          }),
          { seed: SEED, numRuns: RUNS },
        );
      },
      RUNS > 50 ? LONG_RUN_TIMEOUT_MS : undefined,
    );
  });

  describe.each(subscriptions)("SSE $path", (procedure) => {
    beforeAll(signInAdmin);

    it.each(payloadKindsOf(procedure))(
      "answers %s without a server error, changing nothing",
      async (_kind, payloads) => {
        // Only refused inputs, since a stream that started would stay open waiting for events; and
        // only what fits in a URL, since a longer one is refused with its headers (431) unread.
        const inputOf = (payload: Payload) =>
          "text" in payload ? `{"json":${payload.text}}` : serializeInput(payload.value);
        const refused = payloads.filter(
          (payload) => isRefusedBy(procedure, payload) && inputOf(payload).length <= URL_INPUT_CHARACTERS,
        );
        await fc.assert(
          fc.asyncProperty(refused, async (payload) => {
            const input = inputOf(payload);
            await expectSafeAnswer(async () => {
              const response = await fetch(
                `${deployment.server.trpcUrl}/${procedure.path}?input=${percentEncoded(input)}`,
                { headers: { accept: "text/event-stream", authorization: `Bearer ${adminToken}` } },
              );
              // The stream opens with the client's reconnection settings, then reports the refusal and ends.
              const text = (await response.text()).replace(/^event: connected\ndata: .*\n/m, "");
              return { status: response.status, text };
            });
          }),
          { seed: SEED, numRuns: RUNS * 2 },
        );
      },
    );
  });

  describe("WebSocket", () => {
    beforeAll(signInAdmin);

    /** A signed-in socket, and every message it receives. */
    async function openSocket() {
      const socket = new WebSocket(`${deployment.server.wsUrl}?connectionParams=1`);
      await once(socket, "open");
      socket.send(JSON.stringify({ method: "connectionParams", data: { token: adminToken } }));
      const replies: { id?: unknown; error?: { code: number; message: string } }[] = [];
      const waiting = new Map<unknown, () => void>();
      socket.on("message", (data: Buffer) => {
        if (data.toString() === "PING") return void socket.send("PONG");
        const reply = JSON.parse(data.toString()) as (typeof replies)[number];
        replies.push(reply);
        waiting.get(reply.id)?.();
      });
      // A socket the server closed answers nothing more; the test then fails on its state.
      const closed = once(socket, "close");
      let sent = 0;
      /** Sends a frame, then a call with an id, and resolves once that call is answered or the socket closed. */
      const exchange = async (frame: string) => {
        const marker = `marker-${(sent += 1)}`;
        const answered = new Promise<void>((resolve) => waiting.set(marker, resolve));
        socket.send(frame);
        socket.send(
          JSON.stringify({
            id: marker,
            method: "subscription",
            params: { path: "no.such.path", input: { json: null } },
          }),
        );
        await Promise.race([answered, closed]);
        waiting.delete(marker);
      };
      return { socket, replies, exchange };
    }

    /** Sends every frame on one socket: none may get an internal error, close it or change the database. */
    async function expectFramesSafe(frames: fc.Arbitrary<{ text: string; stopId?: number }>): Promise<void> {
      const { socket, replies, exchange } = await openSocket();
      const db = deployment.database.connection.db;
      const before = await databaseFingerprint(db);
      await fc.assert(
        fc.asyncProperty(
          frames.filter(({ text }) => Buffer.byteLength(text) <= WS_FRAME_BYTES),
          async ({ text, stopId }) => {
            await exchange(text);
            // A call that started is stopped again, so that the socket's subscription cap is never reached.
            if (stopId !== undefined) socket.send(JSON.stringify({ id: stopId, method: "subscription.stop" }));
            expect(socket.readyState).toBe(WebSocket.OPEN);
          },
        ),
        { seed: SEED, numRuns: RUNS * 2 },
      );
      expect(replies.filter((reply) => reply.error?.code === -32603)).toEqual([]);
      socket.close();
      await once(socket, "close");
      expect(await databaseFingerprint(db)).toEqual(before);
    }

    const callCases = subscriptions.flatMap((procedure) =>
      payloadKindsOf(procedure).map(([kind, payloads]) => ({ path: procedure.path, kind, payloads })),
    );
    it.each(callCases)("answers $path called with $kind without an internal error, and stays open", async (call) => {
      const frames = fc.tuple(call.payloads, fc.nat(), fc.boolean()).map(([payload, id, asCall]) => {
        const input = "text" in payload ? `{"json":${payload.text}}` : serializeInput(payload.value);
        const frame = `{"id":${id},"method":"subscription","params":{"path":"${call.path}","input":${input}}}`;
        // Half the time the input goes out bare, as a frame of its own.
        return asCall ? { text: frame, stopId: id } : { text: input };
      });
      await expectFramesSafe(frames);
    });

    it("answers raw frames of hostile text without an internal error, and stays open", async () => {
      await expectFramesSafe(fc.oneof(hostileJsonText, unstorableText).map((text) => ({ text })));
    });
  });

  it("is still ready and serving afterwards", async () => {
    expect((await fetch(`${deployment.server.baseUrl}/readyz`)).status).toBe(200);
    expect(await deployment.server.client().api.health.check.query()).toEqual({ status: "ok" });
  });
});
