import { once } from "node:events";
import { rm } from "node:fs/promises";
import { createServer as createHttpServer } from "node:http";
import { fileURLToPath } from "node:url";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  availableBackends,
  createDeployment,
  tokensOf,
  uniqueEmail,
  type Deployment,
  type TestServer,
} from "../../server/test/support/test-server";
import { authenticatorCode } from "../../server/test/support/authenticator";
import { launchChromium } from "./support/browser";
import { buildWebApp } from "./support/build-web-app";
import { reportCspViolations, type CspViolation } from "./support/csp-violations";
import { freePort } from "./support/free-port";

const SCREENSHOTS = fileURLToPath(new URL("./screenshots/", import.meta.url));
const adminEmail = "web-admin@example.com";
const adminPassword = "a long admin passphrase";
// The richest backend available: shared Postgres and Redis when configured, embedded otherwise.
const backend = availableBackends().at(-1)!;
/** Waits for what the page shows to settle, as long as a loaded machine may need. */
const eventually = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000 });

describe(`the web app in Chromium, served by the server on ${backend}`, () => {
  let webAppDir: string;
  let deployment: Deployment;
  let server: TestServer;
  let baseUrl: string;
  let browser: Browser;
  const contexts: BrowserContext[] = [];
  const lampName = `Aurora desk lamp ${Date.now()}`;

  /** What the browser refused under the Content-Security-Policy, on any page of any test. */
  let blocked: CspViolation[] = [];

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1200, height: 800 } });
    contexts.push(context);
    await reportCspViolations(context, (violation) => blocked.push(violation));
    const page = await context.newPage();
    page.setDefaultTimeout(10_000);
    return page;
  }

  async function sendCredentials(page: Page, email: string, password: string, button: "Sign in" | "Sign up") {
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: button, exact: true }).click();
  }

  /** Signing up says to check the mail and signs nobody in: the new account signs in by itself. */
  async function signInAfterSignUp(page: Page, email: string, password: string) {
    await page.getByRole("heading", { name: "Check your mail" }).waitFor();
    await page.getByRole("link", { name: "sign in", exact: true }).click();
    await sendCredentials(page, email, password, "Sign in");
    await page.waitForURL(`${baseUrl}/products`);
  }

  const screenshot = (page: Page, name: string) =>
    page.screenshot({ path: `${SCREENSHOTS}${name}.png`, fullPage: true });

  beforeAll(async () => {
    webAppDir = await buildWebApp();
    const port = await freePort();
    // "localhost" is a secure context for the browser, so the Secure session cookies are kept
    // over http, and passkeys may be used; they are bound to this origin.
    baseUrl = `http://localhost:${port}`;
    deployment = await createDeployment(backend, {
      ADMIN_EMAIL: adminEmail,
      ADMIN_PASSWORD: adminPassword,
      WEB_APP_DIR: webAppDir,
      PORT: String(port),
      APP_URL: baseUrl,
      // Every test signs in anew from the same address: more than the default budget of a minute.
      AUTH_RATE_LIMIT_MAX: "100",
      // The webhook receiver runs on this machine.
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: "true",
    });
    server = await deployment.start();
    const session = tokensOf(
      await server.client().api.auth.login.mutate({ email: adminEmail, password: adminPassword }),
    );
    const admin = server.client({ getAccessToken: () => session.accessToken });
    for (const [name, amount] of [
      [lampName, 4900],
      [`Birch bookshelf ${Date.now()}`, 12900],
    ] as const) {
      await admin.api.products.create.mutate({
        sku: `E2E-${Math.random().toString(36).slice(2, 10)}`,
        name,
        description: "Made for the browser test",
        category: "home",
        price: { amount, currency: "EUR" },
        stock: 25,
      });
    }
    browser = await launchChromium();
  });

  // The app runs under the server's policy (no inline script or style, not even a style
  // attribute) with nothing of its own refused.
  afterEach(() => {
    expect(blocked).toEqual([]);
  });

  afterAll(async () => {
    await Promise.all(contexts.map((context) => context.close()));
    await browser?.close();
    await deployment?.destroy();
    await rm(webAppDir, { recursive: true, force: true });
  });

  it("lets a shopper sign up, search, order, and see the status an admin sets", async () => {
    const shopper = await newPage();
    const shopperEmail = uniqueEmail("web-shopper");

    await shopper.goto(`${baseUrl}/sign-up`);
    await shopper.getByLabel("Email").fill(shopperEmail);
    await shopper.getByLabel("Password").fill("a long shopper passphrase");
    await screenshot(shopper, "sign-up");
    await shopper.getByRole("button", { name: "Sign up" }).click();
    await signInAfterSignUp(shopper, shopperEmail, "a long shopper passphrase");
    await eventually(() => shopper.getByText(shopperEmail).isVisible()).toBe(true);

    await shopper.getByRole("searchbox", { name: "Search" }).fill("Aurora");
    await shopper.getByRole("button", { name: "Search", exact: true }).click();
    const results = shopper.getByRole("list", { name: "Search results" }).getByRole("link");
    await eventually(() => results.allTextContents()).toEqual([lampName]);
    await screenshot(shopper, "products");

    await results.first().click();
    await shopper.getByRole("heading", { name: lampName }).waitFor();
    await shopper.getByLabel("Quantity").fill("2");
    await screenshot(shopper, "product-detail");
    await shopper.getByRole("button", { name: "Place order" }).click();
    await shopper.waitForURL(/\/orders\/[0-9a-f-]{36}$/);
    const orderUrl = shopper.url();
    const status = shopper.locator(".status");
    await eventually(() => status.textContent()).toBe("paid");
    await eventually(() => shopper.getByText("Total €98.00").count()).toBe(1);
    await screenshot(shopper, "order-detail");

    const admin = await newPage();
    await admin.goto(`${baseUrl}/sign-in?next=/admin`);
    await sendCredentials(admin, adminEmail, adminPassword, "Sign in");
    await admin.waitForURL(`${baseUrl}/admin`);
    await admin.getByRole("cell", { name: shopperEmail, exact: true }).waitFor();
    await admin.getByRole("heading", { name: "Audit trail" }).waitFor();
    await screenshot(admin, "admin");

    await admin.goto(orderUrl);
    await admin.getByRole("button", { name: "Mark as shipped" }).click();
    await eventually(() => admin.locator(".status").textContent()).toBe("shipped");

    // Pushed to the shopper's open page, with no reload.
    await eventually(() => status.textContent()).toBe("shipped");
    await screenshot(shopper, "order-shipped");

    await shopper.goto(`${baseUrl}/orders`);
    await eventually(() => shopper.getByRole("row").count()).toBe(2);
    await screenshot(shopper, "my-orders");
  });

  it("lets an admin settle by hand, from the provider's records, a payment whose answer was lost", async () => {
    const email = uniqueEmail("web-settled");
    const password = "a long settling passphrase";
    const anonymous = server.client();
    await anonymous.api.auth.register.mutate({ email, password });
    const session = tokensOf(await anonymous.api.auth.login.mutate({ email, password }));
    const shopper = server.client({ getAccessToken: () => session.accessToken });
    const { db } = deployment.database.connection;
    const lamp = await db.query.products.findFirst({ where: (products, { eq }) => eq(products.name, lampName) });
    const { id } = await shopper.api.orders.place.mutate({
      items: [{ productId: lamp!.id, quantity: 1 }],
      idempotencyKey: `settled-${Date.now()}`,
    });
    const stored = () => db.query.orders.findFirst({ where: (orders, { eq }) => eq(orders.id, id) });
    await eventually(async () => (await stored())?.paymentStatus).toBe("succeeded");
    const reference = (await stored())!.paymentReference!;
    // The provider took the money, and its answer was lost an hour ago with the job.
    await db.execute(
      `update orders set status = 'pending', payment_status = 'pending', payment_reference = null, payment_queued_at = now() - interval '1 hour' where id = '${id}'`,
    );

    const admin = await newPage();
    await admin.goto(`${baseUrl}/sign-in?next=/orders/${id}`);
    await sendCredentials(admin, adminEmail, adminPassword, "Sign in");
    await admin.getByRole("heading", { name: "Settle the payment by hand" }).waitFor();
    await admin.getByLabel("Provider's payment").fill("pay_not_this_orders");
    await admin.getByLabel("Reason").fill("Found in the provider's dashboard");
    await admin.getByRole("button", { name: "Settle payment" }).click();
    await eventually(() => admin.getByRole("alert").textContent()).toBe(
      "The payment provider holds no payment of this order by that reference",
    );
    expect((await stored())!.status).toBe("pending");

    await admin.getByLabel("Provider's payment").fill(reference);
    await screenshot(admin, "payment-settlement");
    await admin.getByRole("button", { name: "Settle payment" }).click();
    await eventually(() => admin.locator(".status").textContent()).toBe("paid");
    await eventually(() => admin.getByRole("heading", { name: "Settle the payment by hand" }).count()).toBe(0);
    expect(await stored()).toMatchObject({ status: "paid", paymentStatus: "succeeded", paymentReference: reference });
  });

  it("keeps the session out of the page's reach: no token in storage, cookies are HttpOnly", async () => {
    const page = await newPage();
    await page.goto(`${baseUrl}/sign-in`);
    await sendCredentials(page, adminEmail, adminPassword, "Sign in");
    await page.waitForURL(`${baseUrl}/products`);
    await page.getByRole("link", { name: "Admin", exact: true }).waitFor();

    const stored = await page.evaluate(() => ({
      local: Object.keys(localStorage).length,
      session: Object.keys(sessionStorage).length,
      cookies: document.cookie,
    }));
    expect(stored).toEqual({ local: 0, session: 0, cookies: "" });
    const cookies = await page.context().cookies();
    expect(cookies.map((cookie) => [cookie.name, cookie.httpOnly]).sort()).toEqual([
      ["seed_access", true],
      ["seed_refresh", true],
    ]);
  });

  it("refuses inline styles and scripts that a page did not ship, and reports each refusal", async () => {
    const page = await newPage();
    await page.goto(`${baseUrl}/sign-in`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
    const looks = () => page.evaluate(() => [getComputedStyle(document.body).backgroundColor, document.title]);
    const before = await looks();
    await page.evaluate(() => {
      document.body.setAttribute("style", "background: red");
      const style = document.createElement("style");
      style.textContent = "body { background: red }";
      document.head.append(style);
      const script = document.createElement("script");
      script.textContent = "document.title = 'injected'";
      document.head.append(script);
    });
    await eventually(() => blocked.map((violation) => violation.directive).sort()).toEqual([
      "script-src-elem",
      "style-src-attr",
      "style-src-elem",
    ]);
    expect(await looks()).toEqual(before);
    blocked = [];
  });

  it("sends a page that is not signed in to the sign-in page", async () => {
    const page = await newPage();
    await page.goto(`${baseUrl}/orders`);
    await page.waitForURL(`${baseUrl}/sign-in?next=%2Forders`);
    await page.getByRole("heading", { name: "Sign in" }).waitFor();
  });

  it("shows the server's refusal of a wrong password", async () => {
    const page = await newPage();
    await page.goto(`${baseUrl}/sign-in`);
    await sendCredentials(page, adminEmail, "not the admin passphrase", "Sign in");
    await eventually(() => page.getByRole("alert").textContent()).toMatch(/password/i);
    expect(page.url()).toBe(`${baseUrl}/sign-in`);
  });

  it("turns on two-step verification, asks for its code at the next sign-in, and signs that device out", async () => {
    const email = uniqueEmail("web-two-step");
    const password = "a long two-step passphrase";
    const first = await newPage();
    await first.goto(`${baseUrl}/sign-up`);
    await sendCredentials(first, email, password, "Sign up");
    await signInAfterSignUp(first, email, password);

    await first.getByRole("link", { name: email }).click();
    await first.getByRole("button", { name: "Set up two-step verification" }).click();
    const key = (await first.getByLabel("Authenticator key").textContent())!;
    await screenshot(first, "two-step-setup");
    await first.getByLabel("Code from the app").fill(authenticatorCode(key));
    await first.getByRole("button", { name: "Turn on" }).click();
    const recoveryCodes = first.getByRole("list", { name: "Recovery codes" }).getByRole("listitem");
    await eventually(() => recoveryCodes.count()).toBe(10);
    await first.getByRole("button", { name: "I have saved them" }).click();
    await eventually(() => first.getByText("Recovery codes left: 10.", { exact: false }).isVisible()).toBe(true);

    const second = await newPage();
    await second.goto(`${baseUrl}/sign-in`);
    await sendCredentials(second, email, password, "Sign in");
    await second.getByRole("heading", { name: "Two-step verification" }).waitFor();
    // The code of the next 30 seconds: the current one was spent turning the factor on.
    await second.getByLabel("Code").fill(authenticatorCode(key, 1));
    await second.getByRole("button", { name: "Verify" }).click();
    await second.waitForURL(`${baseUrl}/products`);

    await first.reload();
    const sessionTable = first.getByRole("region", { name: "Where you are signed in" }).getByRole("table");
    const sessions = sessionTable.getByRole("row");
    await eventually(() => sessions.count()).toBe(3);
    await screenshot(first, "sessions");
    await sessionTable.getByRole("button", { name: "Sign out" }).click();
    await eventually(() => sessions.count()).toBe(2);

    await second.goto(`${baseUrl}/orders`);
    await second.waitForURL(`${baseUrl}/sign-in?next=%2Forders`);
  });

  it("adds a passkey on the account page, then signs in with it alone after signing out", async () => {
    const email = uniqueEmail("web-passkey");
    const password = "a long passkey passphrase";
    const page = await newPage();
    // A platform authenticator that keeps discoverable passkeys and verifies its user, as a
    // laptop's fingerprint reader does; Chromium answers the page's requests with it.
    const devtools = await page.context().newCDPSession(page);
    await devtools.send("WebAuthn.enable");
    const { authenticatorId } = await devtools.send("WebAuthn.addVirtualAuthenticator", {
      options: {
        protocol: "ctap2",
        transport: "internal",
        hasResidentKey: true,
        hasUserVerification: true,
        isUserVerified: true,
      },
    });
    await page.goto(`${baseUrl}/sign-up`);
    await sendCredentials(page, email, password, "Sign up");
    await signInAfterSignUp(page, email, password);
    await page.getByRole("link", { name: email }).click();

    const passkeys = page.getByRole("region", { name: "Passkeys" });
    await passkeys.getByLabel("Passkey name").fill("Test laptop");
    await passkeys.getByRole("button", { name: "Add a passkey" }).click();
    const row = passkeys.getByRole("row", { name: /Test laptop/ });
    await eventually(() => row.count()).toBe(1);
    await screenshot(page, "passkeys");
    const { credentials } = await devtools.send("WebAuthn.getCredentials", { authenticatorId });
    expect(credentials.map((credential) => credential.isResidentCredential)).toEqual([true]);

    await page.getByRole("banner").getByRole("button", { name: "Sign out" }).click();
    await page.goto(`${baseUrl}/sign-in`);
    await page.getByRole("button", { name: "Sign in with a passkey" }).click();
    await page.waitForURL(`${baseUrl}/products`);
    await page.getByRole("link", { name: email }).click();
    await eventually(() => row.textContent()).not.toMatch(/Never/);
  });

  it("verifies the audit trail's hash chain for an admin, and shows where it breaks", async () => {
    const { jobs } = server.server.resources;
    const sealing = await jobs.enqueue("audit.seal", {});
    await eventually(async () => (await jobs.find(sealing))?.state).toBe("done");

    const admin = await newPage();
    await admin.goto(`${baseUrl}/sign-in?next=/admin`);
    await sendCredentials(admin, adminEmail, adminPassword, "Sign in");
    await admin.waitForURL(`${baseUrl}/admin`);
    const verify = admin.getByRole("button", { name: "Verify the hash chain" });
    await verify.click();
    await eventually(() => admin.locator(".chain-verdict").textContent()).toMatch(/^Intact\. Seals 1 to \d+ are sound/);
    await screenshot(admin, "audit-chain");

    // A database superuser rewrites the first audit row past its append-only trigger.
    await deployment.database.connection.db.transaction(async (tx) => {
      await tx.execute("set local session_replication_role = replica");
      await tx.execute('update audit_log set "action" = \'nothing.happened\' where "id" = 1');
    });
    await verify.click();
    await eventually(() => admin.getByRole("alert").textContent()).toBe(
      "Broken from audit row 1 on: Audit row 1 was changed after seal 1 sealed it",
    );
    await screenshot(admin, "audit-chain-broken");
  });

  it("creates an API key with chosen permissions, shows it once, lists its last use and revokes it", async () => {
    const email = uniqueEmail("web-api-key");
    const password = "a long api key passphrase";
    const page = await newPage();
    await page.goto(`${baseUrl}/sign-up`);
    await sendCredentials(page, email, password, "Sign up");
    await signInAfterSignUp(page, email, password);
    await page.getByRole("link", { name: email }).click();

    const keys = page.getByRole("region", { name: "API keys" });
    await keys.getByLabel("Name", { exact: true }).fill("Nightly export");
    await keys.getByRole("checkbox", { name: "order:create" }).check();
    await keys.getByRole("button", { name: "Create key" }).click();
    const key = (await keys.getByLabel("New API key").textContent())!;
    expect(key).toMatch(/^seed_[a-z0-9]{16}_/);
    await screenshot(page, "api-key-created");
    await keys.getByRole("button", { name: "I have copied it" }).click();
    await eventually(() => page.getByText(key).count()).toBe(0);

    const callWithKey = () =>
      fetch(`${baseUrl}/api/users/me`, { headers: { authorization: `Bearer ${key}` } }).then((answer) => answer.status);
    expect(await callWithKey()).toBe(200);
    await page.reload();
    const row = keys.getByRole("row", { name: /Nightly export/ });
    await eventually(() => row.textContent()).toMatch(/from 127\.0\.0\.1/);
    await screenshot(page, "api-keys");

    await row.getByRole("button", { name: "Revoke Nightly export" }).click();
    await eventually(() => row.count()).toBe(0);
    expect(await callWithKey()).toBe(401);
  });

  it("registers a webhook endpoint, shows its secret once, and redelivers from its delivery log", async () => {
    const received: string[] = [];
    const receiver = createHttpServer((request, response) => {
      received.push(String(request.headers["webhook-id"]));
      request.resume();
      response.end("ok");
    });
    receiver.listen(0, "127.0.0.1");
    await once(receiver, "listening");
    const receiverUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`;
    try {
      const page = await newPage();
      await page.goto(`${baseUrl}/sign-in`);
      await sendCredentials(page, adminEmail, adminPassword, "Sign in");
      await page.waitForURL(`${baseUrl}/products`);
      await page.getByRole("link", { name: "Webhooks" }).click();

      const form = page.getByRole("form", { name: "Register a webhook endpoint" });
      await form.getByLabel("URL").fill(receiverUrl);
      await form.getByRole("checkbox", { name: "product.created" }).check();
      await form.getByRole("button", { name: "Register endpoint" }).click();
      const secret = (await page.getByLabel("Signing secret").textContent())!;
      expect(secret).toMatch(/^whsec_/);
      await page.getByRole("button", { name: "I have copied it" }).click();
      await eventually(() => page.getByText(secret).count()).toBe(0);

      const session = tokensOf(
        await server.client().api.auth.login.mutate({ email: adminEmail, password: adminPassword }),
      );
      await server.client({ getAccessToken: () => session.accessToken }).api.products.create.mutate({
        sku: `E2E-${Math.random().toString(36).slice(2, 10)}`,
        name: "Announced lamp",
        category: "home",
        price: { amount: 100, currency: "EUR" },
        stock: 1,
      });
      await eventually(() => received.length).toBe(1);

      await page.getByRole("link", { name: receiverUrl }).click();
      const row = page.getByRole("row", { name: /product\.created/ });
      await eventually(() => row.textContent()).toMatch(/delivered/);
      await screenshot(page, "webhook-deliveries");
      await row.getByRole("button", { name: /^Redeliver/ }).click();
      await eventually(() => received.length).toBe(2);
      expect(received[1]).toBe(received[0]);
    } finally {
      receiver.close();
    }
  });
});
