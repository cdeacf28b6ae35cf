import type { Transport } from "./transport";

export interface ProcedureCall {
  path: string;
  type: "query" | "mutation" | "subscription";
  transport: Transport;
  requestId: string;
}

/** Watches procedure calls for metrics and tracing; the api itself knows neither. */
export interface ProcedureInstrumentation {
  /** A call starts: what measures it, from before any of the call's checks to its end. */
  start(call: ProcedureCall): CallMeasurement;
  /** A subscription started streaming; the function returned is called once it has ended. */
  subscriptionStarted(call: ProcedureCall): () => void;
}

export interface CallMeasurement {
  /**
   * Runs part of the call inside whatever context the measurement keeps (a tracing span), so
   * that the work it does (queries, Redis commands) is seen as the call's. Called directly, not
   * wrapped in a function of its own: every async step a call takes costs each call of a batch.
   */
  within<T>(work: () => Promise<T>): Promise<T>;
  /** The call ended: "OK", or the tRPC error code as the client receives it. Called once. */
  end(code: string): void;
}

/** `within` where no context is kept: the work runs as it is. */
export const runAsIs: CallMeasurement["within"] = (work) => work();
