import { useEffect, useMemo, useRef } from "react";
import { useQuery, useSubscription } from "urql";
import { mergeLive } from "../common/live";
import {
  DesktopUpdatesDocument,
  DesktopsDocument,
  type DesktopFieldsFragment,
  type DesktopFilter,
  type DesktopUpdatesSubscription,
} from "../gql/graphql";

export interface LiveDesktopsArgs {
  filter?: DesktopFilter;
  first: number;
  after?: string | null;
  /** Desktops created after the query that belong in this list (they arrive as events). */
  includeNew?: (d: DesktopFieldsFragment) => boolean;
}

type Updates = ReadonlyMap<string, DesktopFieldsFragment>;

/**
 * A page of desktops kept live by the `desktopEvents` subscription: each event replaces the row
 * of its desktop, so states change on screen without polling or reloading.
 */
export function useLiveDesktops({ filter, first, after, includeNew }: LiveDesktopsArgs) {
  const variables = useMemo(() => ({ filter, first, after }), [filter, first, after]);
  const [result, refetch] = useQuery({ query: DesktopsDocument, variables });
  const rows = useMemo(() => result.data?.desktops.edges.map((e) => e.node) ?? [], [result.data]);

  // Only events of rows on screen (or rows that may join) are kept, so an admin's stream of
  // events for tens of thousands of desktops does not pile up in memory.
  const relevant = useRef<{ ids: Set<string>; includeNew?: LiveDesktopsArgs["includeNew"] }>({
    ids: new Set(),
  });
  useEffect(() => {
    relevant.current = { ids: new Set(rows.map((r) => r.id)), includeNew };
  }, [rows, includeNew]);

  const [subscription] = useSubscription<DesktopUpdatesSubscription, Updates>(
    { query: DesktopUpdatesDocument },
    (previous, event) => {
      const desktop = event.desktopEvents.desktop;
      const keep =
        previous?.has(desktop.id) ||
        relevant.current.ids.has(desktop.id) ||
        relevant.current.includeNew?.(desktop);
      if (!keep) return previous ?? new Map();
      return new Map(previous).set(desktop.id, desktop);
    },
  );

  const includeDeleted = filter?.includeDeleted ?? false;
  const desktops = useMemo(
    () =>
      mergeLive(rows, subscription.data ?? new Map(), {
        includeNew,
        remove: (d) => !includeDeleted && d.state === "DELETED",
      }),
    [rows, subscription.data, includeNew, includeDeleted],
  );

  return {
    desktops,
    totalCount: result.data?.desktops.totalCount ?? 0,
    pageInfo: result.data?.desktops.pageInfo,
    fetching: result.fetching && !result.data,
    error: result.error,
    liveError: subscription.error,
    refetch: () => refetch({ requestPolicy: "network-only" }),
  };
}
