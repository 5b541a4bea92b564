/**
 * What Node's HTTP server refuses before Express sees a request: a request line or headers it
 * cannot parse, headers over `--max-http-header-size` (16 KiB), Content-Length beside
 * Transfer-Encoding (request smuggling), a bad chunk, a request not complete within
 * SERVER_REQUEST_TIMEOUT (a slow upload), an `Expect` it does not know, a HTTP/1.1 request without
 * `Host`. Node answers those with a bare status line; here they get the same problem+json as every
 * other refusal, so a client (or its proxy) always reads what was wrong.
 */
import http from 'node:http';
import type { Duplex } from 'node:stream';
import type { NextFunction, Request, Response } from 'express';
import { HttpProblem } from './problem';

interface ParserError extends Error {
  code?: string;
  reason?: string;
}

function problemFor(err: ParserError, requestTimeoutMs: number): HttpProblem {
  switch (err.code) {
    case 'HPE_HEADER_OVERFLOW':
      return new HttpProblem(431, 'headers-too-large', 'Request header fields too large', `the request line and headers exceed ${http.maxHeaderSize} bytes`);
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new HttpProblem(413, 'payload-too-large', 'Chunk extensions too large', 'the chunk extensions of the body are too large');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new HttpProblem(408, 'request-timeout', 'Request timeout', `the request was not complete within ${Math.round(requestTimeoutMs / 1000)} s (SERVER_REQUEST_TIMEOUT)`);
    default:
      return new HttpProblem(400, 'malformed-http', 'Malformed HTTP request', `the HTTP parser refused the request: ${err.reason ?? err.message}${err.code ? ` (${err.code})` : ''}`);
  }
}

function rawResponse(problem: HttpProblem): string {
  const body = JSON.stringify(problem.toJSON());
  const status = `${problem.status} ${http.STATUS_CODES[problem.status] ?? ''}`.trim();
  return `HTTP/1.1 ${status}\r\nContent-Type: application/problem+json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
}

/**
 * Installs the answers on `server`; `requireHostHeader` must be off at creation (see `requireHost`).
 * `refused` is told the status of each answer, so refusals Express never sees are still counted.
 */
export function answerProtocolErrors(server: http.Server, requestTimeoutMs: number, refused: (status: number, method?: string) => void = () => undefined): void {
  server.on('clientError', (err: ParserError, socket: Duplex) => {
    // As Node does: only when the peer can still read, and no response of this socket has started.
    const inFlight = (socket as Duplex & { _httpMessage?: http.ServerResponse })._httpMessage;
    if (err.code === 'ECONNRESET' || !socket.writable || inFlight?.headersSent) {
      socket.destroy();
      return;
    }
    const problem = problemFor(err, requestTimeoutMs);
    refused(problem.status);
    socket.end(rawResponse(problem));
  });
  server.on('checkExpectation', (req: http.IncomingMessage, res: http.ServerResponse) => {
    const problem = new HttpProblem(417, 'expectation-failed', 'Expectation failed', `Expect: ${String(req.headers.expect).slice(0, 100)} is not supported (only 100-continue)`);
    refused(417, req.method);
    res.writeHead(417, { 'Content-Type': 'application/problem+json; charset=utf-8', Connection: 'close' });
    res.end(JSON.stringify(problem.toJSON()));
  });
}

/** HTTP/1.1 requires `Host` (RFC 9112 3.2); Node's own check answers a bare 400, this one problem+json. */
export function requireHost(req: Request, _res: Response, next: NextFunction): void {
  const missing = req.httpVersionMajor === 1 && req.httpVersionMinor === 1 && !req.headers.host;
  next(missing ? new HttpProblem(400, 'malformed-http', 'Malformed HTTP request', 'a HTTP/1.1 request must carry a Host header', [{ field: 'header.Host', message: 'required' }]) : undefined);
}
