/**
 * The command's standard streams and what they are connected to, injected so that tests can
 * capture output and pretend to be (or not be) on a terminal. Progress bars are drawn only when
 * stderr is a terminal; prompts only when stdin is one.
 */
import type { Readable, Writable } from 'node:stream';

export interface IOStreams {
  readonly stdin: Readable;
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdinIsTTY: boolean;
  readonly stdoutIsTTY: boolean;
  readonly stderrIsTTY: boolean;
}

export function processStreams(): IOStreams {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    stdinIsTTY: process.stdin.isTTY === true,
    stdoutIsTTY: process.stdout.isTTY === true,
    stderrIsTTY: process.stderr.isTTY === true,
  };
}

/** Writes `text` and a newline to stdout. */
export function println(io: IOStreams, text = ''): void {
  io.stdout.write(`${text}\n`);
}

/** Writes a message line to stderr. */
export function eprintln(io: IOStreams, text: string): void {
  io.stderr.write(`${text}\n`);
}
