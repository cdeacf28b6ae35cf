import { Ajv2020 } from "ajv/dist/2020.js";

type Document = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };

/** The JSON pointer of a response body's schema in an OpenAPI document. */
function responsePointer(path: string, method: string, status: number): string {
  const escape = (segment: string) => segment.replaceAll("~", "~0").replaceAll("/", "~1");
  return `#/paths/${escape(path)}/${method}/responses/${status}/content/${escape("application/json")}/schema`;
}

/**
 * Checks response bodies against the schemas an OpenAPI 3.1 document declares for them. The
 * schemas of 3.1 are JSON Schema 2020-12, so Ajv's 2020 dialect checks them as written.
 */
export function openApiResponses(document: Document) {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
  ajv.addSchema(document, "openapi");
  return {
    declares(path: string, method: string, status: number): boolean {
      return document.paths[path]?.[method]?.responses[String(status)] !== undefined;
    },
    /** The errors of `body` against the declared schema; an empty list when it matches. */
    errorsOf(path: string, method: string, status: number, body: unknown): string[] {
      const validate = ajv.getSchema(`openapi${responsePointer(path, method, status)}`);
      if (!validate) return [`no schema declared for ${method.toUpperCase()} ${path} ${status}`];
      return validate(body) ? [] : (validate.errors ?? []).map((error) => `${error.instancePath} ${error.message}`);
    },
  };
}
