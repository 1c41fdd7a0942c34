// A byte-faithful HTTP/1.1 client over a raw socket, to send exactly what the connector upload
// scripts send (fetch and FormData would re-encode, quote and reorder). It builds each sender's
// requests and reads answers, keeping the status line's reason phrase.

import { randomUUID } from "node:crypto";
import { connect, type Socket } from "node:net";

export interface RawResponse {
  statusCode: number;
  reason: string;
  headers: Record<string, string>;
  body: string;
  /** True when the server sent "100 Continue" before the answer. */
  continued: boolean;
  json(): any;
}

export interface RawRequest {
  head: string;
  body: Buffer;
  expectContinue?: boolean;
}

/** One keep-alive connection; requests are sent one after another, as the scripts do. */
export class RawConnection {
  #socket: Socket;
  #buffer = Buffer.alloc(0);
  #waiters: Array<() => void> = [];
  #closed = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.on("data", (chunk) => {
      this.#buffer = Buffer.concat([this.#buffer, chunk]);
      this.#wake();
    });
    socket.on("close", () => {
      this.#closed = true;
      this.#wake();
    });
    socket.on("error", () => undefined);
  }

  static async open(baseUrl: string): Promise<RawConnection> {
    const url = new URL(baseUrl);
    const socket = connect(Number(url.port), url.hostname);
    await new Promise<void>((resolve, reject) => {
      socket.once("connect", resolve);
      socket.once("error", reject);
    });
    return new RawConnection(socket);
  }

  get closed(): boolean {
    return this.#closed;
  }

  #wake() {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const w of waiters) w();
  }

  async #waitFor(test: () => boolean, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!test()) {
      if (this.#closed) throw new Error(`connection closed; received so far: ${this.#buffer.toString("latin1")}`);
      if (Date.now() > deadline) throw new Error("timed out waiting for the server");
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 250);
        this.#waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  async send(request: RawRequest): Promise<RawResponse> {
    this.#socket.write(request.head);
    let continued = false;
    if (request.expectContinue) {
      // Like .NET: the body goes only after the interim answer (or a final one, then not at all).
      await this.#waitFor(() => this.#buffer.includes("\r\n\r\n"));
      if (this.#buffer.toString("latin1").startsWith("HTTP/1.1 100")) {
        const end = this.#buffer.indexOf("\r\n\r\n") + 4;
        this.#buffer = this.#buffer.subarray(end);
        continued = true;
        this.#socket.write(request.body);
      }
    } else {
      this.#socket.write(request.body);
    }
    const response = await this.#readResponse();
    return { ...response, continued: continued || response.continued };
  }

  async #readResponse(): Promise<RawResponse> {
    let continued = false;
    for (;;) {
      await this.#waitFor(() => this.#buffer.includes("\r\n\r\n"));
      const headEnd = this.#buffer.indexOf("\r\n\r\n");
      const head = this.#buffer.subarray(0, headEnd).toString("latin1");
      const [statusLine = "", ...headerLines] = head.split("\r\n");
      const match = /^HTTP\/1\.1 (\d{3}) ?(.*)$/.exec(statusLine);
      if (!match) throw new Error(`not an HTTP answer: ${statusLine}`);
      const statusCode = Number(match[1]);
      this.#buffer = this.#buffer.subarray(headEnd + 4);
      if (statusCode === 100) {
        continued = true;
        continue;
      }
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(":");
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      let body: Buffer;
      if (headers["transfer-encoding"]?.toLowerCase() === "chunked") {
        const parts: Buffer[] = [];
        for (;;) {
          await this.#waitFor(() => this.#buffer.includes("\r\n"));
          const lineEnd = this.#buffer.indexOf("\r\n");
          const size = Number.parseInt(this.#buffer.subarray(0, lineEnd).toString("latin1"), 16);
          await this.#waitFor(() => this.#buffer.length >= lineEnd + 2 + size + 2);
          parts.push(this.#buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
          this.#buffer = this.#buffer.subarray(lineEnd + 2 + size + 2);
          if (size === 0) break;
        }
        body = Buffer.concat(parts);
      } else {
        const length = Number(headers["content-length"] ?? 0);
        await this.#waitFor(() => this.#buffer.length >= length);
        body = this.#buffer.subarray(0, length);
        this.#buffer = this.#buffer.subarray(length);
      }
      const text = body.toString("utf8");
      return {
        statusCode,
        reason: match[2] ?? "",
        headers,
        body: text,
        continued,
        json: () => JSON.parse(text),
      };
    }
  }

  close(): void {
    this.#socket.end();
  }
}

/** Sends one request on a new connection and closes it. */
export async function sendOnce(baseUrl: string, request: RawRequest): Promise<RawResponse> {
  const connection = await RawConnection.open(baseUrl);
  try {
    return await connection.send(request);
  } finally {
    connection.close();
  }
}

function hostOf(baseUrl: string): string {
  return new URL(baseUrl).host;
}

/** URL-encoding as .NET's WebUtility (upper-case hex, pwsh 7) or HttpUtility (lower-case hex, "+" for space). */
export function formEncode(value: string, style: "upper" | "lower"): string {
  const encoded = encodeURIComponent(value);
  return style === "upper"
    ? encoded.replace(/%20/g, "+")
    : encoded.replace(/%[0-9A-F]{2}/g, (h) => h.toLowerCase()).replace(/%20/g, "+");
}

/** The upload scripts' token request: five form fields in hashtable (arbitrary) order. */
export function tokenRequest(
  baseUrl: string,
  opts: { tenantId: string; fields: [string, string][]; style?: "upper" | "lower"; windowsPowerShell?: boolean },
): RawRequest {
  const body = Buffer.from(
    opts.fields
      .map(([k, v]) => `${formEncode(k, opts.style ?? "upper")}=${formEncode(v, opts.style ?? "upper")}`)
      .join("&"),
  );
  const agent = opts.windowsPowerShell
    ? "Mozilla/5.0 (Windows NT; Windows NT 10.0; en-US) WindowsPowerShell/5.1.19041.4522"
    : "Mozilla/5.0 (Windows NT 10.0; Microsoft Windows 10.0.19045; en-US) PowerShell/7.4.6";
  const head =
    `POST /${opts.tenantId}/oauth2/token?api-version=1.0 HTTP/1.1\r\n` +
    `User-Agent: ${agent}\r\n` +
    "Content-Type: application/x-www-form-urlencoded\r\n" +
    `Host: ${hostOf(baseUrl)}\r\n` +
    `Content-Length: ${body.length}\r\n` +
    (opts.windowsPowerShell ? "Connection: Keep-Alive\r\n" : "") +
    "\r\n";
  return { head, body };
}

/** The workflow template's token request: unencoded, keys and values padded, `tenantId`. */
export function workflowTokenRequest(
  baseUrl: string,
  opts: { tenantId: string; clientId: string; secret: string },
): RawRequest {
  const body = Buffer.from(
    `client_id = ${opts.clientId}&\nclient_secret = ${opts.secret}&\ngrant_type = client_credentials&\nresource = https://microsoft.onmicrosoft.com/86dfdabb-5089-4a0c-880a-cfa5a790c5b1&\ntenantId = ${opts.tenantId}`,
  );
  const head =
    `POST /${opts.tenantId}/oauth2/token HTTP/1.1\r\nHost: ${hostOf(baseUrl)}\r\n` +
    `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${body.length}\r\n\r\n`;
  return { head, body };
}

/**
 * An upload as HttpClient + MultipartFormDataContent sends it: quoted GUID boundary, unquoted
 * name=file and filename (quoted only when not a token), filename*, no part Content-Type. The
 * Authorization value keeps the trailing blank of the current script's call site.
 */
export function dotnetUploadRequest(
  baseUrl: string,
  opts: {
    path: string;
    token: string;
    content: Buffer | string;
    fileName: string;
    boundary?: string;
    trailingBlank?: boolean;
    windowsPowerShell?: boolean;
  },
): RawRequest {
  const boundary = opts.boundary ?? randomUUID();
  const fileName = /^[\w.-]+$/.test(opts.fileName) ? opts.fileName : `"${opts.fileName.replace(/\\/g, "\\\\")}"`;
  const body = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name=file; filename=${fileName}; filename*=utf-8''${encodeURIComponent(opts.fileName)}\r\n\r\n`,
    ),
    Buffer.from(opts.content),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const auth = `Authorization: Bearer ${opts.token}${opts.trailingBlank === false ? "" : " "}\r\n`;
  const head = opts.windowsPowerShell
    ? `POST ${opts.path} HTTP/1.1\r\n${auth}Content-Type: multipart/form-data; boundary="${boundary}"\r\n` +
      `Host: ${hostOf(baseUrl)}\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\nConnection: Keep-Alive\r\n\r\n`
    : `POST ${opts.path} HTTP/1.1\r\nHost: ${hostOf(baseUrl)}\r\n${auth}` +
      `Content-Type: multipart/form-data; boundary="${boundary}"\r\nContent-Length: ${body.length}\r\n\r\n`;
  return { head, body, expectContinue: opts.windowsPowerShell === true };
}

/** The workflow template's upload: `?jobId=`, `form-data;name = "file";filename=<name with spaces>`. */
export function workflowUploadRequest(
  baseUrl: string,
  opts: { jobId: string; token: string; content: Buffer | string; fileName: string; boundaryInHeader?: boolean },
): RawRequest {
  const boundary = randomUUID();
  const body = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data;name = "file";filename=${opts.fileName}\r\n\r\n`),
    Buffer.from(opts.content),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const contentType =
    opts.boundaryInHeader === false ? "multipart/form-data" : `multipart/form-data; boundary=${boundary}`;
  const head =
    `POST /api/signals?jobId=${opts.jobId} HTTP/1.1\r\nHost: ${hostOf(baseUrl)}\r\n` +
    `Authorization: Bearer ${opts.token}\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`;
  return { head, body };
}

/**
 * The current script's chunks of a CSV file: the header line then up to `recordsPerCall` physical
 * lines, every line written with WriteLine (CRLF, as on Windows).
 */
export function scriptChunks(text: string, recordsPerCall: number, newline = "\r\n"): string[] {
  const [header = "", ...lines] = text.replace(/\r?\n$/, "").split(/\r\n|\r|\n/);
  const chunks: string[] = [];
  for (let i = 0; i < lines.length; i += recordsPerCall) {
    chunks.push([header, ...lines.slice(i, i + recordsPerCall)].map((l) => `${l}${newline}`).join(""));
  }
  return chunks;
}
