/**
 * `repoman-server check-config`: loads the configuration (file, environment, defaults) exactly
 * as the server would, checks the files it names (TLS certificate, key and CAs exist and are
 * readable, the data and image directories can be made; see config/path-problems.ts), prints
 * every problem and exits 1, or prints "ok" and exits 0. A
 * PostgreSQL `database.url` is also connected to (changing nothing), so that a wrong host,
 * password or database name is reported in one line before the server is started; an SQLite
 * file is not created. The vomsdir's files are read as the server reads them: an `.lsc` or
 * `.pem` file it would skip is reported. The host certificate and key are tried as the HEPiX
 * image list signer, as at start: a key that cannot sign is a problem, a certificate
 * subscribers would refuse for signing a warning.
 */
import { VomsDir } from '@repoman/x509';
import { vomsEnabled } from '../config/config-schema.js';
import { probeMetadata } from '../metadata/open-metadata.js';
import { MetadataUnavailable } from '../metadata/store-errors.js';
import { loadImageListSigner } from '../services/image-list-signer.js';
import { EXIT_ERROR, EXIT_OK, type Command } from './command-context.js';
import { loadConfigOrReport } from './load-config-or-report.js';

export const checkConfigCommand: Command = {
  words: ['check-config'],
  summary: 'check the configuration and report every problem',
  usage: 'check-config [--config FILE]',
  options: {},
  optionHelp: [],
  async run(_values, context, configFile) {
    const config = loadConfigOrReport(context, configFile, { checkPaths: true });
    if (config === null) return EXIT_ERROR;
    const { vomsdir } = config.voms;
    if (vomsEnabled(vomsdir)) {
      const skipped = (await VomsDir.load(vomsdir)).warnings;
      for (const warning of skipped) context.stderr.write(`repoman-server: voms.vomsdir: ${warning}\n`);
      if (skipped.length > 0) return EXIT_ERROR;
    }
    const { cert, key } = config.tls;
    if (config.source.tlsConfigured && cert !== null && key !== null) {
      try {
        const signer = await loadImageListSigner({ cert, key });
        if (signer.warning !== null) context.stderr.write(`repoman-server: warning: image lists: ${signer.warning}\n`);
      } catch (error) {
        context.stderr.write(`repoman-server: ${error instanceof Error ? error.message : String(error)}\n`);
        return EXIT_ERROR;
      }
    }
    try {
      await probeMetadata(config.database.url);
    } catch (error) {
      if (!(error instanceof MetadataUnavailable)) throw error;
      context.stderr.write(`repoman-server: database.url: ${error.message}\n`);
      return EXIT_ERROR;
    }
    context.stdout.write('ok\n');
    return EXIT_OK;
  },
};
