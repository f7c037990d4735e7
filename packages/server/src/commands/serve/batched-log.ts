/**
 * The request log's sink for a running server: the lines logged during one turn of the event
 * loop reach stdout in one write (at the next setImmediate), not in one write each. Under load
 * one turn answers many requests, and a write per line cost about a fifth of the CPU of an
 * answer from the answer cache (docs/performance.md, "The metadata API at scale"). A line is at
 * most one turn late; flush() writes what is pending (the server calls it when it stops, and at
 * process exit).
 */
import type { Output } from '../command-context.js';

export interface BatchedLog extends Output {
  flush(): void;
}

export function batchedLog(out: Output): BatchedLog {
  let pending: string[] = [];
  let scheduled = false;
  const flush = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    out.write(text);
  };
  return {
    write(line: string) {
      pending.push(line);
      if (!scheduled) {
        scheduled = true;
        setImmediate(flush);
      }
      return true;
    },
    flush,
  };
}
