import { generateKeyPairSync, randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import Provider from "oidc-provider";

export interface ProviderAccount {
  email: string;
  emailVerified: boolean;
}

/** A real OpenID Connect provider (panva's oidc-provider) on 127.0.0.1, with one client: the server. */
export interface TestIdentityProvider {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** Someone who can sign in at the provider, with the email claims given; returns their `sub`. */
  addAccount(account: ProviderAccount): string;
  stop(): Promise<void>;
}

export async function startIdentityProvider(redirectUri: string): Promise<TestIdentityProvider> {
  const http = createServer();
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const issuer = `http://127.0.0.1:${(http.address() as AddressInfo).port}`;
  const clientId = "seed";
  const clientSecret = randomBytes(32).toString("base64url");
  const accounts = new Map<string, ProviderAccount>();
  const signingKey = generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ format: "jwk" });

  const provider = new Provider(issuer, {
    clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri] }],
    claims: { openid: ["sub"], email: ["email", "email_verified"] },
    cookies: { keys: [randomBytes(32).toString("base64url")] },
    jwks: { keys: [{ ...signingKey, kid: "test", alg: "RS256", use: "sig" }] },
    ttl: { AccessToken: 600, Grant: 600, IdToken: 600, Interaction: 600, Session: 600 },
    // The provider's own login and consent pages; the login form takes the subject as user name.
    features: { devInteractions: { enabled: true } },
    findAccount(_ctx, subject) {
      const account = accounts.get(subject);
      if (!account) return undefined;
      return {
        accountId: subject,
        claims: () => ({ sub: subject, email: account.email, email_verified: account.emailVerified }),
      };
    },
  });
  http.on("request", provider.callback());

  return {
    issuer,
    clientId,
    clientSecret,
    addAccount(account) {
      const subject = `user-${randomBytes(6).toString("hex")}`;
      accounts.set(subject, account);
      return subject;
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        http.closeAllConnections();
        http.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/**
 * What a browser does between `auth.oidc.start` and the frontend's redirect page: opens the
 * authorization URL, follows redirects, carries the provider's cookies, fills in the login form
 * as `subject` and accepts the consent form. Resolves with the query of the redirect back to
 * `redirectUri`, as the frontend page would receive it.
 */
export async function signInAtProvider(
  authorizationUrl: string,
  subject: string,
  redirectUri: string,
): Promise<URLSearchParams> {
  const cookies = new Map<string, string>();
  let request: { url: URL; form?: URLSearchParams } = { url: new URL(authorizationUrl) };

  for (let step = 0; step < 20; step += 1) {
    const response = await fetch(request.url, {
      method: request.form ? "POST" : "GET",
      redirect: "manual",
      headers: {
        cookie: [...cookies].map(([name, value]) => `${name}=${value}`).join("; "),
        ...(request.form ? { "content-type": "application/x-www-form-urlencoded" } : {}),
      },
      ...(request.form ? { body: request.form.toString() } : {}),
    });
    keepCookies(cookies, response.headers.getSetCookie());

    const location = response.headers.get("location");
    if (response.status >= 300 && response.status < 400 && location) {
      const next = new URL(location, request.url);
      if (`${next.origin}${next.pathname}` === redirectUri) return next.searchParams;
      request = { url: next };
      continue;
    }

    const page = await response.text();
    const action = /<form[^>]*action="([^"]+)"/.exec(page)?.[1];
    const prompt = /name="prompt" value="(\w+)"/.exec(page)?.[1];
    if (response.status !== 200 || !action || !prompt) {
      throw new Error(`the provider answered ${response.status} with no form to fill: ${page.slice(0, 500)}`);
    }
    const form = new URLSearchParams({ prompt });
    if (prompt === "login") {
      form.set("login", subject);
      form.set("password", "any password: the development login checks none");
    }
    request = { url: new URL(action.replaceAll("&amp;", "&"), request.url), form };
  }
  throw new Error("the provider never sent the browser back");
}

function keepCookies(cookies: Map<string, string>, setCookies: string[]): void {
  for (const header of setCookies) {
    const [pair = "", ...attributes] = header.split(";");
    const separator = pair.indexOf("=");
    const name = pair.slice(0, separator).trim();
    const value = pair.slice(separator + 1).trim();
    const expired = attributes.some((attribute) => /^\s*expires=thu, 01 jan 1970/i.test(attribute));
    if (expired || value === "") cookies.delete(name);
    else cookies.set(name, value);
  }
}
