export { liveEvents } from "./live-events";
export type { LiveEventsOptions } from "./live-events";
export type { LiveConnection } from "./live-connection";
export { isLiveFeed } from "./live-feed";
export type { LiveFeed, LiveReceiver } from "./live-feed";
export { lastEventIdSchema, resumeInput } from "./resume-input";
export { holderOf, ownerOrHolderOf } from "./still-allowed";
