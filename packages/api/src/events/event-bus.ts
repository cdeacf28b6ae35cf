/**
 * Publishes events to every subscriber of a channel, on this instance and, with the Redis
 * implementation, on every other instance.
 */
export interface EventBus {
  publish(channel: string, payload: unknown): Promise<void>;
  /**
   * Resolves once the subscription is live (an event published after that is delivered), with
   * the events of the channel until `signal` aborts.
   */
  subscribe<T>(channel: string, signal: AbortSignal): Promise<AsyncIterable<T>>;
  close(): Promise<void>;
}
