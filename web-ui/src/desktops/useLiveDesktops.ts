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

/** States a desktop leaves on its own; while one is on screen the page is re-read now and then. */
const MOVING = new Set(["PENDING", "SCHEDULED", "STARTING", "STOPPING"]);

/** How often a page showing a desktop on its way is re-read, events or not. */
export const RECHECK_MILLIS = 5_000;

/** An event's desktop is current unless the row was read later (a re-read after the event). */
function isCurrent(update: DesktopFieldsFragment, row: DesktopFieldsFragment): boolean {
  const u = Date.parse(update.updatedAt);
  const r = Date.parse(row.updatedAt);
  return Number.isNaN(u) || Number.isNaN(r) || u >= r;
}

/**
 * A page of desktops kept live by the `desktopEvents` subscription: each event replaces the row
 * of its desktop, so states change on screen without reloading. Events that happen before the
 * subscription is running (a desktop restored, then this page opened) or while its WebSocket
 * reconnects are never delivered, so while a desktop on screen is on its way (PENDING, STARTING,
 * STOPPING…) the page is also re-read every {@link RECHECK_MILLIS}: it cannot stay stuck on a
 * state the desktop left.
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
      // A refused subscription delivers one event without data (the error is in `subscription.error`).
      if (!event.desktopEvents) return previous ?? new Map();
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
        isCurrent,
      }),
    [rows, subscription.data, includeNew, includeDeleted],
  );

  const moving = desktops.some((d) => MOVING.has(d.state));
  useEffect(() => {
    if (!moving) return;
    const timer = setInterval(() => refetch({ requestPolicy: "network-only" }), RECHECK_MILLIS);
    return () => clearInterval(timer);
  }, [moving, refetch]);

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
