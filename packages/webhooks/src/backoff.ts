/**
 * Retry timing: exponential backoff with jitter (base * 2^(n-1), each delay drawn within +-20%),
 * and the receiver's `Retry-After` (seconds or an HTTP date) when it sends one. With the default
 * 12 attempts and a 40 s base the retries span about a day (sum of base * 2^k for k < 11 ~ 22.7 h).
 */
export const MAX_RETRY_AFTER_MS = 24 * 3600 * 1000;

export function backoffDelayMs(retry: number, baseMs: number, random: () => number = Math.random): number {
  const exp = baseMs * 2 ** Math.max(0, retry - 1);
  return Math.round(exp * (0.8 + 0.4 * random()));
}

/** Milliseconds asked by a `Retry-After` header, capped at a day; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | null | undefined, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Math.min(Number(trimmed) * 1000, MAX_RETRY_AFTER_MS);
  const at = Date.parse(trimmed);
  if (Number.isNaN(at)) return undefined;
  return Math.min(Math.max(0, at - now), MAX_RETRY_AFTER_MS);
}
