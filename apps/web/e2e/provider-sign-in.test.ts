import { rm } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startIdentityProvider, type TestIdentityProvider } from "../../server/test/support/identity-provider";
import {
  availableBackends,
  createDeployment,
  uniqueEmail,
  unusedPort,
  type Deployment,
} from "../../server/test/support/test-server";
import { launchChromium } from "./support/browser";
import { buildWebApp } from "./support/build-web-app";

const backend = availableBackends().at(-1)!;
const PROVIDER = "local";

describe(`signing in to the web app with an identity provider, on ${backend}`, () => {
  let webAppDir: string;
  let identityProvider: TestIdentityProvider;
  let deployment: Deployment;
  let baseUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    webAppDir = await buildWebApp();
    // The redirect URI names the server's port, so the port is chosen before either starts.
    const port = await unusedPort();
    // "localhost" is a secure context for the browser, so the Secure cookies are kept over http.
    baseUrl = `http://localhost:${port}`;
    identityProvider = await startIdentityProvider(`${baseUrl}/sign-in/callback`);
    deployment = await createDeployment(backend, {
      WEB_APP_DIR: webAppDir,
      OIDC_PROVIDERS: JSON.stringify([
        {
          name: PROVIDER,
          issuer: identityProvider.issuer,
          clientId: identityProvider.clientId,
          clientSecret: identityProvider.clientSecret,
        },
      ]),
      OIDC_REDIRECT_URI: `${baseUrl}/sign-in/callback`,
    });
    await deployment.start({ PORT: String(port) });
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await deployment?.destroy();
    await identityProvider?.stop();
    if (webAppDir) await rm(webAppDir, { recursive: true, force: true });
  });

  /** A new account of the provider's, signed in to the app through the provider's pages. */
  async function signedInWithProvider(email: string): Promise<Page> {
    const subject = identityProvider.addAccount({ email, emailVerified: true });
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(10_000);

    await page.goto(`${baseUrl}/sign-in`);
    await page.getByRole("button", { name: `Sign in with ${PROVIDER}` }).click();
    // The provider's own development pages: a login form, then a consent form.
    await page.waitForURL((url) => url.href.startsWith(identityProvider.issuer));
    await page.locator('input[name="login"]').fill(subject);
    await page.locator('input[name="password"]').fill("any password: the development login checks none");
    await page.locator('button[type="submit"]').click();
    await page.locator('button[type="submit"]').click();

    await page.waitForURL(`${baseUrl}/products`);
    return page;
  }

  it("signs a new account in through the provider's pages and shows its account page", async () => {
    const email = uniqueEmail("provider-user");
    const page = await signedInWithProvider(email);
    await page.goto(`${baseUrl}/account`);
    await expect.poll(() => page.getByText(email).first().isVisible(), { timeout: 15_000 }).toBe(true);
  });

  it("asks an account without a password for none to change its address, just after signing in", async () => {
    const newEmail = uniqueEmail("provider-moved");
    const page = await signedInWithProvider(uniqueEmail("provider-mover"));
    await page.goto(`${baseUrl}/account`);
    const form = page.getByRole("form", { name: "Change your address" });
    await form.getByText("Your account signs in with an identity provider").waitFor();
    expect(await form.getByLabel("Password").count()).toBe(0);

    await form.getByLabel("New email").fill(newEmail);
    await form.getByRole("button", { name: "Send a confirmation link" }).click();
    await expect
      .poll(() => form.getByRole("status").textContent(), { timeout: 15_000 })
      .toContain(`We mailed ${newEmail}`);
  });
});
