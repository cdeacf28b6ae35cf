import { TRPCClientError } from "@seed/client";
import { describe, expect, it } from "vitest";
import { expectNoInternals } from "./support/leaks";
import { rawCall, uniqueEmail, useDeployment } from "./support/test-server";

/**
 * What a careless or hostile client may send. Each must get its precise tRPC error, nothing
 * internal in the body, and the server must go on serving.
 */
describe("bad input", () => {
  const deployment = useDeployment("embedded", { env: { BODY_LIMIT_BYTES: "4096", MAX_BATCH_SIZE: "5" } });

  async function expectStillServing(): Promise<void> {
    expect(await deployment.server.client().api.health.check.query()).toEqual({ status: "ok" });
  }

  it("malformed JSON gets a parse error naming the problem", async () => {
    const { status, body } = await rawCall(deployment.server.trpcUrl, "auth.login", '{"json": {"email": ');
    expect(status).toBe(400);
    expect(body.error?.json.data).toMatchObject({ code: "BAD_REQUEST", path: "auth.login" });
    expect(body.error?.json.message).toMatch(/^Malformed JSON/);
    await expectStillServing();
  });

  it("wrong types get BAD_REQUEST listing each field", async () => {
    const { status, body } = await rawCall(
      deployment.server.trpcUrl,
      "auth.register",
      JSON.stringify({ json: { email: ["a"], password: 12345678 } }),
    );
    expect(status).toBe(400);
    expect(body.error?.json.data.issues).toEqual([
      { path: "email", message: expect.any(String) },
      { path: "password", message: expect.stringContaining("expected string") },
    ]);
    await expectStillServing();
  });

  it("invalid values through the typed client get BAD_REQUEST with a readable message", async () => {
    const error = await deployment.server
      .client()
      .api.auth.register.mutate({ email: "not-an-email", password: "short" })
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TRPCClientError);
    expect((error as TRPCClientError<never>).data).toMatchObject({ code: "BAD_REQUEST", httpStatus: 400 });
    expect((error as Error).message).toBe(
      "Invalid input: email: Invalid email address; password: Password must be at least 8 characters; password: This password is too common; choose another",
    );
  });

  it("an oversized body gets PAYLOAD_TOO_LARGE before any work is done", async () => {
    const email = uniqueEmail("huge");
    const { status, body } = await rawCall(
      deployment.server.trpcUrl,
      "auth.register",
      JSON.stringify({ json: { email, password: "x".repeat(10_000) } }),
    );
    expect(status).toBe(413);
    expect(body.error?.json.data).toMatchObject({ code: "PAYLOAD_TOO_LARGE", httpStatus: 413 });
    const login = await deployment.server
      .client()
      .api.auth.login.mutate({ email, password: "x" })
      .catch((caught: unknown) => caught);
    expect((login as TRPCClientError<never>).data).toMatchObject({ code: "UNAUTHORIZED" });
    await expectStillServing();
  });

  it("a password longer than the cap is refused without being hashed", async () => {
    const { status, body } = await rawCall(
      deployment.server.trpcUrl,
      "auth.register",
      JSON.stringify({ json: { email: uniqueEmail("long"), password: "x".repeat(129) } }),
    );
    expect(status).toBe(400);
    expect(body.error?.json.message).toContain("Password must be at most 128 characters");
  });

  it("an unknown procedure gets NOT_FOUND", async () => {
    const { status, body } = await rawCall(deployment.server.trpcUrl, "auth.becomeAdmin", JSON.stringify({ json: {} }));
    expect(status).toBe(404);
    expect(body.error?.json.data).toMatchObject({ code: "NOT_FOUND" });
    await expectStillServing();
  });

  it("a mutation called with GET gets METHOD_NOT_SUPPORTED", async () => {
    const { status, body } = await rawCall(deployment.server.trpcUrl, "auth.login", undefined);
    expect(status).toBe(405);
    expect(body.error?.json.data).toMatchObject({ code: "METHOD_NOT_SUPPORTED" });
  });

  it.each([
    ["no token", {}, "Authentication required"],
    ["a garbage bearer token", { authorization: "Bearer not.a.jwt" }, "Invalid access token"],
    ["another scheme", { authorization: "Basic dXNlcjpwYXNz" }, "Invalid access token"],
  ])("a protected call with %s gets UNAUTHORIZED", async (_label, headers, message) => {
    const { status, body } = await rawCall(deployment.server.trpcUrl, "auth.me", undefined, headers);
    expect(status).toBe(401);
    expect(body.error?.json).toMatchObject({ message, data: { code: "UNAUTHORIZED" } });
    await expectStillServing();
  });

  it("a malformed refresh token is refused before any lookup", async () => {
    const { status, body } = await rawCall(
      deployment.server.trpcUrl,
      "auth.refresh",
      JSON.stringify({ json: { refreshToken: "' or 1=1 --" } }),
    );
    expect(status).toBe(400);
    expect(body.error?.json.message).toContain("Malformed refresh token");
  });

  it("a batch as large as the cap is served, however long its procedure names", async () => {
    const paths = Array.from({ length: 5 }, () => "auth.sessions.revokeAll").join(",");
    const response = await fetch(`${deployment.server.trpcUrl}/${paths}?batch=1`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({}),
    });
    expect(response.status).toBe(401);
    const body = (await response.json()) as { error: { json: { data: { code: string } } } }[];
    expect(body.map((item) => item.error.json.data.code)).toEqual(Array(5).fill("UNAUTHORIZED"));
  });

  it("a batch larger than the cap is refused as a whole", async () => {
    const paths = Array.from({ length: 6 }, () => "health.check").join(",");
    const response = await fetch(`${deployment.server.trpcUrl}/${paths}?batch=1&input=${encodeURIComponent("{}")}`);
    expect(response.status).toBe(400);
    await expectStillServing();
  });

  it("no error body carries a stack trace or internals", async () => {
    const responses = await Promise.all([
      rawCall(deployment.server.trpcUrl, "auth.login", "{"),
      rawCall(deployment.server.trpcUrl, "auth.me", undefined, { authorization: "Bearer x" }),
      rawCall(deployment.server.trpcUrl, "nope", "{}"),
    ]);
    for (const { body } of responses) expectNoInternals(JSON.stringify(body));
  });

  it("echoes a sane request id and replaces an unsafe one", async () => {
    const kept = await fetch(`${deployment.server.baseUrl}/healthz`, { headers: { "x-request-id": "trace-123" } });
    expect(kept.headers.get("x-request-id")).toBe("trace-123");
    const replaced = await fetch(`${deployment.server.baseUrl}/healthz`, {
      headers: { "x-request-id": "../../etc with spaces && {json}" },
    });
    expect(replaced.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
  });

  it("puts the request id in error bodies so a user can quote it", async () => {
    const { body } = await rawCall(deployment.server.trpcUrl, "auth.me", undefined, {
      "x-request-id": "support-ticket-42",
    });
    expect(body.error?.json.data.requestId).toBe("support-ticket-42");
  });
});
