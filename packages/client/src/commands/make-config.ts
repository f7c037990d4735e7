/**
 * `repoman make-config` (2011: `mc`): writes ~/.repoman/repoman.conf from the global flags
 * (`--server HOST[:PORT]`, `--proxy`, `--ca-dir`, `--ca-file`), the environment and the
 * settings in force, with every key commented. Asks before replacing an existing file
 * (`--force` skips the question).
 */
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { defineCommand } from '../cli/command-spec.js';
import { userConfigPath } from '../config/config-files.js';
import { DEFAULT_PORT } from '../config/server-url.js';

export interface MakeConfigOptions {
  readonly force: boolean;
  readonly snapshotDir: string | undefined;
}

export const makeConfigCommand = defineCommand<MakeConfigOptions>({
  name: 'make-config',
  aliases: ['mc'],
  summary: 'write ~/.repoman/repoman.conf (server, proxy, CAs) from the flags given',
  examples: ['repoman make-config --server repo.example.org:8443 --ca-dir /etc/grid-security/certificates'],
  configure: (command) => command
    .option('--snapshot-dir <DIR>', 'where save-image keeps its snapshot file')
    .option('-f, --force', 'replace an existing file without asking'),
  parse: ({ flags }) => ({ force: flags.force === true, snapshotDir: flags.snapshotDir as string | undefined }),
  async run(options, context) {
    const settings = context.settings();
    const path = userConfigPath(context.home);
    const exists = await stat(path).then(() => true, () => false);
    if (exists) await context.confirm(`replace ${path}?`, options.force);
    const server = settings.server?.value;
    const defaultProxy = settings.proxy.source === 'default' || settings.proxy.source === '$X509_USER_PROXY';
    const lines = [
      '# repoman client configuration, written by `repoman make-config`.',
      '# Read after /etc/repoman/repoman.conf and $REPOMAN_CLIENT_CONFIG; REPOMAN_SERVER and flags override it.',
      '',
      '[Repository]',
      '# the repository server and its port',
      server ? `repository = ${server.protocol === 'https:' && server.pathname !== '/' ? server.href : server.hostname}` : '# repository = repo.example.org',
      `port = ${server?.port || (server ? 443 : DEFAULT_PORT)}`,
      '# CAs that verify the server certificate (default: $X509_CERT_DIR, then /etc/grid-security/certificates)',
      settings.caDir && settings.caDir.source !== 'default' ? `ca_dir = ${settings.caDir.value}` : '# ca_dir = /etc/grid-security/certificates',
      settings.caFile ? `ca_file = ${settings.caFile.value}` : '# ca_file = /path/to/ca-bundle.pem',
      '',
      '[User]',
      '# your grid proxy (default: $X509_USER_PROXY, then /tmp/x509up_u<uid>)',
      defaultProxy ? '# proxy_cert = /tmp/x509up_u1000' : `proxy_cert = ${settings.proxy.value}`,
      '',
      '[ThisImage]',
      '# save-image: where the snapshot file is made, and what it leaves out',
      options.snapshotDir ? `snapshot_dir = ${options.snapshotDir}` : settings.config.snapshotDir ? `snapshot_dir = ${settings.config.snapshotDir}` : '# snapshot_dir = /mnt',
      settings.config.systemExcludes ? `system_excludes = ${settings.config.systemExcludes}` : '# system_excludes = /dev /proc /sys /tmp /run /mnt',
      settings.config.userExcludes ? `user_excludes = ${settings.config.userExcludes}` : '# user_excludes = /root/.ssh',
      '',
    ];
    await mkdir(dirname(path), { recursive: true, mode: 0o700 });
    await writeFile(path, lines.join('\n'), { mode: 0o644 });
    context.note(`wrote ${path}`);
  },
});
