/** How numbers and times are shown: sizes in binary units, times in the browser's locale (UTC kept in the title). */
const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function formatBytes(bytes: number | null | undefined): string {
  if (bytes === null || bytes === undefined) return '—';
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${UNITS[unit]}`;
}

export function formatTime(iso: string | null | undefined): string {
  if (iso === null || iso === undefined) return '—';
  return new Date(iso).toLocaleString();
}

/** A quota of 0 means unlimited (SPEC §3 "Quotas"). */
export function formatQuota(used: number, limit: number, unit: (n: number) => string = String): string {
  return limit === 0 ? `${unit(used)} (no limit)` : `${unit(used)} of ${unit(limit)}`;
}
