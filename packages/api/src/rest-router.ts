import { type AnyTRPCProcedure, type AnyTRPCRouter, TRPCError } from "@trpc/server";
import { getPathParameters } from "trpc-to-openapi";
import { z } from "zod";
import { REST_PREFIX } from "./openapi";
import { type DeclaredRestRoute, procedureCatalog } from "./procedure-catalog";
import type { ProcedureMeta } from "./procedure-meta";
import { appRouter } from "./root";
import { createCallerFactory } from "./trpc";

/** Where query strings carry a REST call's input; the other methods send a JSON body. */
const QUERY_METHODS = new Set(["GET", "DELETE"]);

interface ProcedureCallOptions {
  getRawInput: () => Promise<unknown>;
}

type CallableProcedure = AnyTRPCProcedure & ((opts: ProcedureCallOptions) => Promise<unknown>);

interface ProcedureDef {
  type: string;
  inputs: z.ZodType[];
  meta?: ProcedureMeta;
}

/**
 * A copy of a schema that shares no definition with it. The REST adapter turns zod's coercion on
 * by writing into the input schemas it is given (trpc-to-openapi's `coerceSchema`); handed the
 * router's own schemas, it would make tRPC accept "5" for a number after the first REST call.
 * Checks are kept as they are: the adapter never writes to them.
 */
function detachedCopy<T extends z.ZodType>(schema: T): T {
  const copied = Object.fromEntries(Object.entries(schema._zod.def).map(([key, value]) => [key, copyOf(value)]));
  return schema.clone(copied as never);
}

function copyOf(value: unknown): unknown {
  if (value instanceof z.ZodType) return detachedCopy(value);
  if (Array.isArray(value)) return value.map(copyOf);
  if (value !== null && typeof value === "object" && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([key, field]) => [key, copyOf(field)]));
  }
  return value;
}

/** The schema a value is read as, past the wrappers that do not change its type. */
function valueSchemaOf(schema: z.ZodType): z.ZodType {
  const def = schema._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
  if (def.innerType) return valueSchemaOf(def.innerType);
  if (def.type === "pipe" && def.in) return valueSchemaOf(def.in);
  return schema;
}

/** A date as JSON and query strings write one: an ISO 8601 date, or date and time with its offset. */
const isoDateSchema = z.union([z.iso.datetime({ offset: true }), z.iso.date()]);

/**
 * Text is all a query string holds, and JSON has no dates: "5" and "true" in a query become the
 * number and the boolean the input declares, and an ISO 8601 date, in a query or a body, the
 * date it declares. Anything else is left for the schema to refuse. Unlike zod's coercion, this
 * never reads "false" as true, "" as 0 or "5" as a date, and the schemas stay as strict as over tRPC.
 */
function fromText(value: unknown, schema: z.ZodType, inQuery: boolean): unknown {
  const target = valueSchemaOf(schema);
  const type = target._zod.def.type;
  if (Array.isArray(value) && type === "array") {
    const element = (target as z.ZodArray<z.ZodType>).element;
    return value.map((item) => fromText(item, element, inQuery));
  }
  if (type === "object" && value !== null && typeof value === "object" && !Array.isArray(value)) {
    return typedFields(value, (target as z.ZodObject).shape, inQuery);
  }
  if (typeof value !== "string") return value;
  if (type === "date" && isoDateSchema.safeParse(value).success) return new Date(value);
  if (!inQuery) return value;
  if (type === "number" && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value)) return Number(value);
  if (type === "boolean" && (value === "true" || value === "false")) return value === "true";
  return value;
}

/** The fields of a procedure's object inputs, where a parameter finds what it is. */
function fieldsOf(inputs: z.ZodType[]): Record<string, z.ZodType> {
  const objects = inputs.map(valueSchemaOf).filter((input) => input._zod.def.type === "object");
  return Object.assign({}, ...objects.map((input) => (input as z.ZodObject).shape)) as Record<string, z.ZodType>;
}

function typedFields(raw: object, fields: Record<string, z.ZodType>, inQuery: boolean): object {
  return Object.fromEntries(
    Object.entries(raw).map(([key, value]) => [
      key,
      Object.hasOwn(fields, key) ? fromText(value, fields[key]!, inQuery) : value,
    ]),
  );
}

/**
 * The input as a procedure reads it: typed as its schema declares, and with its path parameters
 * decoded (the adapter hands them over as they are in the URL, `%3A` for `:`).
 */
function restInputOf(raw: unknown, fields: Record<string, z.ZodType>, inQuery: boolean, pathParameters: string[]) {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return raw;
  const decoded = Object.fromEntries(
    Object.entries(raw).map(([key, value]) => [
      key,
      pathParameters.includes(key) && typeof value === "string" ? decodedPathParameter(value) : value,
    ]),
  );
  return typedFields(decoded, fields, inQuery);
}

function decodedPathParameter(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    // Not valid percent-encoding: left for the schema to refuse as it is.
    return value;
  }
}

/**
 * REST tells input it cannot read (400: malformed JSON, a token in the URL) from input it reads
 * and refuses (422): a procedure refuses input only once it has read it.
 */
function asUnprocessable(error: unknown): unknown {
  if (!(error instanceof TRPCError) || error.code !== "BAD_REQUEST") return error;
  return new TRPCError({ code: "UNPROCESSABLE_CONTENT", message: error.message, cause: error.cause });
}

/**
 * The procedure as the REST face serves it: the same procedure, validating with the same
 * schemas, shown to the adapter with detached copies of them, reading its input as typed and
 * refusing input it has read as unprocessable.
 */
function restProcedureOf(procedure: CallableProcedure): CallableProcedure {
  const def = procedure._def as unknown as ProcedureDef;
  const route = def.meta?.openapi;
  const inQuery = QUERY_METHODS.has(route?.method ?? "");
  const pathParameters = route ? getPathParameters(route.path) : [];
  const fields = fieldsOf(def.inputs);
  const getRawInputOf = (opts: ProcedureCallOptions) => async () =>
    restInputOf(await opts.getRawInput(), fields, inQuery, pathParameters);
  const call = async (opts: ProcedureCallOptions) => {
    try {
      return await procedure({ ...opts, getRawInput: getRawInputOf(opts) });
    } catch (error) {
      throw asUnprocessable(error);
    }
  };
  return Object.assign(call, {
    _def: { ...procedure._def, inputs: def.inputs.map(detachedCopy) },
    procedure: true,
    meta: def.meta,
  }) as unknown as CallableProcedure;
}

/**
 * The router given to the REST adapter: the procedures that name a route, each as
 * `restProcedureOf` makes it. The api's router and its schemas are never handed to the adapter.
 */
function restRouterOf<TRouter extends AnyTRPCRouter>(router: TRouter): TRouter {
  const procedures = router._def.procedures as Record<string, CallableProcedure>;
  const served = Object.entries(procedures).filter(
    ([, procedure]) => (procedure._def.meta as ProcedureMeta | undefined)?.openapi !== undefined,
  );
  const restDef = {
    ...router._def,
    procedures: Object.fromEntries(served.map(([path, procedure]) => [path, restProcedureOf(procedure)])),
  };
  const rest = { ...router, _def: restDef } as TRouter;
  return Object.assign(rest, { createCaller: createCallerFactory(rest as never) });
}

export const restRouter = restRouterOf(appRouter);

const routesByProcedure = new Map<string, DeclaredRestRoute>(
  procedureCatalog.flatMap((procedure) => (procedure.restRoute ? [[procedure.path, procedure.restRoute]] : [])),
);

/** A location template (`/products/{id}`) filled from the fields of what a call answered. */
function locationOf(template: string, output: unknown): string {
  const fields = (output ?? {}) as Record<string, unknown>;
  return `${REST_PREFIX}${template.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(String(fields[name])))}`;
}

/**
 * The status and headers of a REST call's answer, as its route declares them: 201 or 202 with a
 * Location, 204, or the adapter's own (200, or the status of an error).
 */
export function restResponseMeta({
  paths,
  errors,
  data,
}: {
  paths: readonly string[] | undefined;
  errors: readonly unknown[];
  data: readonly unknown[];
}): { status?: number; headers?: Record<string, string> } {
  // `paths`, not `info.calls`: the REST adapter names the procedure only there.
  const route = paths?.length === 1 ? routesByProcedure.get(paths[0]!) : undefined;
  if (!route || errors.length > 0 || route.successStatus === 200) return {};
  if (!route.location) return { status: route.successStatus };
  return { status: route.successStatus, headers: { location: locationOf(route.location, data[0]) } };
}
