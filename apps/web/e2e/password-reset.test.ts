import { rm } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  availableBackends,
  createDeployment,
  uniqueEmail,
  type Deployment,
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
  let baseUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    webAppDir = await buildWebApp();
    deployment = await createDeployment(backend, { WEB_APP_DIR: webAppDir });
    const server = await deployment.start();
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
    await page.goto(`${baseUrl}/sign-up`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(firstPassword);
    await page.getByRole("button", { name: "Sign up" }).click();
    await page.getByRole("heading", { name: "Check your mail" }).waitFor();

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

  it("says a link cut short is incomplete instead of offering a form", async () => {
    const page = await newPage();
    await page.goto(`${baseUrl}/reset-password`);
    await eventually(() => page.getByRole("alert").textContent()).toContain("incomplete");
    expect(await page.getByLabel("New password").count()).toBe(0);
  });
});
