/**
 * The VOMS servers a site trusts, read from the grid's `vomsdir` layout
 * (`/etc/grid-security/vomsdir/<vo>/<host>.lsc`, or `<host>.pem` holding the server's
 * certificate itself). The directory is read once into memory, so that a login never touches
 * the disk and a VO or host name taken from an AC never becomes a path. Unreadable files are
 * skipped and listed in `warnings`; call VomsDir.load again to pick up changes.
 */
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { Certificate } from './certificate.js';
import { type LscChain, parseLscFile } from './lsc-file.js';

/** What the vomsdir says about one VOMS server of one VO. */
export interface VomsServerEntry {
  /** The `.lsc` file's alternative DN chains, when there is one. */
  lsc?: LscChain[];
  /** The certificates of `<host>.pem`, when there is one. */
  certificates?: Certificate[];
}

export class VomsDir {
  /** vo → host → entry. */
  private readonly entries: ReadonlyMap<string, ReadonlyMap<string, VomsServerEntry>>;
  readonly warnings: readonly string[];

  private constructor(entries: Map<string, Map<string, VomsServerEntry>>, warnings: string[]) {
    this.entries = entries;
    this.warnings = warnings;
  }

  /** Reads `<dir>/<vo>/<host>.lsc` and `<host>.pem`. A missing directory is an empty vomsdir (with a warning). */
  static async load(dir: string): Promise<VomsDir> {
    const entries = new Map<string, Map<string, VomsServerEntry>>();
    const warnings: string[] = [];
    let vos: string[];
    try {
      vos = (await readdir(dir, { withFileTypes: true })).filter((d) => d.isDirectory() || d.isSymbolicLink()).map((d) => d.name);
    } catch (err) {
      return new VomsDir(entries, [`vomsdir ${dir} cannot be read: ${(err as Error).message}`]);
    }
    for (const vo of vos) {
      let files: string[];
      try {
        files = await readdir(join(dir, vo));
      } catch {
        continue; // a symbolic link to a file, or an unreadable directory
      }
      const hosts = new Map<string, VomsServerEntry>();
      for (const file of files) {
        const m = /^(.+)\.(lsc|pem)$/.exec(file);
        if (!m) continue;
        const host = m[1] as string;
        const path = join(dir, vo, file);
        try {
          const text = await readFile(path, 'utf8');
          const entry = hosts.get(host) ?? {};
          if (m[2] === 'lsc') {
            entry.lsc = parseLscFile(text);
          } else {
            const certificates = Certificate.fromPem(text);
            if (certificates.length === 0) throw new Error('it holds no certificate');
            entry.certificates = certificates;
          }
          hosts.set(host, entry);
        } catch (err) {
          warnings.push(`${path} skipped: ${(err as Error).message}`);
        }
      }
      if (hosts.size > 0) entries.set(vo, hosts);
    }
    return new VomsDir(entries, warnings);
  }

  /** Whether any server of this VO is listed. */
  hasVo(vo: string): boolean {
    return this.entries.has(vo);
  }

  /** The entry for a VO's server, if listed. */
  server(vo: string, host: string): VomsServerEntry | undefined {
    return this.entries.get(vo)?.get(host);
  }
}
