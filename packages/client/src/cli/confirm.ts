/**
 * The yes/no question asked before anything is destroyed. `--force` skips it; without a
 * terminal on stdin no one can answer, so the command refuses (exit 2) and asks for --force
 * instead of guessing. Anything but y/yes cancels (exit 1).
 */
import { createInterface } from 'node:readline';
import { CliError, UsageError } from './cli-errors.js';
import type { IOStreams } from './io-streams.js';

export async function confirmOrRefuse(io: IOStreams, question: string, force: boolean): Promise<void> {
  if (force) return;
  if (!io.stdinIsTTY) {
    throw new UsageError(`${question.replace(/\?$/, '')}: refusing to ask, stdin is not a terminal; add --force to go ahead`);
  }
  const answer = await ask(io, `${question} [y/N] `);
  if (!/^y(es)?$/i.test(answer.trim())) throw new CliError('cancelled: nothing was changed');
}

function ask(io: IOStreams, prompt: string): Promise<string> {
  return new Promise((resolve) => {
    const reader = createInterface({ input: io.stdin, output: io.stderr, terminal: false });
    io.stderr.write(prompt);
    let answered = false;
    reader.once('line', (line) => {
      answered = true;
      reader.close();
      resolve(line);
    });
    reader.once('close', () => {
      if (!answered) resolve('');
    });
  });
}
