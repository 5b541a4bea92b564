/**
 * The provider chain runner shared by stages B and C. The providers are small in-test doubles of
 * our own `{ name }`-shaped provider interface: what matters here is ordering, fallback and abort.
 */
import { AllProvidersFailedError, ProviderChainAbortedError, orderProviders, runProviderChain } from '../src/provider-chain';
import type { StageLogger } from '../src/context';

interface EchoProvider {
  name: string;
  answer(): Promise<string>;
}

const answers = (name: string): EchoProvider => ({ name, answer: async () => `answer from ${name}` });
const fails = (name: string, message: string): EchoProvider => ({
  name,
  answer: async () => {
    throw new Error(message);
  },
});

function recordingLogger(): StageLogger & { warnings: unknown[] } {
  const warnings: unknown[] = [];
  return { warnings, debug() {}, info() {}, error() {}, warn: (obj: object | string) => void warnings.push(obj) };
}

const run = (chain: EchoProvider[], preferred?: string[], signal = new AbortController().signal, logger = recordingLogger()) =>
  runProviderChain(chain, preferred, (p) => p.answer(), { signal, logger });

describe('runProviderChain', () => {
  it('uses the first provider when it answers, without a fallback reason', async () => {
    const out = await run([answers('mathpix'), answers('local')]);
    expect(out).toEqual({ result: 'answer from mathpix', provider: 'mathpix' });
  });

  it('falls through to the next provider when one throws and records why', async () => {
    const out = await run([fails('mathpix', 'HTTP 503 Service Unavailable'), answers('local')]);
    expect(out.provider).toBe('local');
    expect(out.result).toBe('answer from local');
    expect(out.fallback_reason).toBe('mathpix: HTTP 503 Service Unavailable');
  });

  it('lists every failed provider in the fallback reason, in the order tried', async () => {
    const out = await run([fails('mathpix', 'timeout'), fails('gemini', 'quota exceeded'), answers('local')]);
    expect(out.fallback_reason).toBe('mathpix: timeout; gemini: quota exceeded');
  });

  it('honours the preferred order and restricts the chain to the named providers', async () => {
    const calls: string[] = [];
    const chain = ['mathpix', 'local', 'other'].map((name) => ({ name, answer: async () => (calls.push(name), name) }));
    const out = await runProviderChain(chain, ['local', 'mathpix'], (p) => p.answer(), { signal: new AbortController().signal, logger: recordingLogger() });
    expect(out.provider).toBe('local');
    expect(calls).toEqual(['local']);
    expect(orderProviders(chain, ['other', 'mathpix']).map((p) => p.name)).toEqual(['other', 'mathpix']);
  });

  it('ignores unknown preferred names with a warning', async () => {
    const logger = recordingLogger();
    const out = await run([answers('mathpix'), answers('local')], ['tesseract-9000', 'local'], undefined, logger);
    expect(out.provider).toBe('local');
    expect(JSON.stringify(logger.warnings)).toContain('tesseract-9000');
  });

  it('uses the default chain when no preferred name is known', async () => {
    const logger = recordingLogger();
    const out = await run([answers('mathpix'), answers('local')], ['nope'], undefined, logger);
    expect(out.provider).toBe('mathpix');
    expect(logger.warnings.length).toBeGreaterThan(0);
  });

  it('throws AllProvidersFailedError, retryable, naming each failure, when every provider fails', async () => {
    const err = await run([fails('mathpix', 'bad key'), fails('local', 'no language data')]).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AllProvidersFailedError);
    const failed = err as AllProvidersFailedError;
    expect(failed.code).toBe('providers_exhausted');
    expect(failed.retryable).toBe(true);
    expect(failed.name).toBe('AllProvidersFailedError');
    expect(failed.failures).toEqual(['mathpix: bad key', 'local: no language data']);
  });

  it('throws AllProvidersFailedError when the chain is empty', async () => {
    await expect(run([])).rejects.toBeInstanceOf(AllProvidersFailedError);
  });

  it('does not call any provider when the signal is already aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('job cancelled'));
    const calls: string[] = [];
    const chain = [{ name: 'local', answer: async () => (calls.push('local'), 'x') }];
    const err = await run(chain, undefined, controller.signal).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderChainAbortedError);
    expect((err as ProviderChainAbortedError).message).toContain('job cancelled');
    expect(calls).toEqual([]);
  });

  it('stops between providers when the signal aborts while one runs', async () => {
    const controller = new AbortController();
    const calls: string[] = [];
    const chain: EchoProvider[] = [
      { name: 'mathpix', answer: async () => { calls.push('mathpix'); controller.abort(); throw new Error('aborted mid-request'); } },
      { name: 'local', answer: async () => { calls.push('local'); return 'late'; } },
    ];
    await expect(run(chain, undefined, controller.signal)).rejects.toBeInstanceOf(ProviderChainAbortedError);
    expect(calls).toEqual(['mathpix']);
  });
});
