/**
 * "A list query plus live updates" as a pure merge: the page of rows a query returned, overlaid
 * with the newest version of each row that a subscription delivered since. Why this is not urql's
 * normalized cache (Graphcache): docs/adr/0045-live-lists-merge-events-without-graphcache.md.
 */
export interface LiveMergeOptions<T> {
  /** Rows the query did not return that should still appear (e.g. a desktop just created). */
  includeNew?: (row: T) => boolean;
  /** Rows to hide after an update (e.g. a desktop that reached DELETED). */
  remove?: (row: T) => boolean;
  /**
   * Whether an update is at least as new as the row the query returned. Without it every update
   * wins; with it a query run after an event (a refetch) is not overwritten by that older event.
   */
  isCurrent?: (update: T, row: T) => boolean;
}

export function mergeLive<T extends { id: string }>(
  rows: readonly T[],
  updates: ReadonlyMap<string, T>,
  options: LiveMergeOptions<T> = {},
): T[] {
  const seen = new Set<string>();
  const merged: T[] = [];
  for (const row of rows) {
    seen.add(row.id);
    const update = updates.get(row.id);
    const next = update && (!options.isCurrent || options.isCurrent(update, row)) ? update : row;
    if (!options.remove?.(next)) merged.push(next);
  }
  if (options.includeNew) {
    for (const [id, row] of updates) {
      if (!seen.has(id) && options.includeNew(row) && !options.remove?.(row)) merged.push(row);
    }
  }
  return merged;
}
