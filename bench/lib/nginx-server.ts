// The yardstick: nginx (Debian `nginx-light`, which has the WebDAV module: `dav_methods PUT`),
// installed with apt-get when missing, run as a child (`daemon off`, master and
// `worker_processes auto`, i.e. one worker per core) with a config of our own in a temp
// prefix. Its settings are Debian's defaults (sendfile on, tcp_nopush on, default TLS
// ciphers) plus what the protocol needs: the same host certificate as repoman, client
// certificates required and verified against the site's CA (nginx's OpenSSL refuses RFC 3820
// proxies, so its clients present the user's own certificate where repoman's present the proxy
// made from it: the same handshake work, one certificate fewer); `GET /files/NAME` from a
// directory; `PUT /disk/NAME` and `PUT /tmpfs/NAME` written through a temp file in the same
// directory then renamed, as nginx's DAV module does. nginx does not fsync an upload.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processTree } from './proc-stats.js';

export interface NginxOptions {
  /** Config, logs, temp paths. */
  readonly prefix: string;
  readonly hostCert: string;
  readonly hostKey: string;
  /** PEM file of the CA that issued the clients' certificates. */
  readonly clientCa: string;
  /** Served as /files/. */
  readonly filesDir: string;
  /** PUT /disk/NAME lands here (a directory on disk). */
  readonly diskDir: string;
  /** PUT /tmpfs/NAME lands here (a directory on a tmpfs). */
  readonly tmpfsDir: string;
  readonly httpsPort: number;
  readonly httpPort: number;
}

export interface NginxServer {
  readonly httpsUrl: string;
  readonly httpUrl: string;
  readonly version: string;
  /** Master and workers. */
  pids(): number[];
  stop(): Promise<void>;
}

/** Installs nginx-light when there is no nginx binary; throws when that fails. */
export function ensureNginx(log: (line: string) => void): void {
  if (spawnSync('sh', ['-c', 'command -v nginx'], { stdio: 'ignore' }).status === 0) return;
  log('bench: nginx is missing: apt-get install nginx-light');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const install = spawnSync('apt-get', ['install', '-y', '-qq', 'nginx-light'], { env, encoding: 'utf8', timeout: 300_000 });
  if (install.status !== 0) throw new Error(`apt-get install nginx-light failed:\n${install.stdout}${install.stderr}`);
  // Debian's package starts a system nginx on port 80 where it can; it is not ours to stop.
}

function nginxConfig(o: NginxOptions): string {
  const put = (name: string, dir: string): string => `
    location /${name}/ {
      alias ${dir}/;
      dav_methods PUT;
      create_full_put_path on;
      client_max_body_size 0;
      client_body_temp_path ${dir}/.temp;
    }`;
  return `
worker_processes auto;
pid ${o.prefix}/nginx.pid;
error_log ${o.prefix}/error.log warn;
user root;
events { worker_connections 1024; }
http {
  access_log ${o.prefix}/access.log;
  sendfile on;
  tcp_nopush on;
  types_hash_max_size 2048;
  default_type application/octet-stream;
  client_body_timeout 600s;
  send_timeout 600s;
  server {
    listen 127.0.0.1:${o.httpsPort} ssl;
    ssl_certificate ${o.hostCert};
    ssl_certificate_key ${o.hostKey};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_tickets off;
    ssl_verify_client on;
    ssl_client_certificate ${o.clientCa};
    location /files/ { alias ${o.filesDir}/; }
    ${put('disk', o.diskDir)}
    ${put('tmpfs', o.tmpfsDir)}
  }
  server {
    listen 127.0.0.1:${o.httpPort};
    location /files/ { alias ${o.filesDir}/; }
  }
}
`;
}

export async function startNginx(o: NginxOptions): Promise<NginxServer> {
  for (const dir of [o.prefix, join(o.diskDir, '.temp'), join(o.tmpfsDir, '.temp')]) await mkdir(dir, { recursive: true });
  const conf = join(o.prefix, 'nginx.conf');
  await writeFile(conf, nginxConfig(o));
  const version = spawnSync('nginx', ['-v'], { encoding: 'utf8' }).stderr.trim().replace(/^nginx version: /, '');
  const child: ChildProcess = spawn('nginx', ['-p', o.prefix, '-c', conf, '-e', join(o.prefix, 'error.log'), '-g', 'daemon off;'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const pid = child.pid ?? 0;
  // Ready once its workers exist and the ports answer.
  const deadline = Date.now() + 10_000;
  while (processTree(pid).length < 2) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`nginx did not start: ${stderr}`);
    await sleep(50);
  }
  await sleep(200);
  if (child.exitCode !== null) throw new Error(`nginx exited: ${stderr}`);
  return {
    httpsUrl: `https://127.0.0.1:${o.httpsPort}`,
    httpUrl: `http://127.0.0.1:${o.httpPort}`,
    version,
    pids: () => processTree(pid),
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      await new Promise<void>((done) => {
        child.once('exit', () => done());
        child.kill('SIGQUIT');
      });
    },
  };
}
