// A bug is not a usage error: a TypeError thrown by a command — while parsing its arguments or
// while running — is reported as an internal error (exit 1), while a malformed value refused by
// the layers below (InvalidValueError) and the commands' own UsageError stay usage (exit 2).
// runCli runs in-process with a table of throw-away commands and captured streams.
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { defineCommand, type AnyCommand } from '../src/cli/command-spec.js';
import { UsageError } from '../src/cli/cli-errors.js';
import { runCli } from '../src/cli/program.js';
import { InvalidValueError } from '../src/wire/api-errors.js';

function failing(name: string, where: 'parse' | 'run', error: () => Error): AnyCommand {
  return defineCommand<undefined>({
    name,
    summary: `throws in ${where}`,
    examples: [`repoman ${name}`],
    configure: () => undefined,
    parse: () => {
      if (where === 'parse') throw error();
      return undefined;
    },
    run: async () => {
      throw error();
    },
  });
}

const COMMANDS: readonly AnyCommand[] = [
  failing('bug-in-parse', 'parse', () => new TypeError("Cannot read properties of undefined (reading 'name')")),
  failing('bug-in-run', 'run', () => new TypeError('options.image is not iterable')),
  failing('bad-value', 'parse', () => new InvalidValueError('"a/b/c" is not an image name: use NAME or OWNER/NAME')),
  failing('bad-usage', 'parse', () => new UsageError('give NAME without OWNER/')),
];

async function run(command: string): Promise<{ code: number; stderr: string }> {
  const stderr = new PassThrough();
  let text = '';
  stderr.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
  const io = { stdin: new PassThrough(), stdout: new PassThrough(), stderr, stdinIsTTY: false, stdoutIsTTY: false, stderrIsTTY: false };
  const code = await runCli(COMMANDS, [command], { io, env: {}, home: '/nonexistent', uid: 1000, signal: new AbortController().signal });
  return { code, stderr: text };
}

describe('errors of a command: bugs are not usage', () => {
  it('a TypeError thrown while parsing is an internal error, exit 1', async () => {
    const { code, stderr } = await run('bug-in-parse');
    assert.equal(code, 1);
    assert.match(stderr, /^repoman: internal error: Cannot read properties of undefined \(reading 'name'\) \(please report it/);
  });

  it('a TypeError thrown while running is an internal error, exit 1', async () => {
    const { code, stderr } = await run('bug-in-run');
    assert.equal(code, 1);
    assert.match(stderr, /^repoman: internal error: options\.image is not iterable/);
  });

  it('a malformed value refused below, and a UsageError, are usage: exit 2, the message as is', async () => {
    assert.deepEqual(await run('bad-value'), { code: 2, stderr: 'repoman: "a/b/c" is not an image name: use NAME or OWNER/NAME\n' });
    assert.deepEqual(await run('bad-usage'), { code: 2, stderr: 'repoman: give NAME without OWNER/\n' });
  });
});
