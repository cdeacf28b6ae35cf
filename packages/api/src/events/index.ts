export type { EventBus } from "./event-bus";
export { createInProcessEventBus } from "./in-process";
export { createRedisEventBus } from "./redis";
export { sessionEventsChannel } from "./session-events";
export type { SessionEvent, SessionEventType } from "./session-events";
export { orderChannel, orderStatuses, productChangesChannel, userOrdersChannel } from "./domain-events";
export type { OrderStatus, OrderStatusChange, ProductChange, ProductChangeType } from "./domain-events";
export { measuredEventBus } from "./measured";
export type { EventBusObserver } from "./measured";
