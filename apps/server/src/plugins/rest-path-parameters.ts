import { acceptsRequestBody, type OpenApiMethod } from "trpc-to-openapi";
import type { RequestGuard } from "./request-guard";
import { restCallOf } from "./rest-routes";

/**
 * A REST route names its resource in its path, and the adapter lets the path win over a field of
 * the same name in the body or the query: `PATCH /products/A {"productId": "B"}` would change A
 * for a caller who meant B. A field given again with another value is refused, as input that
 * contradicts itself; given again alike (in a query, as often as it likes), it is one value.
 */
export const refuseContradictedPathParameters: RequestGuard = (req) => {
  const { pathParameters } = restCallOf(req);
  // A request that calls no procedure (HEAD, answered by the adapter) has no path parameters.
  const inBody = acceptsRequestBody(req.method as OpenApiMethod);
  const input = (inBody ? req.body : req.query) as Record<string, unknown> | null | undefined;
  if (input === null || typeof input !== "object") return undefined;
  for (const [name, value] of Object.entries(pathParameters)) {
    if (Object.hasOwn(input, name) && !agrees(input[name], value, inBody)) {
      const issue = { path: name, message: `differs, in the ${inBody ? "body" : "query"}, from the one in the path` };
      return { status: 422, message: `Invalid input: ${issue.path}: ${issue.message}`, issues: [issue] };
    }
  }
  return undefined;
};

/** A query repeats a parameter as a list of its values (`?id=a&id=a`); a body states it once. */
function agrees(given: unknown, inPath: string, inBody: boolean): boolean {
  if (given === inPath) return true;
  return !inBody && Array.isArray(given) && given.every((each) => each === inPath);
}
