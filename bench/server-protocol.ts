/** What the runner tells a server process over its IPC channel. */
export type RunnerMessage = { type: "load-started" } | { type: "load-finished" } | { type: "stop" };

/** What a server process tells the runner. */
export type ServerMessage =
  | { type: "listening"; url: string }
  | {
      type: "load-report";
      rssBytes: number;
      /** CPU time (user and system) this process spent during the load. */
      cpuMicros: number;
      /** The load's start and end on the monotonic clock V8's CPU profiler stamps samples with. */
      loadWindowMicros: { start: number; end: number };
    };
