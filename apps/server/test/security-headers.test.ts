import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { useDeployment } from "./support/test-server";

const POLICY = [
  "default-src 'self'",
  "base-uri 'self'",
  "connect-src 'self'",
  "font-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "img-src 'self' data:",
  "object-src 'none'",
  "script-src 'self'",
  "script-src-attr 'none'",
  "style-src 'self'",
  "upgrade-insecure-requests",
].join(";");

/** What every answer of a production server carries, whatever it answers. */
const SECURITY_HEADERS = {
  "content-security-policy": POLICY,
  "cross-origin-opener-policy": "same-origin",
  "cross-origin-resource-policy": "same-origin",
  "origin-agent-cluster": "?1",
  "referrer-policy": "no-referrer",
  "strict-transport-security": "max-age=63072000; includeSubDomains; preload",
  "x-content-type-options": "nosniff",
  "x-dns-prefetch-control": "off",
  "x-download-options": "noopen",
  "x-frame-options": "DENY",
  "x-permitted-cross-domain-policies": "none",
  "x-xss-protection": "0",
};

/** Headers that differ from one answer to the next by nature. */
const PER_ANSWER = {
  date: expect.any(String),
  connection: "keep-alive",
  "keep-alive": expect.stringMatching(/^timeout=\d+$/),
  "x-request-id": expect.any(String),
};

const headersOf = (response: Response) => Object.fromEntries(response.headers);

/** A production server's answers, header by header: nothing left to a library's defaults. */
describe("the security headers of a production server", () => {
  let webAppDir: string;
  const deployment = useDeployment("embedded", {
    env: async () => {
      webAppDir = await mkdtemp(join(tmpdir(), "seed-headers-web-"));
      await writeFile(join(webAppDir, "index.html"), '<!doctype html><div id="root"></div>');
      return { NODE_ENV: "production", JWT_SECRET: randomBytes(48).toString("base64url"), WEB_APP_DIR: webAppDir };
    },
  });
  afterAll(() => rm(webAppDir, { recursive: true, force: true }));

  it("on an API answer", async () => {
    const response = await fetch(`${deployment.server.trpcUrl}/health.check`);
    expect(response.status).toBe(200);
    expect(headersOf(response)).toEqual({
      ...SECURITY_HEADERS,
      ...PER_ANSWER,
      "content-type": "application/json",
      "content-length": "44",
      vary: "trpc-accept, accept",
      "x-ratelimit-limit": expect.any(String),
      "x-ratelimit-remaining": expect.any(String),
      "x-ratelimit-reset": expect.any(String),
    });
  });

  it("on the web app's page", async () => {
    const response = await fetch(`${deployment.server.baseUrl}/orders`, { headers: { accept: "text/html" } });
    expect(response.status).toBe(200);
    expect(headersOf(response)).toEqual({
      ...SECURITY_HEADERS,
      ...PER_ANSWER,
      "content-type": "text/html; charset=utf-8",
      "content-length": "36",
      "cache-control": "no-cache",
      "accept-ranges": "bytes",
      etag: expect.stringMatching(/^W\/"/),
      "last-modified": expect.any(String),
      vary: "Origin",
    });
    expect(await response.text()).toBe('<!doctype html><div id="root"></div>');
  });
});
