import { once } from "node:events";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { request, type IncomingHttpHeaders, type IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { brotliDecompressSync, gunzipSync } from "node:zlib";
import superjson from "superjson";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocket } from "ws";
import { COMPRESSION_THRESHOLD_BYTES, IN_ONE_GO_BYTES } from "../src/plugins/response-compression";
import { tokensOf, uniqueEmail, useDeployment } from "./support/test-server";

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** As it came over the wire, compressed or not. */
  body: Buffer;
}

/** A request whose `Accept-Encoding` is exactly what is given, and whose answer is read undecoded. */
async function send(
  url: string,
  headers: Record<string, string> = {},
  options: { method?: string; body?: string } = {},
): Promise<RawResponse> {
  const req = request(url, { method: options.method ?? "GET", headers });
  req.end(options.body);
  const [response] = (await once(req, "response")) as [IncomingMessage];
  const chunks: Buffer[] = [];
  for await (const chunk of response) chunks.push(chunk as Buffer);
  return { status: response.statusCode!, headers: response.headers, body: Buffer.concat(chunks) };
}

/** The answer's body as its sender meant it. */
function decoded({ headers, body }: RawResponse): string {
  const encoding = headers["content-encoding"];
  if (encoding === "br") return brotliDecompressSync(body).toString();
  if (encoding === "gzip") return gunzipSync(body).toString();
  if (encoding === undefined) return body.toString();
  throw new Error(`unexpected content-encoding ${encoding}`);
}

const postJSON = (url: string, value: unknown, headers: Record<string, string> = {}) =>
  send(url, { "content-type": "application/json", ...headers }, { method: "POST", body: JSON.stringify(value) });

describe("response compression", () => {
  let webAppDir: string;
  const admin = { email: uniqueEmail("compression-admin"), password: "a long admin passphrase" };
  const deployment = useDeployment("embedded", {
    env: async () => {
      // A built web app in miniature: a page under the threshold, a script and a style sheet on either side of it.
      webAppDir = await mkdtemp(join(tmpdir(), "seed-compression-web-"));
      await mkdir(join(webAppDir, "assets"));
      await writeFile(
        join(webAppDir, "index.html"),
        '<!doctype html><script type="module" src="/assets/app.js"></script>',
      );
      await writeFile(join(webAppDir, "assets", "app.js"), "export const shop = 'open';\n".repeat(200));
      await writeFile(join(webAppDir, "assets", "app.css"), "body { margin: 0 }\n");
      return { WEB_APP_DIR: webAppDir, ADMIN_EMAIL: admin.email, ADMIN_PASSWORD: admin.password };
    },
  });
  /** A page of the catalogue, as tRPC answers it. */
  const productPage = (limit: number) =>
    `${deployment.server.trpcUrl}/products.list?input=${encodeURIComponent(JSON.stringify(superjson.serialize({ limit })))}`;

  beforeAll(async () => {
    const session = tokensOf(await deployment.server.client().api.auth.login.mutate(admin));
    const staff = deployment.server.client({ getAccessToken: () => session.accessToken });
    for (let n = 0; n < 40; n += 1) {
      await staff.api.products.create.mutate({
        sku: `ZIP-${n}-${Date.now()}`,
        name: `Compressed oak shelf ${n}`,
        description: "A shelf whose description repeats itself, as catalogues do. ".repeat(3),
        category: "home",
        price: { amount: 9900 + n, currency: "EUR" },
        stock: 5,
      });
    }
  });
  afterAll(() => rm(webAppDir, { recursive: true, force: true }));

  describe("negotiates the encoding of a JSON answer from its Accept-Encoding", () => {
    it.each([
      ["gzip, deflate, br", "br"],
      ["br, gzip", "br"],
      ["gzip", "gzip"],
      ["br;q=0.5, gzip;q=1", "gzip"],
      ["br;q=0, gzip", "gzip"],
      // The plugin reads "no preference" as gzip, as most servers do.
      ["*", "gzip"],
      ["identity", undefined],
      ["deflate", undefined],
      ["", undefined],
    ])("%j: %s", async (acceptEncoding, expected) => {
      const identity = await send(productPage(8));
      const answer = await send(productPage(8), { "accept-encoding": acceptEncoding });
      expect(answer.status).toBe(200);
      expect(answer.headers["content-encoding"]).toBe(expected);
      expect(decoded(answer)).toBe(identity.body.toString());
      if (expected) {
        expect(answer.headers.vary).toContain("accept-encoding");
        expect(answer.body.length).toBeLessThan(identity.body.length);
      }
    });

    // Answers past this size are compressed as a stream, written after the handler returns.
    it.each([
      ["tRPC", () => productPage(40)],
      ["REST", () => `${deployment.server.baseUrl}/api/products?limit=40`],
    ])(`sends a %s answer over ${IN_ONE_GO_BYTES} bytes whole`, async (_transport, url) => {
      const identity = await send(url());
      expect(identity.body.length).toBeGreaterThan(IN_ONE_GO_BYTES);
      for (const encoding of ["br", "gzip"]) {
        const answer = await send(url(), { "accept-encoding": encoding });
        expect(answer.headers["content-encoding"]).toBe(encoding);
        expect(decoded(answer)).toBe(identity.body.toString());
      }
    });
  });

  describe(`leaves an answer under ${COMPRESSION_THRESHOLD_BYTES} bytes as it is`, () => {
    it("a small JSON answer", async () => {
      const answer = await send(`${deployment.server.trpcUrl}/health.check`, { "accept-encoding": "br, gzip" });
      expect(answer.headers["content-encoding"]).toBeUndefined();
      expect(answer.body.length).toBeLessThan(COMPRESSION_THRESHOLD_BYTES);
      expect(JSON.parse(answer.body.toString())).toEqual({ result: { data: { json: { status: "ok" } } } });
    });

    it("the web app's files: a small one as it is, a large one compressed", async () => {
      const accept = { "accept-encoding": "gzip, br" };
      const page = await send(`${deployment.server.baseUrl}/products`, { ...accept, accept: "text/html" });
      const style = await send(`${deployment.server.baseUrl}/assets/app.css`, accept);
      const script = await send(`${deployment.server.baseUrl}/assets/app.js`, accept);
      expect([page.status, style.status, script.status]).toEqual([200, 200, 200]);
      expect([page.headers["content-encoding"], style.headers["content-encoding"]]).toEqual([undefined, undefined]);
      expect(script.headers["content-encoding"]).toBe("br");
      expect(decoded(script)).toBe("export const shop = 'open';\n".repeat(200));
    });
  });

  describe("never compresses", () => {
    it("server-sent events, which must reach the client as they happen", async () => {
      const req = request(`${deployment.server.trpcUrl}/products.onChange`, {
        headers: { accept: "text/event-stream", "accept-encoding": "br, gzip" },
      });
      req.end();
      const [response] = (await once(req, "response")) as [IncomingMessage];
      req.destroy();
      expect(response.statusCode).toBe(200);
      expect(response.headers["content-type"]).toMatch(/^text\/event-stream/);
      expect(response.headers["content-encoding"]).toBeUndefined();
    });

    it("a WebSocket: no permessage-deflate, though the client offers it", async () => {
      const socket = new WebSocket(deployment.server.wsUrl, { perMessageDeflate: true });
      await once(socket, "open");
      expect(socket.extensions).toBe("");
      socket.close();
    });

    describe("an answer that holds a secret, even when asked to and over the threshold", () => {
      // A long address makes every answer about the account longer than the threshold.
      const email = uniqueEmail("compression-secrets").replace("@", `@${"a-long-department-name.".repeat(8)}`);
      const password = "a long passphrase";
      const accept = { "accept-encoding": "br, gzip" };

      it("a sign-in's tokens, over tRPC and REST", async () => {
        await deployment.server.client().api.auth.register.mutate({ email, password });
        for (const answer of [
          await postJSON(`${deployment.server.trpcUrl}/auth.login`, { json: { email, password } }, accept),
          await postJSON(`${deployment.server.baseUrl}/api/auth/login`, { email, password }, accept),
        ]) {
          expect(answer.status).toBe(200);
          expect(answer.headers["content-encoding"]).toBeUndefined();
          expect(answer.body.length).toBeGreaterThan(COMPRESSION_THRESHOLD_BYTES);
          expect(answer.body.toString()).toContain("refreshToken");
        }
      });

      it("an authenticator's key and recovery codes", async () => {
        const session = tokensOf(await deployment.server.client().api.auth.login.mutate({ email, password }));
        const bearer = { authorization: `Bearer ${session.accessToken}`, ...accept };
        const enrolment = await postJSON(`${deployment.server.trpcUrl}/auth.mfa.enroll`, { json: null }, bearer);
        expect(enrolment.status).toBe(200);
        expect(enrolment.headers["content-encoding"]).toBeUndefined();
        expect(enrolment.body.length).toBeGreaterThan(COMPRESSION_THRESHOLD_BYTES);
        expect(enrolment.body.toString()).toContain("otpauth://");
      });
    });
  });
});
