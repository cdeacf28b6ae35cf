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
const adminEmail = "web-user-admin@example.com";
const adminPassword = "a long admin passphrase";
const invitedPassword = "an invited passphrase";
const eventually = <T>(read: () => T | Promise<T>) => expect.poll(read, { timeout: 15_000 });

describe(`managing users in the web app, on ${backend}`, () => {
  let webAppDir: string;
  let deployment: Deployment;
  let baseUrl: string;
  let browser: Browser;

  beforeAll(async () => {
    webAppDir = await buildWebApp();
    deployment = await createDeployment(backend, {
      ADMIN_EMAIL: adminEmail,
      ADMIN_PASSWORD: adminPassword,
      WEB_APP_DIR: webAppDir,
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

  async function signedIn(email: string, password: string): Promise<Page> {
    const page = await (await browser.newContext()).newPage();
    page.setDefaultTimeout(10_000);
    await page.goto(`${baseUrl}/sign-in`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in", exact: true }).click();
    await page.waitForURL(`${baseUrl}/products`);
    return page;
  }

  it("invites a user, sends the invitation again, who chooses a password and signs in, then disables them", async () => {
    const admin = await signedIn(adminEmail, adminPassword);
    admin.on("dialog", (dialog) => void dialog.accept());
    await admin.goto(`${baseUrl}/admin`);
    const email = uniqueEmail("web-invited");
    const invitation = admin.getByRole("form", { name: "Invite a user" });
    await invitation.getByLabel("Email").fill(email);
    await invitation.getByRole("button", { name: "Invite" }).click();
    await eventually(() => admin.getByRole("status").textContent()).toContain(`Invited ${email}`);
    const firstLink = await mailedLink(deployment, baseUrl, email, "/accept-invitation");

    await admin.getByRole("searchbox", { name: "Find users" }).fill(email);
    await admin.getByRole("button", { name: "Find", exact: true }).click();
    const actions = admin.getByRole("group", { name: `Actions on ${email}` });
    await actions.getByRole("button", { name: "Send the invitation again" }).click();
    await eventually(() => actions.getByRole("status").textContent()).toContain(`A new link was mailed to ${email}`);
    expect(await mailedLink(deployment, baseUrl, email, "/accept-invitation")).not.toBe(firstLink);

    const invited = await (await browser.newContext()).newPage();
    await invited.goto(await mailedLink(deployment, baseUrl, email, "/accept-invitation"));
    await invited.getByLabel("New password").fill(invitedPassword);
    await invited.getByRole("button", { name: "Set password" }).click();
    await invited.getByRole("heading", { name: "Your password is set" }).waitFor();
    await (await signedIn(email, invitedPassword)).close();

    // Read again: the account is set up now, so it is no longer offered its invitation.
    await admin.reload();
    await admin.getByRole("searchbox", { name: "Find users" }).fill(email);
    await admin.getByRole("button", { name: "Find", exact: true }).click();
    await actions.getByRole("button", { name: "Disable" }).waitFor();
    expect(await actions.getByRole("button", { name: "Send the invitation again" }).count()).toBe(0);
    await actions.getByRole("button", { name: "Disable" }).click();
    await actions.getByRole("button", { name: "Enable" }).waitFor();

    const refused = await (await browser.newContext()).newPage();
    await refused.goto(`${baseUrl}/sign-in`);
    await refused.getByLabel("Email").fill(email);
    await refused.getByLabel("Password").fill(invitedPassword);
    await refused.getByRole("button", { name: "Sign in", exact: true }).click();
    await eventually(() => refused.getByRole("alert").textContent()).toContain("disabled");
  });
});
