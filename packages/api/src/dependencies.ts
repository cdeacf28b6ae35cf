import type { Dependencies } from "@seed/core";
import type { ProcedureInstrumentation } from "./instrumentation";

/** What the api is built from: the domain's dependencies, and what watches the calls. */
export interface ApiDependencies extends Dependencies {
  /** Metrics and tracing of procedure calls, when the host process collects them. */
  instrumentation?: ProcedureInstrumentation;
}
