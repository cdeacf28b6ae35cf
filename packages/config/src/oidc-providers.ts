import { z } from "zod";

const LOOPBACK_HOSTNAMES = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** True for a host on this machine, the only place where plain http is tolerated. */
export function isLoopbackHostname(hostname: string): boolean {
  return LOOPBACK_HOSTNAMES.has(hostname);
}

/**
 * An http(s) URL that is https unless it points at this machine: over a network, codes and
 * tokens must never travel in clear.
 */
export const secureUrl = z.url({ protocol: /^https?$/, message: "expected an http(s) URL" }).refine((value) => {
  const url = new URL(value);
  return url.protocol === "https:" || isLoopbackHostname(url.hostname);
}, "must use https (plain http only for 127.0.0.1, localhost or ::1)");

const oidcProviderSchema = z
  .object({
    /** What clients pass to `auth.oidc.start`; shown to nobody but the developers. */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]{0,31}$/, "expected 1 to 32 lowercase letters, digits or '-'"),
    /** The issuer identifier exactly as the provider states it, e.g. https://accounts.google.com. */
    issuer: secureUrl,
    clientId: z.string().min(1, "required"),
    clientSecret: z.string().min(1, "required"),
  })
  .strict();

export type OidcProviderSettings = z.infer<typeof oidcProviderSchema>;

/**
 * OIDC_PROVIDERS: a JSON array of `{ name, issuer, clientId, clientSecret }`. Parse errors name
 * the offending field and never repeat the text, which holds client secrets.
 */
export const oidcProvidersSchema = z
  .string()
  .transform((value, ctx): unknown => {
    try {
      return JSON.parse(value);
    } catch {
      ctx.addIssue({ code: "custom", message: "expected a JSON array of { name, issuer, clientId, clientSecret }" });
      return z.NEVER;
    }
  })
  .pipe(
    z
      .array(oidcProviderSchema)
      .refine(
        (providers) => new Set(providers.map((provider) => provider.name)).size === providers.length,
        "provider names must be unique",
      ),
  );
