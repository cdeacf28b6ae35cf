import type { AnyTRPCProcedure, AnyTRPCRouter } from "@trpc/server";
import type { OpenApiMeta } from "trpc-to-openapi";
import { z } from "zod";
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
  meta?: OpenApiMeta;
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

/** The schema a query parameter is read as, past the wrappers that do not change its type. */
function valueSchemaOf(schema: z.ZodType): z.ZodType {
  const def = schema._zod.def as { type: string; innerType?: z.ZodType; in?: z.ZodType };
  if (def.innerType) return valueSchemaOf(def.innerType);
  if (def.type === "pipe" && def.in) return valueSchemaOf(def.in);
  return schema;
}

/**
 * A query string holds only text: "5" and "true" become the number and the boolean the input
 * declares, and anything else is left for the schema to refuse. Unlike zod's coercion, this never
 * reads "false" as true nor "" as 0, and the schemas stay as strict as over tRPC.
 */
function fromQueryString(value: unknown, schema: z.ZodType): unknown {
  const target = valueSchemaOf(schema);
  const type = target._zod.def.type;
  if (Array.isArray(value) && type === "array") {
    const element = (target as z.ZodArray<z.ZodType>).element;
    return value.map((item) => fromQueryString(item, element));
  }
  if (typeof value !== "string") return value;
  if (type === "number" && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(value)) return Number(value);
  if (type === "boolean" && (value === "true" || value === "false")) return value === "true";
  return value;
}

/** The fields of a procedure's object inputs, where a query parameter finds what it is. */
function fieldsOf(inputs: z.ZodType[]): Record<string, z.ZodType> {
  const objects = inputs.map(valueSchemaOf).filter((input) => input._zod.def.type === "object");
  return Object.assign({}, ...objects.map((input) => (input as z.ZodObject).shape)) as Record<string, z.ZodType>;
}

function typedQueryInput(raw: unknown, fields: Record<string, z.ZodType>): unknown {
  if (raw === null || typeof raw !== "object") return raw;
  return Object.fromEntries(
    Object.entries(raw).map(([key, value]) => [
      key,
      Object.hasOwn(fields, key) ? fromQueryString(value, fields[key]!) : value,
    ]),
  );
}

/**
 * The procedure as the REST face serves it: the same procedure, validating with the same
 * schemas, shown to the adapter with detached copies of them, and reading query strings as typed.
 */
function restProcedureOf(procedure: CallableProcedure): CallableProcedure {
  const def = procedure._def as unknown as ProcedureDef;
  const readsQuery = QUERY_METHODS.has(def.meta?.openapi?.method ?? "");
  const fields = fieldsOf(def.inputs);
  const call = (opts: ProcedureCallOptions) =>
    procedure(
      readsQuery ? { ...opts, getRawInput: async () => typedQueryInput(await opts.getRawInput(), fields) } : opts,
    );
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
    ([, procedure]) => (procedure._def.meta as OpenApiMeta | undefined)?.openapi !== undefined,
  );
  const restDef = {
    ...router._def,
    procedures: Object.fromEntries(served.map(([path, procedure]) => [path, restProcedureOf(procedure)])),
  };
  const rest = { ...router, _def: restDef } as TRouter;
  return Object.assign(rest, { createCaller: createCallerFactory(rest as never) });
}

export const restRouter = restRouterOf(appRouter);
