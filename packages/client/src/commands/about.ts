/**
 * `repoman about`: what the client would use, without calling the server — its version, the
 * config files read, the server and where it came from, the grid proxy (path, source, and
 * whether it is valid and until when), and the CAs that verify the server.
 */
import { CredentialError } from '../wire/api-errors.js';
import { loadProxyCredential } from '../transport/proxy-credential.js';
import { defineCommand } from '../cli/command-spec.js';
import { formatTime } from '../cli/format.js';
import { printFields, printJson } from '../cli/output.js';
import { CLIENT_VERSION } from '../version.js';

export interface AboutOptions {
  readonly json: boolean;
}

export const aboutCommand = defineCommand<AboutOptions>({
  name: 'about',
  summary: 'show the client version, configuration, server, grid proxy and CAs in use',
  examples: ['repoman about'],
  configure: (command) => command.option('--json', 'print as JSON'),
  parse: ({ flags }) => ({ json: flags.json === true }),
  async run(options, context) {
    const settings = context.settings();
    let proxyState: string;
    let proxySubject: string | undefined;
    try {
      const credential = loadProxyCredential(settings.proxy.value);
      proxyState = `valid until ${formatTime(credential.notAfter.toISOString())}`;
      proxySubject = credential.subject;
    } catch (error) {
      if (!(error instanceof CredentialError)) throw error;
      proxyState = `${error.problem} — ${error.message}`;
    }
    const about = {
      client_version: CLIENT_VERSION,
      node_version: process.version,
      config_files: settings.configFiles,
      server: settings.server ? { url: settings.server.value.href, source: settings.server.source } : null,
      proxy: { path: settings.proxy.value, source: settings.proxy.source, state: proxyState, subject: proxySubject ?? null },
      ca_dir: settings.caDir ? { path: settings.caDir.value, source: settings.caDir.source } : null,
      ca_file: settings.caFile ? { path: settings.caFile.value, source: settings.caFile.source } : null,
      verify_server: !settings.insecure,
      snapshot_dir: settings.config.snapshotDir ?? null,
    };
    if (options.json) {
      printJson(context.io, about);
      return;
    }
    const sourced = (value: { path?: string; url?: string; source: string } | null): string =>
      value ? `${value.url ?? value.path} (from ${value.source})` : '-';
    printFields(context.io, [
      ['repoman client', CLIENT_VERSION],
      ['node', process.version],
      ['config files', about.config_files.length > 0 ? about.config_files.join(', ') : 'none'],
      ['server', about.server ? sourced(about.server) : 'none: use --server, REPOMAN_SERVER or repoman make-config'],
      ['grid proxy', `${settings.proxy.value} (from ${settings.proxy.source})`],
      ['proxy state', proxyState],
      ...(proxySubject ? [['proxy subject', proxySubject] as [string, string]] : []),
      ['CA directory', sourced(about.ca_dir)],
      ['CA file', sourced(about.ca_file)],
      ['verify server', settings.insecure ? 'NO (--insecure)' : 'yes'],
    ]);
  },
});
