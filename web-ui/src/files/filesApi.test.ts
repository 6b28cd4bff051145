import { afterEach, describe, expect, it } from "vitest";
import { vi } from "vitest";
import { bytesOf, fakeFilesGateway, filesError } from "../test/fakeFiles";
import {
  FilesApiError,
  downloadFile,
  downloadPrint,
  errorFromResponse,
  listFiles,
  listPrints,
  newestFirst,
  uploadFile,
  validateFileName,
} from "./filesApi";

describe("validateFileName", () => {
  it("accepts ordinary names, also with spaces inside and letters beyond ASCII", () => {
    for (const name of ["a.txt", "Report 2026.pdf", "übung-ß.odt", "写真.png", "x", "a..b"]) {
      expect(validateFileName(name), name).toBeNull();
    }
  });

  it("refuses what the gateway refuses", () => {
    const refused: [string, RegExp][] = [
      ["", /empty/],
      ["a/b.txt", /'\/'/],
      ["../etc", /'\/'|'\.'/],
      ["tab\there", /control/],
      ["nul\u0000", /control/],
      ["del\u007f", /control/],
      ["c1\u0085", /control/],
      ["new\nline", /control/],
      [".bashrc", /start with '\.'/],
      [".", /start with '\.'/],
      ["..", /start with '\.'/],
      [" lead.txt", /space/],
      ["trail.txt ", /space/],
    ];
    for (const [name, reason] of refused) {
      expect(validateFileName(name), JSON.stringify(name)).toMatch(reason);
    }
  });

  it("counts the length in UTF-8 bytes, not characters", () => {
    expect(validateFileName("a".repeat(255))).toBeNull();
    expect(validateFileName("a".repeat(256))).toMatch(/255 bytes/);
    // "é" is two bytes in UTF-8: 127 of them fit, 128 do not.
    expect(validateFileName("é".repeat(127))).toBeNull();
    expect(validateFileName("é".repeat(128))).toMatch(/255 bytes/);
    // A character outside the BMP is four bytes (and two UTF-16 units).
    expect(validateFileName("😀".repeat(63) + "abc")).toBeNull();
    expect(validateFileName("😀".repeat(64))).toMatch(/255 bytes/);
  });
});

describe("errorFromResponse", () => {
  it("takes the API's code and message from its error body", () => {
    const e = errorFromResponse(
      409,
      "Conflict",
      JSON.stringify({ error: { code: "CONFLICT", message: "a.txt exists" } }),
    );
    expect(e).toBeInstanceOf(FilesApiError);
    expect([e.status, e.code, e.message]).toEqual([409, "CONFLICT", "a.txt exists"]);
  });

  it("falls back to the HTTP status when the body is not the API's", () => {
    const e = errorFromResponse(502, "Bad Gateway", "<html>proxy error</html>");
    expect([e.code, e.message]).toEqual(["ERROR", "Bad Gateway"]);
    const forbidden = errorFromResponse(403, "", "");
    expect([forbidden.code, forbidden.message]).toEqual(["FORBIDDEN", "HTTP 403"]);
  });
});

describe("the file API client", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("lists a home with the bearer token, the desktop's id encoded in the path", async () => {
    const listing = { policy: "BOTH", maxBytes: 1024, files: [] };
    const gw = fakeFilesGateway(() => ({ status: 200, json: listing }));
    expect(await listFiles("d 1", "t0k3n")).toEqual(listing);
    expect(gw.requests).toHaveLength(1);
    expect(gw.requests[0].method).toBe("GET");
    expect(gw.requests[0].url).toBe("/files/v1/d%201");
    expect(gw.requests[0].headers.authorization).toBe("Bearer t0k3n");
  });

  it("turns a refusal into an error carrying the API's code", async () => {
    fakeFilesGateway(() => filesError(503, "UNAVAILABLE", "the agent of fra is not connected"));
    await expect(listFiles("d1", "t")).rejects.toMatchObject({
      code: "UNAVAILABLE",
      message: "the agent of fra is not connected",
      status: 503,
    });
  });

  it("says the gateway cannot be reached when the request itself fails", async () => {
    vi.stubGlobal(
      "fetch",
      vi.fn(async () => {
        throw new TypeError("Failed to fetch");
      }),
    );
    await expect(listFiles("d1", "t")).rejects.toMatchObject({ code: "NETWORK" });
  });

  it("downloads a file's bytes, its name encoded in the path", async () => {
    const bytes = new Uint8Array([0, 1, 2, 250, 255]);
    const gw = fakeFilesGateway(() => ({ status: 200, bytes }));
    const blob = await downloadFile("d1", "a b#?.bin", "t0k3n");
    expect(gw.requests[0].url).toBe("/files/v1/d1/a%20b%23%3F.bin");
    expect(gw.requests[0].headers.authorization).toBe("Bearer t0k3n");
    expect(new Uint8Array(await blob.arrayBuffer())).toEqual(bytes);
  });

  it("uploads raw bytes with PUT, reporting progress", async () => {
    const gw = fakeFilesGateway((req) => ({
      status: 201,
      json: { name: "ä.txt", size: req.body?.size },
    }));
    const file = new File(["hello"], "ä.txt", { type: "text/plain" });
    const progress: number[] = [];
    const r = await uploadFile("d1", "ä.txt", file, "t0k3n", (sent) => progress.push(sent));
    expect(r).toEqual({ name: "ä.txt", size: 5 });
    expect(progress).toEqual([5]);
    const [req] = gw.requests;
    expect(req.method).toBe("PUT");
    expect(req.url).toBe("/files/v1/d1/%C3%A4.txt");
    expect(req.headers.authorization).toBe("Bearer t0k3n");
    expect(req.headers["content-type"]).toBe("application/octet-stream");
    expect(new TextDecoder().decode(await bytesOf(req.body!))).toBe("hello");
  });

  it("rejects an upload the gateway refuses with the API's code", async () => {
    fakeFilesGateway(() => filesError(413, "TOO_LARGE", "a.bin is over the limit of 1 MiB"));
    await expect(uploadFile("d1", "a.bin", new Blob(["x"]), "t")).rejects.toMatchObject({
      code: "TOO_LARGE",
      message: "a.bin is over the limit of 1 MiB",
    });
  });
});

describe("the print API client", () => {
  afterEach(() => vi.unstubAllGlobals());

  it("lists a desktop's prints with the bearer token under /prints/v1", async () => {
    const listing = {
      maxBytes: 104857600,
      files: [{ name: "a.pdf", size: 10, modifiedAt: "2026-12-07T10:00:02Z" }],
    };
    const gw = fakeFilesGateway(() => ({ status: 200, json: listing }));
    expect(await listPrints("d 1", "t0k3n")).toEqual(listing);
    expect(gw.requests[0].method).toBe("GET");
    expect(gw.requests[0].url).toBe("/prints/v1/d%201");
    expect(gw.requests[0].headers.authorization).toBe("Bearer t0k3n");
  });

  it("downloads a print's bytes, its name encoded in the path", async () => {
    const bytes = new TextEncoder().encode("%PDF-1.7");
    const gw = fakeFilesGateway(() => ({ status: 200, bytes }));
    const blob = await downloadPrint("d1", "2026-12-07T10-00-00Z-job-3-a b#.pdf", "t0k3n");
    expect(gw.requests[0].url).toBe("/prints/v1/d1/2026-12-07T10-00-00Z-job-3-a%20b%23.pdf");
    expect(gw.requests[0].headers.authorization).toBe("Bearer t0k3n");
    expect(new TextDecoder().decode(await blob.arrayBuffer())).toBe("%PDF-1.7");
  });

  it("turns a refusal into an error carrying the API's code", async () => {
    fakeFilesGateway(() => filesError(403, "FORBIDDEN", "the template of d1 has no printer"));
    await expect(listPrints("d1", "t")).rejects.toMatchObject({
      code: "FORBIDDEN",
      message: "the template of d1 has no printer",
      status: 403,
    });
    await expect(downloadPrint("d1", "a.pdf", "t")).rejects.toMatchObject({ code: "FORBIDDEN" });
  });

  it("sorts newest first, by time and then by name, without changing its input", () => {
    const files = [
      { name: "b.pdf", size: 1, modifiedAt: "2026-12-07T09:00:00Z" },
      { name: "c.pdf", size: 1, modifiedAt: "2026-12-07T11:00:00Z" },
      { name: "a.pdf", size: 1, modifiedAt: "2026-12-07T09:00:00Z" },
    ];
    expect(newestFirst(files).map((f) => f.name)).toEqual(["c.pdf", "b.pdf", "a.pdf"]);
    expect(files.map((f) => f.name)).toEqual(["b.pdf", "c.pdf", "a.pdf"]);
  });
});
