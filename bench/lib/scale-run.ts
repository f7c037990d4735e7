// The scale run: `scaleClients` simultaneous HTTPS downloads (curl processes, each presenting
// the admin's grid proxy, so every connection is a full handshake with chain validation) of
// the public scale image; every body is piped into this process and its sha256 checked. It
// records the same figures as a row, above all the server's peak resident memory. 150 curl
// processes take RAM and CPU of their own (docs/performance.md), which the figures include.
import type { ServerName } from './bench-options.js';
import type { BenchSite } from './bench-site.js';
import { runCurls, type CurlJob } from './curl-clients.js';
import { measure } from './measure.js';
import type { RowResult } from './throughput-rows.js';

export async function runScale(
  site: BenchSite, clients: number, servers: readonly ServerName[], report: (result: RowResult) => void,
): Promise<RowResult[]> {
  const { scaleSource } = site;
  const results: RowResult[] = [];
  for (const server of servers) {
    const url = server === 'nginx' ? `${site.nginx.httpsUrl}/files/scale.img` : `${site.repomanDisk.httpsUrl}/api/images/raw/admin/scale.img`;
    const pids = server === 'nginx' ? site.nginx.pids : site.repomanDisk.pids;
    const args = server === 'nginx' ? site.nginxCredentialArgs : site.credentialArgs;
    const job: CurlJob = { url, args, bytes: scaleSource.size, sha256: scaleSource.sha256, okStatus: [200] };
    const measured = await measure(pids, clients * scaleSource.size, () => runCurls(Array.from({ length: clients }, () => job)));
    const result = { row: 'scale', server, clients, syncSeconds: 0, ...measured };
    report(result);
    results.push(result);
  }
  return results;
}
