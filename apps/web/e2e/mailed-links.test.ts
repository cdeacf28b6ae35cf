import { rm } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  availableBackends,
  createDeployment,
  tokensOf,
  uniqueEmail,
  type Deployment,
  type TestServer,
} from "../../server/test/support/test-server";
import { launchChromium } from "./support/browser";
import { buildWebApp } from "./support/build-web-app";
import { mailedLink } from "./support/mailed-link";

const backend = availableBackends().at(-1)!;
const firstPassword = "the passphrase I forgot";
const newPassword = "the passphrase I chose anew";
const eventually = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000 });

describe(`links mailed to an account, in the web app, on ${backend}`, () => {
  let webAppDir: string;
  let deployment: Deployment;
  let server: TestServer;
  let baseUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    webAppDir = await buildWebApp();
    deployment = await createDeployment(backend, {
      WEB_APP_DIR: webAppDir,
      // Every link and sign-in here is a credential call from the same address: more than the default budget of a minute.
      AUTH_RATE_LIMIT_MAX: "100",
    });
    server = await deployment.start();
    // "localhost" is a secure context for the browser, so the Secure session cookies are kept over http.
    baseUrl = server.baseUrl.replace("127.0.0.1", "localhost");
    browser = await launchChromium();
  });

  afterAll(async () => {
    await browser?.close();
    await deployment?.destroy();
    if (webAppDir) await rm(webAppDir, { recursive: true, force: true });
  });

  async function newPage(): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(10_000);
    return page;
  }

  async function signUp(page: Page, email: string, password: string) {
    await page.goto(`${baseUrl}/sign-up`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign up" }).click();
    await page.getByRole("heading", { name: "Check your mail" }).waitFor();
  }

  async function signIn(page: Page, email: string, password: string) {
    await page.goto(`${baseUrl}/sign-in`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
  }

  async function askForReset(page: Page, email: string): Promise<string | null> {
    await page.goto(`${baseUrl}/sign-in`);
    await page.getByRole("link", { name: "Forgot your password?" }).click();
    const form = page.getByRole("form", { name: "Ask for a password reset" });
    await form.getByLabel("Email").fill(email);
    await form.getByRole("button", { name: "Send me a link" }).click();
    return page.getByRole("status").textContent();
  }

  it("confirms the address, resets a forgotten password, and refuses the used links", async () => {
    const email = uniqueEmail("web-forgetful");
    const page = await newPage();
    await signUp(page, email, firstPassword);

    const verification = await mailedLink(deployment, baseUrl, email, "/verify-email");
    await page.goto(verification);
    await page.getByRole("button", { name: "Confirm my address" }).click();
    await page.getByRole("heading", { name: "Your address is confirmed" }).waitFor();
    await page.goto(verification);
    await page.getByRole("button", { name: "Confirm my address" }).click();
    await eventually(() => page.getByRole("alert").textContent()).toContain("used or expired");

    // The answer does not tell whether the address has an account.
    const unknown = uniqueEmail("web-nobody");
    const known = await askForReset(page, email);
    const unknownAnswer = await askForReset(page, unknown);
    expect(known).toContain("we sent it a link");
    expect(known?.replace(email, "ADDRESS")).toBe(unknownAnswer?.replace(unknown, "ADDRESS"));
    await expect(mailedLink(deployment, baseUrl, unknown, "/reset-password")).rejects.toThrow("no link");

    const reset = await mailedLink(deployment, baseUrl, email, "/reset-password");
    await page.goto(reset);
    await page.getByLabel("New password").fill(newPassword);
    await page.getByRole("button", { name: "Set password" }).click();
    await page.getByRole("heading", { name: "Your password is set" }).waitFor();

    await signIn(page, email, newPassword);
    await page.waitForURL(`${baseUrl}/products`);
    await eventually(() => page.getByText(email).isVisible()).toBe(true);

    const again = await newPage();
    await again.goto(reset);
    await again.getByLabel("New password").fill("someone else's passphrase");
    await again.getByRole("button", { name: "Set password" }).click();
    await eventually(() => again.getByRole("alert").textContent()).toContain("used or expired");
    await again.getByRole("link", { name: "ask for a new one" }).waitFor();

    await signIn(again, email, firstPassword);
    await eventually(() => again.getByRole("alert").textContent()).toContain("Invalid email or password");
  });

  it("moves an account to the address an email change's link was mailed to, once", async () => {
    const email = uniqueEmail("web-moving");
    const newEmail = uniqueEmail("web-moved");
    const page = await newPage();
    await signUp(page, email, firstPassword);
    // The app has no form for it yet: the account asks through the API.
    const session = tokensOf(await server.client().api.auth.login.mutate({ email, password: firstPassword }));
    await server
      .client({ getAccessToken: () => session.accessToken })
      .api.users.changeEmail.mutate({ newEmail, password: firstPassword });

    const confirmation = await mailedLink(deployment, baseUrl, newEmail, "/confirm-email-change");
    await page.goto(confirmation);
    await page.getByRole("button", { name: "Use this address" }).click();
    await eventually(() => page.getByRole("status").textContent()).toContain(newEmail);
    await page.goto(confirmation);
    await page.getByRole("button", { name: "Use this address" }).click();
    await eventually(() => page.getByRole("alert").textContent()).toContain("used or expired");
  });

  it("says a link cut short is incomplete instead of offering a form", async () => {
    const page = await newPage();
    await page.goto(`${baseUrl}/reset-password`);
    await eventually(() => page.getByRole("alert").textContent()).toContain("incomplete");
    expect(await page.getByLabel("New password").count()).toBe(0);
  });
});
