import { Ajv2020 } from "ajv/dist/2020.js";

type Response =
  { $ref: string } | { content?: Record<string, unknown>; headers?: Record<string, { required?: boolean }> };
type Document = { paths: Record<string, Record<string, { responses: Record<string, Response> }>> };

const escape = (segment: string) => segment.replaceAll("~", "~0").replaceAll("/", "~1");

/**
 * Checks answers against what an OpenAPI 3.1 document declares for them: the status, the body's
 * schema and the headers. The schemas of 3.1 are JSON Schema 2020-12, so Ajv's 2020 dialect
 * checks them as written.
 */
export function openApiResponses(document: Document) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(document, "openapi");

  /** The JSON pointer of a declared response, past a `$ref` to a shared one. */
  function responsePointer(path: string, method: string, status: number): string | null {
    const response = document.paths[path]?.[method]?.responses[String(status)];
    if (!response) return null;
    if ("$ref" in response) return response.$ref;
    return `#/paths/${escape(path)}/${method}/responses/${status}`;
  }

  function responseAt(pointer: string): Exclude<Response, { $ref: string }> {
    return pointer
      .slice(2)
      .split("/")
      .reduce<unknown>(
        (node, segment) => (node as Record<string, unknown>)[segment.replaceAll("~1", "/").replaceAll("~0", "~")],
        document,
      ) as Exclude<Response, { $ref: string }>;
  }

  return {
    declares(path: string, method: string, status: number): boolean {
      return responsePointer(path, method, status) !== null;
    },
    /** Whether the declared answer has a body: a 204's has none. */
    hasBody(path: string, method: string, status: number): boolean {
      const pointer = responsePointer(path, method, status);
      return pointer !== null && responseAt(pointer).content !== undefined;
    },
    /** The headers the declared answer always carries, lower-cased. */
    requiredHeadersOf(path: string, method: string, status: number): string[] {
      const pointer = responsePointer(path, method, status);
      const headers = Object.entries((pointer && responseAt(pointer).headers) ?? {});
      return headers.filter(([, header]) => header.required).map(([name]) => name.toLowerCase());
    },
    /** The errors of `body` against the declared schema; an empty list when it matches. */
    errorsOf(path: string, method: string, status: number, body: unknown): string[] {
      const pointer = responsePointer(path, method, status);
      const validate = pointer && ajv.getSchema(`openapi${pointer}/content/${escape("application/json")}/schema`);
      if (!validate) return [`no schema declared for ${method.toUpperCase()} ${path} ${status}`];
      return validate(body) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
    },
  };
}
