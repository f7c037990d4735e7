// The bench's command line: `npm run bench -- [--size 1G] [--clients 1,3,5,7,9 | 1-9]
// [--rows a,b,…] [--servers nginx,repoman] [--scale-clients 150] [--scale-size 64M]
// [--delta-size 4G] [--delta-link 1gbit] [--delta-store xfs] [--repeat N] [--verify] [--out DIR] [--smoke]`, or `--api [--api-databases sqlite,postgres]
// [--api-seconds 5] [--api-connections 64] [--api-rows 'whoami;metadata'] [--api-cold] [--api-host-key rsa|ec]` for the metadata API bench (lib/api-bench.ts).
// --smoke is a quick correctness run for CI (4 MiB, 2 clients, every row, both servers, a
// 10-client scale run, every download's sha256 checked; then the API rows on SQLite for a
// second each, 8 connections); it fails on errors, never on ratios.
import { resolve } from 'node:path';
import type { ApiDatabase } from './api-bench.js';
import { parseLinkRate } from './rate-limited-link.js';

export const THROUGHPUT_ROWS = ['https-get', 'http-get', 'https-put-disk', 'https-put-tmpfs'] as const;
export const CLIENT_ROWS = ['client-download', 'client-download-stdout', 'client-upload', 'tus-upload'] as const;
export const ALL_ROWS = [...THROUGHPUT_ROWS, ...CLIENT_ROWS, 'scale', 'delta-resave'] as const;
export type RowName = (typeof ALL_ROWS)[number];
export type ServerName = 'nginx' | 'repoman';

export interface BenchOptions {
  readonly size: number;
  readonly clients: readonly number[];
  readonly rows: readonly RowName[];
  readonly servers: readonly ServerName[];
  readonly scaleClients: number;
  readonly scaleSize: number;
  /** Image size of the delta-resave row (lib/delta-row.ts). */
  readonly deltaSize: number;
  /**
   * `--delta-link RATE` (default 1gbit; `none` to skip): the delta-resave row also runs through a
   * link of this rate (lib/rate-limited-link.ts). A re-save goes over a network: on loopback
   * there is no transfer for a delta to save, only hashing and the server's disk.
   */
  readonly deltaLink: { readonly label: string; readonly bytesPerSecond: number } | undefined;
  /** `--delta-store xfs`: the delta-resave row's server keeps its images on a loop-mounted XFS with reflinks (lib/xfs-store.ts). */
  readonly deltaStore: 'disk' | 'xfs';
  /** Runs per measurement; the fastest is kept (this machine's noise is one-sided: slower). */
  readonly repeat: number;
  /** Check the sha256 of every download (piped through the bench: costs CPU on the same cores). */
  readonly verify: boolean;
  readonly out: string;
  readonly smoke: boolean;
  /** The metadata API bench instead of the transfer rows. */
  readonly api: boolean;
  readonly apiDatabases: readonly ApiDatabase[];
  readonly apiSeconds: number;
  readonly apiConnections: number;
  /** Names of the API rows to run (default all): for profiling one route. */
  readonly apiRows: readonly string[] | null;
  /** The API bench with repoman's answer cache off (`--api-cold`). */
  readonly apiCold: boolean;
  /** The key of the host certificate both servers of the API bench use. */
  readonly apiHostKey: 'rsa' | 'ec';
}

export const USAGE = `usage: npm run bench -- [options]
  --size SIZE           bytes per transfer, e.g. 1G, 256M (default 1G)
  --clients LIST        simultaneous clients, e.g. 1,3,5,7,9 or 1-9 (default 1,3,5,7,9)
  --rows LIST           of ${ALL_ROWS.join(', ')} (default all)
  --servers LIST        nginx,repoman (default both)
  --scale-clients N     simultaneous downloads of the scale run (default 150)
  --scale-size SIZE     image size of the scale run (default 64M)
  --delta-size SIZE     image size of the delta-resave row (default 4G)
  --delta-link RATE     also run the delta-resave row through a link of RATE (default 1gbit; e.g. 100mbit; none: loopback only; a user-space relay)
  --delta-store xfs     the delta-resave row's server stores on a loop-mounted XFS with reflinks (root; created and removed)
  --repeat N            runs per measurement, the fastest kept (default 1)
  --verify              check the sha256 of every download (default: only smoke and scale runs)
  --out DIR             where the CSV, SVG and text go (default bench/results)
  --smoke               4M, 2 clients, scale run of 10, sha256 checked, API rows 1 s; out bench/results/smoke
  --api                 the metadata API bench (20,000 images) instead of the transfer rows
  --api-databases LIST  sqlite,postgres (default both; smoke: sqlite)
  --api-seconds N       seconds per API measurement (default 5; smoke: 1)
  --api-connections N   simultaneous connections of the API bench (default 64; smoke: 8)
  --api-rows LIST       only these API rows, separated by ; e.g. 'whoami;page, admin' (default all)
  --api-cold            repoman with its answer cache off ([server] answer_cache = false): every request takes the full path
  --api-host-key rsa|ec the host certificate's key for nginx and repoman alike: RSA-2048 (default) or ECDSA P-256`;

export function parseSize(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([KMGT]?)(?:i?B)?$/i.exec(text.trim());
  if (!match) throw new Error(`bad size ${JSON.stringify(text)}: use e.g. 1G, 64M, 4096`);
  const power = ' KMGT'.indexOf((match[2] ?? '').toUpperCase() || ' ');
  return Math.round(Number(match[1]) * 1024 ** power);
}

function parseClients(text: string): number[] {
  const range = /^(\d+)-(\d+)$/.exec(text);
  const list = range ? Array.from({ length: Number(range[2]) - Number(range[1]) + 1 }, (_, i) => Number(range[1]) + i) : text.split(',').map(Number);
  if (list.length === 0 || list.some((n) => !Number.isInteger(n) || n < 1 || n > 200)) throw new Error(`bad --clients ${text}`);
  return list;
}

function parseList<T extends string>(text: string, allowed: readonly T[], what: string): T[] {
  const list = text.split(',').map((item) => item.trim());
  for (const item of list) if (!allowed.includes(item as T)) throw new Error(`unknown ${what} ${item}: one of ${allowed.join(', ')}`);
  return list as T[];
}

export function parseBenchOptions(argv: readonly string[], root: string): BenchOptions {
  const values = new Map<string, string>();
  const flags = new Set<string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] ?? '';
    if (arg === '--smoke' || arg === '--verify' || arg === '--help' || arg === '--api' || arg === '--api-cold') flags.add(arg);
    else if (arg.startsWith('--') && arg.includes('=')) values.set(arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1));
    else if (arg.startsWith('--') && i + 1 < argv.length) values.set(arg, argv[(i += 1)] ?? '');
    else throw new Error(`unexpected argument ${arg}\n${USAGE}`);
  }
  if (flags.has('--help')) throw new Error(USAGE);
  const known = ['--size', '--clients', '--rows', '--servers', '--scale-clients', '--scale-size', '--delta-size', '--delta-link', '--delta-store', '--repeat', '--out', '--api-databases', '--api-seconds', '--api-connections', '--api-rows', '--api-host-key'];
  for (const key of values.keys()) if (!known.includes(key)) throw new Error(`unknown option ${key}\n${USAGE}`);
  const smoke = flags.has('--smoke');
  const scaleClients = Number(values.get('--scale-clients') ?? (smoke ? 10 : 150));
  if (!Number.isInteger(scaleClients) || scaleClients < 1 || scaleClients > 500) throw new Error('--scale-clients: 1 to 500');
  const repeat = Number(values.get('--repeat') ?? 1);
  if (!Number.isInteger(repeat) || repeat < 1 || repeat > 10) throw new Error('--repeat: 1 to 10');
  const apiSeconds = Number(values.get('--api-seconds') ?? (smoke ? 1 : 5));
  if (!Number.isInteger(apiSeconds) || apiSeconds < 1 || apiSeconds > 600) throw new Error('--api-seconds: 1 to 600');
  const apiConnections = Number(values.get('--api-connections') ?? (smoke ? 8 : 64));
  if (!Number.isInteger(apiConnections) || apiConnections < 1 || apiConnections > 1000) throw new Error('--api-connections: 1 to 1000');
  return {
    size: parseSize(values.get('--size') ?? (smoke ? '4M' : '1G')),
    clients: parseClients(values.get('--clients') ?? (smoke ? '2' : '1,3,5,7,9')),
    rows: values.has('--rows') ? parseList(values.get('--rows') ?? '', ALL_ROWS, 'row') : [...ALL_ROWS],
    servers: values.has('--servers') ? parseList(values.get('--servers') ?? '', ['nginx', 'repoman'] as const, 'server') : ['nginx', 'repoman'],
    scaleClients,
    scaleSize: parseSize(values.get('--scale-size') ?? (smoke ? '4M' : '64M')),
    deltaSize: parseSize(values.get('--delta-size') ?? (smoke ? '32M' : '4G')),
    deltaLink: deltaLink(values.get('--delta-link') ?? '1gbit'),
    deltaStore: parseList(values.get('--delta-store') ?? 'disk', ['disk', 'xfs'] as const, 'delta store')[0] ?? 'disk',
    repeat,
    verify: smoke || flags.has('--verify'),
    out: resolve(root, values.get('--out') ?? (smoke ? 'bench/results/smoke' : 'bench/results')),
    smoke,
    api: flags.has('--api'),
    apiDatabases: values.has('--api-databases') ? parseList(values.get('--api-databases') ?? '', ['sqlite', 'postgres'] as const, 'database') : smoke ? ['sqlite'] : ['sqlite', 'postgres'],
    apiSeconds,
    apiConnections,
    apiCold: flags.has('--api-cold'),
    apiRows: values.has('--api-rows') ? (values.get('--api-rows') ?? '').split(';').map((row) => row.trim()) : null,
    apiHostKey: parseList(values.get('--api-host-key') ?? 'rsa', ['rsa', 'ec'] as const, 'host key')[0] ?? 'rsa',
  };
}

/** `--delta-link`: a rate, or `none`. */
function deltaLink(value: string): BenchOptions['deltaLink'] {
  return value === 'none' ? undefined : { label: value, bytesPerSecond: parseLinkRate(value) };
}
