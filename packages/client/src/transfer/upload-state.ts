/**
 * Where a resumable upload is remembered between runs of `repoman`: `~/.repoman/uploads.json`
 * (beside the user's config, mode 0600: an upload URL lets its holder's credential write),
 * one entry per server, image and file, with the file's size and modification time so that a
 * changed file is never continued. An entry is written once the server has created the upload
 * and removed once it is complete, so that `upload-image --continue` finds it after a Ctrl-C
 * or a lost connection.
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';

export interface UploadStateEntry {
  /** The upload's URL path, `/api/uploads/{id}`. */
  readonly location: string;
  readonly size: number;
  readonly mtimeMs: number;
}

export class UploadStateFile {
  constructor(readonly path: string) {}

  /** The state file of the user whose home is `home`. */
  static inHome(home: string): UploadStateFile {
    return new UploadStateFile(join(home, '.repoman', 'uploads.json'));
  }

  /** The key of an upload of `file` to `image` (OWNER/NAME or NAME) on `server`. */
  static keyOf(server: string, image: string, file: string): string {
    return `${server} ${image} ${resolve(file)}`;
  }

  async get(key: string): Promise<UploadStateEntry | undefined> {
    return (await this.#read())[key];
  }

  async set(key: string, entry: UploadStateEntry): Promise<void> {
    await this.#write({ ...(await this.#read()), [key]: entry });
  }

  async delete(key: string): Promise<void> {
    const entries = await this.#read();
    if (!(key in entries)) return;
    delete entries[key];
    await this.#write(entries);
  }

  async #read(): Promise<Record<string, UploadStateEntry>> {
    try {
      const parsed = JSON.parse(await readFile(this.path, 'utf8')) as unknown;
      return parsed !== null && typeof parsed === 'object' ? (parsed as Record<string, UploadStateEntry>) : {};
    } catch {
      return {};
    }
  }

  /** Replaces the file atomically, so that an interrupted write never loses the other entries. */
  async #write(entries: Record<string, UploadStateEntry>): Promise<void> {
    await mkdir(dirname(this.path), { recursive: true, mode: 0o700 });
    const temp = `${this.path}.${process.pid}`;
    await writeFile(temp, `${JSON.stringify(entries, null, 2)}\n`, { mode: 0o600 });
    await rename(temp, this.path);
  }
}
