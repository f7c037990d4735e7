/**
 * The end-to-end fixture of the client tests: a grid site (CA directory, users whose proxies
 * grid-proxy-init made), the real repoman-server started from packages/server/dist with
 * `admin` as admin, `bob` (an owner) and `pam` (a sharee) registered, and a runner per user
 * that spawns the built `repoman` with that user's proxy, the site's CA directory, the
 * server in REPOMAN_SERVER and a temp HOME of its own.
 */
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { curl } from '../../../server/test/helpers/curl.js';
import { makeGridSite, type GridSite, type GridUser } from '../../../server/test/helpers/grid-site.js';
import { startRepository, type Repository } from '../../../server/test/helpers/repository-process.js';
import { runRepoman, runUnderTerminal, type RunOptions, type RunResult } from './run-repoman.js';

export type Runner = (args: string[], options?: RunOptions) => Promise<RunResult>;

export interface ClientSite {
  readonly site: GridSite;
  readonly repo: Repository;
  readonly admin: GridUser;
  readonly bob: GridUser;
  readonly pam: GridUser;
  /** The environment a user's shell would have. */
  envOf(user: GridUser | undefined, extra?: Record<string, string | undefined>): Record<string, string | undefined>;
  as(user: GridUser): Runner;
  /** As `as`, under a pseudo-terminal. */
  asOnTerminal(user: GridUser): Runner;
  /** Registers a user through the API (setup, not under test). */
  register(user: GridUser): void;
  cleanup(): Promise<void>;
}

export async function makeClientSite(options: { extraToml?: string } = {}): Promise<ClientSite> {
  const site = await makeGridSite();
  const admin = await site.user('admin');
  const bob = await site.user('bob');
  const pam = await site.user('pam');
  const repo = await startRepository({ site, adminDns: [admin.dn], ...(options.extraToml !== undefined && { extraToml: options.extraToml }) });
  const register = (user: GridUser): void => {
    const created = curl(`${repo.url}/api/users`, { caDir: site.caDir, credential: admin.proxyPath, method: 'POST', json: { user_name: user.name, client_dn: user.dn } });
    if (created.status !== 201) throw new Error(`registering ${user.name}: ${created.status} ${created.body}`);
  };
  register(bob);
  register(pam);

  const homes = join(site.dir, 'homes');
  const envOf = (user: GridUser | undefined, extra: Record<string, string | undefined> = {}): Record<string, string | undefined> => ({
    HOME: join(homes, user?.name ?? 'nobody'),
    X509_USER_PROXY: user?.proxyPath,
    X509_CERT_DIR: site.caDir,
    REPOMAN_SERVER: repo.url,
    ...extra,
  });
  for (const name of ['admin', 'bob', 'pam', 'nobody']) await mkdir(join(homes, name), { recursive: true });
  const runner = (run: typeof runRepoman) => (user: GridUser): Runner => (args, options = {}) =>
    run(args, { ...options, env: { ...envOf(user), ...options.env } });

  return {
    site, repo, admin, bob, pam, envOf, register,
    as: runner(runRepoman),
    asOnTerminal: runner(runUnderTerminal),
    cleanup: async () => {
      await repo.cleanup();
      await site.cleanup();
    },
  };
}
