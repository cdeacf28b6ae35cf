import { acceptsRequestBody, type OpenApiMethod } from "trpc-to-openapi";
import type { RequestGuard } from "./request-guard";
import { restCallOf } from "./rest-routes";

/**
 * A REST route names its resource in its path, and the adapter lets the path win over a field of
 * the same name in the body or the query: `PATCH /products/A {"productId": "B"}` would change A
 * for a caller who meant B. A field given twice with two values is refused, as input that
 * contradicts itself; given twice alike, it is one value.
 */
export const refuseContradictedPathParameters: RequestGuard = (req) => {
  const { pathParameters } = restCallOf(req);
  // Only served routes get here, each with one of the adapter's methods.
  const inBody = acceptsRequestBody(req.method as OpenApiMethod);
  const input = (inBody ? req.body : req.query) as Record<string, unknown> | null | undefined;
  if (input === null || typeof input !== "object") return undefined;
  for (const [name, value] of Object.entries(pathParameters)) {
    if (Object.hasOwn(input, name) && input[name] !== value) {
      const issue = { path: name, message: `differs, in the ${inBody ? "body" : "query"}, from the one in the path` };
      return { status: 422, message: `Invalid input: ${issue.path}: ${issue.message}`, issues: [issue] };
    }
  }
  return undefined;
};
