/**
 * Requests as bytes on a socket, for what fetch refuses to send (broken request lines, duplicate
 * Content-Length, a NUL in a header, a body that never finishes) and answers read back from the
 * bytes: status, headers, body (Content-Length or chunked).
 */
import net from 'node:net';

export interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

function parse(raw: Buffer): Answer | undefined {
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return undefined;
  const [statusLine, ...lines] = raw.subarray(0, end).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine ?? '')?.[1]);
  if (!status) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = raw.subarray(end + 4);
  if (headers['content-length'] !== undefined) {
    const length = Number(headers['content-length']);
    if (body.length < length) return undefined;
    body = body.subarray(0, length);
  } else if (/chunked/i.test(headers['transfer-encoding'] ?? '')) {
    const parts: Buffer[] = [];
    for (let at = 0; ; ) {
      const eol = body.indexOf('\r\n', at);
      if (eol < 0) return undefined;
      const size = parseInt(body.subarray(at, eol).toString('latin1'), 16);
      if (size === 0) break;
      if (body.length < eol + 2 + size) return undefined;
      parts.push(body.subarray(eol + 2, eol + 2 + size));
      at = eol + 2 + size + 2;
    }
    body = Buffer.concat(parts);
  }
  return { status, headers, body: body.toString('utf8') };
}

/**
 * Writes `request` to `host:port` and resolves with the first complete answer, or rejects after
 * `timeoutMs` (the caller's "never a hang"). The socket stays open after the write, as a client
 * that may still be sending would keep it.
 */
export function rawRequest(port: number, request: string | Buffer, options: { timeoutMs?: number } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    const finish = (answer: Answer | undefined, err?: Error) => {
      clearTimeout(timer);
      socket.destroy();
      if (answer) resolve(answer);
      else reject(err ?? new Error(`no answer (${received.length} bytes received)`));
    };
    const timer = setTimeout(() => finish(undefined, new Error(`no answer within ${options.timeoutMs ?? 10_000} ms`)), options.timeoutMs ?? 10_000);
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const answer = parse(received);
      if (answer) finish(answer);
    });
    socket.on('error', (err) => finish(parse(received), err));
    socket.on('close', () => finish(parse(received)));
    socket.write(request);
  });
}
