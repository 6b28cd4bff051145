/** 1500 → "1.5 CPU". */
export function formatCpu(millis: number): string {
  const cpus = millis / 1000;
  return `${Number.isInteger(cpus) ? cpus : cpus.toFixed(1)} CPU`;
}

/** 2048 → "2 GiB", 512 → "512 MiB". */
export function formatMemory(mib: number): string {
  if (mib >= 1024) {
    const gib = mib / 1024;
    return `${Number.isInteger(gib) ? gib : gib.toFixed(1)} GiB`;
  }
  return `${mib} MiB`;
}

/** Share of used capacity in percent, 0 when there is none. */
export function percent(used: number, total: number): number {
  if (total <= 0) return 0;
  return Math.min(100, Math.max(0, (used / total) * 100));
}

export function formatTime(iso: string | null | undefined): string {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}
