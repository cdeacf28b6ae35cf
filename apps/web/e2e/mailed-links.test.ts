import { rm } from "node:fs/promises";
import type { Browser, Page } from "playwright-core";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  availableBackends,
  createDeployment,
  uniqueEmail,
  type Deployment,
} from "../../server/test/support/test-server";
import { launchChromium } from "./support/browser";
import { buildWebApp } from "./support/build-web-app";
import { reportCspViolations, type CspViolation } from "./support/csp-violations";
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
  let blocked: CspViolation[] = [];

  beforeAll(async () => {
    webAppDir = await buildWebApp();
    deployment = await createDeployment(backend, {
      WEB_APP_DIR: webAppDir,
      // Every link and sign-in here is a credential call from the same address: more than the default budget of a minute.
      AUTH_RATE_LIMIT_MAX: "100",
    });
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

  // The pages run under the server's policy (no inline script or style) with nothing refused.
  afterEach(() => {
    const refused = blocked;
    blocked = [];
    expect(refused).toEqual([]);
  });

  async function newPage(): Promise<Page> {
    const context = await browser.newContext();
    await reportCspViolations(context, (violation) => blocked.push(violation));
    const page = await context.newPage();
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

  async function signedIn(page: Page, email: string, password: string) {
    await signIn(page, email, password);
    await page.waitForURL(`${baseUrl}/products`);
  }

  async function confirmWith(page: Page, link: string, button: string) {
    await page.goto(link);
    await page.getByRole("button", { name: button }).click();
  }

  async function askForEmailChange(page: Page, newEmail: string, password: string) {
    const form = page.getByRole("form", { name: "Change your address" });
    await form.getByLabel("New email").fill(newEmail);
    await form.getByLabel("Password").fill(password);
    await form.getByRole("button", { name: "Send a confirmation link" }).click();
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

  it("mails the confirmation link again from the account page, and only the new link confirms", async () => {
    const email = uniqueEmail("web-unconfirmed");
    const page = await newPage();
    await signUp(page, email, firstPassword);
    const first = await mailedLink(deployment, baseUrl, email, "/verify-email");

    await signedIn(page, email, firstPassword);
    await page.goto(`${baseUrl}/account`);
    const address = page.getByRole("region", { name: "Email address" });
    await eventually(() => address.textContent()).toContain("Not confirmed yet");
    await address.getByRole("button", { name: "Send the link again" }).click();
    await eventually(() => address.getByRole("status").textContent()).toContain("We sent a new link");
    const resent = await mailedLink(deployment, baseUrl, email, "/verify-email");
    expect(resent).not.toBe(first);

    await confirmWith(page, first, "Confirm my address");
    await eventually(() => page.getByRole("alert").textContent()).toContain("used or expired");
    await confirmWith(page, resent, "Confirm my address");
    await page.getByRole("heading", { name: "Your address is confirmed" }).waitFor();

    await page.goto(`${baseUrl}/account`);
    await eventually(() => address.textContent()).toContain("Confirmed.");
    expect(await address.getByRole("button", { name: "Send the link again" }).count()).toBe(0);
  });

  it("moves an account to a new address from the account page once the link mailed there is opened", async () => {
    const email = uniqueEmail("web-moving");
    const newEmail = uniqueEmail("web-moved");
    const takenEmail = uniqueEmail("web-taken");
    const page = await newPage();
    await signUp(page, takenEmail, "the passphrase of another");
    await signUp(page, email, firstPassword);
    await signedIn(page, email, firstPassword);
    await page.goto(`${baseUrl}/account`);
    const form = page.getByRole("form", { name: "Change your address" });

    await askForEmailChange(page, newEmail, "not my passphrase");
    await eventually(() => form.getByRole("alert").textContent()).toContain("The password is not correct");

    // An address that has an account is answered as a free one is: the form does not tell who has one.
    await askForEmailChange(page, takenEmail, firstPassword);
    await eventually(() => form.getByRole("status").textContent()).toContain(`We mailed ${takenEmail}`);
    const takenAnswer = await form.getByRole("status").textContent();
    await askForEmailChange(page, newEmail, firstPassword);
    await eventually(() => form.getByRole("status").textContent()).toContain(`We mailed ${newEmail}`);
    const freeAnswer = await form.getByRole("status").textContent();
    expect(takenAnswer?.replace(takenEmail, "ADDRESS")).toBe(freeAnswer?.replace(newEmail, "ADDRESS"));
    await expect(mailedLink(deployment, baseUrl, takenEmail, "/confirm-email-change")).rejects.toThrow("no link");
    expect(await page.getByRole("region", { name: "Email address" }).textContent()).toContain(
      `You sign in with ${email}`,
    );

    const confirmation = await mailedLink(deployment, baseUrl, newEmail, "/confirm-email-change");
    const elsewhere = await newPage();
    await confirmWith(elsewhere, confirmation, "Use this address");
    await eventually(() => elsewhere.getByRole("status").textContent()).toContain(newEmail);
    await confirmWith(elsewhere, confirmation, "Use this address");
    await eventually(() => elsewhere.getByRole("alert").textContent()).toContain("used or expired");

    await signIn(elsewhere, email, firstPassword);
    await eventually(() => elsewhere.getByRole("alert").textContent()).toContain("Invalid email or password");
    await signedIn(elsewhere, newEmail, firstPassword);
    await elsewhere.goto(`${baseUrl}/account`);
    const address = elsewhere.getByRole("region", { name: "Email address" });
    await eventually(() => address.textContent()).toContain(`You sign in with ${newEmail}`);
    expect(await address.textContent()).toContain("Confirmed.");
  });

  it("says a link cut short is incomplete instead of offering a form", async () => {
    const page = await newPage();
    await page.goto(`${baseUrl}/reset-password`);
    await eventually(() => page.getByRole("alert").textContent()).toContain("incomplete");
    expect(await page.getByLabel("New password").count()).toBe(0);
  });
});
