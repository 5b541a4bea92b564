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

  it('pauses while the wait fits what is left of the budget, and falls back once it does not', async () => {
    const run = (budget: number) => {
      const tried: string[] = [];
      const out = runProviderChain(
        [{ name: 'mathpix' }, { name: 'local' }],
        undefined,
        async (p) => {
          tried.push(p.name);
          if (p.name === 'mathpix') throw new RateLimitedError('mathpix', 1000);
          return 'local answer';
        },
        { signal: new AbortController().signal, logger, rateLimitBudgetMs: budget },
      ).catch((e: unknown) => e);
      return { tried, out };
    };
    const fits = run(1000);
    expect(isRateLimited(await fits.out)).toBe(true);
    expect(fits.tried).toEqual(['mathpix']);
    const spent = run(999);
    const answer = (await spent.out) as { provider: string; fallback_reason: string };
    expect(spent.tried).toEqual(['mathpix', 'local']);
    expect(answer.provider).toBe('local');
    expect(answer.fallback_reason).toMatch(/^mathpix: .*rate-limit budget, so it falls back$/);
  });
});
