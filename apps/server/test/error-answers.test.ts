import { request } from "node:http";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { tokensOf, uniqueEmail, useDeployment } from "./support/test-server";

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** What the server writes to its log, line by line, as JSON. */
const logLines: Record<string, unknown>[] = [];
const logStream = new Writable({
  write(chunk: Buffer, _encoding, done) {
    logLines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
    done();
  },
});

interface ErrorData {
  code: string;
  httpStatus: number;
  requestId: unknown;
}
type TRPCErrorBody = { error: { json: { code: number; message: string; data: ErrorData } } };
type RestErrorBody = { code: string; message: string; data: ErrorData };
type ErrorBody = TRPCErrorBody | RestErrorBody;

/**
 * The tRPC error body (one per call in a batch whose calls failed one by one) and the REST one, as
 * documented in docs/api.md ("REST and OpenAPI", "Errors").
 */
function errorOf(path: string, body: string): ErrorData {
  const answer = JSON.parse(body) as ErrorBody | ErrorBody[];
  const parsed = Array.isArray(answer) ? answer[0]! : answer;
  if (path.startsWith("/trpc")) {
    const { json } = (parsed as TRPCErrorBody).error;
    expect(typeof json.code).toBe("number");
    expect(typeof json.message).toBe("string");
    return json.data;
  }
  const rest = parsed as RestErrorBody;
  expect(rest.code).toBe(rest.data.code);
  expect(typeof rest.message).toBe("string");
  return rest.data;
}

describe("what the server answers itself", () => {
  const deployment = useDeployment("embedded", {
    instances: [],
    env: {
      LOG_LEVEL: "info",
      AUTH_RATE_LIMIT_MAX: "2",
      BODY_LIMIT_BYTES: "4096",
      MAX_BATCH_SIZE: "3",
      CORS_ORIGINS: "https://app.example.com",
    },
  });

  async function send(
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
    server?: { baseUrl: string },
  ): Promise<Answer> {
    const { hostname, port } = new URL((server ?? (await started())).baseUrl);
    return new Promise((resolve, reject) => {
      // A body always says its length: Node sends that of a DELETE or OPTIONS bare otherwise.
      const framing =
        body === undefined
          ? {}
          : { "content-type": "application/json", "content-length": `${Buffer.byteLength(body)}` };
      const req = request({ host: hostname, port, method, path, headers: { ...framing, ...headers } }, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString()));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on("error", reject);
      req.end(body);
    });
  }

  let instance: Awaited<ReturnType<typeof deployment.start>> | undefined;
  async function started() {
    instance ??= await deployment.start({}, { logStream });
    return instance;
  }

  /** The completion line of a request, read from the server's own log. */
  async function completionLineOf(requestId: string): Promise<Record<string, unknown>> {
    // The line is written as the response finishes, which may be just after the client has it.
    for (let turn = 0; turn < 100; turn += 1) {
      const line = logLines.find((entry) => entry.reqId === requestId && entry.msg === "request completed");
      if (line) return line;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error(`no completion line for ${requestId}`);
  }

  async function expectShapedError(answer: Answer, path: string, status: number, code: string) {
    expect(answer.status).toBe(status);
    const requestId = answer.headers["x-request-id"];
    expect(typeof requestId).toBe("string");
    expect(errorOf(path, answer.body)).toMatchObject({ code, httpStatus: status, requestId });
    expect(answer.body).not.toMatch(/FST_|statusCode|stack/);
    const line = await completionLineOf(requestId as string);
    expect(line).toMatchObject({
      status,
      method: expect.any(String) as string,
      durationMs: expect.any(Number) as number,
    });
    expect(line).toHaveProperty("route");
    return line;
  }

  const big = JSON.stringify({ json: { email: "x".repeat(8000) } });
  it.each([
    ["a body too large, over tRPC", "POST", "/trpc/auth.logout", big, 413, "PAYLOAD_TOO_LARGE"],
    ["a body too large, over REST", "POST", "/api/auth/logout", big, 413, "PAYLOAD_TOO_LARGE"],
    ["malformed JSON, over tRPC", "POST", "/trpc/auth.logout", "{oops", 400, "BAD_REQUEST"],
    ["malformed JSON, in a batch", "POST", "/trpc/auth.logout,auth.logout?batch=1", "{oops", 400, "BAD_REQUEST"],
    ["malformed JSON, over REST", "POST", "/api/auth/logout", "{oops", 400, "BAD_REQUEST"],
    [
      "a batch over its cap",
      "GET",
      "/trpc/health.check,health.check,health.check,health.check?batch=1",
      undefined,
      400,
      "BAD_REQUEST",
    ],
    ["an unknown procedure", "GET", "/trpc/no.such.thing", undefined, 404, "NOT_FOUND"],
    ["an unknown tRPC path", "GET", "/trpc/health/check", undefined, 404, "NOT_FOUND"],
    ["an unknown REST route", "GET", "/api/no/such/thing", undefined, 404, "NOT_FOUND"],
    ["an unknown path", "GET", "/no/such/page", undefined, 404, "NOT_FOUND"],
  ])(
    "answers %s in the documented shape, with the request id, and logs it",
    async (_name, method, path, body, status, code) => {
      await expectShapedError(await send(method, path, body), path, status, code);
    },
  );

  it.each([
    ["/trpc/auth.logout", "text/plain"],
    ["/trpc/auth.logout", "application/x-www-form-urlencoded"],
    ["/api/auth/logout", "text/plain"],
    ["/api/auth/logout", "multipart/form-data; boundary=x"],
  ])("answers a %s body of type %s with 415 in the documented shape", async (path, type) => {
    await expectShapedError(
      await send("POST", path, "refreshToken=x", { "content-type": type }),
      path,
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
  });

  it.each([
    ["TRACE", "/trpc/health.check", "GET"],
    ["PUT", "/trpc/health.check", "GET"],
    ["DELETE", "/trpc/auth.logout", "POST"],
    ["PATCH", "/trpc/auth.logout", "POST"],
    ["OPTIONS", "/trpc/auth.login", "POST"],
    ["PROPFIND", "/trpc/health.check", "GET"],
    ["LOCK", "/trpc/health.check,auth.logout?batch=1", "GET, POST"],
    ["TRACE", "/api/health", "GET"],
    ["PUT", "/api/health", "GET"],
    ["GET", "/api/auth/login", "POST"],
    ["DELETE", "/api/Auth/Login/", "POST"],
    ["OPTIONS", "/api/auth/login", "POST"],
    ["PROPFIND", "/api/users/me", "GET, PATCH"],
    ["POST", "/api/users/me", "GET, PATCH"],
    ["DELETE", "/api/orders/7c3f0c4e-1b1a-4e4e-9d6f-2f1d2b3c4d5e", "GET, PATCH"],
    ["PUT", "/api/products/7c3f0c4e-1b1a-4e4e-9d6f-2f1d2b3c4d5e", "GET, PATCH, DELETE"],
  ])("answers %s %s with 405, Allow: %s, in the documented shape", async (method, path, allowed) => {
    const answer = await send(method, path, method === "GET" || method === "TRACE" ? undefined : "{}");
    expect(answer.headers.allow).toBe(allowed);
    await expectShapedError(answer, path, 405, "METHOD_NOT_SUPPORTED");
  });

  it.each([
    ["TRACE", "/trpc/no.such.thing"],
    ["DELETE", "/api/no/such/thing"],
    ["PROPFIND", "/no/such/page"],
  ])("still answers %s %s, where nothing is served, with 404", async (method, path) => {
    await expectShapedError(await send(method, path), path, 404, "NOT_FOUND");
  });

  it.each(["/trpc/auth.login", "/api/auth/login"])(
    "answers a preflight to %s from a foreign origin without any CORS grant",
    async (path) => {
      const preflight = { origin: "https://evil.example", "access-control-request-method": "POST" };
      const answer = await send("OPTIONS", path, undefined, preflight);
      expect(answer.status).toBe(405);
      expect(Object.keys(answer.headers).filter((name) => name.startsWith("access-control-"))).toEqual([]);
      const allowed = await send("OPTIONS", path, undefined, { ...preflight, origin: "https://app.example.com" });
      expect(allowed.status).toBe(204);
      expect(allowed.headers["access-control-allow-origin"]).toBe("https://app.example.com");
    },
  );

  it.each([
    ["over tRPC", "/trpc/auth.login", JSON.stringify({ json: { email: "x" } })],
    ["over REST", "/api/auth/login", JSON.stringify({ email: "x" })],
  ])("answers the rate limit %s in the documented shape", async (_name, path, body) => {
    const answers: Answer[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1) answers.push(await send("POST", path, body));
    const answer = answers.at(-1)!;
    await expectShapedError(answer, path, 429, "TOO_MANY_REQUESTS");
    expect(answer.headers["retry-after"]).toBeDefined();
  });

  it("logs one completion line per request with the route pattern, the procedures and the user", async () => {
    // An instance of its own, whose credential budget the other tests have not spent.
    const server = await deployment.start({ AUTH_RATE_LIMIT_MAX: "20" }, { logStream });
    const email = uniqueEmail("logged");
    const client = server.client();
    await client.api.auth.register.mutate({ email, password: "a long passphrase" });
    const { accessToken } = tokensOf(await client.api.auth.login.mutate({ email, password: "a long passphrase" }));
    const me = await send(
      "GET",
      "/api/users/me?secret=not-logged",
      undefined,
      { authorization: `Bearer ${accessToken}` },
      server,
    );
    expect(me.status).toBe(200);
    const { id } = JSON.parse(me.body) as { id: string };
    const restLine = await completionLineOf(me.headers["x-request-id"] as string);
    expect(restLine).toMatchObject({
      method: "GET",
      route: "/api/*",
      procedures: ["users.me"],
      status: 200,
      userId: id,
    });

    const batch = await send(
      "GET",
      "/trpc/auth.me,health.check?batch=1&input=%7B%7D",
      undefined,
      {
        authorization: `Bearer ${accessToken}`,
      },
      server,
    );
    const trpcLine = await completionLineOf(batch.headers["x-request-id"] as string);
    expect(trpcLine).toMatchObject({ route: "/trpc/:path", procedures: ["auth.me", "health.check"], userId: id });
    expect(JSON.stringify([restLine, trpcLine])).not.toMatch(/not-logged|\?batch/);

    const anonymous = await send("GET", "/trpc/health.check", undefined, {}, server);
    expect(await completionLineOf(anonymous.headers["x-request-id"] as string)).toMatchObject({ userId: null });
  });
});
