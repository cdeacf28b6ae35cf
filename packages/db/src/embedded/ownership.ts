import { chmod, mkdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { connect, createServer, type Server } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import { type DataDirectoryOwner, ownerFileOf, socketPathOf, takeoverMarkOf } from "./data-directory";

export type Claim =
  | { owned: true; server: Server; socketPath: string; release(): Promise<void> }
  | { owned: false; socketPath: string; owner: DataDirectoryOwner | null };

/** A takeover mark older than this was left by a process that died within its few milliseconds. */
const ABANDONED_TAKEOVER_MS = 10_000;
/** A live owner answers a connection from the kernel's backlog, even while its own loop is busy. */
const PROBE_TIMEOUT_MS = 2_000;

/**
 * Claims `dataDir` for this process's whole life, or says who holds it. The claim is the owner's
 * Unix socket inside the directory: binding a path is atomic, and a socket that accepts a
 * connection proves a live owner, however busy, while one that refuses was left by a process
 * that died (the kernel refuses for it), so a killed owner never locks the directory for good.
 * Only removing a dead owner's socket could race, so it happens under a takeover mark that one
 * process at a time can create, after a second look.
 */
export async function claimDataDirectory(dataDir: string): Promise<Claim> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const socketPath = socketPathOf(dataDir);
  for (;;) {
    const server = await listenOn(socketPath);
    if (server) {
      await chmod(socketPath, 0o600);
      await writeOwner(dataDir);
      return {
        owned: true,
        server,
        socketPath,
        release: () =>
          new Promise<void>((resolve) => {
            server.close(() => resolve());
          }),
      };
    }
    if (await answers(socketPath)) return { owned: false, socketPath, owner: await readOwner(dataDir) };
    const stillLive = await duringTakeover(dataDir, async () => {
      if (await answers(socketPath)) return true;
      await rm(socketPath, { force: true });
      return false;
    });
    if (stillLive) return { owned: false, socketPath, owner: await readOwner(dataDir) };
  }
}

/** A listening server on `path`, or null when something is there already. */
function listenOn(path: string): Promise<Server | null> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      if (error.code === "EADDRINUSE") resolve(null);
      else reject(error);
    });
    server.listen({ path, readableAll: false, writableAll: false }, () => {
      server.removeAllListeners("error");
      // A connection that fails to be accepted (no file descriptor left) loses that client only.
      server.on("error", () => {});
      resolve(server);
    });
  });
}

/** Whether a live process accepts connections on `path`. */
function answers(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ path });
    const settle = (live: boolean) => {
      socket.destroy();
      resolve(live);
    };
    socket.setTimeout(PROBE_TIMEOUT_MS, () => settle(true));
    socket.once("connect", () => settle(true));
    socket.once("error", (error: NodeJS.ErrnoException) =>
      // Only a refusal, or no socket at all, is a dead owner: any other failure (a full backlog,
      // no file descriptor left) may hide a live one, which must never be bypassed.
      settle(error.code !== "ECONNREFUSED" && error.code !== "ENOENT"),
    );
  });
}

async function duringTakeover<T>(dataDir: string, work: () => Promise<T>): Promise<T> {
  const mark = takeoverMarkOf(dataDir);
  for (;;) {
    try {
      await mkdir(mark);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const age = await stat(mark).then(
        (found) => Date.now() - found.mtimeMs,
        () => 0,
      );
      if (age > ABANDONED_TAKEOVER_MS) await rm(mark, { recursive: true, force: true });
      else await sleep(20);
    }
  }
  try {
    return await work();
  } finally {
    await rm(mark, { recursive: true, force: true });
  }
}

async function writeOwner(dataDir: string): Promise<void> {
  const owner: DataDirectoryOwner = {
    pid: process.pid,
    command: process.argv.slice(1).join(" ").slice(0, 200),
    since: new Date().toISOString(),
  };
  // Only read to name the owner in a refusal: one read half-written names none.
  await writeFile(ownerFileOf(dataDir), JSON.stringify(owner), { mode: 0o600 });
}

async function readOwner(dataDir: string): Promise<DataDirectoryOwner | null> {
  try {
    return JSON.parse(await readFile(ownerFileOf(dataDir), "utf8")) as DataDirectoryOwner;
  } catch {
    return null;
  }
}
