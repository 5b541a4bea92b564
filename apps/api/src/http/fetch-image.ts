/**
 * Downloads an `image_url` with bounded time and size. Redirects are followed by hand (at most 3),
 * each hop re-checked, so a redirect cannot lead somewhere the first URL could not go.
 */
import { HttpProblem } from './problem';
import { assertPublicUrl } from './url-guard';

export interface FetchLimits {
  maxBytes: number;
  fetchTimeoutMs: number;
  allowPrivateUrls: boolean;
}

const MAX_REDIRECTS = 3;

export async function fetchImage(url: string, limits: FetchLimits): Promise<Buffer> {
  const signal = AbortSignal.timeout(limits.fetchTimeoutMs);
  let current = url;
  try {
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      await assertPublicUrl(current, limits.allowPrivateUrls, 'image_url');
      const res = await fetch(current, { redirect: 'manual', signal, headers: { accept: 'image/png,image/jpeg,image/webp' } });
      if (res.status >= 300 && res.status < 400 && res.headers.get('location')) {
        current = new URL(res.headers.get('location')!, current).toString();
        await res.body?.cancel();
        continue;
      }
      if (!res.ok) throw new HttpProblem(422, 'image-fetch-failed', 'Image download failed', `GET ${redact(current)} answered ${res.status}`, [{ field: 'image_url', message: `HTTP ${res.status}` }]);
      const declared = Number(res.headers.get('content-length') ?? '0');
      if (declared > limits.maxBytes) throw tooLarge(limits.maxBytes);
      return await readBounded(res, limits.maxBytes);
    }
    throw new HttpProblem(422, 'image-fetch-failed', 'Image download failed', `more than ${MAX_REDIRECTS} redirects`, [{ field: 'image_url', message: 'too many redirects' }]);
  } catch (err) {
    if (err instanceof HttpProblem) throw err;
    const timedOut = signal.aborted;
    throw new HttpProblem(422, 'image-fetch-failed', 'Image download failed', timedOut ? `no complete answer within ${limits.fetchTimeoutMs} ms` : `could not download the image: ${(err as Error).message}`, [{ field: 'image_url', message: timedOut ? 'timeout' : 'unreachable' }]);
  }
}

async function readBounded(res: Response, maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  const reader = res.body?.getReader();
  if (!reader) return Buffer.alloc(0);
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw tooLarge(maxBytes);
    }
    chunks.push(Buffer.from(value));
  }
  return Buffer.concat(chunks);
}

function tooLarge(maxBytes: number): HttpProblem {
  return new HttpProblem(413, 'payload-too-large', 'Image too large', `the image at image_url exceeds ${maxBytes} bytes`, [{ field: 'image_url', message: 'too large' }]);
}

function redact(url: string): string {
  const u = new URL(url);
  u.username = '';
  u.password = '';
  u.search = u.search ? '?…' : '';
  return u.toString();
}
