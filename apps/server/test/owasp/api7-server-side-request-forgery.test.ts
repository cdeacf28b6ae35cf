/*
 * API7:2023 Server-side request forgery. The attacker puts the address of a server they watch
 * into every string of every procedure's input, hoping the API fetches it. A listener stands in
 * for that server: no connection may ever reach it. Identity providers are fetched, but only at
 * the issuers the configuration names. Procedures are found at run time, so new ones are tried.
 */
import { once } from "node:events";
import { createServer, type Server } from "node:net";
import { appRouter } from "@seed/api";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { procedureInputs } from "../fuzz/procedures";
import { validInputOf } from "../fuzz/zod-arbitraries";
import { rawCall } from "../support/test-server";
import { target, type Target } from "./attacker";

/** The input with every string replaced by the attacker's URL. */
function pointedAt(value: unknown, url: string): unknown {
  if (typeof value === "string") return url;
  if (Array.isArray(value)) return value.map((item) => pointedAt(item, url));
  if (value && typeof value === "object" && !(value instanceof Date)) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, pointedAt(inner, url)]));
  }
  return value;
}

function stringFormatsOf(schema: unknown): string[] {
  const def = (schema as { _zod?: { def?: Record<string, unknown> } } | null)?._zod?.def;
  if (!def) return [];
  const own = [
    def.format,
    ...((def.checks as { _zod: { def: { format?: string } } }[] | undefined) ?? []).map((c) => c._zod.def.format),
  ];
  const inner = ["innerType", "in", "out", "element"].flatMap((key) => stringFormatsOf(def[key]));
  const fields = Object.values((def.shape as Record<string, unknown> | undefined) ?? {}).flatMap(stringFormatsOf);
  const options = ((def.options as unknown[] | undefined) ?? []).flatMap(stringFormatsOf);
  return [...own, ...inner, ...fields, ...options].filter((format): format is string => typeof format === "string");
}

describe("API7 server-side request forgery", () => {
  let app: Target;
  let canary: Server;
  let canaryUrl: string;
  let connections = 0;

  beforeAll(async () => {
    app = await target({ AUTH_RATE_LIMIT_MAX: "10000" });
    canary = createServer((socket) => {
      connections += 1;
      socket.destroy();
    });
    canary.listen(0, "127.0.0.1");
    await once(canary, "listening");
    canaryUrl = `http://127.0.0.1:${(canary.address() as { port: number }).port}/.well-known/openid-configuration`;
  });
  afterAll(async () => {
    canary?.close();
    await app?.deployment.destroy();
  });

  it("no procedure takes a URL as input", () => {
    for (const { path, input } of procedureInputs(appRouter)) {
      expect({ path, formats: stringFormatsOf(input).filter((format) => /url|uri/i.test(format)) }).toEqual({
        path,
        formats: [],
      });
    }
  });

  it.each(procedureInputs(appRouter).filter((procedure) => procedure.input && procedure.type !== "subscription"))(
    "$path fetches nothing it is given",
    async ({ path, type, input }) => {
      const [sample] = fc.sample(validInputOf(input!), { seed: 7, numRuns: 1 });
      const body = JSON.stringify({ json: pointedAt(sample, canaryUrl) });
      const headers = { authorization: `Bearer ${app.admin.accessToken}` };
      const { status } =
        type === "mutation"
          ? await rawCall(app.server.trpcUrl, path, body, headers)
          : await rawCall(app.server.trpcUrl, `${path}?input=${encodeURIComponent(body)}`, undefined, headers);
      expect(status).toBeLessThan(500);
      expect(connections).toBe(0);
    },
  );

  it("an identity provider named by URL is not one the configuration lists", async () => {
    const { status, body } = await rawCall(
      app.server.trpcUrl,
      "auth.oidc.start",
      JSON.stringify({ json: { provider: canaryUrl } }),
    );
    expect(status).toBeGreaterThanOrEqual(400);
    expect(body.error?.json.data.code).not.toBe("BAD_GATEWAY");
    expect(connections).toBe(0);
  });
});
