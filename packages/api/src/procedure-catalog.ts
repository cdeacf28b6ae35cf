import type { AnyProcedure } from "@trpc/server";
import type { AccessRule, ProcedureMeta } from "./procedure-meta";
import { appRouter, type AppRouter } from "./root";

type PathsOf<TRecord, TPrefix extends string = ""> = {
  [K in keyof TRecord & string]: TRecord[K] extends AnyProcedure
    ? `${TPrefix}${K}`
    : PathsOf<TRecord[K], `${TPrefix}${K}.`>;
}[keyof TRecord & string];

/** Every procedure of the API by its full name, e.g. `admin.users.list`. */
export type ProcedurePath = PathsOf<AppRouter["_def"]["record"]>;

/** A procedure as the router declares it, read from its definition and its meta. */
export interface DeclaredProcedure {
  path: ProcedurePath;
  type: "query" | "mutation" | "subscription";
  access: AccessRule;
  credential: boolean;
  secretOutput: boolean;
  restRoute: { method: string; path: string } | null;
  /** Whether its answers are checked against an output schema, so that no unnamed field leaves. */
  validatesOutput: boolean;
}

function declarationOf(path: string, procedure: AnyProcedure): DeclaredProcedure {
  const meta = procedure._def.meta as ProcedureMeta | undefined;
  // Only reachable by a procedure built outside trpc.ts's builders, which all declare one.
  if (!meta?.access) throw new Error(`Procedure ${path} declares no access rule: build it from a builder of trpc.ts`);
  return {
    path: path as ProcedurePath,
    type: procedure._def.type,
    access: meta.access,
    credential: meta.credential ?? false,
    secretOutput: meta.secretOutput ?? false,
    restRoute: meta.openapi ? { method: meta.openapi.method, path: meta.openapi.path } : null,
    validatesOutput: "output" in procedure._def && procedure._def.output !== undefined,
  };
}

/** The router's procedures by full path, as tRPC flattens them. */
export const proceduresByPath = appRouter._def.procedures as unknown as Readonly<Record<ProcedurePath, AnyProcedure>>;

/** Every procedure of the router, sorted by path: the source of every list and document about them. */
export const procedureCatalog: readonly DeclaredProcedure[] = Object.entries(proceduresByPath)
  .map(([path, procedure]) => declarationOf(path, procedure))
  .sort((a, b) => a.path.localeCompare(b.path));
