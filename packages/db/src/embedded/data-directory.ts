import { join, relative } from "node:path";

/**
 * The socket's name is PostgreSQL's own, so that `psql -h <data directory>` and postgres.js
 * with `host` set to the directory find it without being told more.
 */
const SOCKET_NAME = ".s.PGSQL.5432";
const OWNER_NAME = ".owner.json";
const TAKEOVER_NAME = ".takeover";

/** Longest path a Unix socket address can hold, less the terminating NUL (Linux's is 108, macOS's 104). */
const SOCKET_PATH_LIMIT = process.platform === "linux" ? 107 : 103;

/** Who holds a data directory, as it wrote down when it claimed it. */
export interface DataDirectoryOwner {
  pid: number;
  command: string;
  since: string;
}

export class DataDirectoryError extends Error {
  override name = "DataDirectoryError";
}

/**
 * Here rather than beside the opening of the directory, which loads PGlite: the package exports
 * it, and a server on Postgres must not load PGlite for that.
 */
export class DataDirectoryInUseError extends DataDirectoryError {
  override name = "DataDirectoryInUseError";

  constructor(dataDir: string, owner: DataDirectoryOwner | null) {
    const who = owner ? `process ${owner.pid} (${owner.command}, since ${owner.since})` : "another process";
    super(`the embedded database in ${dataDir} is in use by ${who}; stop it, or give this one another DATA_DIR`);
  }
}

/**
 * Where the owner of `dataDir` listens. A relative path when it is shorter: socket addresses are
 * short, project folders can be deep, and every process resolves it from its own working folder.
 */
export function socketPathOf(dataDir: string): string {
  const absolute = join(dataDir, SOCKET_NAME);
  const fromHere = relative(process.cwd(), absolute) || SOCKET_NAME;
  const shortest = fromHere.length < absolute.length ? fromHere : absolute;
  if (Buffer.byteLength(shortest) > SOCKET_PATH_LIMIT) {
    throw new DataDirectoryError(
      `the path of DATA_DIR (${dataDir}) is too long for the socket inside it; choose a shorter one`,
    );
  }
  return shortest;
}

export function ownerFileOf(dataDir: string): string {
  return join(dataDir, OWNER_NAME);
}

/** A folder that exists while one process takes over from an owner that died. */
export function takeoverMarkOf(dataDir: string): string {
  return join(dataDir, TAKEOVER_NAME);
}

/** What the claim keeps in a data directory, beside PostgreSQL's files. */
export const OWN_ENTRIES: ReadonlySet<string> = new Set([SOCKET_NAME, OWNER_NAME, TAKEOVER_NAME]);
