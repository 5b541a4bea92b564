/**
 * Every provider says what, besides its name, changes its answers (`version`): the stage cache
 * keys B and C on it, so a new model, endpoint or engine must show in it, and a credential never.
 */
import { Redis } from 'ioredis';
import { createProviders, LocalTextProvider, LocalVisionProvider, type FormulaReader, type LocalProviders, type OcrEngine } from '@mpp/providers';
import { capturingLogger, providerConfig, REDIS_URL } from './external/support';

const redis = new Redis(REDIS_URL, { lazyConnect: true });
afterAll(() => redis.disconnect());

const KEYS = { MATHPIX_APP_ID: 'app-id-1234', MATHPIX_APP_KEY: 'mathpix-secret-5678', ANTHROPIC_API_KEY: 'sk-ant-secret-9012', GEMINI_API_KEY: 'gemini-secret-3456' };
const noLocal = { providers: { text: [], vision: [] }, close: async () => undefined } as unknown as LocalProviders;

/** The versions of the chains a worker with this environment would run, by provider name. */
function versions(env: Record<string, string> = {}): Record<string, string> {
  const set = createProviders(providerConfig({ ...KEYS, ...env }), { redis, logger: capturingLogger().logger, local: noLocal });
  return Object.fromEntries([...set.providers.text, ...set.providers.vision].map((p) => [p.name, (p as { version?: string }).version ?? '']));
}

const engine: OcrEngine = { recognize: async () => ({ text: '', confidence: 0, lines: [] }), terminate: async () => undefined };

describe('provider versions', () => {
  it('name the model and endpoint of each API, so a new model or URL is a new version', () => {
    const base = versions();
    expect(base.anthropic).toBe('claude-sonnet-4-5 at https://api.anthropic.com');
    expect(base.gemini).toBe('gemini-2.5-flash at https://generativelanguage.googleapis.com');
    expect(base.mathpix).toBe('https://api.mathpix.com');

    const changed = versions({ ANTHROPIC_MODEL: 'claude-opus-4-1', GEMINI_MODEL: 'gemini-2.5-pro', MATHPIX_API_URL: 'https://eu-central-1.api.mathpix.com' });
    for (const name of ['anthropic', 'gemini', 'mathpix']) expect(changed[name]).not.toBe(base[name]);
    expect(versions({ ANTHROPIC_BASE_URL: 'https://llm-gateway.example/anthropic' }).anthropic).toBe('claude-sonnet-4-5 at https://llm-gateway.example/anthropic');
  });

  it('never carry a credential, even one written into a URL', () => {
    const all = versions({ MATHPIX_API_URL: 'https://user:url-secret@api.mathpix.com/?app_key=query-secret', GEMINI_BASE_URL: 'https://proxy.example/?key=query-secret' });
    expect(all.mathpix).toBe('https://api.mathpix.com');
    const text = JSON.stringify(all);
    for (const secret of [...Object.values(KEYS), 'url-secret', 'query-secret']) expect(text).not.toContain(secret);
  });

  it('name the engine, language data and recogniser versions of the local providers', () => {
    const vision = new LocalVisionProvider(engine).version;
    expect(vision).toMatch(/@mpp\/providers \d+\.\d+\.\d+, tesseract\.js \d+\.\d+\.\d+, @tesseract\.js-data\/eng \d+\.\d+\.\d+/);
    expect(new LocalTextProvider(engine).version).toBe(vision);
    const reader = (threshold: number) => ({ threshold }) as unknown as FormulaReader;
    const withFormulas = new LocalTextProvider(engine, reader(0.9)).version;
    expect(withFormulas).toMatch(/^.*, @mpp\/recognizer \d+\.\d+\.\d+ at threshold 0\.9 \(rival 0\.7 \+ 0\.05, display and inline blocks\)$/);
    expect(new LocalTextProvider(engine, reader(0.8)).version).not.toBe(withFormulas);
  });
});
