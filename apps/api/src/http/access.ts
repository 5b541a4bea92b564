/**
 * API-key access for the review API, the job image and the pages, when `API_KEYS` is set.
 * Programs send `Authorization: Bearer <key>` or `X-API-Key: <key>`; a browser opens a page
 * once with `?key=<key>`, which is moved into an HttpOnly, SameSite=Strict cookie (and the URL
 * cleaned), so the pages' own requests and EventSource streams carry it without scripts ever
 * seeing the key. Keys are compared through their SHA-256 in constant time. With a throttle, an
 * address that failed the check too often is refused (429) before its key is even looked at.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { AuthThrottle } from './auth-throttle';
import { HttpProblem } from './problem';

export const KEY_COOKIE = 'mpp_api_key';

function digest(s: string): Buffer {
  return createHash('sha256').update(s).digest();
}

export function isValidKey(presented: string | undefined, keys: readonly string[]): boolean {
  if (!presented) return false;
  const given = digest(presented.trim());
  let ok = false;
  for (const key of keys) ok = timingSafeEqual(given, digest(key)) || ok;
  return ok;
}

function cookieKey(req: Request): string | undefined {
  for (const part of (req.get('cookie') ?? '').split(';')) {
    const [name, ...rest] = part.trim().split('=');
    if (name === KEY_COOKIE) return decodeURIComponent(rest.join('='));
  }
  return undefined;
}

/** The key a request presents: header first, then the pages' cookie. */
export function presentedKey(req: Request): string | undefined {
  const bearer = /^Bearer\s+(.+)$/i.exec(req.get('authorization') ?? '')?.[1];
  return req.get('x-api-key') ?? bearer ?? cookieKey(req);
}

/**
 * One key check under the throttle: `refused` (the 429) before the key is read when the address
 * failed too often, else whether `presented` is valid; a failure is counted before answering.
 */
export async function checkKey(req: Request, presented: string | undefined, keys: readonly string[], throttle?: AuthThrottle): Promise<{ valid: boolean; refused?: HttpProblem }> {
  const refused = await throttle?.refusal(req);
  if (refused) return { valid: false, refused };
  if (isValidKey(presented, keys)) return { valid: true };
  await throttle?.failed(req);
  return { valid: false };
}

/** For JSON and file routes: 401 problem without a valid key (429 past the throttle). */
export function requireApiKey(keys: readonly string[], throttle?: AuthThrottle): RequestHandler {
  return async (req: Request, _res: Response, next: NextFunction) => {
    if (keys.length === 0) return next();
    const { valid, refused } = await checkKey(req, presentedKey(req), keys, throttle);
    if (valid) return next();
    next(refused ?? new HttpProblem(401, 'unauthorized', 'Unauthorized', 'send one of API_KEYS as "Authorization: Bearer <key>" or "X-API-Key: <key>"', undefined, { 'WWW-Authenticate': 'Bearer' }));
  };
}

/** For pages: `?key=` sets the cookie and redirects to the clean URL; without a key, a small sign-in form. */
export function requirePageKey(keys: readonly string[], throttle?: AuthThrottle): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    if (keys.length === 0) return next();
    const fromQuery = typeof req.query.key === 'string' ? req.query.key : undefined;
    const { valid, refused } = await checkKey(req, fromQuery ?? presentedKey(req), keys, throttle);
    if (refused) return next(refused);
    if (fromQuery !== undefined) {
      if (valid) {
        res.setHeader('Set-Cookie', `${KEY_COOKIE}=${encodeURIComponent(fromQuery)}; Path=/; HttpOnly; SameSite=Strict${req.secure ? '; Secure' : ''}`);
        const url = new URL(req.originalUrl, 'http://local');
        url.searchParams.delete('key');
        res.redirect(303, `${url.pathname}${url.search}`);
        return;
      }
    } else if (valid) {
      return next();
    }
    res.status(401).type('html').send(signInPage(fromQuery !== undefined));
  };
}

function signInPage(wrongKey: boolean): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in - mathpix-pipeline</title><link rel="stylesheet" href="/assets/app.css"></head>
<body><main class="narrow"><h1>Sign in</h1>
${wrongKey ? '<p role="alert" class="error">That key is not valid.</p>' : '<p>This server needs an API key (one of <code>API_KEYS</code>).</p>'}
<form method="get"><label for="key">API key</label> <input id="key" name="key" type="password" autocomplete="current-password" required autofocus>
<button type="submit">Continue</button></form></main></body></html>`;
}
