import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { DesktopCard } from "../desktops/DesktopCard";
import { MyDesktopsPage } from "../desktops/MyDesktopsPage";
import type { FileTransferPolicy } from "../gql/graphql";
import { fakeClient } from "../test/fakeClient";
import {
  bytesOf,
  fakeFilesGateway,
  filesError,
  type FilesReply,
  type FilesRequest,
} from "../test/fakeFiles";
import { XFCE, desktop } from "../test/fixtures";
import { renderSignedIn } from "../test/render";
import type { HomeFile } from "./filesApi";

const alice = { id: "u-alice", username: "alice", role: "USER" } as const;
const MiB = 1024 * 1024;

/** A gateway holding `files` in desktop d1's home under `policy`; a PUT adds one. */
function home(policy: Exclude<FileTransferPolicy, "NONE">, files: HomeFile[], maxBytes = MiB) {
  const held = [...files];
  let refusal: FilesReply | null = null;
  const gw = fakeFilesGateway((req: FilesRequest) => {
    if (req.method === "GET" && req.url === "/files/v1/d1") {
      return { status: 200, json: { policy, maxBytes, files: [...held] } };
    }
    if (req.method === "PUT") {
      if (refusal) return refusal;
      const name = decodeURIComponent(req.url.split("/").at(-1)!);
      held.push({ name, size: req.body!.size, modifiedAt: "2026-12-07T11:00:00Z" });
      held.sort((a, b) => a.name.localeCompare(b.name));
      return { status: 201, json: { name, size: req.body!.size } };
    }
    if (req.method === "GET") {
      return { status: 200, bytes: new TextEncoder().encode(`bytes of ${req.url}`) };
    }
    return filesError(404, "NOT_FOUND", "no such file");
  });
  return {
    ...gw,
    refuseUploads: (reply: FilesReply) => (refusal = reply),
    puts: () => gw.requests.filter((r) => r.method === "PUT"),
    listings: () => gw.requests.filter((r) => r.method === "GET" && r.url === "/files/v1/d1"),
  };
}

const notes = { name: "notes.txt", size: 12, modifiedAt: "2026-12-07T10:00:00Z" };
const report = { name: "report.pdf", size: 3 * MiB, modifiedAt: "2026-12-06T09:30:00Z" };

/** The card of running desktop d1 ("alice-dev") with its template's `policy`; opens Files. */
async function openFiles(policy: FileTransferPolicy, maxMiB = 1) {
  renderSignedIn(
    <DesktopCard
      desktop={desktop("d1", { name: "alice-dev" })}
      fileTransfer={{ policy, maxMiB }}
    />,
    fakeClient({}).client,
    alice,
  );
  await userEvent.click(screen.getByRole("button", { name: "Files of alice-dev" }));
  const dialog = await screen.findByRole("dialog", { name: "Files of alice-dev" });
  return within(dialog);
}

const rows = () => screen.queryAllByTestId("files-row").map((r) => r.getAttribute("data-file"));

describe("FilesModal", () => {
  beforeEach(() => {
    URL.createObjectURL = vi.fn(() => "blob:fake");
    URL.revokeObjectURL = vi.fn();
  });
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.restoreAllMocks();
    sessionStorage.clear();
  });

  it("lists the home's files with size and time, asked with the session's token", async () => {
    const gw = home("BOTH", [notes, report]);
    const panel = await openFiles("BOTH");
    await waitFor(() => expect(rows()).toEqual(["notes.txt", "report.pdf"]));
    const [first, second] = screen.getAllByTestId("files-row");
    expect(first).toHaveTextContent("notes.txt");
    expect(first).toHaveTextContent("12 B");
    expect(second).toHaveTextContent("3 MiB");
    expect(second).toHaveTextContent(new Date(report.modifiedAt).toLocaleString());
    expect(panel.getByTestId("files-panel")).toHaveTextContent("up to 1 MiB");
    expect(gw.listings()[0].headers.authorization).toBe("Bearer t0k3n");
    expect(within(first).getByRole("button", { name: "Download notes.txt" })).toBeEnabled();
  });

  it("uploads a picked file as raw bytes with the token, then lists it", async () => {
    const gw = home("BOTH", [notes]);
    const panel = await openFiles("BOTH");
    await waitFor(() => expect(rows()).toEqual(["notes.txt"]));
    const file = new File(["hello, desktop"], "hello.txt", { type: "text/plain" });
    await userEvent.upload(panel.getByTestId("files-upload-input"), file);
    await waitFor(() => expect(rows()).toEqual(["hello.txt", "notes.txt"]));
    const [put] = gw.puts();
    expect(put.url).toBe("/files/v1/d1/hello.txt");
    expect(put.headers.authorization).toBe("Bearer t0k3n");
    expect(new TextDecoder().decode(await bytesOf(put.body!))).toBe("hello, desktop");
    expect(gw.listings()).toHaveLength(2);
    expect(panel.getByRole("status")).toHaveTextContent("Uploaded hello.txt");
    expect(screen.queryByTestId("files-error")).not.toBeInTheDocument();
  });

  it.each([
    [409, "CONFLICT", "a file named hello.txt already exists"],
    [403, "FORBIDDEN", "the template of alice-dev allows downloads only"],
    [413, "TOO_LARGE", "hello.txt is larger than the limit of 1 MiB"],
    [409, "INVALID_STATE", "alice-dev is not running"],
  ])("shows a %i refusal of an upload with the API's code (%s) and message", async (s, c, m) => {
    const gw = home("BOTH", []);
    gw.refuseUploads(filesError(s, c, m));
    const panel = await openFiles("BOTH");
    await panel.findByText("No files in the home folder yet.");
    await userEvent.upload(panel.getByTestId("files-upload-input"), new File(["x"], "hello.txt"));
    const error = await panel.findByTestId("files-error");
    expect(error).toHaveAttribute("data-error-code", c);
    expect(within(error).getByRole("alert")).toHaveTextContent(m);
    expect(within(error).getByRole("alert")).toHaveTextContent(`(${c})`);
    expect(gw.listings()).toHaveLength(1);
  });

  it("shows a refused listing with the API's code and message", async () => {
    fakeFilesGateway(() =>
      filesError(503, "UNAVAILABLE", "desktops of this cluster do not transfer files"),
    );
    const panel = await openFiles("BOTH");
    const error = await panel.findByTestId("files-error");
    expect(error).toHaveTextContent("desktops of this cluster do not transfer files");
    expect(error).toHaveTextContent("UNAVAILABLE");
    expect(screen.queryAllByTestId("files-row")).toHaveLength(0);
  });

  it("refuses an invalid name or a file over the limit before sending anything", async () => {
    const gw = home("BOTH", [notes], MiB);
    const panel = await openFiles("BOTH");
    await waitFor(() => expect(rows()).toEqual(["notes.txt"]));
    const input = panel.getByTestId("files-upload-input");

    await userEvent.upload(input, new File(["secret"], ".profile"));
    let error = await panel.findByTestId("files-error");
    expect(error).toHaveAttribute("data-error-code", "VALIDATION");
    expect(error).toHaveTextContent(`".profile": A file name may not start with '.'`);

    await userEvent.upload(input, new File(["x"], "trailing.txt "));
    error = await panel.findByTestId("files-error");
    expect(error).toHaveTextContent("may not start or end with a space");

    await userEvent.upload(input, new File([new Uint8Array(MiB + 1)], "big.iso"));
    error = await panel.findByTestId("files-error");
    expect(error).toHaveAttribute("data-error-code", "TOO_LARGE");
    expect(error).toHaveTextContent(`"big.iso" is 1.0 MiB; this desktop takes files up to 1 MiB.`);

    expect(gw.puts()).toHaveLength(0);
    expect(gw.requests).toHaveLength(1); // the listing only
  });

  it("downloads a file with the token and saves it under its name", async () => {
    const gw = home("BOTH", [notes]);
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(() => {});
    const panel = await openFiles("BOTH");
    await userEvent.click(await panel.findByRole("button", { name: "Download notes.txt" }));
    await waitFor(() => expect(click).toHaveBeenCalledTimes(1));
    const anchor = click.mock.contexts[0] as HTMLAnchorElement;
    expect(anchor.download).toBe("notes.txt");
    expect(anchor.href).toBe("blob:fake");
    const download = gw.requests.find((r) => r.url === "/files/v1/d1/notes.txt")!;
    expect(download.headers.authorization).toBe("Bearer t0k3n");
    const blob = vi.mocked(URL.createObjectURL).mock.calls[0][0] as Blob;
    expect(await blob.text()).toBe("bytes of /files/v1/d1/notes.txt");
  });

  it("shows a refused download with the API's code", async () => {
    const gw = fakeFilesGateway((req) =>
      req.url === "/files/v1/d1"
        ? { status: 200, json: { policy: "BOTH", maxBytes: MiB, files: [notes] } }
        : filesError(404, "NOT_FOUND", "no file notes.txt in the home of alice-dev"),
    );
    const panel = await openFiles("BOTH");
    await userEvent.click(await panel.findByRole("button", { name: "Download notes.txt" }));
    const error = await panel.findByTestId("files-error");
    expect(error).toHaveTextContent("no file notes.txt in the home of alice-dev");
    expect(error).toHaveAttribute("data-error-code", "NOT_FOUND");
    expect(gw.requests).toHaveLength(2);
    expect(URL.createObjectURL).not.toHaveBeenCalled();
  });

  it("disables the upload with the reason when the template allows downloads only", async () => {
    const gw = home("DOWNLOAD", [notes]);
    const panel = await openFiles("DOWNLOAD");
    await waitFor(() => expect(rows()).toEqual(["notes.txt"]));
    const upload = panel.getByRole("button", { name: "Upload a file to alice-dev" });
    expect(upload).toBeDisabled();
    expect(upload).toHaveAccessibleDescription(/allows downloads only/);
    expect(panel.getByTestId("files-upload-input")).toBeDisabled();
    await userEvent.upload(panel.getByTestId("files-upload-input"), new File(["x"], "a.txt"));
    expect(gw.puts()).toHaveLength(0);
    expect(panel.getByRole("button", { name: "Download notes.txt" })).toBeEnabled();
  });

  it("offers no download when the template allows uploads only", async () => {
    home("UPLOAD", [notes]);
    const panel = await openFiles("UPLOAD");
    await waitFor(() => expect(rows()).toEqual(["notes.txt"]));
    expect(panel.queryAllByTestId("files-download")).toHaveLength(0);
    expect(panel.getByTestId("files-download-refused")).toHaveTextContent("allows uploads only");
    expect(panel.getByRole("button", { name: "Upload a file to alice-dev" })).toBeEnabled();
  });

  it("follows the gateway's policy when it differs from what the portal knew", async () => {
    home("UPLOAD", [notes]);
    const panel = await openFiles("BOTH");
    await waitFor(() => expect(rows()).toEqual(["notes.txt"]));
    expect(panel.queryAllByTestId("files-download")).toHaveLength(0);
  });

  it("re-reads the listing on refresh", async () => {
    const gw = home("BOTH", [notes]);
    const panel = await openFiles("BOTH");
    await waitFor(() => expect(rows()).toEqual(["notes.txt"]));
    await userEvent.click(panel.getByRole("button", { name: "Refresh files of alice-dev" }));
    await waitFor(() => expect(gw.listings()).toHaveLength(2));
  });
});

describe("the Files button", () => {
  afterEach(() => sessionStorage.clear());

  const page = (policy: FileTransferPolicy) => {
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
      Templates: () => ({ templates: [{ ...XFCE, fileTransfer: policy }] }),
    });
    renderSignedIn(<MyDesktopsPage />, api.client, alice);
    return api;
  };

  it("is on a running desktop's card only, when its template lets files move", async () => {
    page("DOWNLOAD");
    const running = await screen.findByRole("button", { name: "Files of alice-dev" });
    expect(running).toHaveAttribute("data-testid", "files-button");
    expect(screen.getAllByTestId("files-button")).toHaveLength(1);
  });

  it("is not offered when the template's policy is NONE", async () => {
    const api = page("NONE");
    await screen.findByRole("button", { name: "Connect to alice-dev" });
    // The templates were asked for and answered (after 1 ms), and still no button.
    expect(api.calls.map((c) => c.name)).toContain("Templates");
    await new Promise((r) => setTimeout(r, 50));
    expect(screen.getByRole("button", { name: "Snapshots of alice-dev" })).toBeInTheDocument();
    expect(screen.queryByTestId("files-button")).not.toBeInTheDocument();
  });
});
