import type { ServerResponse } from "node:http";
import { type LiveConnection } from "@seed/api";
import { AppError, type ConcurrencyLimiter, type UsageLimiter } from "@seed/platform";
import type { Config } from "@seed/config";
import type { FastifyReply, FastifyRequest } from "fastify";
import type { WebSocket } from "ws";
import { refuse } from "./error-responses";

/** Code 1000 with a reason: the client did nothing wrong and reconnects when it needs to. */
const IDLE_CLOSE = { code: 1000, reason: "idle" };
/** A close the client recovers from by reconnecting, with a fresh token in its connection parameters. */
const TOKEN_EXPIRED_CLOSE = { code: 4001, reason: "access token expired" };

const tooManyConnections = () => new AppError("RATE_LIMITED", "This account has too many open connections; close one");
const ADDRESS_CONNECTIONS = "This address has too many open connections; close one";
const ADDRESS_NEW_CONNECTIONS = "This address opened too many connections in the last minute; wait";
const ADDRESS_SUBSCRIPTIONS = "This address has too many open subscriptions; end one";
const MINUTE_MS = 60_000;

/** What every instance shares to count one client address's live connections and subscriptions. */
export interface AddressCounters {
  leases: ConcurrencyLimiter;
  usage: UsageLimiter;
}

/**
 * The limits on live connections: subscriptions per socket, connections (sockets and event
 * streams) per user, a connection's send backlog, and how long a socket may stay open without a
 * subscription, on this instance; and per client address, counted across instances, connections
 * open at once, new connections per minute and subscriptions open at once, so that one address
 * cannot take the server's sockets and memory from everyone else.
 */
export class LiveConnectionLimits {
  private readonly connectionsOfUser = new Map<string, number>();
  private readonly sockets = new WeakMap<WebSocket, { subscriptions: number; idleTimer?: NodeJS.Timeout }>();

  constructor(
    private readonly limits: Config["live"],
    private readonly counters: AddressCounters,
  ) {}

  /**
   * A hook of the socket route, before the upgrade: past an address's caps the upgrade is answered
   * 429 in tRPC's error shape, and no socket is opened. The lease is freed when the connection
   * closes, whether or not it became a socket.
   */
  readonly admitSocket = async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const refusal = await this.claimAddressConnection(req.ip);
    if (typeof refusal === "function") {
      req.raw.socket.once("close", refusal);
      return;
    }
    if (refusal.retryAfterMs) reply.header("retry-after", Math.ceil(refusal.retryAfterMs / 1000));
    req.log.warn({ securityEvent: "rate_limited", reason: "live_connections_per_address" }, "socket refused");
    await refuse(req, reply, 429, refusal.message);
  };

  /** Counts a new connection of `ip`: resolves its release, or why it is refused. */
  private async claimAddressConnection(ip: string): Promise<(() => void) | { message: string; retryAfterMs?: number }> {
    const key = `live-connections:${ip}`;
    const refusal = await this.counters.usage.consume([
      { key, limit: this.limits.maxNewConnectionsPerAddressPerMinute, windowMs: MINUTE_MS },
    ]);
    if (refusal) return { message: ADDRESS_NEW_CONNECTIONS, retryAfterMs: refusal.retryAfterMs };
    return (
      (await this.counters.leases.acquire(key, this.limits.maxConnectionsPerAddress)) ?? {
        message: ADDRESS_CONNECTIONS,
      }
    );
  }

  /** Takes one of the subscription slots of `ip`, or throws RATE_LIMITED when all are taken. */
  private async claimAddressSubscription(ip: string): Promise<() => void> {
    const release = await this.counters.leases.acquire(
      `live-subscriptions:${ip}`,
      this.limits.maxSubscriptionsPerAddress,
    );
    if (!release) throw new AppError("RATE_LIMITED", ADDRESS_SUBSCRIPTIONS);
    return release;
  }

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
  forSocket(socket: WebSocket, userId: string | null, ip: string): LiveConnection {
    // A socket that closed while its caller was identified has no close left to free a slot.
    const closed = socket.readyState !== socket.OPEN;
    const release = userId === null || closed ? null : this.claimConnection(userId);
    if (release) socket.once("close", release);
    const overCap = userId !== null && !closed && !release;
    const state = this.sockets.get(socket);
    if (!state) throw new Error("a socket must be tracked from its opening");

    return {
      admit: async () => {
        if (overCap) throw tooManyConnections();
        if (state.subscriptions >= this.limits.maxSubscriptionsPerConnection) {
          throw new AppError("RATE_LIMITED", "Too many subscriptions on this connection");
        }
        // Held from before the address is asked, so that subscriptions sent at once stay in the cap.
        state.subscriptions += 1;
        clearTimeout(state.idleTimer);
        let released = false;
        let releaseAddressSlot: () => void = () => {};
        const release = () => {
          if (released) return;
          released = true;
          releaseAddressSlot();
          state.subscriptions -= 1;
          if (state.subscriptions === 0 && socket.readyState === socket.OPEN) state.idleTimer = this.idleTimer(socket);
        };
        try {
          releaseAddressSlot = await this.claimAddressSubscription(ip);
        } catch (error) {
          release();
          throw error;
        }
        return release;
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
  forStream(response: ServerResponse, userId: string | null, ip: string): LiveConnection {
    return {
      admit: async () => {
        const releases: (() => void)[] = [];
        const release = () => {
          for (const releaseOne of releases.splice(0)) releaseOne();
        };
        response.once("close", release);
        try {
          if (userId !== null) {
            const ofUser = this.claimConnection(userId);
            if (!ofUser) throw tooManyConnections();
            releases.push(ofUser);
          }
          // A stream is a connection and a subscription of its address at once.
          const ofAddress = await this.claimAddressConnection(ip);
          if (typeof ofAddress !== "function") throw new AppError("RATE_LIMITED", ofAddress.message);
          releases.push(ofAddress, await this.claimAddressSubscription(ip));
        } catch (error) {
          release();
          throw error;
        }
        // The response may have closed while the address was asked: nothing would free the slots then.
        if (response.destroyed || response.writableEnded) release();
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
