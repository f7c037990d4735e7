// What `npm run bench -- --smoke` prints: whether every transfer arrived whole, and nothing
// else. A few MiB per client measure no throughput, so its ratios (even `Infinityx` when a
// row takes no measurable time) and PASS/MISS verdicts would only read like failures in CI.
import type { RowResult } from './throughput-rows.js';

/** One line: `smoke: ok, N rows, bytes verified`, or `smoke: FAILED, …` with the count of failed transfers. */
export function smokeSummary(results: readonly RowResult[], failures: readonly string[]): string {
  if (failures.length > 0) return `smoke: FAILED, ${failures.length} failed transfer(s) in ${results.length} rows`;
  return `smoke: ok, ${results.length} rows, bytes verified`;
}
