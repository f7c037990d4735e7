// A description of the machine the figures come from: CPU model and the flags that matter for
// TLS and hashing (aes, sha_ni), cores, memory, kernel, file systems of the bench's
// directories, and the versions of node, OpenSSL, nginx and curl.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';

const run = (command: string, args: string[]): string => {
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
};

export function describeMachine(dirs: Record<string, string>): string {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const flags = /^flags\s*:\s*(.*)$/m.exec(cpuinfo)?.[1]?.split(' ') ?? [];
  const wanted = ['aes', 'sha_ni', 'avx2', 'vaes'].filter((flag) => flags.includes(flag));
  const lines = [
    `CPU: ${cpus()[0]?.model ?? '?'}, ${cpus().length} cores (flags: ${wanted.join(' ')})`,
    `memory: ${(totalmem() / 2 ** 30).toFixed(1)} GiB; kernel ${release()}`,
    `node ${process.version} (OpenSSL ${process.versions.openssl}); ${run('nginx', ['-v']).replace('nginx version: ', '')}; ${run('curl', ['--version']).split('\n')[0] ?? ''}`,
  ];
  for (const [name, dir] of Object.entries(dirs)) {
    const df = run('df', ['-T', dir]).split('\n')[1]?.split(/\s+/) ?? [];
    lines.push(`${name}: ${dir} on ${df[1] ?? '?'} (${df[0] ?? '?'})`);
  }
  return lines.join('\n');
}
