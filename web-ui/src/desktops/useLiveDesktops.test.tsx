import { act, renderHook, waitFor } from "@testing-library/react";
import type { ReactNode } from "react";
import { Provider } from "urql";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DesktopFieldsFragment } from "../gql/graphql";
import { desktop } from "../test/fixtures";
import { fakeClient } from "../test/fakeClient";
import { RECHECK_MILLIS, useLiveDesktops } from "./useLiveDesktops";

const page = (nodes: DesktopFieldsFragment[]) => ({
  desktops: {
    __typename: "DesktopConnection",
    totalCount: nodes.length,
    pageInfo: { __typename: "PageInfo", hasNextPage: false, endCursor: null },
    edges: nodes.map((node) => ({ __typename: "DesktopEdge", cursor: node.id, node })),
  },
});

const event = (d: DesktopFieldsFragment, previousState: string | null = null) => ({
  desktopEvents: {
    __typename: "DesktopEvent",
    previousState,
    at: "2026-11-28T10:00:01Z",
    desktop: d,
  },
});

describe("useLiveDesktops", () => {
  it("shows the query's page and then each desktop's newest state from the subscription", async () => {
    const api = fakeClient({
      Desktops: () => page([desktop("1", { state: "STARTING" }), desktop("2")]),
    });
    const wrapper = ({ children }: { children: ReactNode }) => (
      <Provider value={api.client}>{children}</Provider>
    );
    const includeNew = (d: DesktopFieldsFragment) => d.owner.username === "alice";
    const { result } = renderHook(() => useLiveDesktops({ first: 50, includeNew }), { wrapper });

    await waitFor(() => expect(result.current.desktops).toHaveLength(2));
    expect(result.current.desktops[0].state).toBe("STARTING");
    expect(api.calls.find((c) => c.name === "Desktops")?.variables).toMatchObject({ first: 50 });

    act(() => api.push("DesktopUpdates", event(desktop("1", { state: "RUNNING" }), "STARTING")));
    await waitFor(() => expect(result.current.desktops[0].state).toBe("RUNNING"));

    // A desktop created elsewhere joins the list; another user's does not.
    act(() => api.push("DesktopUpdates", event(desktop("3", { state: "PENDING" }))));
    act(() =>
      api.push("DesktopUpdates", event(desktop("4", { owner: { id: "u-bob", username: "bob" } }))),
    );
    await waitFor(() => expect(result.current.desktops.map((d) => d.id)).toEqual(["1", "2", "3"]));

    // A deleted desktop leaves the list.
    act(() => api.push("DesktopUpdates", event(desktop("2", { state: "DELETED" }), "RUNNING")));
    await waitFor(() => expect(result.current.desktops.map((d) => d.id)).toEqual(["1", "3"]));
  });

  it("ignores events of desktops that are not on the page when nothing new may join", async () => {
    const api = fakeClient({ Desktops: () => page([desktop("1")]) });
    const wrapper = ({ children }: { children: ReactNode }) => (
      <Provider value={api.client}>{children}</Provider>
    );
    const { result } = renderHook(() => useLiveDesktops({ first: 50 }), { wrapper });
    await waitFor(() => expect(result.current.desktops).toHaveLength(1));
    act(() => api.push("DesktopUpdates", event(desktop("9"))));
    act(() => api.push("DesktopUpdates", event(desktop("1", { state: "STOPPING" }))));
    await waitFor(() => expect(result.current.desktops[0].state).toBe("STOPPING"));
    expect(result.current.desktops).toHaveLength(1);
  });

  describe("when events were missed", () => {
    afterEach(() => vi.useRealTimers());

    it("re-reads a page showing a desktop on its way until it arrives, then stops", async () => {
      vi.useFakeTimers({ shouldAdvanceTime: true });
      // The desktop reached RUNNING before the subscription ran: no event will tell.
      let state = "STARTING";
      const api = fakeClient({
        Desktops: () =>
          page([
            desktop("1", {
              state: state as DesktopFieldsFragment["state"],
              updatedAt: state === "STARTING" ? "2026-11-28T10:00:01Z" : "2026-11-28T10:00:03Z",
            }),
          ]),
      });
      const wrapper = ({ children }: { children: ReactNode }) => (
        <Provider value={api.client}>{children}</Provider>
      );
      const { result } = renderHook(() => useLiveDesktops({ first: 50 }), { wrapper });
      await waitFor(() => expect(result.current.desktops[0]?.state).toBe("STARTING"));
      // An event older than what the next read returns must not win over it.
      act(() =>
        api.push(
          "DesktopUpdates",
          event(desktop("1", { state: "STARTING", updatedAt: "2026-11-28T10:00:02Z" })),
        ),
      );
      state = "RUNNING";
      await act(() => vi.advanceTimersByTimeAsync(RECHECK_MILLIS));
      await waitFor(() => expect(result.current.desktops[0].state).toBe("RUNNING"));

      const reads = api.calls.filter((c) => c.name === "Desktops").length;
      await act(() => vi.advanceTimersByTimeAsync(3 * RECHECK_MILLIS));
      expect(api.calls.filter((c) => c.name === "Desktops").length).toBe(reads);
    });
  });
});
