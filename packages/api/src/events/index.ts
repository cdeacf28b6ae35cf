export type { EventBus } from "./event-bus";
export { createInProcessEventBus } from "./in-process";
export { createRedisEventBus } from "./redis";
export { sessionEventsChannel } from "./session-events";
export type { SessionEvent, SessionEventType } from "./session-events";
