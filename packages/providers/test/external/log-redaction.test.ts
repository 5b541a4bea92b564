import { ProviderUnauthorizedError } from '@mpp/resilience';
import { capturingLogger, providerConfig } from './support';

const KEYS = { MATHPIX_APP_KEY: 'mpx-SECRET-key-1', ANTHROPIC_API_KEY: 'sk-ant-SECRET-2', GEMINI_API_KEY: 'AIza-SECRET-3' };

describe('key material never reaches a log line', () => {
  it('redacts the configuration, request headers and SDK options wherever they are logged', () => {
    const { logger, lines } = capturingLogger();
    const config = providerConfig({ MATHPIX_APP_ID: 'app-id', ...KEYS });
    logger.info({ config }, 'config');
    logger.info({ env: config.env }, 'env');
    logger.warn({ headers: { app_id: 'app-id', app_key: KEYS.MATHPIX_APP_KEY, 'content-type': 'application/json' } }, 'request');
    logger.warn({ req: { headers: { authorization: `Bearer ${KEYS.ANTHROPIC_API_KEY}` } } }, 'sdk request');
    logger.info({ options: { apiKey: KEYS.GEMINI_API_KEY } }, 'sdk options');
    logger.error({ err: new ProviderUnauthorizedError('mathpix', 401, 'MATHPIX_APP_ID and MATHPIX_APP_KEY') }, 'unauthorized');
    expect(lines).toHaveLength(6);
    const all = lines.join('\n');
    for (const secret of Object.values(KEYS)) expect(all).not.toContain(secret);
    expect(all).toContain('[redacted]');
    expect(all).toContain('check MATHPIX_APP_ID and MATHPIX_APP_KEY');
  });
});
