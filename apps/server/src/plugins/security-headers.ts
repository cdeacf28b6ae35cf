import type { IncomingMessage, ServerResponse } from "node:http";
import cors from "@fastify/cors";
import type { Config } from "@seed/config";
import type { FastifyInstance } from "fastify";
import helmet, { type HelmetOptions } from "helmet";

/** Two years, as browsers' preload lists ask of a site that applies to join them (one at least). */
const HSTS_MAX_AGE_SECONDS = 2 * 365 * 24 * 60 * 60;

/**
 * Every header Helmet sends, chosen here rather than left to its defaults, so that what
 * production answers reads in one place (and a test reads it back).
 *
 * - The API and the web app are served from this origin only: scripts, styles, fonts and
 *   connections come from it; images also from `data:` URLs (the authenticator's QR code). No
 *   inline script or style, not even a `style` attribute: the web app needs none, so an injected
 *   one does nothing.
 * - No page may frame these (`frame-ancestors 'none'`, and `X-Frame-Options: DENY` for browsers
 *   that predate CSP): nothing here is meant to be embedded, so clickjacking has nothing to hold.
 * - In production, HSTS for two years, subdomains included, and consent to the browsers' preload
 *   lists: after the first visit, or with none once listed, a browser never speaks plain HTTP to
 *   the site. Elsewhere, without preload: the header then only ever reaches a developer's browser.
 * - No referrer leaves a page (`no-referrer`), so no URL of ours reaches another site's logs.
 */
function helmetOptions(config: Config): HelmetOptions {
  return {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        baseUri: ["'self'"],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        imgSrc: ["'self'", "data:"],
        objectSrc: ["'none'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'"],
        upgradeInsecureRequests: [],
      },
    },
    crossOriginEmbedderPolicy: false,
    crossOriginOpenerPolicy: { policy: "same-origin" },
    crossOriginResourcePolicy: { policy: "same-origin" },
    originAgentCluster: true,
    referrerPolicy: { policy: "no-referrer" },
    strictTransportSecurity: {
      maxAge: HSTS_MAX_AGE_SECONDS,
      includeSubDomains: true,
      preload: config.env === "production",
    },
    xContentTypeOptions: true,
    xDnsPrefetchControl: { allow: false },
    xDownloadOptions: true,
    xFrameOptions: { action: "deny" },
    xPermittedCrossDomainPolicies: { permittedPolicies: "none" },
    xPoweredBy: true,
    xXssProtection: true,
  };
}

/**
 * The headers Helmet sends for `options`, worked out once: they depend on nothing in a request.
 * (@fastify/helmet builds Helmet again, parsing the policy, on every request.)
 */
function helmetHeaders(options: HelmetOptions): Record<string, string> {
  const headers: Record<string, string> = {};
  const response = {
    setHeader(name: string, value: string) {
      headers[name.toLowerCase()] = value;
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return headers;
}

/** Helmet's headers on every response; CORS only for the origins the configuration lists. */
export async function securityHeaders(app: FastifyInstance, config: Config): Promise<void> {
  const headers = helmetHeaders(helmetOptions(config));
  app.addHook("onRequest", (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
  await app.register(cors, {
    // Any other origin gets no CORS header at all, not even on a preflight: the request goes on
    // to its route like any other (an OPTIONS, unserved, is answered 405).
    origin: (origin, grant) =>
      grant(null, origin !== undefined && config.http.corsOrigins.includes(origin) ? origin : false),
    credentials: true,
    methods: ["GET", "POST", "PUT", "PATCH", "DELETE"],
    allowedHeaders: ["content-type", "authorization", "x-request-id", "trpc-accept"],
    exposedHeaders: ["x-request-id", "location", "retry-after"],
    maxAge: 600,
  });
}
