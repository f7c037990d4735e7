/**
 * The transfer progress bar: bytes, percent, rate and ETA, drawn on stderr with cli-progress
 * only when the command context says so (stderr a terminal, no --quiet; silence when piped
 * or in scripts). A transfer may go through phases (hash the file, then upload it; re-read a
 * kept .part, then download): each phase gets its own bar.
 */
import { SingleBar } from 'cli-progress';
import type { ProgressListener, TransferPhase } from '../transfer/transfer-progress.js';
import { formatBytes, formatDuration } from './format.js';
import type { IOStreams } from './io-streams.js';

const LABELS: Record<TransferPhase, string> = { checksum: 'sha256  ', upload: 'upload  ', download: 'download', verify: 'verify  ' };

export interface ProgressBar {
  readonly listener: ProgressListener | undefined;
  stop(): void;
}

/** A bar on stderr, or none (`shown` false: not a terminal, or --quiet). */
export function progressBar(io: IOStreams, title: string, shown: boolean): ProgressBar {
  if (!shown) return { listener: undefined, stop: () => undefined };
  let bar: SingleBar | undefined;
  let phase: TransferPhase | undefined;
  let started = 0;
  let startValue = 0;
  const stop = (): void => {
    bar?.stop();
    bar = undefined;
  };
  const listener: ProgressListener = (progress) => {
    if (progress.phase !== phase || !bar) {
      stop();
      phase = progress.phase;
      started = Date.now();
      startValue = progress.transferred;
      const label = LABELS[progress.phase];
      bar = new SingleBar({
        stream: io.stderr as NodeJS.WritableStream,
        hideCursor: false,
        fps: 8,
        barsize: 24,
        noTTYOutput: false,
        format: (options, params) => {
          const done = params.value;
          const total = params.total;
          // Re-reading a kept .part has no known end: say what is happening, not "0% 832 MiB/0 B".
          if (phase === 'verify') return `${title} verifying the partial file: ${formatBytes(done)} read`;
          const seconds = Math.max((Date.now() - started) / 1000, 0.001);
          const rate = (done - startValue) / seconds;
          const percent = total > 0 ? Math.floor((done / total) * 100) : 0;
          const filled = total > 0 ? Math.round((done / total) * (options.barsize ?? 24)) : 0;
          const barText = `${'█'.repeat(filled)}${'░'.repeat(Math.max(0, (options.barsize ?? 24) - filled))}`;
          const eta = rate > 0 && total > 0 ? formatDuration((total - done) / rate) : '--';
          return `${title} ${label} ${barText} ${String(percent).padStart(3)}% ${formatBytes(done)}/${formatBytes(total)} ${formatBytes(rate)}/s ETA ${eta}`;
        },
      });
      bar.start(progress.total, progress.transferred);
    }
    if (progress.total !== bar.getTotal()) bar.setTotal(progress.total);
    bar.update(progress.transferred);
  };
  return { listener, stop };
}
