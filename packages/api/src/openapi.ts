import { generateOpenApiDocument, type OpenAPIObject } from "trpc-to-openapi";
import { appRouter } from "./root";

/** Where the REST face of the procedures lives, beside /trpc. */
export const REST_PREFIX = "/api";

/**
 * The OpenAPI 3 document of the procedures that have a REST route (their `meta.openapi`), made
 * from the same zod schemas that validate their input and output.
 */
export function createOpenApiDocument(baseUrl: string): OpenAPIObject {
  return generateOpenApiDocument(appRouter, {
    title: "Seed API",
    description:
      "The public and user-facing procedures of the Seed API as REST. Sign in with POST /auth/login and send the access token as `Authorization: Bearer <token>`.",
    version: "1.0.0",
    baseUrl: `${baseUrl}${REST_PREFIX}`,
    docsUrl: "/docs",
    securitySchemes: { Authorization: { type: "http", scheme: "bearer", bearerFormat: "JWT" } },
  });
}
