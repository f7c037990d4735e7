/**
 * Creates the data directory, readable by the server's user only (0700): it holds the SQLite
 * database, the image files and the development PKI's private keys. Run by `init` and `serve`
 * once the configuration (and its paths) have been checked; a directory that already exists
 * keeps the mode its owner gave it.
 */
import { mkdir } from 'node:fs/promises';

export const PRIVATE_DIR_MODE = 0o700;

export async function makeDataDir(dataDir: string): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: PRIVATE_DIR_MODE });
}
