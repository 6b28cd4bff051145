/** The gateway's rule for snapshot (and desktop) names. */
const NAME = /^[\p{L}\p{N}][\p{L}\p{N} ._-]{0,62}$/u;

/** How often a list is re-read while a snapshot in it is still being taken or deleted. */
export const SNAPSHOT_REFRESH_MS = 2000;

/** 10737418240 → "10 GiB". */
export function formatBytes(bytes: number | null | undefined): string {
  if (bytes == null) return "—";
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${Number.isInteger(value) ? value : value.toFixed(1)} ${units[unit]}`;
}

export function validateSnapshotName(value: string): string | null {
  return NAME.test(value.trim())
    ? null
    : "1–63 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit";
}

/** A restored desktop's name is optional (the gateway then takes the snapshot's); if given, the same rule. */
export function validateOptionalName(value: string): string | null {
  return value.trim() === "" ? null : validateSnapshotName(value);
}
