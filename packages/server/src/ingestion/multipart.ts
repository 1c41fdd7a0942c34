// Receiving an upload: the multipart/form-data body is streamed to a file on disk (never held in
// memory) while its SHA-256 and size are computed. Tolerant of what real senders produce: the .NET
// framing (quoted boundary, unquoted name=file, filename*=), the workflow-template framing
// (`name = "file"`, filename with spaces), a Content-Type without boundary (sniffed from the body's
// first line). The part named "file" is the file; a body with a single part is taken whatever the
// part's name.

import { createHash } from "node:crypto";
import { createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import type { Readable } from "node:stream";
import { Transform } from "node:stream";
import { pipeline } from "node:stream/promises";
import { Busboy } from "@fastify/busboy";
import { AppError } from "@openirm/domain";

export interface ReceivedFile {
  fileName: string | null;
  partName: string;
  bytes: number;
  sha256: string;
}

export type ReceiveOutcome = { ok: true; file: ReceivedFile } | { ok: false; tooLarge: true; bytes: number };

interface Part extends ReceivedFile {
  path: string;
}

const FILE_PART = "file";

function boundaryOf(contentType: string): string | undefined {
  const match = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2];
}

/** Reads the body's first line (up to 4 KiB) and puts the bytes back. */
async function sniffBoundary(body: Readable): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let length = 0;
  let ended = false;
  body.once("end", () => {
    ended = true;
  });
  while (length < 4096 && !ended) {
    const chunk = body.read() as Buffer | null;
    if (chunk === null) {
      await new Promise<void>((resolve) => {
        const done = () => {
          body.off("readable", done);
          body.off("end", done);
          resolve();
        };
        body.once("readable", done);
        body.once("end", done);
      });
      continue;
    }
    chunks.push(chunk);
    length += chunk.length;
    if (chunk.includes(0x0a)) break;
  }
  const head = Buffer.concat(chunks);
  if (head.length) body.unshift(head);
  const firstLine = head.toString("latin1").split(/\r?\n/)[0]?.trim() ?? "";
  return firstLine.startsWith("--") && firstLine.length > 2 ? firstLine.slice(2) : undefined;
}

/** Reads and discards the rest of a request body, so the answer is not sent to a client still sending. */
export async function drain(body: Readable): Promise<void> {
  if (body.readableEnded || body.destroyed) return;
  await new Promise<void>((resolve) => {
    body.on("end", resolve);
    body.on("error", () => resolve());
    body.on("close", () => resolve());
    body.resume();
  });
}

/**
 * Streams the upload's file part to `destPath`. Over `maxBytes` the rest of the body is read and
 * discarded (the connection stays usable for the 413 answer) and nothing is kept.
 */
export async function receiveMultipartFile(
  body: Readable,
  contentType: string | undefined,
  opts: { destPath: string; maxBytes: number },
): Promise<ReceiveOutcome> {
  let boundary = boundaryOf(contentType ?? "");
  if (!boundary) boundary = await sniffBoundary(body);
  if (!boundary) {
    await drain(body);
    throw new AppError(
      "not_multipart",
      400,
      "The upload must be multipart/form-data with the file in a part named 'file'; no multipart boundary was found.",
    );
  }
  const parts: Part[] = [];
  const writes: Promise<void>[] = [];
  let total = 0;
  let tooLarge = false;
  const busboy = Busboy({
    headers: { "content-type": `multipart/form-data; boundary="${boundary}"` },
    isPartAFile: () => true,
    limits: { headerSize: 16 * 1024 },
  });
  busboy.on("file", (name, stream, fileName) => {
    const part: Part = {
      path: `${opts.destPath}.part${parts.length}`,
      partName: (name ?? "").trim(),
      fileName: fileName ?? null,
      bytes: 0,
      sha256: "",
    };
    parts.push(part);
    const hash = createHash("sha256");
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        total += chunk.length;
        if (tooLarge || total > opts.maxBytes) {
          tooLarge = true;
          return done();
        }
        part.bytes += chunk.length;
        hash.update(chunk);
        done(null, chunk);
      },
      flush(done) {
        part.sha256 = hash.digest("hex");
        done();
      },
    });
    writes.push(pipeline(stream, counter, createWriteStream(part.path)));
  });
  const cleanup = () => Promise.all(parts.map((p) => rm(p.path, { force: true })));
  try {
    await new Promise<void>((resolve, reject) => {
      busboy.on("finish", resolve);
      busboy.on("error", reject);
      body.on("error", reject);
      body.on("aborted", () => reject(new Error("aborted")));
      body.pipe(busboy);
    });
    await Promise.all(writes);
  } catch (err) {
    body.unpipe(busboy);
    await Promise.allSettled(writes);
    await cleanup();
    await drain(body);
    throw new AppError(
      "malformed_multipart",
      400,
      `The multipart body could not be read (${(err as Error).message}); was the upload cut off?`,
    );
  }
  if (tooLarge) {
    await cleanup();
    return { ok: false, tooLarge: true, bytes: total };
  }
  const chosen =
    parts.find((p) => p.partName.toLowerCase() === FILE_PART) ?? (parts.length === 1 ? parts[0] : undefined);
  if (!chosen) {
    await cleanup();
    throw new AppError(
      "no_file_part",
      400,
      parts.length === 0
        ? "The upload has no file: send the file in a multipart part named 'file'."
        : `The upload has ${parts.length} parts and none is named 'file' (${parts.map((p) => `'${p.partName}'`).join(", ")}); send the file in a part named 'file'.`,
    );
  }
  await rename(chosen.path, opts.destPath);
  await Promise.all(parts.filter((p) => p !== chosen).map((p) => rm(p.path, { force: true })));
  return {
    ok: true,
    file: { fileName: chosen.fileName, partName: chosen.partName, bytes: chosen.bytes, sha256: chosen.sha256 },
  };
}
