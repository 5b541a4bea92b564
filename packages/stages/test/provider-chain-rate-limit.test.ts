/**
 * A provider's short rate limit (an error named `RateLimitedError` with `retryAfterMs`) is not a
 * reason to fall back: the chain lets it through so the queue layer pauses the stage's queue.
 */
import { RateLimitedError } from '@mpp/resilience';
import { isRateLimited, runProviderChain } from '../src/provider-chain';

const logger = { debug() {}, info() {}, warn() {}, error() {} };

describe('provider chain and rate limits', () => {
  it('lets a RateLimitedError through without trying the next provider', async () => {
    const tried: string[] = [];
    const chain = [{ name: 'mathpix' }, { name: 'local' }];
    const err = await runProviderChain(
      chain,
      undefined,
      async (p) => {
        tried.push(p.name);
        if (p.name === 'mathpix') throw new RateLimitedError('mathpix', 2500);
        return 'local answer';
      },
      { signal: new AbortController().signal, logger },
    ).catch((e: unknown) => e);
    expect(tried).toEqual(['mathpix']);
    expect(isRateLimited(err)).toBe(true);
    expect((err as RateLimitedError).retryAfterMs).toBe(2500);
  });

  it('still falls back for other 429-shaped failures that carry no wait', async () => {
    const out = await runProviderChain(
      [{ name: 'anthropic' }, { name: 'gemini' }],
      undefined,
      async (p) => {
        if (p.name === 'anthropic') throw Object.assign(new Error('anthropic is rate limiting us (HTTP 429)'), { code: 'rate_limited' });
        return 'gemini answer';
      },
      { signal: new AbortController().signal, logger },
    );
    expect(out).toEqual({ result: 'gemini answer', provider: 'gemini', fallback_reason: 'anthropic: anthropic is rate limiting us (HTTP 429)' });
  });
});
