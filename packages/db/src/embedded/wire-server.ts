import type { PGlite } from "@electric-sql/pglite";
import type { Server, Socket } from "node:net";

// Requests a client sends before its startup message, each 8 bytes: a length and a code.
const SSL_REQUEST = 80877103;
const GSS_ENCRYPTION_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

const MAX_STARTUP_LENGTH = 10_000;

const READY_FOR_QUERY = 0x5a; // 'Z'
const IDLE = 0x49; // 'I': outside any transaction
const SYNC = Uint8Array.of(0x53, 0, 0, 0, 4); // 'S'
const TERMINATE = 0x58; // 'X'

/**
 * Serves an embedded database to other local processes (the CLI, `psql`) over the owner's
 * socket, in PostgreSQL's wire protocol, so that they reach it with an ordinary driver.
 *
 * PGlite is one backend with one session. A client's transaction must stay its own, so from its
 * first message until the database is idle again (a ReadyForQuery outside any transaction) the
 * client holds PGlite's transaction lock, the one this process's own queries and transactions
 * take: they wait for it, and it waits for them. A client that leaves mid-transaction is rolled
 * back, and whatever it set for the session is discarded before anyone else runs.
 */
export function serveDatabase(server: Server, database: Promise<PGlite>): ServedDatabase {
  const sessions = new Set<WireSession>();
  let stopping = false;
  server.on("connection", (socket) => {
    // Still listening keeps the claim until the database is closed; nobody new is served meanwhile.
    if (stopping) {
      socket.destroy();
      return;
    }
    const session = new WireSession(socket, database);
    sessions.add(session);
    // Forgotten only once cleaned up: a stop must wait for the rollback of a client already gone.
    socket.once("close", () => void session.end().finally(() => sessions.delete(session)));
  });
  return {
    async stop() {
      stopping = true;
      await Promise.all([...sessions].map((session) => session.end()));
    },
  };
}

export interface ServedDatabase {
  /** Ends every client's session (an open transaction is rolled back) and serves no one new. */
  stop(): Promise<void>;
}

class WireSession {
  private pending: Buffer = Buffer.alloc(0);
  private started = false;
  /** Releases PGlite's transaction lock, while this client holds it. */
  private release: (() => void) | null = null;
  /** Messages run one after the other, in the order they came. */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  private pg: PGlite | null = null;

  constructor(
    private readonly socket: Socket,
    database: Promise<PGlite>,
  ) {
    // A client may connect while the database is still opening: its messages wait for it.
    this.queue = database.then(
      (pg) => {
        this.pg = pg;
      },
      () => void socket.destroy(),
    );
    // Its closing is seen by serveDatabase, which ends the session and waits for its cleanup.
    socket.on("data", (chunk) => this.receive(chunk));
    // A client that vanishes mid-write only closes its session.
    socket.on("error", () => socket.destroy());
  }

  private receive(chunk: Buffer): void {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    for (;;) {
      const message = this.nextMessage();
      if (!message) return;
      if (this.started) {
        if (message[0] === TERMINATE) this.enqueue(async () => void this.socket.end());
        else this.enqueue(() => this.execute(message));
        continue;
      }
      const code = new DataView(message.buffer, message.byteOffset).getInt32(4);
      // Nothing leaves the machine: the socket stays plain.
      if (code === SSL_REQUEST || code === GSS_ENCRYPTION_REQUEST)
        this.enqueue(async () => void this.socket.write("N"));
      // There is no other backend whose query a cancellation could stop.
      else if (code === CANCEL_REQUEST) this.enqueue(async () => void this.socket.end());
      else {
        this.started = true;
        this.enqueue(() => this.execute(message));
      }
    }
  }

  /** Cuts one whole message off the front of what has arrived, or null when it is not all there. */
  private nextMessage(): Uint8Array | null {
    // Before startup a message has no type byte: a length (counting itself), then a code.
    const lengthAt = this.started ? 1 : 0;
    if (this.pending.length < lengthAt + 4) return null;
    const length = this.pending.readInt32BE(lengthAt);
    // Before startup a message holds at least its code; PostgreSQL takes no larger startup packet.
    if (this.started ? length < 4 : length < 8 || length > MAX_STARTUP_LENGTH) {
      this.socket.destroy();
      return null;
    }
    const size = lengthAt + length;
    if (this.pending.length < size) return null;
    const message = new Uint8Array(this.pending.subarray(0, size));
    this.pending = this.pending.subarray(size);
    return message;
  }

  private enqueue(step: () => Promise<void>): void {
    this.queue = this.queue.then(step).catch(() => void this.socket.destroy());
  }

  private async execute(message: Uint8Array): Promise<void> {
    if (this.closed) return;
    const reply = await this.run(message);
    if (reply.length > 0 && !this.closed) this.socket.write(reply);
  }

  /** Runs one message under this client's hold of the database; lets go once it is idle again. */
  private async run(message: Uint8Array): Promise<Uint8Array> {
    this.release ??= await holdTransactionLock(this.database());
    try {
      const reply = await this.exchange(message);
      if (endsIdle(reply)) this.letGo();
      return reply;
    } catch (error) {
      this.letGo();
      throw error;
    }
  }

  /** Closes the connection; resolves once the session has been cleaned up. */
  end(): Promise<void> {
    this.socket.destroy();
    this.finish();
    return this.queue;
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.enqueue(() => this.endSession());
  }

  private async endSession(): Promise<void> {
    if (!this.started) return;
    this.release ??= await holdTransactionLock(this.database());
    try {
      // A Sync ends an unfinished extended-protocol exchange; then whatever is open is rolled back.
      if (!endsIdle(await this.exchange(SYNC))) await this.exchange(simpleQuery("ROLLBACK"));
      await this.exchange(simpleQuery("DISCARD ALL"));
    } finally {
      this.letGo();
    }
  }

  /** One message in, its whole reply out; PGlite's query lock keeps out anything that skips the transaction lock. */
  private exchange(message: Uint8Array): Promise<Uint8Array> {
    const pg = this.database();
    return pg.runExclusive(() => pg.execProtocolRaw(message));
  }

  private database(): PGlite {
    if (!this.pg) throw new Error("the database is not open");
    return this.pg;
  }

  private letGo(): void {
    this.release?.();
    this.release = null;
  }
}

/** Waits for PGlite's transaction lock; resolves with the function that gives it back. */
function holdTransactionLock(pg: PGlite): Promise<() => void> {
  return new Promise((held) => {
    void pg._runExclusiveTransaction(() => new Promise<void>((release) => held(release)));
  });
}

/** Whether a reply ends with ReadyForQuery outside a transaction. */
function endsIdle(reply: Uint8Array): boolean {
  const at = reply.length - 6;
  return at >= 0 && reply[at] === READY_FOR_QUERY && reply[at + 5] === IDLE;
}

function simpleQuery(text: string): Uint8Array {
  const body = Buffer.from(`${text}\0`);
  const message = Buffer.alloc(5 + body.length);
  message[0] = 0x51; // 'Q'
  message.writeInt32BE(4 + body.length, 1);
  body.copy(message, 5);
  return message;
}
