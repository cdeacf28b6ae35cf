import { generateOpenApiDocument, type OpenAPIObject } from "trpc-to-openapi";
import { z } from "zod";
import { describeAccess } from "./access-matrix";
import { type DeclaredProcedure, procedureCatalog, proceduresByPath } from "./procedure-catalog";
import type { ProcedureMeta } from "./procedure-meta";
import { ACCESS_COOKIE } from "./context";
import { appRouter } from "./root";

/** Where the REST face of the procedures lives, beside /trpc. */
export const REST_PREFIX = "/api";

/** The two ways a REST call proves who calls: the access token as a bearer token, or a browser's cookie. */
const SECURITY_SCHEMES = {
  bearerToken: {
    type: "http",
    scheme: "bearer",
    bearerFormat: "JWT",
    description: "The `accessToken` of POST /auth/login, /auth/refresh or /auth/mfa/verify.",
  },
  sessionCookie: {
    type: "apiKey",
    in: "cookie",
    name: ACCESS_COOKIE,
    description:
      "The HttpOnly cookie a sign-in sets. It is scoped to /trpc, so browsers send it only there; sent here, it is accepted, and a change sent with it must come from an allowed origin.",
  },
} as const;

/**
 * The error body of every REST answer that is not a success, whoever gives it: a procedure (see
 * the errorFormatter in trpc.ts) or the server before one runs (its error-responses.ts). Invalid
 * input lists its issues, each with the dotted path of the field.
 */
const restErrorSchema = z
  .object({
    code: z.string().meta({ description: "The error's name, as in `data.code`", example: "NOT_FOUND" }),
    message: z.string().meta({ description: "What a client may show" }),
    data: z.object({
      code: z.string(),
      httpStatus: z.number().int(),
      path: z.string().optional().meta({ description: "The procedure that refused" }),
      requestId: z.string().optional().meta({ description: "To quote when reporting a problem" }),
      issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ title: "Error" });

/** Every refusal a REST route may give, by status, as a reusable response of the document. */
const ERROR_RESPONSES = {
  400: ["BadRequest", "The request could not be read: malformed JSON, or a token in the URL"],
  401: ["Unauthorized", "No valid access token, or wrong credentials"],
  402: ["PaymentRequired", "The payment was declined"],
  403: ["Forbidden", "Not allowed: a permission is missing, or a cookie-authenticated change came from another site"],
  404: ["NotFound", "No such resource, or not one the caller may see"],
  409: ["Conflict", "The resource is not in a state that allows this (a stale version, a taken name, ...)"],
  413: ["PayloadTooLarge", "The body is too large"],
  415: ["UnsupportedMediaType", "The body is not application/json"],
  422: ["UnprocessableContent", "The input is refused; `data.issues` names each invalid field"],
  429: ["TooManyRequests", "Too many requests; wait the seconds of Retry-After"],
  500: ["InternalServerError", "An unexpected failure, logged with the request id"],
  502: ["BadGateway", "A provider the server depends on did not answer"],
  503: ["ServiceUnavailable", "The database or Redis cannot be reached; try again shortly"],
} as const satisfies Record<number, readonly [string, string]>;

type ErrorStatus = keyof typeof ERROR_RESPONSES;

const BODY_METHODS = new Set(["POST", "PUT", "PATCH"]);

const SUCCESS_DESCRIPTIONS = {
  200: "Done",
  201: "Created: the Location header says where to read it",
  202: "Accepted: the Location header says where to follow it",
  204: "Done; there is nothing to answer",
} as const;

/**
 * The refusals a route may answer: those of every route (an unreadable request, the rate limit,
 * failures), those its route implies (a body's type and size, the cross-site check on changes, an
 * id in the path), its access rule and its input imply, and those the procedure names itself.
 */
function errorStatusesOf(procedure: DeclaredProcedure, declared: readonly number[]): ErrorStatus[] {
  const route = procedure.restRoute!;
  const statuses = new Set<number>([400, 429, 500, 503, ...declared]);
  if (BODY_METHODS.has(route.method) || route.method === "DELETE") statuses.add(403);
  if (BODY_METHODS.has(route.method)) [413, 415].forEach((status) => statuses.add(status));
  if (route.path.includes("{")) statuses.add(404);
  if (procedure.access.kind !== "anyone") statuses.add(401);
  if (procedure.access.kind === "permission") statuses.add(403);
  if (proceduresByPath[procedure.path]._def.inputs.length > 0) statuses.add(422);
  return [...statuses]
    .sort((a, b) => a - b)
    .map((status) => {
      if (!(status in ERROR_RESPONSES)) throw new Error(`${procedure.path} declares ${status}, not an error status`);
      return status as ErrorStatus;
    });
}

function declaredErrorStatuses(meta: ProcedureMeta): number[] {
  const declared = meta.openapi?.errorResponses ?? [];
  return Array.isArray(declared) ? declared : Object.keys(declared).map(Number);
}

type Operation = {
  description?: string;
  security?: unknown[];
  requestBody?: unknown;
  responses: Record<string, { description: string; content?: unknown; headers?: unknown } | { $ref: string }>;
};

/**
 * What the generator cannot say from the meta alone: who may call (security and a line of the
 * description, from the access rule), what a success answers (201 with a Location, 202, 204) and
 * every refusal, in the one error shape.
 */
function completeOperation(operation: Operation, procedure: DeclaredProcedure): void {
  const meta = proceduresByPath[procedure.path]._def.meta as ProcedureMeta;
  const route = procedure.restRoute!;
  const who = `Who may call: ${describeAccess(procedure.access)}.`;
  const credential = procedure.credential ? " Counts against the sign-in rate limit; never batched." : "";
  operation.description = [meta.openapi?.description, `${who}${credential}`].filter(Boolean).join("\n\n");
  operation.security =
    procedure.access.kind === "anyone" ? undefined : Object.keys(SECURITY_SCHEMES).map((name) => ({ [name]: [] }));
  // The REST face takes a JSON body on every POST, PUT and PATCH, if only `{}` (as /trpc does).
  if (BODY_METHODS.has(route.method) && !operation.requestBody) {
    operation.requestBody = {
      required: true,
      content: { "application/json": { schema: { type: "object", properties: {}, additionalProperties: false } } },
    };
  }

  const success = operation.responses["200"] as { content?: unknown };
  const status = route.successStatus;
  const location = {
    Location: { description: "Where what was made is read", required: true, schema: { type: "string" } },
  };
  operation.responses = {
    [status]: {
      description: SUCCESS_DESCRIPTIONS[status],
      ...(status === 204 ? {} : { content: success.content }),
      ...(route.location ? { headers: location } : {}),
    },
    ...Object.fromEntries(
      errorStatusesOf(procedure, declaredErrorStatuses(meta)).map((error) => [
        error,
        { $ref: `#/components/responses/${ERROR_RESPONSES[error][0]}` },
      ]),
    ),
  };
}

/** The error responses every operation refers to, each with the one error body. */
function errorComponents() {
  const body = { "application/json": { schema: { $ref: "#/components/schemas/Error" } } };
  const retryAfter = { "Retry-After": { description: "Seconds to wait", schema: { type: "integer" } } };
  return Object.fromEntries(
    Object.entries(ERROR_RESPONSES).map(([status, [name, description]]) => [
      name,
      { description, content: body, ...(status === "429" ? { headers: retryAfter } : {}) },
    ]),
  );
}

/**
 * The OpenAPI 3.1 document of the REST routes (each procedure's `meta.openapi`), made from the
 * same zod schemas that validate their input and output, and from their access rules.
 */
export function createOpenApiDocument(baseUrl: string): OpenAPIObject {
  const document = generateOpenApiDocument(appRouter, {
    title: "Seed API",
    description: [
      "Every query and mutation of the Seed API that makes sense over HTTP, as REST.",
      "Sign in with POST /auth/login and send the access token as `Authorization: Bearer <token>`.",
      "Subscriptions are served over WebSockets and server-sent events on /trpc, not here.",
    ].join(" "),
    version: "1.0.0",
    baseUrl: `${baseUrl}${REST_PREFIX}`,
    docsUrl: "/docs",
    securitySchemes: SECURITY_SCHEMES,
  });
  const paths = document.paths as Record<string, Record<string, Operation>>;
  for (const procedure of procedureCatalog) {
    if (!procedure.restRoute) continue;
    const path = procedure.restRoute.path;
    completeOperation(paths[path]![procedure.restRoute.method.toLowerCase()]!, procedure);
  }

  const { $schema: _dialect, ...errorBody } = z.toJSONSchema(restErrorSchema);
  const schemas = Object.fromEntries(
    Object.entries(document.components?.schemas ?? {}).filter(([name]) => !name.startsWith("error.")),
  );
  document.components = {
    ...document.components,
    schemas: { ...schemas, Error: errorBody as never },
    responses: errorComponents() as never,
  };
  return document;
}
