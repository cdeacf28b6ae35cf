/**
 * What a transport tells the api about the connection a subscription runs on, so that one
 * client cannot hold more than its share of the server.
 */
export interface LiveConnection {
  /**
   * Takes a subscription slot on the connection (and of its client address, which may be
   * counted across instances), or throws RATE_LIMITED when all are taken. Resolves the slot's
   * release, called when the subscription ends.
   */
  admit(): Promise<() => void>;
  /** Whether more is waiting to be sent to the client than the server will hold for it. */
  isBackedUp(): boolean;
}
