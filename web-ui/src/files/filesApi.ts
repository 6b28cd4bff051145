import type { FileTransferPolicy } from "../gql/graphql";

/**
 * The gateway's file transfer API (plain HTTP, not GraphQL: it carries raw bytes), on the page's
 * own origin under /files/v1, with the session's bearer token. Files are the regular, non-hidden
 * files at the top of a running desktop's home.
 */
const BASE = "/files/v1";

/** A file in a desktop's home as the gateway lists it. */
export interface HomeFile {
  name: string;
  size: number;
  modifiedAt: string;
}

/** A desktop's home: which way files may move, the size limit, and the files. */
export interface HomeListing {
  policy: Exclude<FileTransferPolicy, "NONE">;
  maxBytes: number;
  files: HomeFile[];
}

/** A refusal of the file API: the error body's code and message (as GraphQL's `extensions.code`). */
export class FilesApiError extends Error {
  readonly code: string;
  readonly status: number;

  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "FilesApiError";
    this.status = status;
    this.code = code;
  }
}

/** Codes for an answer without the API's error body, by HTTP status. */
const CODE_OF_STATUS: Record<number, string> = {
  400: "VALIDATION",
  401: "UNAUTHENTICATED",
  403: "FORBIDDEN",
  404: "NOT_FOUND",
  409: "CONFLICT",
  413: "TOO_LARGE",
  503: "UNAVAILABLE",
  504: "CLUSTER_TIMEOUT",
};

/** The error an unsuccessful answer stands for: the API's code and message, else the status. */
export function errorFromResponse(status: number, statusText: string, body: string): FilesApiError {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    const { code, message } = parsed.error ?? {};
    if (typeof code === "string" && typeof message === "string") {
      return new FilesApiError(status, code, message);
    }
  } catch {
    // Not the API's JSON (a proxy's page, an empty body): the status says what happened.
  }
  const text = statusText || `HTTP ${status}`;
  return new FilesApiError(status, CODE_OF_STATUS[status] ?? "ERROR", text);
}

function networkError(e: unknown): FilesApiError {
  const reason = e instanceof Error ? e.message : String(e);
  return new FilesApiError(0, "NETWORK", `The gateway cannot be reached: ${reason}`);
}

const urlOf = (desktopId: string, name?: string, base = BASE) =>
  `${base}/${encodeURIComponent(desktopId)}` +
  (name === undefined ? "" : `/${encodeURIComponent(name)}`);

const authorization = (token: string | null): Record<string, string> =>
  token ? { Authorization: `Bearer ${token}` } : {};

async function send(url: string, init: RequestInit): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(url, init);
  } catch (e) {
    throw networkError(e);
  }
  if (!response.ok) {
    throw errorFromResponse(response.status, response.statusText, await response.text());
  }
  return response;
}

/** The files at the top of the desktop's home, sorted by name, with the template's policy. */
export async function listFiles(desktopId: string, token: string | null): Promise<HomeListing> {
  const response = await send(urlOf(desktopId), {
    headers: { Accept: "application/json", ...authorization(token) },
  });
  return (await response.json()) as HomeListing;
}

/** The bytes of one file of the desktop's home. */
export async function downloadFile(
  desktopId: string,
  name: string,
  token: string | null,
): Promise<Blob> {
  const response = await send(urlOf(desktopId, name), { headers: authorization(token) });
  return response.blob();
}

/**
 * The gateway's print API, beside the file API and answered the same way: the PDFs the desktop's
 * virtual printer made, one per print job, when the template has `printing` on.
 */
const PRINTS = "/prints/v1";

/** The PDFs of a desktop's virtual printer, in the gateway's order, and the size limit. */
export interface PrintListing {
  maxBytes: number;
  files: HomeFile[];
}

/** The PDFs the desktop's virtual printer made. */
export async function listPrints(desktopId: string, token: string | null): Promise<PrintListing> {
  const response = await send(urlOf(desktopId, undefined, PRINTS), {
    headers: { Accept: "application/json", ...authorization(token) },
  });
  return (await response.json()) as PrintListing;
}

/** The bytes of one PDF of the desktop's virtual printer. */
export async function downloadPrint(
  desktopId: string,
  name: string,
  token: string | null,
): Promise<Blob> {
  const response = await send(urlOf(desktopId, name, PRINTS), { headers: authorization(token) });
  return response.blob();
}

/** Files newest first (by time, then by name: a print's name starts with its time). */
export function newestFirst<F extends HomeFile>(files: readonly F[]): F[] {
  const time = (f: F) => {
    const t = Date.parse(f.modifiedAt);
    return Number.isNaN(t) ? 0 : t;
  };
  return [...files].sort(
    (a, b) => time(b) - time(a) || (a.name < b.name ? 1 : a.name > b.name ? -1 : 0),
  );
}

/**
 * Writes `file` into the desktop's home as `name` (never replacing a file: CONFLICT). Sent with
 * XMLHttpRequest, whose upload reports progress (fetch does not): `onProgress` gets the bytes
 * sent so far and the total.
 */
export function uploadFile(
  desktopId: string,
  name: string,
  file: Blob,
  token: string | null,
  onProgress?: (sent: number, total: number) => void,
): Promise<{ name: string; size: number }> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("PUT", urlOf(desktopId, name));
    for (const [header, value] of Object.entries(authorization(token))) {
      xhr.setRequestHeader(header, value);
    }
    // Raw bytes, whatever the file's type: the gateway stores them as they are.
    xhr.setRequestHeader("Content-Type", "application/octet-stream");
    if (onProgress) {
      xhr.upload.onprogress = (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size);
    }
    xhr.onload = () => {
      if (xhr.status >= 200 && xhr.status < 300) {
        try {
          resolve(JSON.parse(xhr.responseText) as { name: string; size: number });
        } catch {
          resolve({ name, size: file.size });
        }
      } else {
        reject(errorFromResponse(xhr.status, xhr.statusText, xhr.responseText));
      }
    };
    xhr.onerror = () => reject(networkError(new Error("the upload was interrupted")));
    xhr.onabort = () => reject(new FilesApiError(0, "ABORTED", "The upload was cancelled."));
    xhr.send(file);
  });
}

/** Hands a downloaded file to the browser to save under `name` (an `<a href>` cannot send a token). */
export function saveBlob(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  a.style.display = "none";
  document.body.appendChild(a);
  a.click();
  a.remove();
  // The browser reads the object URL after the click returns; it is released once saved.
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

const encoder = new TextEncoder();
// Control characters as Java's Character.isISOControl counts them: C0, DEL and C1.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

/** The longest name, in UTF-8 bytes, the gateway accepts. */
export const MAX_NAME_BYTES = 255;

/**
 * The gateway's rule for a file's name in a desktop's home: why `name` is refused, or null.
 * Checked before sending, so the user hears of it at once; the gateway checks it again.
 */
export function validateFileName(name: string): string | null {
  if (name.length === 0) return "A file name may not be empty.";
  if (name.includes("/")) return "A file name may not contain '/'.";
  if (CONTROL.test(name)) return "A file name may not contain control characters.";
  if (name.startsWith("."))
    return "A file name may not start with '.' (hidden files are not transferred).";
  if (name.startsWith(" ") || name.endsWith(" ")) {
    return "A file name may not start or end with a space.";
  }
  if (encoder.encode(name).length > MAX_NAME_BYTES) {
    return `A file name may be at most ${MAX_NAME_BYTES} bytes long in UTF-8.`;
  }
  return null;
}
