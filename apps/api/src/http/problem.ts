/** RFC 9457 problem responses: every error the API answers is one of these. */
import type { NextFunction, Request, Response } from 'express';
import { PROBLEM_BASE, type Problem, type ProblemFieldError } from '@mpp/schemas';
import type { Logger } from '@mpp/telemetry';
import { z } from 'zod';

export class HttpProblem extends Error {
  constructor(
    readonly status: number,
    readonly slug: string,
    readonly title: string,
    readonly detail?: string,
    readonly errors?: ProblemFieldError[],
    readonly headers: Record<string, string> = {},
  ) {
    super(detail ?? title);
    this.name = 'HttpProblem';
  }

  toJSON(instance?: string): Problem {
    return {
      type: `${PROBLEM_BASE}${this.slug}`,
      title: this.title,
      status: this.status,
      ...(this.detail ? { detail: this.detail } : {}),
      ...(instance ? { instance } : {}),
      ...(this.errors ? { errors: this.errors } : {}),
    };
  }
}

/** Turns zod issues into the `errors` list, each naming its field (prefixed by where it came from). */
export function zodProblem(error: z.ZodError, where: string, title = 'Request validation failed'): HttpProblem {
  const errors = error.issues.map((issue) => {
    const path = issue.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
    const field = `${where}${path}`.replace(/^\./, '') || where;
    if (issue.code === 'unrecognized_keys') {
      return { field: issue.keys.map((k) => `${field}.${k}`).join(', '), message: `unknown field${issue.keys.length > 1 ? 's' : ''}: ${issue.keys.join(', ')}` };
    }
    return { field, message: issue.message };
  });
  return new HttpProblem(400, 'validation-error', title, errors.map((e) => `${e.field}: ${e.message}`).join('; '), errors);
}

export function sendProblem(res: Response, problem: HttpProblem, instance?: string): void {
  for (const [k, v] of Object.entries(problem.headers)) res.setHeader(k, v);
  res.status(problem.status).type('application/problem+json').send(JSON.stringify(problem.toJSON(instance)));
}

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
  code?: string;
  field?: string;
}

/** Maps what Express, body parsers and multer throw to problems; anything else is a 500 that hides internals. */
export function problemHandler(logger: Logger) {
  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendProblem(res, toProblem(err, logger), req.originalUrl);
  };
}

function toProblem(err: unknown, logger: Logger): HttpProblem {
  if (err instanceof HttpProblem) return err;
  if (err instanceof z.ZodError) return zodProblem(err, 'body');
  const e = (err ?? {}) as BodyParserError & Error;
  switch (e.type) {
    case 'entity.parse.failed':
      return new HttpProblem(400, 'malformed-json', 'Malformed JSON body', `the body is not valid JSON: ${e.message}`);
    case 'entity.too.large':
      return new HttpProblem(413, 'payload-too-large', 'Request body too large', e.message);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new HttpProblem(415, 'unsupported-encoding', 'Unsupported body encoding', e.message);
    case 'request.aborted':
      return new HttpProblem(400, 'request-aborted', 'Request aborted', 'the client closed the connection before the body was complete');
  }
  // Multer's word for the same (a slow upload cut off by SERVER_REQUEST_TIMEOUT, a client gone).
  if (e.message === 'Request aborted') return new HttpProblem(400, 'request-aborted', 'Request aborted', 'the client closed the connection before the body was complete');
  if (e.name === 'MulterError') {
    if (e.code === 'LIMIT_FILE_SIZE') return new HttpProblem(413, 'payload-too-large', 'Image too large', `the image exceeds the size limit`, [{ field: 'image', message: 'file too large' }]);
    if (e.code === 'LIMIT_UNEXPECTED_FILE') return new HttpProblem(400, 'validation-error', 'Unexpected file field', `only one file field named "image" is accepted (got "${e.field}")`, [{ field: e.field ?? 'file', message: 'unexpected file field' }]);
    return new HttpProblem(400, 'malformed-multipart', 'Malformed multipart body', e.message);
  }
  // The router decodes path parameters itself: `%ff` is a URIError (status 400, not marked `expose`).
  if (e instanceof URIError) {
    return new HttpProblem(400, 'malformed-url', 'Malformed URL', `the request path is not valid percent-encoding: ${e.message}`, [{ field: 'path', message: 'invalid percent-encoding' }]);
  }
  if (typeof e.status === 'number' && e.status >= 400 && e.status < 500 && e.expose) {
    return new HttpProblem(e.status, 'bad-request', 'Bad request', e.message);
  }
  if (e.message?.includes('Multipart') || e.message?.includes('Unexpected end of form') || e.message?.includes('Malformed part header')) {
    return new HttpProblem(400, 'malformed-multipart', 'Malformed multipart body', e.message);
  }
  logger.error({ err }, 'unhandled error');
  return new HttpProblem(500, 'internal-error', 'Internal server error', 'the server failed to handle the request; it has been logged');
}
