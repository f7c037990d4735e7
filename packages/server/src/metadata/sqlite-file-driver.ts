/**
 * A kysely SQLite dialect for a database file that several connections share, in this process
 * or others. better-sqlite3 is synchronous: a connection that finds the file locked by another
 * connection of the same process would wait (busy_timeout) while blocking the very event loop
 * the lock holder needs to finish, and fail with SQLITE_BUSY after the timeout. So every
 * connection to one file in this process takes a process-wide turn (an async lock per file
 * path) for each query or transaction; between processes, SQLite's own locks and busy_timeout
 * do the waiting. Transactions start with BEGIN IMMEDIATE (all of ours write), so that two
 * processes never both read under a shared lock and then fail to upgrade it.
 */
import { resolve } from 'node:path';
import {
  CompiledQuery,
  SqliteDialect,
  type DatabaseConnection,
  type Driver,
  type QueryCompiler,
  type SqliteDialectConfig,
} from 'kysely';

/** First come, first served; `acquire` resolves with the function that hands the turn on. */
class TurnLock {
  #tail: Promise<void> = Promise.resolve();

  async acquire(): Promise<() => void> {
    let release!: () => void;
    const turn = new Promise<void>((done) => {
      release = done;
    });
    const previous = this.#tail;
    this.#tail = previous.then(() => turn);
    await previous;
    return release;
  }
}

const fileLocks = new Map<string, { readonly lock: TurnLock; users: number }>();

function takeFileLock(path: string): { lock: TurnLock; dispose: () => void } {
  if (path === ':memory:') return { lock: new TurnLock(), dispose: () => {} };
  const key = resolve(path);
  let entry = fileLocks.get(key);
  if (entry === undefined) {
    entry = { lock: new TurnLock(), users: 0 };
    fileLocks.set(key, entry);
  }
  entry.users += 1;
  const taken = entry;
  let disposed = false;
  return {
    lock: taken.lock,
    dispose() {
      if (disposed) return;
      disposed = true;
      taken.users -= 1;
      if (taken.users === 0) fileLocks.delete(key);
    },
  };
}

/** Kysely's SQLite driver, taking the file's turn around each connection use. */
class FileTurnDriver implements Driver {
  readonly #inner: Driver;
  readonly #file: { lock: TurnLock; dispose: () => void };
  #release: (() => void) | undefined;

  constructor(inner: Driver, path: string) {
    this.#inner = inner;
    this.#file = takeFileLock(path);
  }

  init(): Promise<void> {
    return this.#inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const release = await this.#file.lock.acquire();
    try {
      const connection = await this.#inner.acquireConnection();
      this.#release = release;
      return connection;
    } catch (error) {
      release();
      throw error;
    }
  }

  async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }

  commitTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.commitTransaction(connection);
  }

  rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    return this.#inner.rollbackTransaction(connection);
  }

  async savepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.#inner.savepoint?.(connection, name, compile);
  }

  async rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.#inner.rollbackToSavepoint?.(connection, name, compile);
  }

  async releaseSavepoint(connection: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    await this.#inner.releaseSavepoint?.(connection, name, compile);
  }

  async releaseConnection(connection: DatabaseConnection): Promise<void> {
    const release = this.#release;
    this.#release = undefined;
    try {
      await this.#inner.releaseConnection(connection);
    } finally {
      release?.();
    }
  }

  async destroy(): Promise<void> {
    try {
      await this.#inner.destroy();
    } finally {
      this.#file.dispose();
    }
  }
}

/** SqliteDialect whose connections to `path` take turns with every other one in this process. */
export class SqliteFileDialect extends SqliteDialect {
  readonly #path: string;

  constructor(config: SqliteDialectConfig, path: string) {
    super(config);
    this.#path = path;
  }

  override createDriver(): Driver {
    return new FileTurnDriver(super.createDriver(), this.#path);
  }
}
