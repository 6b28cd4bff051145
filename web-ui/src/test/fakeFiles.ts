import { vi } from "vitest";

/** A request to the file API as the fake gateway saw it (header names in lower case). */
export interface FilesRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: Blob | null;
}

/** The fake gateway's answer: a status and a JSON body, or raw bytes. */
export interface FilesReply {
  status: number;
  json?: unknown;
  bytes?: Uint8Array;
}

/** The file API's error body, as the gateway sends it. */
export const filesError = (status: number, code: string, message: string): FilesReply => ({
  status,
  json: { error: { code, message } },
});

const STATUS_TEXT: Record<number, string> = {
  200: "OK",
  201: "Created",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  413: "Content Too Large",
  503: "Service Unavailable",
};

/** Reads a Blob of jsdom's (which lacks `arrayBuffer()` in places) or of Node's. */
export function bytesOf(blob: Blob): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(new Uint8Array(reader.result as ArrayBuffer));
    reader.onerror = () => reject(reader.error);
    reader.readAsArrayBuffer(blob);
  });
}

/**
 * Replaces the network under the file API: `fetch` (listing, download) and `XMLHttpRequest`
 * (upload) are answered by `handle`, and every request is recorded. Undo with `vi.unstubAllGlobals()`.
 */
export function fakeFilesGateway(handle: (req: FilesRequest) => FilesReply) {
  const requests: FilesRequest[] = [];

  vi.stubGlobal(
    "fetch",
    vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries((init.headers ?? {}) as Record<string, string>)) {
        headers[k.toLowerCase()] = v;
      }
      const req: FilesRequest = {
        method: init.method ?? "GET",
        url: String(input),
        headers,
        body: (init.body as Blob | undefined) ?? null,
      };
      requests.push(req);
      const reply = handle(req);
      const body = reply.bytes ?? (reply.json === undefined ? null : JSON.stringify(reply.json));
      return new Response(body as BodyInit | null, {
        status: reply.status,
        statusText: STATUS_TEXT[reply.status] ?? "",
        headers: reply.bytes
          ? { "content-type": "application/octet-stream" }
          : { "content-type": "application/json" },
      });
    }),
  );

  class FakeXhr {
    upload: { onprogress: ((e: Partial<ProgressEvent>) => void) | null } = { onprogress: null };
    onload: (() => void) | null = null;
    onerror: (() => void) | null = null;
    onabort: (() => void) | null = null;
    status = 0;
    statusText = "";
    responseText = "";
    private method = "GET";
    private url = "";
    private headers: Record<string, string> = {};

    open(method: string, url: string) {
      this.method = method;
      this.url = url;
    }

    setRequestHeader(name: string, value: string) {
      this.headers[name.toLowerCase()] = value;
    }

    send(body: Blob | null) {
      const req: FilesRequest = {
        method: this.method,
        url: this.url,
        headers: this.headers,
        body,
      };
      requests.push(req);
      setTimeout(() => {
        const size = body?.size ?? 0;
        this.upload.onprogress?.({ loaded: size, total: size, lengthComputable: true });
        const reply = handle(req);
        this.status = reply.status;
        this.statusText = STATUS_TEXT[reply.status] ?? "";
        this.responseText = reply.json === undefined ? "" : JSON.stringify(reply.json);
        this.onload?.();
      }, 1);
    }
  }
  vi.stubGlobal("XMLHttpRequest", FakeXhr);

  return { requests };
}
