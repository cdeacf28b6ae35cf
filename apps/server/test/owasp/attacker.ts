/*
 * What every notebook of the attack suite starts from: a server with an admin, accounts signed
 * in through the real API, and the other suites this map points to.
 */
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { Client } from "@seed/client";
import { expect, it } from "vitest";
import { createDeployment, tokensOf, uniqueEmail, type Deployment, type TestServer } from "../support/test-server";

export const PASSWORD = "a long passphrase for the notebook";

export interface Account {
  email: string;
  userId: string;
  sessionId: string;
  accessToken: string;
  refreshToken: string;
  /** A client that sends this account's access token. */
  client: Client;
}

export interface Target {
  deployment: Deployment;
  server: TestServer;
  admin: Account;
  /** Registers and signs in a customer. */
  customer(label: string): Promise<Account>;
  signIn(email: string): Promise<Account>;
  /** A product the admin puts on sale, with plenty in stock. */
  product(): Promise<string>;
}

/** An embedded deployment with an admin, for notebooks that do not depend on the backend. */
export async function target(env: Record<string, string> = {}): Promise<Target> {
  const adminEmail = uniqueEmail("admin");
  const deployment = await createDeployment("embedded", {
    ADMIN_EMAIL: adminEmail,
    ADMIN_PASSWORD: PASSWORD,
    ...env,
  });
  const server = await deployment.start();
  const anonymous = server.client();
  const signIn = async (email: string): Promise<Account> => {
    const session = tokensOf(await anonymous.api.auth.login.mutate({ email, password: PASSWORD }));
    return {
      email,
      userId: session.user.id,
      sessionId: session.sessionId,
      accessToken: session.accessToken,
      refreshToken: session.refreshToken,
      client: server.client({ getAccessToken: () => session.accessToken }),
    };
  };
  const app: Target = {
    deployment,
    server,
    admin: await signIn(adminEmail),
    signIn,
    async product() {
      const created = await app.admin.client.api.products.create.mutate({
        sku: `sku-${randomBytes(4).toString("hex")}`,
        name: "A thing to order",
        category: "things",
        price: { amount: 1_000, currency: "EUR" },
        stock: 100_000,
      });
      return created.id;
    },
    async customer(label) {
      const email = uniqueEmail(label);
      await anonymous.api.auth.register.mutate({ email, password: PASSWORD });
      return signIn(email);
    },
  };
  return app;
}

const TEST_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));

/**
 * Attacks that live in another suite, named here so that the map from the OWASP list to tests
 * is complete; the test fails when a named suite or test disappears.
 */
export function coveredElsewhere(references: { file: string; tests: string[] }[]): void {
  it.each(references)("is attacked in $file", ({ file, tests }) => {
    const path = `${TEST_ROOT}${file}`;
    expect(existsSync(path), path).toBe(true);
    const source = readFileSync(path, "utf8");
    for (const name of tests) expect(source, `${file} names "${name}"`).toContain(name);
  });
}
