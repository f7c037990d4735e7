/**
 * Bounded retries with exponential backoff, for network errors and 5xx answers only (a 4xx
 * is the caller's to fix; another try would only repeat it). Each attempt calls `run` again,
 * so a transfer re-opens its source; the AbortSignal cuts a backoff short.
 */
import { ApiError, NetworkError, TransferAbortedError } from '../wire/api-errors.js';

export interface RetryPolicy {
  /** Tries in all, the first included (default 4). */
  readonly attempts?: number;
  /** Wait before the second try; doubled each time (default 500 ms). */
  readonly baseDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Told before each new try (e.g. to print "retrying"). */
  readonly onRetry?: (error: Error, attempt: number, delayMs: number) => void;
}

export function isRetryable(error: unknown): error is Error {
  return (error instanceof NetworkError || error instanceof ApiError) && error.retryable;
}

export async function withRetry<T>(run: (attempt: number) => Promise<T>, policy: RetryPolicy = {}, signal?: AbortSignal): Promise<T> {
  const attempts = Math.max(1, policy.attempts ?? 4);
  let delay = policy.baseDelayMs ?? 500;
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await run(attempt);
    } catch (error) {
      if (attempt >= attempts || !isRetryable(error) || signal?.aborted) throw error;
      policy.onRetry?.(error, attempt, delay);
      await sleep(delay, signal);
      delay = Math.min(delay * 2, policy.maxDelayMs ?? 8000);
    }
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(new TransferAbortedError('interrupted'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
