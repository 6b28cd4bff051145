import { act, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DesktopCard } from "../desktops/DesktopCard";
import { MyDesktopsPage } from "../desktops/MyDesktopsPage";
import type { DesktopState } from "../gql/graphql";
import { fakeClient } from "../test/fakeClient";
import { fakeFilesGateway, filesError, type FilesReply } from "../test/fakeFiles";
import { XFCE, desktop } from "../test/fixtures";
import { renderSignedIn } from "../test/render";
import type { HomeFile } from "./filesApi";
import { NOTHING_PRINTED } from "./PrintsModal";

const alice = { id: "u-alice", username: "alice", role: "USER" } as const;

const older = {
  name: "2026-12-07T09-00-00Z-job-1-letter.pdf",
  size: 2048,
  modifiedAt: "2026-12-07T09:00:03Z",
};
const newer = {
  name: "2026-12-07T10-00-00Z-job-3-greeting.pdf",
  size: 41638,
  modifiedAt: "2026-12-07T10:00:02Z",
};
const middle = {
  name: "2026-12-07T09-30-00Z-job-2-invoice.pdf",
  size: 3 * 1024 * 1024,
  modifiedAt: "2026-12-07T09:30:01Z",
};

/** A gateway whose printer of desktop d1 made `prints` (in the gateway's order, oldest first). */
function printer(prints: HomeFile[], refuseDownloads?: FilesReply) {
  const held = [...prints];
  const gw = fakeFilesGateway((req) => {
    if (req.url === "/prints/v1/d1") {
      return { status: 200, json: { maxBytes: 104857600, files: [...held] } };
    }
    if (req.url.startsWith("/prints/v1/d1/")) {
      return (
        refuseDownloads ?? {
          status: 200,
          bytes: new TextEncoder().encode(`%PDF-1.7 of ${req.url}`),
        }
      );
    }
    return filesError(404, "NOT_FOUND", "no such desktop");
  });
  return {
    ...gw,
    print: (f: HomeFile) => held.push(f),
    listings: () => gw.requests.filter((r) => r.url === "/prints/v1/d1"),
  };
}

/** The card of running desktop d1 ("alice-dev") whose template prints; opens Prints. */
async function openPrints(gql = fakeClient({})) {
  renderSignedIn(
    <DesktopCard desktop={desktop("d1", { name: "alice-dev" })} printing />,
    gql.client,
    alice,
  );
  await userEvent.click(screen.getByRole("button", { name: "Prints of alice-dev" }));
  const dialog = await screen.findByRole("dialog", { name: "Prints of alice-dev" });
  return within(dialog);
}

const rows = () => screen.queryAllByTestId("prints-row").map((r) => r.getAttribute("data-file"));

describe("PrintsModal", () => {
  beforeEach(() => {
    URL.createObjectURL = vi.fn(() => "blob:fake");
    URL.revokeObjectURL = vi.fn();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    sessionStorage.clear();
  });

  it("lists the printer's PDFs newest first with time, name and size, asked with the token", async () => {
    const gw = printer([older, newer, middle]);
    const panel = await openPrints();
    await waitFor(() => expect(rows()).toEqual([newer.name, middle.name, older.name]));
    const [first, second] = screen.getAllByTestId("prints-row");
    expect(first).toHaveTextContent(new Date(newer.modifiedAt).toLocaleString());
    expect(first).toHaveTextContent(newer.name);
    expect(first).toHaveTextContent("40.7 KiB");
    expect(second).toHaveTextContent("3 MiB");
    expect(gw.listings()[0].headers.authorization).toBe("Bearer t0k3n");
    expect(panel.getAllByTestId("prints-download")).toHaveLength(3);
    expect(panel.queryByTestId("prints-error")).not.toBeInTheDocument();
  });

  it("says how to print when nothing was printed, and lists a new print on refresh", async () => {
    const gw = printer([]);
    const panel = await openPrints();
    expect(await panel.findByTestId("prints-empty")).toHaveTextContent(NOTHING_PRINTED);
    expect(NOTHING_PRINTED).toBe(
      "Nothing printed yet — print from any application in the desktop to the OpenCDI PDF printer",
    );
    gw.print(newer);
    await userEvent.click(panel.getByTestId("prints-refresh"));
    await waitFor(() => expect(rows()).toEqual([newer.name]));
    expect(gw.listings()).toHaveLength(2);
    expect(panel.queryByTestId("prints-empty")).not.toBeInTheDocument();
  });

  it("lists a print by itself when the desktop announces it, and only then", async () => {
    const gw = printer([older]);
    const gql = fakeClient({});
    const panel = await openPrints(gql);
    await waitFor(() => expect(rows()).toEqual([older.name]));
    expect(gql.calls).toContainEqual({ name: "DesktopPrints", variables: { desktopId: "d1" } });
    // A change of state is no print: the folder is not listed again.
    act(() =>
      gql.push("DesktopPrints", {
        desktopEvents: {
          at: "2026-12-07T10:00:01Z",
          desktop: { id: "d1", state: "RUNNING" },
          printed: null,
        },
      }),
    );
    gw.print(newer);
    act(() =>
      gql.push("DesktopPrints", {
        desktopEvents: {
          at: "2026-12-07T10:00:03Z",
          desktop: { id: "d1", state: "RUNNING" },
          printed: { name: newer.name, sizeBytes: newer.size, printedAt: "2026-12-07T10:00:02Z" },
        },
      }),
    );
    await waitFor(() => expect(rows()).toEqual([newer.name, older.name]));
    expect(gw.listings()).toHaveLength(2);
    expect(panel.queryByTestId("prints-error")).not.toBeInTheDocument();
  });

  it("downloads a PDF with the token and saves it under its name", async () => {
    const gw = printer([older, newer]);
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    const panel = await openPrints();
    await userEvent.click(await panel.findByRole("button", { name: `Download ${newer.name}` }));
    await waitFor(() => expect(click).toHaveBeenCalledTimes(1));
    const anchor = click.mock.contexts[0] as HTMLAnchorElement;
    expect(anchor.download).toBe(newer.name);
    expect(anchor.href).toBe("blob:fake");
    const url = `/prints/v1/d1/${encodeURIComponent(newer.name)}`;
    const download = gw.requests.find((r) => r.url === url)!;
    expect(download.headers.authorization).toBe("Bearer t0k3n");
    const blob = vi.mocked(URL.createObjectURL).mock.calls[0][0] as Blob;
    expect(await blob.text()).toBe(`%PDF-1.7 of ${url}`);
  });

  it.each([
    [403, "FORBIDDEN", "the template of alice-dev has no printer"],
    [409, "INVALID_STATE", "alice-dev is not running"],
    [503, "UNAVAILABLE", "desktops of this cluster do not print"],
    [504, "CLUSTER_TIMEOUT", "the cluster did not answer in time"],
    [404, "NOT_FOUND", "no desktop alice-dev"],
  ])("shows a %i refusal of the listing with the API's code (%s) and message", async (s, c, m) => {
    fakeFilesGateway(() => filesError(s, c, m));
    const panel = await openPrints();
    const error = await panel.findByTestId("prints-error");
    expect(error).toHaveAttribute("data-error-code", c);
    expect(within(error).getByRole("alert")).toHaveTextContent(m);
    expect(within(error).getByRole("alert")).toHaveTextContent(`(${c})`);
    expect(screen.queryAllByTestId("prints-row")).toHaveLength(0);
    expect(panel.queryByTestId("prints-empty")).not.toBeInTheDocument();
  });

  it("shows a refused download with the API's code and saves nothing", async () => {
    printer([newer], filesError(404, "NOT_FOUND", `no print ${newer.name}`));
    const panel = await openPrints();
    await userEvent.click(await panel.findByRole("button", { name: `Download ${newer.name}` }));
    const error = await panel.findByTestId("prints-error");
    expect(error).toHaveAttribute("data-error-code", "NOT_FOUND");
    expect(error).toHaveTextContent(`no print ${newer.name}`);
    expect(URL.createObjectURL).not.toHaveBeenCalled();
    expect(rows()).toEqual([newer.name]);
  });
});

describe("the Prints button", () => {
  afterEach(() => sessionStorage.clear());

  const card = (printing: boolean, state: DesktopState = "RUNNING") =>
    renderSignedIn(
      <DesktopCard
        desktop={desktop("d1", {
          name: "alice-dev",
          state,
          power: state === "RUNNING" ? "ON" : "OFF",
        })}
        printing={printing}
      />,
      fakeClient({}).client,
      alice,
    );

  it("is on a running desktop's card when its template prints", () => {
    card(true);
    expect(screen.getByRole("button", { name: "Prints of alice-dev" })).toHaveAttribute(
      "data-testid",
      "prints-button",
    );
  });

  it("is absent when the template does not print", () => {
    card(false);
    expect(screen.getByRole("button", { name: "Snapshots of alice-dev" })).toBeInTheDocument();
    expect(screen.queryByTestId("prints-button")).not.toBeInTheDocument();
  });

  it.each<DesktopState>(["STOPPED", "STARTING", "FAILED"])(
    "is absent while the desktop is %s",
    (state) => {
      card(true, state);
      expect(screen.getByRole("button", { name: "Snapshots of alice-dev" })).toBeInTheDocument();
      expect(screen.queryByTestId("prints-button")).not.toBeInTheDocument();
    },
  );

  const page = (printing: boolean) => {
    const api = fakeClient({
      Desktops: () => ({
        desktops: {
          totalCount: 2,
          pageInfo: { hasNextPage: false, endCursor: null },
          edges: [
            desktop("d1", { name: "alice-dev", template: { id: "t1", name: "xfce" } }),
            desktop("d2", {
              name: "alice-off",
              state: "STOPPED",
              power: "OFF",
              template: { id: "t1", name: "xfce" },
            }),
          ].map((node) => ({ cursor: node.id, node })),
        },
      }),
      Templates: () => ({ templates: [{ ...XFCE, printing }] }),
    });
    renderSignedIn(<MyDesktopsPage />, api.client, alice);
    return api;
  };

  it("is offered in the portal on the running desktop only, once its template prints", async () => {
    page(true);
    await screen.findByRole("button", { name: "Prints of alice-dev" });
    expect(screen.getAllByTestId("prints-button")).toHaveLength(1);
  });

  it("is not offered in the portal when the template does not print", async () => {
    const api = page(false);
    // The template's Files button shows the templates were read; still no Prints button.
    await screen.findByRole("button", { name: "Files of alice-dev" });
    expect(api.calls.map((c) => c.name)).toContain("Templates");
    expect(screen.queryByTestId("prints-button")).not.toBeInTheDocument();
  });
});
