/**
 * What a transfer reports as it goes, for a progress bar or a script's own display: the phase
 * (hashing the file before an upload, sending it, receiving a download, re-reading a kept
 * `.part` before resuming), the bytes done and the bytes expected.
 */

export type TransferPhase = 'checksum' | 'upload' | 'download' | 'verify';

export interface TransferProgress {
  readonly phase: TransferPhase;
  /** Bytes done in this phase, counting a resumed download's kept prefix. */
  readonly transferred: number;
  /** Bytes expected in this phase (0 when unknown). */
  readonly total: number;
}

export type ProgressListener = (progress: TransferProgress) => void;
