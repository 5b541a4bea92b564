/**
 * Test doubles for the lifecycle tests: providers that count their calls (and can be slowed or
 * held), tiny solid-colour PNGs made with node's zlib, and a loopback HTTP receiver that records
 * requests and answers from a script.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { deflateSync } from 'node:zlib';
import type { StageProviders, TextProvider, VisionProvider } from '@mpp/stages';

export interface CountingProviders {
  providers: StageProviders;
  calls: { text: number; vision: number };
}

/** Providers that count calls; `delayMs` keeps each call busy (abortable by the stage signal). */
export function countingProviders(delayMs = 0): CountingProviders {
  const calls = { text: 0, vision: 0 };
  const pause = (signal: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (delayMs <= 0) return resolve();
      const t = setTimeout(resolve, delayMs);
      signal.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason)), { once: true });
    });
  const text: TextProvider = {
    name: 'counting-text',
    async parse(_image, opts) {
      calls.text++;
      await pause(opts.signal);
      return { text: 'Find $x$ if $x + 1 = 2$.', lines: [], formulas: [], confidence: 0.95 };
    },
  };
  const vision: VisionProvider = {
    name: 'counting-vision',
    async analyse(_image, opts) {
      calls.vision++;
      await pause(opts.signal);
      return { diagram_type: 'none', regions: [], elements: [], relations: [], confidence: 0.95 };
    },
  };
  return { providers: { text: [text], vision: [vision] }, calls };
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A valid RGB PNG, `size` x `size`, one colour derived from `seed` (distinct seeds, distinct bytes). */
export function solidPng(seed: number, size = 64): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const row = Buffer.alloc(1 + size * 3);
  for (let x = 0; x < size; x++) row.set([(seed * 37) & 0xff, (seed * 91 + 40) & 0xff, (seed * 13 + 200) & 0xff], 1 + x * 3);
  const raw = Buffer.concat(Array.from({ length: size }, () => row));
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

export interface RecordedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface Receiver {
  url: string;
  requests: RecordedRequest[];
  /** Next answers, in order; when empty, `fallback`. */
  script: Array<{ status: number; headers?: Record<string, string>; body?: string | Buffer }>;
  fallback: { status: number; headers?: Record<string, string>; body?: string | Buffer };
  waitFor(count: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  const waiters: Array<() => void> = [];
  const receiver: Receiver = {
    url: '',
    requests: [],
    script: [],
    fallback: { status: 204 },
    waitFor: (count, timeoutMs = 30_000) =>
      new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`receiver got ${receiver.requests.length} of ${count} requests`)), timeoutMs);
        const check = () => {
          if (receiver.requests.length >= count) {
            clearTimeout(timer);
            resolve();
            return true;
          }
          return false;
        };
        const waiter = () => {
          if (!check()) waiters.push(waiter);
        };
        waiter();
      }),
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      receiver.requests.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      const answer = receiver.script.shift() ?? receiver.fallback;
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? '');
      for (const w of waiters.splice(0)) w();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return receiver;
}
