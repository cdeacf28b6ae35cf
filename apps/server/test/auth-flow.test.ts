import { TRPCClientError } from "@seed/client";
import { describe, expect, it } from "vitest";
import { availableBackends, tokensOf, uniqueEmail, useDeployment } from "./support/test-server";

describe.each(availableBackends())("signing in through the typed client on %s", (backend) => {
  const deployment = useDeployment(backend);

  it("goes register → login → me → refresh → logout, after which me is refused", async () => {
    let accessToken: string | null = null;
    const { api } = deployment.server.client({ getAccessToken: () => accessToken });
    const email = uniqueEmail("flow");

    // Registering signs nobody in: it says a mail went to the address, whoever owns it.
    expect(await api.auth.register.mutate({ email, password: "a long passphrase" })).toEqual({ sent: true });

    const session = tokensOf(
      await api.auth.login.mutate({ email: email.toUpperCase(), password: "a long passphrase" }),
    );
    accessToken = session.accessToken;
    const registered = session.user;
    expect(registered).toMatchObject({ email, roles: ["customer"] });
    expect(registered.createdAt).toBeInstanceOf(Date);
    expect(registered).not.toHaveProperty("passwordHash");
    expect(await api.auth.me.query()).toEqual({ ...registered, permissions: ["order:create"] });

    const refreshed = await api.auth.refresh.mutate({ refreshToken: session.refreshToken });
    expect(refreshed.refreshToken).not.toBe(session.refreshToken);
    accessToken = refreshed.accessToken;
    expect(await api.auth.me.query()).toMatchObject(registered);

    await expect(api.auth.logout.mutate({ refreshToken: refreshed.refreshToken })).resolves.toEqual({
      loggedOut: true,
    });
    const refused = await api.auth.me.query().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(TRPCClientError);
    expect((refused as TRPCClientError<never>).data).toMatchObject({ code: "UNAUTHORIZED", httpStatus: 401 });
  });

  it("refuses a wrong password with UNAUTHORIZED and the same words as an unknown email", async () => {
    const { api } = deployment.server.client();
    const email = uniqueEmail("wrong");
    await api.auth.register.mutate({ email, password: "the right one!" });
    const wrong = await api.auth.login.mutate({ email, password: "the wrong one" }).catch((error: unknown) => error);
    const unknown = await api.auth.login
      .mutate({ email: uniqueEmail("nobody"), password: "the wrong one" })
      .catch((error: unknown) => error);
    expect((wrong as TRPCClientError<never>).data).toMatchObject({ code: "UNAUTHORIZED" });
    expect((wrong as Error).message).toBe("Invalid email or password");
    expect((unknown as Error).message).toBe((wrong as Error).message);
  });

  it("sets the refresh token in an HttpOnly, Secure, SameSite=Strict cookie scoped to the API", async () => {
    const email = uniqueEmail("cookie");
    const { api } = deployment.server.client();
    await api.auth.register.mutate({ email, password: "a long passphrase" });
    const response = await fetch(`${deployment.server.trpcUrl}/auth.login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ json: { email, password: "a long passphrase" } }),
    });
    const cookie = response.headers.getSetCookie().find((header) => header.startsWith("seed_refresh=")) ?? "";
    expect(cookie).toMatch(/^seed_refresh=[A-Za-z0-9_-]{43};/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("Secure");
    expect(cookie).toContain("SameSite=Strict");
    expect(cookie).toContain("Path=/trpc");

    // A browser sends the cookie back; the refresh needs no token in the body then.
    const refreshed = await fetch(`${deployment.server.trpcUrl}/auth.refresh`, {
      method: "POST",
      headers: { "content-type": "application/json", cookie: cookie.split(";")[0]!, origin: deployment.server.baseUrl },
      body: JSON.stringify({ json: {} }),
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.headers.getSetCookie()).not.toContain(cookie);
  });

  it("replays a refused call once with a refreshed token", async () => {
    const email = uniqueEmail("retry");
    const bootstrap = deployment.server.client();
    await bootstrap.api.auth.register.mutate({ email, password: "a long passphrase" });
    let refreshToken = tokensOf(
      await bootstrap.api.auth.login.mutate({ email, password: "a long passphrase" }),
    ).refreshToken;

    let accessToken: string | null = "an-access-token-that-has-long-expired";
    let refreshes = 0;
    const { api } = deployment.server.client({
      getAccessToken: () => accessToken,
      refreshAccessToken: async () => {
        refreshes += 1;
        const tokens = await bootstrap.api.auth.refresh.mutate({ refreshToken });
        refreshToken = tokens.refreshToken;
        accessToken = tokens.accessToken;
        return accessToken;
      },
    });

    const [first, second] = await Promise.all([api.auth.me.query(), api.auth.me.query()]);
    expect(first.email).toBe(email);
    expect(second.email).toBe(email);
    expect(refreshes).toBe(1);
  });

  it("gives up when the refresh fails, with the original UNAUTHORIZED error", async () => {
    const { api } = deployment.server.client({ getAccessToken: () => "garbage", refreshAccessToken: async () => null });
    const error = await api.auth.me.query().catch((caught: unknown) => caught);
    expect((error as TRPCClientError<never>).data).toMatchObject({ code: "UNAUTHORIZED" });
  });
});
