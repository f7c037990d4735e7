/**
 * `repoman-server` / `repoman-server serve`: runs the service. Loads the configuration (and
 * refuses, creating nothing, when a file it names is missing), makes the data directory, opens
 * the metadata database and applies pending migrations, applies `[admin] dns` (each DN's user
 * becomes an admin; unknown DNs are registered under a name made from their last CN, see
 * `services/admin-bootstrap.ts`), opens the blob store and removes abandoned uploads (then
 * sweeps image storage hourly, see `services/blob-sweeper.ts`), picks the TLS files (without
 * `[tls]`, the development PKI and its admin: `serve/tls-files.ts`), loads the HEPiX image list
 * signer from them (a host key that cannot sign stops the start, see
 * `services/image-list-signer.ts`) and starts the sha512 worker, then hands over to the TLS
 * layer's `startServer`, giving it a way to build one app per listener, and prints how to use
 * the development PKI (`serve/newcomer-lines.ts`). Runs until SIGINT or SIGTERM, then closes
 * the listeners (requests in flight finish first), the database and the blob store.
 * `startServer` and the blob store's opening are injectable for tests.
 */
import type { RepomanConfig } from '../config/config-types.js';
import { buildApp } from '../http/build-app.js';
import { defaultWebRoot, loadWebFiles } from '../http/web-ui.js';
import { createMetrics } from '../http/metrics.js';
import { openMetadata } from '../metadata/open-metadata.js';
import { applyAdminDns } from '../services/admin-bootstrap.js';
import { createBlobSweeper, HOUR_MS, type BlobSweeper } from '../services/blob-sweeper.js';
import { loadImageListSigner } from '../services/image-list-signer.js';
import type { BlobWorker } from '../services/blob-worker.js';
import { createBlockListWorker } from '../services/block-list-worker.js';
import { createSha512Worker, type Sha512Worker } from '../services/sha512-worker.js';
import { createBlobStore, type BlobStore, type StorageConfig } from '../storage/index.js';
import { RepomanError } from '../services/repoman-error.js';
import { startServer as defaultStartServer, type StartServerOptions, type RunningServer } from '../tls/start-server.js';
import { makeDataDir } from './data-dir.js';
import { EXIT_ERROR, EXIT_OK, type Command, type CommandContext } from './command-context.js';
import { loadConfigOrReport } from './load-config-or-report.js';
import { batchedLog } from './serve/batched-log.js';
import { printNewcomerLines } from './serve/newcomer-lines.js';
import { resolveTls } from './serve/tls-files.js';

export interface ServeDeps {
  readonly startServer: (options: StartServerOptions) => Promise<RunningServer>;
  /** Default: `createBlobStore`. */
  readonly openBlobStore?: (config: StorageConfig) => Promise<BlobStore>;
}

export function createServeCommand(deps: ServeDeps = { startServer: defaultStartServer }): Command {
  return {
    words: ['serve'],
    summary: 'run the HTTPS service (the default command)',
    usage: 'serve [--config FILE]',
    options: {},
    optionHelp: [],
    async run(_values, context, configFile) {
      const config = loadConfigOrReport(context, configFile, { checkPaths: true });
      if (config === null) return EXIT_ERROR;
      await makeDataDir(config.server.data_dir);
      return serve(config, context, deps);
    },
  };
}

async function serve(config: RepomanConfig, context: CommandContext, deps: ServeDeps): Promise<number> {
  const notice = (line: string) => context.stderr.write(`${line}\n`);
  const metadata = openMetadata(config.database.url);
  let blobs: BlobStore | undefined;
  let running: RunningServer | undefined;
  let sweeper: BlobSweeper | undefined;
  let sha512Worker: Sha512Worker | undefined;
  let blockListWorker: BlobWorker | undefined;
  // Lines not yet written when the process ends (a crash) are written at its exit.
  const requestLog = batchedLog(context.stdout);
  process.once('exit', requestLog.flush);
  try {
    const { applied } = await metadata.migrate();
    if (applied.length > 0) notice(`repoman-server: applied migrations ${applied.join(', ')}`);
    for (const result of await applyAdminDns(metadata, config.admin.dns)) {
      if (result.created) notice(`repoman-server: registered admin ${result.user.name} (${result.user.clientDn}) from [admin] dns`);
      else if (result.addedToAdmins) notice(`repoman-server: made ${result.user.name} an admin (from [admin] dns)`);
    }
    blobs = await (deps.openBlobStore ?? createBlobStore)(config.storage);
    const metrics = createMetrics();
    sweeper = createBlobSweeper(metadata.images, blobs, {
      resumable: metadata.uploads,
      orphanAgeMs: config.limits.upload_expiry + HOUR_MS,
      report: (line) => notice(`repoman-server: ${line}`),
    });
    const abandoned = await sweeper.sweepUploads();
    if (abandoned > 0) notice(`repoman-server: removed ${abandoned} abandoned upload(s) from image storage`);
    const tls = await resolveTls(config, metadata);
    // Image lists are signed with the host key: a key that cannot sign stops the start here.
    const imageListSigner = await loadImageListSigner(tls.files);
    if (imageListSigner.warning !== null) notice(`repoman-server: image lists: ${imageListSigner.warning}`);
    const worker = createSha512Worker(metadata.imageLists, blobs, { report: (line) => notice(`repoman-server: ${line}`) });
    sha512Worker = worker;
    const blockLists = createBlockListWorker(metadata.blobBlocks, blobs, { report: (line) => notice(`repoman-server: ${line}`) });
    blockListWorker = blockLists;
    const store = blobs;
    const webFiles = loadWebFiles(defaultWebRoot());
    if (webFiles.size === 0) notice('repoman-server: the web UI is not built (run `npm run build`); serving the API only');
    running = await deps.startServer({
      config,
      tls: tls.files,
      notice,
      // REPOMAN_CONTRACT_CHECK=1: the end-to-end suites check every answer against @repoman/api.
      makeApp: (listener) => buildApp({ config, metadata, blobs: store, metrics, webFiles, imageListSigner, sha512Worker: worker, blockListWorker: blockLists, logDestination: requestLog, contractCheck: context.env.REPOMAN_CONTRACT_CHECK === '1', ...listener }),
    });
    if (tls.devPki) printNewcomerLines(tls.devPki, running.urls[0] ?? '', notice);
    sweeper.start();
    worker.start();
    blockLists.start();
  } catch (error) {
    await sweeper?.stop();
    await sha512Worker?.stop();
    await blockListWorker?.stop();
    await running?.close();
    requestLog.flush();
    process.off('exit', requestLog.flush);
    await metadata.close();
    await blobs?.close();
    notice(`repoman-server: cannot start: ${error instanceof RepomanError || error instanceof Error ? error.message : String(error)}`);
    return EXIT_ERROR;
  }
  const signal = await context.waitForShutdown();
  notice(`repoman-server: ${signal}, stopping`);
  await sweeper.stop();
  await sha512Worker?.stop();
  await blockListWorker?.stop();
  // The listeners close once the requests in flight have finished; only then the stores they use.
  await running.close();
  requestLog.flush();
  process.off('exit', requestLog.flush);
  await metadata.close();
  await blobs.close();
  return EXIT_OK;
}

export const serveCommand = createServeCommand();
