/**
 * Made-up machines for the save-image unit tests: a `CommandRunner` that records every command
 * and answers from a table keyed by the command's first word (or a function), a
 * `SnapshotHost` with chosen uid, file-system space, entries and live pids, and a
 * `CommandContext` that captures stdout and stderr and has no server.
 */
import { PassThrough } from 'node:stream';
import type { CommandContext } from '../../src/cli/command-context.js';
import type { Settings } from '../../src/config/settings.js';
import type { ConfigValues } from '../../src/config/config-files.js';
import type { CommandResult, CommandRunner, RunCommandOptions } from '../../src/snapshot/command-runner.js';
import type { EntryFacts, FsSpace, SnapshotHost } from '../../src/snapshot/snapshot-host.js';

export type Answer = Partial<CommandResult> | ((argv: readonly string[], options: RunCommandOptions) => Partial<CommandResult> | Promise<Partial<CommandResult>>);

export interface FakeRunner extends CommandRunner {
  readonly calls: string[][];
  /** The calls as `word word …` lines. */
  lines(): string[];
}

export function fakeRunner(answers: Record<string, Answer> = {}, installed: readonly string[] | 'all' = 'all'): FakeRunner {
  const calls: string[][] = [];
  return {
    calls,
    lines: () => calls.map((argv) => argv.join(' ')),
    async which(command) {
      return installed === 'all' || installed.includes(command) ? `/usr/bin/${command}` : undefined;
    },
    async run(argv, options = {}) {
      calls.push([...argv]);
      const answer = answers[argv.join(' ')] ?? answers[argv[0] ?? ''];
      const partial = typeof answer === 'function' ? await answer(argv, options) : answer ?? {};
      return { code: 0, signal: null, stdout: '', stderr: '', ...partial };
    },
  };
}

export const GIB = 1024 ** 3;

export function dirEntry(mode = 0o755, uid = 0, gid = 0, device = 1): EntryFacts {
  return { kind: 'directory', mode, uid, gid, size: 4096, allocated: 4096, device };
}

export interface FakeHostOptions {
  uid?: number;
  space?: FsSpace;
  entries?: Record<string, EntryFacts>;
  alive?: number[];
  texts?: Record<string, string>;
  /** Directory listings (`list`). */
  lists?: Record<string, string[]>;
}

export function fakeHost(options: FakeHostOptions = {}): SnapshotHost {
  const entries = options.entries ?? {};
  return {
    uid: options.uid ?? 0,
    pid: 4242,
    space: async () => options.space ?? { size: 100 * GIB, used: 10 * GIB, free: 90 * GIB },
    entry: async (path) => entries[path],
    realpath: async (path) => {
      if (entries[path] === undefined) throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' });
      return path;
    },
    list: async (path) => options.lists?.[path],
    makeDir: async (path, mode) => {
      entries[path] = dirEntry(mode);
    },
    readText: async (path) => options.texts?.[path],
    isAlive: (pid) => (options.alive ?? []).includes(pid),
  };
}

export interface FakeContext extends CommandContext {
  stdout(): string;
  stderr(): string;
}

export function fakeContext(config: ConfigValues = {}, signal: AbortSignal = new AbortController().signal): FakeContext {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = '';
  let stderr = '';
  out.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  err.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const io = { stdin: new PassThrough(), stdout: out, stderr: err, stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false };
  const settings = { server: undefined, proxy: { value: '/nonexistent', source: 'default' }, caFile: undefined, caDir: undefined, insecure: false, configFiles: [], config } as Settings;
  return {
    io, env: {}, home: '/nonexistent', uid: 0, globals: {}, signal,
    settings: () => settings,
    client: () => {
      throw new Error('this test has no server');
    },
    confirm: async () => undefined,
    chatty: false,
    progress: () => ({ listener: undefined, stop: () => undefined }),
    holdExit: () => () => undefined,
    note: (message) => void err.write(`repoman: ${message}\n`),
    close: () => undefined,
    stdout: () => stdout,
    stderr: () => stderr,
  };
}
