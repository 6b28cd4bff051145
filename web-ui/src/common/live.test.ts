import { describe, expect, it } from "vitest";
import { mergeLive } from "./live";

type Row = { id: string; state: string };

describe("mergeLive", () => {
  const rows: Row[] = [
    { id: "a", state: "RUNNING" },
    { id: "b", state: "STARTING" },
  ];

  it("replaces rows by the newest update and keeps their order", () => {
    const updates = new Map([["b", { id: "b", state: "RUNNING" }]]);
    expect(mergeLive(rows, updates)).toEqual([
      { id: "a", state: "RUNNING" },
      { id: "b", state: "RUNNING" },
    ]);
  });

  it("adds rows the query did not return only when asked to", () => {
    const updates = new Map([["c", { id: "c", state: "PENDING" }]]);
    expect(mergeLive(rows, updates)).toHaveLength(2);
    expect(mergeLive(rows, updates, { includeNew: () => true }).map((r) => r.id)).toEqual([
      "a",
      "b",
      "c",
    ]);
    expect(mergeLive(rows, updates, { includeNew: (r) => r.id !== "c" })).toHaveLength(2);
  });

  it("drops rows whose update removes them, also new ones", () => {
    const updates = new Map([
      ["a", { id: "a", state: "DELETED" }],
      ["c", { id: "c", state: "DELETED" }],
    ]);
    const merged = mergeLive(rows, updates, {
      includeNew: () => true,
      remove: (r) => r.state === "DELETED",
    });
    expect(merged.map((r) => r.id)).toEqual(["b"]);
  });

  it("keeps a row the query returned after an older update", () => {
    type Versioned = Row & { at: number };
    const fresh: Versioned[] = [{ id: "b", state: "RUNNING", at: 20 }];
    const stale = new Map([["b", { id: "b", state: "STARTING", at: 10 }]]);
    const newer = new Map([["b", { id: "b", state: "STOPPING", at: 30 }]]);
    const isCurrent = (u: Versioned, r: Versioned) => u.at >= r.at;
    expect(mergeLive(fresh, stale, { isCurrent })[0].state).toBe("RUNNING");
    expect(mergeLive(fresh, newer, { isCurrent })[0].state).toBe("STOPPING");
  });
});
