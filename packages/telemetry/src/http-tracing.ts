/**
 * A server span per HTTP request (Express-compatible middleware over node's request/response):
 * the span is active while the request's handlers run, so the jobs they enqueue join its trace.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { bindToActiveContext, SpanStatusCode, startServerSpan } from './tracing';

export function httpTracing<Req extends IncomingMessage, Res extends ServerResponse>(routeOf: (req: Req) => string | undefined) {
  return (req: Req, res: Res, next: () => void): void => {
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    let span: ReturnType<typeof startServerSpan> | undefined;
    // 'close' fires after 'finish' and also when the client goes away first: the span always ends.
    res.on('close', () => {
      // Express reports a router's root as `/v1/jobs/`; the route is `/v1/jobs`.
      const raw = routeOf(req);
      const route = raw && raw.length > 1 ? raw.replace(/\/+$/, '') : raw;
      if (!span) return;
      if (route) {
        span.updateName(`${req.method} ${route}`);
        span.setAttribute('http.route', route);
      }
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    span = startServerSpan(`${req.method} ${path}`, { 'http.request.method': req.method ?? 'GET', 'url.path': path }, req.headers, () => {
      // Body parsers (multer/busboy) call `next` from the request stream's events, which run in
      // the socket's async context; binding the stream keeps the request's span active there.
      bindToActiveContext(req);
      next();
    });
  };
}
