/**
 * Printing results: `--json` writes exactly what the server answered (indented), tables for
 * people align columns under a header, and a record is shown as `key: value` lines.
 */
import { println, type IOStreams } from './io-streams.js';

export function printJson(io: IOStreams, value: unknown): void {
  println(io, JSON.stringify(value, null, 2));
}

export function printTable(io: IOStreams, headers: readonly string[], rows: ReadonlyArray<readonly string[]>): void {
  const widths = headers.map((header, column) => Math.max(header.length, ...rows.map((row) => (row[column] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, column) => (column === cells.length - 1 ? cell : cell.padEnd(widths[column] ?? 0))).join('  ').trimEnd();
  println(io, line(headers));
  for (const row of rows) println(io, line(row));
}

export function printFields(io: IOStreams, fields: ReadonlyArray<readonly [string, string]>): void {
  const width = Math.max(...fields.map(([key]) => key.length));
  for (const [key, value] of fields) println(io, `${`${key}:`.padEnd(width + 1)} ${value}`);
}

/** A list for a table cell: `a, b` or `-`. */
export function listCell(values: readonly string[] | null | undefined): string {
  return values && values.length > 0 ? values.join(', ') : '-';
}
