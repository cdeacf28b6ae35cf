import type { Transport } from "./transport";

export interface ProcedureCall {
  path: string;
  type: "query" | "mutation" | "subscription";
  transport: Transport;
  requestId: string;
}

/** Watches procedure calls for metrics and tracing; the api itself knows neither. */
export interface ProcedureInstrumentation {
  /**
   * Runs one call inside whatever context the instrumentation keeps (a tracing span), and is
   * told how it ended, whether it returned or threw: "OK" or the tRPC error code, via `outcomeOf`.
   */
  measure<T>(
    call: ProcedureCall,
    run: () => Promise<T>,
    outcomeOf: (outcome: PromiseSettledResult<T>) => string,
  ): Promise<T>;
  /** A subscription started streaming; the function returned is called once it has ended. */
  subscriptionStarted(call: ProcedureCall): () => void;
}
