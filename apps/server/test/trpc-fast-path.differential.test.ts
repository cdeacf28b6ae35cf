import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { request, type IncomingMessage } from "node:http";
import { fastifyRequestHandler } from "@trpc/server/adapters/fastify";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withTRPCRequestHandler } from "../../../bench/trpc-route-handler";
import { fastPathRequestHandler } from "../src/plugins/trpc-fast-path";
import {
  availableBackends,
  createDeployment,
  tokensOf,
  uniqueEmail,
  type Deployment,
  type TestServer,
} from "./support/test-server";

interface ProbeRequest {
  method: "GET" | "POST" | "HEAD";
  /** After `/trpc/`, query string included. */
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

/** Everything of a response a client can see, but the headers that differ by nature (date, length). */
interface Observed {
  status: number;
  contentType: string | null;
  vary: string | null;
  allow: string | null;
  setCookie: string[];
  body: string;
}

const MAX_BATCH_SIZE = 5;
const FAST_PATH = "fast path";
const OFFICIAL_ADAPTER = "official adapter";
const json = (value: unknown) => JSON.stringify(superjson.serialize(value));
const batchInput = (inputs: unknown[]) =>
  encodeURIComponent(
    JSON.stringify(Object.fromEntries(inputs.map((input, index) => [index, superjson.serialize(input)]))),
  );
const unknownRefreshToken = () => randomBytes(32).toString("base64url");

/**
 * The same requests, one by one, to two servers that differ only in what answers tRPC over HTTP:
 * the official adapter, or the fast path. Each answer must be the same, byte for byte, for
 * what the fast path serves itself and for what it hands to the official adapter.
 */
describe("the tRPC fast path answers as the official adapter does", () => {
  let deployment: Deployment;
  let official: TestServer;
  let fastPath: TestServer;
  /** An administrator's, for the queries that read an input. */
  let bearer: Record<string, string>;
  let adminId: string;
  let admin: { email: string; password: string };
  let requestCount = 0;

  beforeAll(async () => {
    admin = { email: uniqueEmail("differential-admin"), password: "a long admin passphrase" };
    deployment = await createDeployment(availableBackends().at(-1)!, {
      MAX_BATCH_SIZE: String(MAX_BATCH_SIZE),
      RATE_LIMIT_MAX: "1000000",
      AUTH_RATE_LIMIT_MAX: "10000",
      ADMIN_EMAIL: admin.email,
      ADMIN_PASSWORD: admin.password,
    });
    official = await withTRPCRequestHandler(fastifyRequestHandler, () => deployment.start());
    fastPath = await withTRPCRequestHandler(fastPathRequestHandler, () => deployment.start());

    const session = tokensOf(await official.client().api.auth.login.mutate(admin));
    bearer = { authorization: `Bearer ${session.accessToken}` };
    adminId = session.user.id;
  });
  afterAll(() => deployment?.destroy());

  async function observe(server: TestServer, request: ProbeRequest, requestId: string) {
    const response = await fetch(`${server.trpcUrl}/${request.path}`, {
      method: request.method,
      // The same request id on both sides, since error bodies carry it. Uncompressed, as the
      // server compresses answers of known length only: the fast path's, not the adapter's stream.
      headers: { "x-request-id": requestId, "accept-encoding": "identity", ...request.headers },
      ...(request.body === undefined ? {} : { body: request.body }),
    });
    const observed: Observed = {
      status: response.status,
      contentType: response.headers.get("content-type"),
      vary: response.headers.get("vary"),
      allow: response.headers.get("allow"),
      setCookie: response.headers.getSetCookie(),
      body: await response.text(),
    };
    // The one difference by design, and the proof of who answered: the official adapter streams
    // its `Response` in chunks, the fast path sends one body with its length.
    return { observed, chunked: response.headers.get("transfer-encoding") === "chunked" };
  }

  /** Sends `request` to both servers; returns the official answer after checking the other's against it. */
  async function expectSameAnswer(request: ProbeRequest, answeredBy = FAST_PATH): Promise<Observed> {
    requestCount += 1;
    const requestId = `differential-${requestCount}`;
    const expected = await observe(official, request, requestId);
    const actual = await observe(fastPath, request, requestId);
    expect(actual.observed).toEqual(expected.observed);
    expect(actual.chunked).toBe(answeredBy === OFFICIAL_ADAPTER && expected.chunked);
    return expected.observed;
  }

  const postJSON = (path: string, body: string | undefined, headers: Record<string, string> = {}): ProbeRequest => ({
    method: "POST",
    path,
    headers: { "content-type": "application/json", ...headers },
    ...(body === undefined ? {} : { body }),
  });

  it("is what the server registers", async () => {
    const server = await deployment.start();
    const response = await fetch(`${server.trpcUrl}/health.check`);
    expect(response.headers.get("transfer-encoding")).toBeNull();
    expect(response.headers.get("content-length")).toBe(String((await response.text()).length));
    await server.stop();
  });

  it("compresses a large answer it sends, which then decodes to the official adapter's answer", async () => {
    const path = `admin.users.get,admin.users.get,admin.users.get,auth.me?batch=1&input=${batchInput([{ userId: adminId }, { userId: adminId }, { userId: adminId }])}`;
    const requestId = "differential-compressed";
    const request = { method: "GET", path, headers: { ...bearer, "accept-encoding": "br" } } as const;
    const expected = await observe(official, { ...request, headers: bearer }, requestId);
    const compressed = await fetch(`${fastPath.trpcUrl}/${path}`, {
      headers: { "x-request-id": requestId, ...request.headers },
    });
    expect(compressed.headers.get("content-encoding")).toBe("br");
    expect(compressed.headers.get("vary")).toBe("trpc-accept, accept, accept-encoding");
    expect(await compressed.text()).toBe(expected.observed.body);
  });

  describe("answers that succeed", () => {
    it("a query over GET", async () => {
      const answer = await expectSameAnswer({ method: "GET", path: "health.check" });
      expect(answer).toMatchObject({ status: 200, contentType: "application/json" });
    });

    it("a protected query whose answer holds a Date, serialized by superjson", async () => {
      const answer = await expectSameAnswer({ method: "GET", path: "auth.me", headers: bearer });
      expect(answer.status).toBe(200);
      expect(answer.body).toContain('"createdAt":["Date"]');
    });

    it("a mutation over POST, with the cookie it clears", async () => {
      const answer = await expectSameAnswer(postJSON("auth.logout", json({ refreshToken: unknownRefreshToken() })));
      expect(answer.status).toBe(200);
      expect(answer.setCookie).not.toEqual([]);
    });

    it("a JSON body with a charset", async () => {
      const body = json({ refreshToken: unknownRefreshToken() });
      const answer = await expectSameAnswer(
        postJSON("auth.logout", body, { "content-type": "application/json; charset=utf-8" }),
      );
      expect(answer.status).toBe(200);
    });

    it("a batch of queries over GET", async () => {
      const answer = await expectSameAnswer({
        method: "GET",
        path: `health.check,auth.me,health.check?batch=1&input=${batchInput([])}`,
        headers: bearer,
      });
      expect(answer.status).toBe(200);
    });

    it("a batch of mutations over POST", async () => {
      const inputs = {
        0: superjson.serialize({ refreshToken: unknownRefreshToken() }),
        1: superjson.serialize(undefined),
      };
      const answer = await expectSameAnswer(postJSON("auth.logout,auth.logout?batch=1", JSON.stringify(inputs)));
      expect(answer.status).toBe(207);
    });

    it("a query whose input holds Dates, serialized by superjson", async () => {
      const range = { from: new Date("2000-01-01T00:00:00Z"), to: new Date("2000-01-02T00:00:00Z") };
      const answer = await expectSameAnswer({
        method: "GET",
        path: `admin.audit.list?input=${encodeURIComponent(json(range))}`,
        headers: bearer,
      });
      expect(answer.status).toBe(200);
    });

    it("a batch of queries with inputs", async () => {
      const answer = await expectSameAnswer({
        method: "GET",
        path: `admin.users.get,auth.me,admin.users.get?batch=1&input=${batchInput([{ userId: adminId }, undefined, { userId: adminId }])}`,
        headers: bearer,
      });
      expect(answer.status).toBe(200);
      expect(answer.body).toContain("Date");
    });

    it("a batch of one", async () => {
      const answer = await expectSameAnswer({ method: "GET", path: `health.check?batch=1&input=${batchInput([])}` });
      expect(answer.status).toBe(200);
    });
  });

  describe("answers that fail", () => {
    it("unauthorized, without a token and with a forged one", async () => {
      expect((await expectSameAnswer({ method: "GET", path: "auth.me" })).status).toBe(401);
      const forged = { authorization: `Bearer ${bearer.authorization!.slice("Bearer ".length, -4)}AAAA` };
      expect((await expectSameAnswer({ method: "GET", path: "auth.me", headers: forged })).status).toBe(401);
    });

    it("a batch where some calls fail", async () => {
      const answer = await expectSameAnswer({
        method: "GET",
        path: `health.check,auth.me,no.such.procedure?batch=1&input=${batchInput([])}`,
      });
      expect(answer.status).toBe(207);
    });

    it("not found", async () => {
      expect((await expectSameAnswer({ method: "GET", path: "no.such.procedure" })).status).toBe(404);
      expect((await expectSameAnswer(postJSON("no.such.procedure", json({ any: "input" })))).status).toBe(404);
    });

    it("method not supported, with the methods allowed", async () => {
      const mutationOverGet = await expectSameAnswer({ method: "GET", path: "auth.logout" });
      expect(mutationOverGet).toMatchObject({ status: 405, allow: "POST" });
      const queryOverPost = await expectSameAnswer(postJSON("health.check", json(undefined)));
      expect(queryOverPost).toMatchObject({ status: 405, allow: "GET" });
      const batch = await expectSameAnswer(postJSON("health.check,health.check?batch=1", "{}"));
      expect(batch).toMatchObject({ status: 405, allow: "GET" });
    });

    it("parse errors, in a query string and in a body", async () => {
      const inQuery = await expectSameAnswer({
        method: "GET",
        path: "admin.users.get?input=%7Bbroken",
        headers: bearer,
      });
      expect(inQuery.status).toBe(400);
      const inBody = await expectSameAnswer(postJSON("auth.login", '{"json": {"email": '));
      expect(inBody.status).toBe(400);
      const inBatch = await expectSameAnswer({
        method: "GET",
        path: "health.check,admin.users.get?batch=1&input=%5B",
        headers: bearer,
      });
      expect(inBatch.status).toBe(207);
    });

    it("bad input, including a Date where a string belongs", async () => {
      const wrongTypes = await expectSameAnswer(postJSON("auth.register", JSON.stringify({ json: { email: ["a"] } })));
      expect(wrongTypes.status).toBe(400);
      const notAnId = await expectSameAnswer({
        method: "GET",
        path: `admin.users.get?input=${encodeURIComponent(json({ userId: "42" }))}`,
        headers: bearer,
      });
      expect(notAnId.status).toBe(400);
      const dateForEmail = json({ email: new Date("2020-01-01T00:00:00Z"), password: "a long passphrase" });
      const answer = await expectSameAnswer(postJSON("auth.login", dateForEmail));
      expect(answer.status).toBe(400);
      expect(answer.body).toContain("expected string");
    });

    it("a batch whose input is not an object", async () => {
      const answer = await expectSameAnswer({
        method: "GET",
        path: "admin.users.get,admin.users.get?batch=1&input=1",
        headers: bearer,
      });
      expect(answer.status).toBe(400);
    });

    it("a batch larger than the server allows", async () => {
      const paths = Array(MAX_BATCH_SIZE + 1)
        .fill("health.check")
        .join(",");
      const answer = await expectSameAnswer({ method: "GET", path: `${paths}?batch=1&input=${batchInput([])}` });
      expect(answer.status).toBe(400);
    });

    it("a batch mixing queries and mutations", async () => {
      const answer = await expectSameAnswer({ method: "GET", path: `health.check,auth.logout?batch=1&input=%7B%7D` });
      expect(answer.status).toBe(400);
    });

    it("a body that is not JSON, refused before tRPC", async () => {
      const request = {
        method: "POST",
        path: "auth.logout",
        headers: { "content-type": "text/plain" },
        body: "{}",
      } as const;
      expect((await expectSameAnswer(request)).status).toBe(415);
    });

    it("inputs as tRPC reads them: lazily, escaped, repeated, empty", async () => {
      // health.check reads no input, so tRPC never parses the broken one.
      const unread = await expectSameAnswer({ method: "GET", path: "health.check?input=%7Bbroken" });
      expect(unread.status).toBe(200);
      const plusAndEscapes = json({ userId: "a+b c%2B" });
      for (const path of [
        `admin.users.get?input=${encodeURIComponent(plusAndEscapes)}`,
        `admin.users.get?input=${plusAndEscapes.replaceAll(" ", "+")}`,
        `admin.users.get?input=${encodeURIComponent(json({ userId: adminId }))}&input=%7Bbroken`,
        "admin.users.get?input=",
        "admin.users.get?input=%7Bbroken&input=1",
      ]) {
        expect((await expectSameAnswer({ method: "GET", path, headers: bearer })).status).toBeGreaterThanOrEqual(200);
      }
    });

    it("procedure paths that name no procedure, or something inherited", async () => {
      for (const path of ["__proto__", "constructor", "toString", "health"]) {
        expect((await expectSameAnswer({ method: "GET", path })).status).toBe(404);
      }
      const inBatch = await expectSameAnswer({ method: "GET", path: "health.check,__proto__?batch=1&input=%7B%7D" });
      expect(inBatch.status).toBe(207);
    });

    it("connection parameters, well formed and not", async () => {
      const wellFormed = encodeURIComponent(JSON.stringify({ token: "x" }));
      expect(
        (await expectSameAnswer({ method: "GET", path: `health.check?connectionParams=${wellFormed}` })).status,
      ).toBe(200);
      for (const params of ["%7Bbroken", "1", encodeURIComponent(JSON.stringify({ token: 1 }))]) {
        const answer = await expectSameAnswer({ method: "GET", path: `health.check?connectionParams=${params}` });
        expect(answer.status).toBe(400);
      }
    });

    it("a GET that names a media type tRPC reads otherwise", async () => {
      for (const type of [
        "multipart/form-data; boundary=x",
        "application/octet-stream",
        "text/plain",
        "application/json",
      ]) {
        await expectSameAnswer({ method: "GET", path: "health.check", headers: { "content-type": type } });
      }
    });

    it("a query begun with two question marks, whose first name then starts with one", async () => {
      const batch = await expectSameAnswer({ method: "GET", path: "health.check,health.check??batch=1" });
      expect(batch.status).toBe(404);
      const params = await expectSameAnswer({ method: "GET", path: "health.check??connectionParams=%7Bbroken" });
      expect(params.status).toBe(200);
    });

    it("a malformed escape in the procedure path", async () => {
      const answer = await expectSameAnswer({ method: "GET", path: "health%E0%A4%A.check" });
      expect(answer.status).toBe(400);
    });
  });

  describe("what the fast path hands to the official adapter", () => {
    it("HEAD", async () => {
      const answer = await expectSameAnswer({ method: "HEAD", path: "health.check" }, OFFICIAL_ADAPTER);
      expect(answer.status).toBe(204);
    });

    it("a Host that names a user, which the official adapter cannot make a Request of", async () => {
      // Sent with `node:http`, as `fetch` sets the Host itself.
      const statusWithHost = async (server: TestServer, host: string) => {
        const target = new URL(`${server.trpcUrl}/health.check`);
        const sent = request({ host: target.hostname, port: target.port, path: target.pathname, headers: { host } });
        sent.end();
        const [response] = (await once(sent, "response")) as [IncomingMessage];
        response.resume();
        return response.statusCode;
      };
      for (const host of ["user@localhost", "user:secret@localhost:1"]) {
        expect(await statusWithHost(fastPath, host)).toBe(await statusWithHost(official, host));
        expect(await statusWithHost(fastPath, host)).toBe(500);
      }
    });

    it("a streamed batch", async () => {
      const answer = await expectSameAnswer(
        {
          method: "GET",
          path: `health.check,auth.me?batch=1&input=${batchInput([])}`,
          headers: { "trpc-accept": "application/jsonl", ...bearer },
        },
        OFFICIAL_ADAPTER,
      );
      expect(answer.status).toBe(200);
    });

    it("a subscription over HTTP, refused before either path sees it", async () => {
      const answer = await expectSameAnswer({ method: "GET", path: "auth.onSessionEvent" });
      expect(answer.status).toBe(405);
      expect(answer.contentType).toMatch(/^application\/json/);
    });
  });

  // Last, since it breaks the database for every later request.
  describe("when the database fails under a call", () => {
    // A session neither server has seen yet, so that both must read it from the database.
    let unseen: Record<string, string>;
    beforeAll(async () => {
      const session = tokensOf(await official.client().api.auth.login.mutate(admin));
      unseen = { authorization: `Bearer ${session.accessToken}` };
      await deployment.database.connection.db.execute("alter table refresh_sessions rename to refresh_sessions_lost");
    });

    it("an internal error while making the context, alone and in a batch", async () => {
      const alone = await expectSameAnswer({ method: "GET", path: "auth.me", headers: unseen });
      expect(alone.status).toBe(500);
      expect(alone.body).not.toContain("refresh_sessions");
      const batch = await expectSameAnswer({
        method: "GET",
        path: `health.check,auth.me?batch=1&input=${batchInput([])}`,
        headers: unseen,
      });
      expect(batch.status).toBe(500);
    });

    it("an internal error inside a procedure", async () => {
      const answer = await expectSameAnswer(postJSON("auth.logout", json({ refreshToken: unknownRefreshToken() })));
      expect(answer.status).toBe(500);
      expect(answer.body).not.toContain("refresh_sessions");
    });
  });
});
