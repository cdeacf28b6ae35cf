import type { ServerResponse } from "node:http";
import { AppError, type LiveConnection } from "@seed/api";
import type { Config } from "@seed/config";
import type { WebSocket } from "ws";

/** Code 1000 with a reason: the client did nothing wrong and reconnects when it needs to. */
const IDLE_CLOSE = { code: 1000, reason: "idle" };
/** A close the client recovers from by reconnecting, with a fresh token in its connection parameters. */
const TOKEN_EXPIRED_CLOSE = { code: 4001, reason: "access token expired" };

const tooManyConnections = () => new AppError("RATE_LIMITED", "This account has too many open connections; close one");

/**
 * The limits on live connections of one server instance: subscriptions per socket, connections
 * (sockets and event streams) per user, a connection's send backlog, and how long a socket may
 * stay open without a subscription.
 */
export class LiveConnectionLimits {
  private readonly connectionsOfUser = new Map<string, number>();
  private readonly sockets = new WeakMap<WebSocket, { subscriptions: number; idleTimer?: NodeJS.Timeout }>();

  constructor(private readonly limits: Config["live"]) {}

  /** Called as a socket opens: from then on it is closed after the idle timeout without a subscription. */
  track(socket: WebSocket): void {
    const state = { subscriptions: 0, idleTimer: this.idleTimer(socket) };
    this.sockets.set(socket, state);
    socket.once("close", () => clearTimeout(state.idleTimer));
  }

  private idleTimer(socket: WebSocket): NodeJS.Timeout {
    return setTimeout(() => socket.close(IDLE_CLOSE.code, IDLE_CLOSE.reason), this.limits.idleTimeoutMs);
  }

  /**
   * The live connection of a socket: counts it against `userId` (when signed in) until it
   * closes, and closes it once it has held no subscription for the idle timeout. Past the cap
   * on sockets per user, the socket stays open but refuses every subscription, so the client
   * hears why; the idle timeout then closes it.
   */
  forSocket(socket: WebSocket, userId: string | null): LiveConnection {
    // A socket that closed while its caller was identified has no close left to free a slot.
    const closed = socket.readyState !== socket.OPEN;
    const release = userId === null || closed ? null : this.claimConnection(userId);
    if (release) socket.once("close", release);
    const overCap = userId !== null && !closed && !release;
    const state = this.sockets.get(socket);
    if (!state) throw new Error("a socket must be tracked from its opening");

    return {
      admit: () => {
        if (overCap) throw tooManyConnections();
        if (state.subscriptions >= this.limits.maxSubscriptionsPerConnection) {
          throw new AppError("RATE_LIMITED", "Too many subscriptions on this connection");
        }
        state.subscriptions += 1;
        clearTimeout(state.idleTimer);
        let released = false;
        return () => {
          if (released) return;
          released = true;
          state.subscriptions -= 1;
          if (state.subscriptions === 0 && socket.readyState === socket.OPEN) state.idleTimer = this.idleTimer(socket);
        };
      },
      isBackedUp: () => socket.bufferedAmount > this.limits.maxBufferedBytes,
    };
  }

  /**
   * A socket authenticates once, with the token it opened with; it does not outlive that token.
   * The client reconnects and resumes its subscriptions from their last event ids.
   */
  closeWhenTokenExpires(socket: WebSocket, expiresAt: Date): void {
    const timer = setTimeout(
      () => socket.close(TOKEN_EXPIRED_CLOSE.code, TOKEN_EXPIRED_CLOSE.reason),
      Math.max(0, expiresAt.getTime() - Date.now()),
    );
    socket.once("close", () => clearTimeout(timer));
  }

  /**
   * The connection of one server-sent event stream: one subscription, held back by its response.
   * A signed-in user's stream counts against the same cap as their sockets, until the
   * subscription ends or the response closes, whichever comes first.
   */
  forStream(response: ServerResponse, userId: string | null): LiveConnection {
    return {
      admit: () => {
        if (userId === null) return () => {};
        const release = this.claimConnection(userId);
        if (!release) throw tooManyConnections();
        response.once("close", release);
        return release;
      },
      isBackedUp: () => response.writableLength > this.limits.maxBufferedBytes,
    };
  }

  /** Counts one more connection of `userId`; resolves its release, or null past the cap. */
  private claimConnection(userId: string): (() => void) | null {
    const open = this.connectionsOfUser.get(userId) ?? 0;
    if (open >= this.limits.maxConnectionsPerUser) return null;
    this.connectionsOfUser.set(userId, open + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const remaining = (this.connectionsOfUser.get(userId) ?? 1) - 1;
      if (remaining === 0) this.connectionsOfUser.delete(userId);
      else this.connectionsOfUser.set(userId, remaining);
    };
  }
}
