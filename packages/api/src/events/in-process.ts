import type { EventBus } from "./event-bus";
import { LocalChannels } from "./local-channels";

/** The embedded default: events reach the subscribers of this process only. */
export function createInProcessEventBus(): EventBus {
  const channels = new LocalChannels();
  return {
    async publish(channel, payload) {
      channels.emit(channel, payload);
    },
    async subscribe<T>(channel: string, signal: AbortSignal) {
      return channels.listen<T>(channel, signal);
    },
    async close() {},
  };
}
