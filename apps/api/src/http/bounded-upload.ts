/**
 * Bounds what a multipart request may hold in memory across all its files. Multer's memory
 * storage only bounds each file (`limits.fileSize`), so 100 files of 50 MB each would sit in the
 * API's memory at once; this storage engine keeps files in memory the same way but counts the
 * bytes of every file of a request together and fails the upload as soon as they pass the limit
 * (multer then drops what was read and answers the error). A declared `Content-Length` far over
 * the limit is refused before anything is read.
 */
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { StorageEngine } from 'multer';

/** Room for multipart boundaries, part headers and the small text fields beside the files. */
const MULTIPART_OVERHEAD_BYTES = 1024 * 1024;

export function boundedMemoryStorage(maxTotalBytes: number, tooLarge: () => Error): StorageEngine {
  const used = new WeakMap<Request, number>();
  return {
    _handleFile(req, file, callback) {
      const chunks: Buffer[] = [];
      let size = 0;
      let failed = false;
      file.stream.on('data', (chunk: Buffer) => {
        if (failed) return;
        const total = (used.get(req) ?? 0) + chunk.length;
        used.set(req, total);
        if (total > maxTotalBytes) {
          failed = true;
          chunks.length = 0;
          callback(tooLarge());
          return;
        }
        size += chunk.length;
        chunks.push(chunk);
      });
      file.stream.on('end', () => {
        if (!failed) callback(null, { buffer: Buffer.concat(chunks, size), size });
      });
    },
    _removeFile(_req, file, callback) {
      delete (file as { buffer?: Buffer }).buffer;
      callback(null);
    },
  };
}

/** Refuses a request whose declared body is larger than the files may be, before reading it. */
export function declaredSizeLimit(maxTotalBytes: number, tooLarge: () => Error): RequestHandler {
  return (req: Request, _res: Response, next: NextFunction) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    next(declared > maxTotalBytes + MULTIPART_OVERHEAD_BYTES ? tooLarge() : undefined);
  };
}
